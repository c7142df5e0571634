"""The live checklist engine (docs/product.md §8).

Domain apps declare requirements in `<app>/requirements.py` with `@register`; this
module knows nothing of their models. A requirement evaluates a whole *scope* at once
(one organization, or every organization of a subtree) and returns a Result per
organization, so the checklist of one organization and the grid of a county run the
same code, with one or two grouped queries per requirement whatever the scope's size.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, cast

from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise


class Level(StrEnum):
    GREEN = "green"
    # The record that meets the requirement is submitted and waits for the higher
    # level's review: a step forward from "not met" (the organization has done its
    # part), never a step back from "met"; shown amber, counted as done in the
    # organization's own figures (DONE_LEVELS), not as met.
    WAITING = "waiting"
    AMBER = "amber"
    RED = "red"


# Levels counted in an organization's "done" figure ("6 of 14 done, 1 of them waiting
# for review"): a submit never lowers it.
DONE_LEVELS = frozenset({Level.GREEN, Level.WAITING})


# What Scope.pending() answers when the roll-up evaluates (Scope.defer_pending): "not
# met", amber or red depending on the day it is read (portal/progress/rollup.py).
PENDING: Any = "pending"


@dataclass(frozen=True, slots=True)
class Result:
    level: Level
    reason: str
    fix_url: str = ""


@dataclass(frozen=True, slots=True)
class OrgInfo:
    """What a requirement may know about an organization without querying it."""

    id: int
    path: str
    kind: str
    is_weak: bool
    members: int  # active members on the roster


@dataclass
class Scope:
    """The organizations being evaluated and how to filter records down to them.

    `q(prefix)` filters any model with an organization FK reachable as `prefix`
    (e.g. "organization" or "meeting__organization") to the scope: one indexed
    `path LIKE 'p%'` for a subtree, one `= id` for a single organization.
    """

    campaign: Any
    orgs: dict[int, OrgInfo]
    root_path: str | None = None
    # None: today's date (local time zone).
    today: dt.date = None  # type: ignore[assignment]
    # {phase number: end date}, read once from the campaign's phases (phase_over is
    # asked for every cell of a grid).
    _phase_ends: dict[int, dt.date] | None = field(default=None, repr=False, compare=False)
    # Roll-up evaluation (portal/progress/rollup.py): pending() answers PENDING instead of
    # amber/red, and requirements whose result changes with the date alone note the day
    # it changes in `changes` (note_change).
    defer_pending: bool = False
    changes: dict[int, dt.date] | None = None
    # What several requirements of one evaluation read alike, computed once (e.g. the
    # meetings held per kind): requirement modules keep their own keys here.
    shared: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.today is None:
            self.today = timezone.localdate()

    def q(self, prefix: str = "organization") -> Q:
        if self.root_path is not None:
            return Q(**{f"{prefix}__path__startswith": self.root_path})
        return Q(**{f"{prefix}_id__in": list(self.orgs)})

    @property
    def as_of(self) -> dt.date:
        """Past campaigns are judged as they stood at their end (Campaign.as_of)."""
        as_of: dt.date = self.campaign.as_of(self.today)
        return as_of

    def phase_over(self, number: int) -> bool:
        """Today is past the phase's end (for the last phase: the campaign's end)."""
        if self._phase_ends is None:
            ends: dict[int, dt.date] = {}
            for phase in self.campaign.phases.all():
                ends.setdefault(phase.number, phase.ends_on)
            self._phase_ends = ends
        end: dt.date = self._phase_ends.get(number, self.campaign.ends_on)
        return self.today > end

    def pending(self, number: int) -> Level:
        """The level of an unmet requirement: amber while its phase is open, red after."""
        if self.defer_pending:
            return cast(Level, PENDING)  # a marker the roll-up resolves by date
        return Level.RED if self.phase_over(number) else Level.AMBER

    @property
    def tracks_changes(self) -> bool:
        return self.changes is not None

    def note_change(self, org_id: int, day: dt.date) -> None:
        """The organization's results may change on `day` without any record changing
        (e.g. an item passes its deadline): the roll-up recomputes it then."""
        if self.changes is not None:
            known = self.changes.get(org_id)
            if known is None or day < known:
                self.changes[org_id] = day


EvaluateFn = Callable[[Scope], dict[int, Result]]


@dataclass(frozen=True)
class Requirement:
    code: str
    label: str | Promise
    phase: int
    order: int
    evaluate: EvaluateFn
    applies_to: Callable[[OrgInfo], bool]
    # The models ("app_label.ModelName") whose records the evaluation reads, besides the
    # organizations and the campaign: a change to any other model cannot change this
    # requirement's result, so the roll-up does not re-evaluate it (rollup.refresh).
    # None: not declared, re-evaluated after any change.
    reads: frozenset[str] | None = None
    # Its result may change with the date alone (it calls Scope.note_change): evaluated
    # whenever its organization's row is, so the row's next date of change is known.
    dated: bool = False


_REGISTRY: dict[str, Requirement] = {}


def register(
    code: str,
    label: str | Promise,
    *,
    phase: int,
    order: int,
    applies_to: Callable[[OrgInfo], bool] | None = None,
    reads: Iterable[str] | None = None,
    dated: bool = False,
) -> Callable[[EvaluateFn], EvaluateFn]:
    def decorator(fn: EvaluateFn) -> EvaluateFn:
        _REGISTRY[code] = Requirement(
            code=code,
            label=label,
            phase=phase,
            order=order,
            evaluate=fn,
            applies_to=applies_to or (lambda org: True),
            reads=frozenset(reads) if reads is not None else None,
            dated=dated,
        )
        return fn

    return decorator


def requirements() -> list[Requirement]:
    return sorted(_REGISTRY.values(), key=lambda r: (r.phase, r.order, r.code))


def affected_by(labels: Iterable[str]) -> set[str]:
    """The codes of the requirements whose result a change to records of these models
    ("app_label.ModelName") may change: those that read one of them, and those that
    declare nothing."""
    changed = set(labels)
    return {r.code for r in _REGISTRY.values() if r.reads is None or r.reads & changed}


def evaluate(scope: Scope, only: Iterable[str] | None = None) -> dict[int, dict[str, Result]]:
    """{organization id: {requirement code: Result}} for every organization in scope.
    Requirements that do not apply to an organization are left out of its dict."""
    wanted = set(only) if only is not None else None
    grid: dict[int, dict[str, Result]] = {org_id: {} for org_id in scope.orgs}
    for req in requirements():
        if wanted is not None and req.code not in wanted:
            continue
        applicable = [o for o in scope.orgs.values() if req.applies_to(o)]
        if not applicable:
            continue
        results = req.evaluate(scope)
        for org in applicable:
            result = results.get(org.id)
            if result is not None:
                grid[org.id][req.code] = result
    return grid
