"""The live checklist engine (docs/product.md §8).

Requirement *kinds* are code: the domain apps register them in `<app>/requirements.py`
with `@kind`, each with the parameters it takes (a form validating them); this module
knows nothing of their models. A campaign's requirements are data: its
`RequirementInstance` rows (portal/progress/models.py), each naming a kind, its
parameters, the phase, a label in both languages, the organization kinds it applies to,
its order and a code unique in the campaign (the roll-up's and the grid's key).
`requirements(campaign)` turns those rows into `Requirement`s, cached per process
under the campaign's `requirements_token` (changed with every instance written).

A requirement evaluates a whole *scope* at once (one organization, or every
organization of a subtree) and returns a Result per organization, so the checklist of
one organization and the grid of a county run the same code, with one or two grouped
queries per requirement whatever the scope's size.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise, lazy
from django.utils.translation import get_language
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


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
# A kind's evaluation: the scope, the instance's cleaned parameters and its phase (the
# number Scope.pending() takes).
KindFn = Callable[[Scope, Mapping[str, Any], int], dict[int, Result]]
# A kind's own check of a campaign's instances before it opens (the office's check
# page): the campaign and the cleaned parameters of each of its instances of the kind;
# returns one list of problems per instance, with a fixed number of queries.
CheckFn = Callable[[Any, list[Mapping[str, Any]]], list[list[str]]]


@dataclass(frozen=True, eq=False)
class Requirement:
    """One requirement of a campaign's checklist: a kind with its parameters (one
    RequirementInstance), ready to evaluate."""

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
    kind: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)


# --- kinds -------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Kind:
    """A parameterized requirement kind, registered by a domain app (`@kind`)."""

    code: str
    label: str | Promise
    evaluate: KindFn
    # The form validating the parameters (None: the kind takes none). Its fields are the
    # parameters; cleaned_data is what `evaluate` receives.
    params: type[forms.Form] | None
    reads: frozenset[str]
    dated: bool = False
    check: CheckFn | None = None

    def form(self, data: Mapping[str, Any] | None = None) -> forms.Form | None:
        """The parameters' form (bound to `data` when given), for a page editing an
        instance: its errors are field errors."""
        if self.params is None:
            return None
        return self.params(data=data) if data is not None else self.params()

    def clean(self, params: Mapping[str, Any] | None) -> dict[str, Any]:
        """The cleaned parameters, or ValidationError({parameter: [messages]})."""
        params = dict(params or {})
        known = set(self.params.base_fields) if self.params is not None else set()
        errors: dict[str, Any] = {
            name: [_("%(kind)s takes no parameter “%(name)s”.") % {"kind": self.code, "name": name}]
            for name in sorted(set(params) - known)
        }
        form = self.form(params)
        if form is not None and not form.is_valid():
            errors.update(form.errors.as_data())
        if errors:
            raise ValidationError(errors)
        return dict(form.cleaned_data) if form is not None else {}


_KINDS: dict[str, Kind] = {}


def kind(
    code: str,
    label: str | Promise,
    *,
    params: type[forms.Form] | None = None,
    reads: Iterable[str],
    dated: bool = False,
    check: CheckFn | None = None,
) -> Callable[[KindFn], KindFn]:
    """Register a requirement kind: `fn(scope, params, phase)` evaluates every
    organization of the scope with a fixed number of grouped queries; `reads` names
    every model it reads for any parameters (besides the organizations, the campaign
    and its phases); `check(campaign, [params, …])` finds what its parameters name
    that the campaign lacks (a standards template, a phase) before it opens."""

    def decorator(fn: KindFn) -> KindFn:
        _KINDS[code] = Kind(
            code=code,
            label=label,
            evaluate=fn,
            params=params,
            reads=frozenset(reads),
            dated=dated,
            check=check,
        )
        return fn

    return decorator


def kinds() -> dict[str, Kind]:
    return dict(_KINDS)


def get_kind(code: str) -> Kind | None:
    return _KINDS.get(code)


# --- a campaign's requirements -----------------------------------------------------------


def _pick_label(zh: str, en: str) -> str:
    lang = (get_language() or "zh-hans").lower()
    return en if lang.startswith("en") and en else zh


# A label in the language of the request, decided each time it is rendered (the
# Requirements are cached across requests and languages).
bilingual = lazy(_pick_label, str)


@dataclass(frozen=True)
class AppliesTo:
    """The organization kinds an instance applies to: `kinds` always, `with_members`
    only when the organization carries members on its own roster (a park or industry
    committee hosting members of enterprises without a Party organization,
    docs/product.md §3)."""

    kinds: frozenset[str]
    with_members: frozenset[str] = frozenset()

    def __call__(self, org: OrgInfo) -> bool:
        return org.kind in self.kinds or (org.kind in self.with_members and org.members > 0)


def build(
    *,
    code: str,
    kind_code: str,
    params: Mapping[str, Any] | None,
    phase: int,
    order: int,
    label_zh: str,
    label_en: str,
    org_kinds: Iterable[str],
    org_kinds_with_members: Iterable[str] = (),
) -> Requirement:
    """The Requirement of one instance; ValidationError when its kind is unknown or its
    parameters are invalid."""
    found = _KINDS.get(kind_code)
    if found is None:
        raise ValidationError({"kind": _("Unknown requirement kind “%s”.") % kind_code})
    cleaned = found.clean(params)
    return Requirement(
        code=code,
        label=bilingual(label_zh, label_en),
        phase=phase,
        order=order,
        evaluate=functools.partial(_call, found.evaluate, cleaned, phase),
        applies_to=AppliesTo(frozenset(org_kinds), frozenset(org_kinds_with_members)),
        reads=found.reads,
        dated=found.dated,
        kind=kind_code,
        params=cleaned,
    )


def _call(fn: KindFn, params: Mapping[str, Any], phase: int, scope: Scope) -> dict[int, Result]:
    return fn(scope, params, phase)


# {(campaign id, requirements_token): its requirements, sorted}
_LOADED: dict[tuple[int, str], list[Requirement]] = {}
_LOADED_MAX = 256


def requirements(campaign: Any) -> list[Requirement]:
    """The campaign's requirements in checklist order (phase, order, code). No query
    while this process has them for the campaign's current `requirements_token`; one
    otherwise. An instance whose kind is gone from the code or whose parameters no
    longer validate is left out and logged (a page never fails on it)."""
    key = (campaign.pk, campaign.requirements_token)
    found = _LOADED.get(key)
    if found is None:
        from .models import RequirementInstance

        rows = RequirementInstance.objects.using(campaign._state.db or "default").filter(
            campaign_id=campaign.pk
        )
        found = remember(campaign, rows)
    return list(found)  # the callers' own list: the cached one stays as it is


def remember(campaign: Any, rows: Iterable[Any]) -> list[Requirement]:
    """Keep the requirements of these instance rows as the campaign's (under its current
    token), e.g. right after writing them: no query to read them back."""
    reqs = []
    for row in rows:
        try:
            reqs.append(row.requirement())
        except ValidationError as error:
            logger.error("requirement %s of campaign %s left out: %s", row.code, campaign.pk, error)
    reqs.sort(key=lambda r: (r.phase, r.order, r.code))
    if len(_LOADED) >= _LOADED_MAX:
        _LOADED.clear()
    _LOADED[(campaign.pk, campaign.requirements_token)] = reqs
    return reqs


def read_by_any(labels: Iterable[str]) -> bool:
    """Whether some requirement kind reads records of these models."""
    changed = set(labels)
    return any(k.reads & changed for k in _KINDS.values())


def affected_by(campaign: Any, labels: Iterable[str] | None) -> set[str]:
    """The codes of the campaign's requirements whose result a change to records of
    these models ("app_label.ModelName") may change: those that read one of them, and
    those that declare nothing. None: every requirement."""
    reqs = requirements(campaign)
    if labels is None:
        return {r.code for r in reqs}
    changed = set(labels)
    return {r.code for r in reqs if r.reads is None or r.reads & changed}


def evaluate(scope: Scope, only: Iterable[str] | None = None) -> dict[int, dict[str, Result]]:
    """{organization id: {requirement code: Result}} for every organization in scope,
    over the requirements of the scope's campaign. Requirements that do not apply to an
    organization are left out of its dict."""
    return evaluate_requirements(scope, requirements(scope.campaign), only)


def evaluate_requirements(
    scope: Scope, reqs: Iterable[Requirement], only: Iterable[str] | None = None
) -> dict[int, dict[str, Result]]:
    wanted = set(only) if only is not None else None
    reqs = list(reqs)
    # Kinds sharing grouped queries (e.g. meetings) look at the evaluation's others.
    scope.shared.setdefault("requirements", reqs)
    grid: dict[int, dict[str, Result]] = {org_id: {} for org_id in scope.orgs}
    for req in reqs:
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
