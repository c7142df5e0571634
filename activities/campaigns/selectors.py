"""Reads of the campaign pages: what the check finds incomplete before a campaign opens,
and the history of an open campaign (docs/product.md §5.3)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Prefetch, prefetch_related_objects
from django.utils.translation import gettext as _

from portal.progress.engine import get_kind
from portal.progress.models import RequirementInstance

from ..models import Campaign, Phase


@dataclass(frozen=True)
class Problem:
    """One thing the check found: where (settings, phases, requirements) and what."""

    where: str
    message: str


def _label(row: RequirementInstance) -> str:
    """The label to quote inside “…”: its own double quotes become single ones, as
    Chinese nests quotation marks (任务“‘八有’验收通过”)."""
    return nested_quotes(row.label or row.code)


def nested_quotes(text: str) -> str:
    return text.replace("“", "‘").replace("”", "’")


def campaign_problems(campaign: Campaign) -> list[Problem]:
    """What keeps the campaign from opening: no phases, a phase outside the campaign's
    dates, overlapping phases, no requirements, a requirement whose kind is unknown or
    whose parameters its kind refuses, one in a phase the campaign lacks, one applying
    to no kind of organization, and what each kind's own check finds (a standards
    template that does not exist or that the campaign does not use, a phase it counts
    within that does not exist). Two queries, and each kind's own check's (the
    standards template: two)."""
    problems: list[Problem] = []
    # Loaded once for this function and the kinds' own checks.
    prefetch_related_objects([campaign], "phases")
    phases = sorted(campaign.phases.all(), key=lambda p: (p.starts_on, p.number))
    numbers = {p.number for p in phases}
    if not phases:
        problems.append(Problem("phases", _("The campaign has no phases.")))
    for phase in phases:
        if phase.starts_on < campaign.starts_on or phase.ends_on > campaign.ends_on:
            problems.append(
                Problem(
                    "phases",
                    _("Phase %(n)d (%(name)s) lies outside the campaign's dates.")
                    % {"n": phase.number, "name": phase.name},
                )
            )
    for before, after in pairwise(phases):
        if after.starts_on <= before.ends_on:
            problems.append(
                Problem(
                    "phases",
                    _("Phases %(a)d and %(b)d overlap.") % {"a": before.number, "b": after.number},
                )
            )
    rows = list(RequirementInstance.objects.filter(campaign=campaign).order_by("phase", "order"))
    if not rows:
        problems.append(Problem("requirements", _("The campaign has no requirements.")))
    to_check: dict[str, list[tuple[RequirementInstance, dict[str, Any]]]] = {}
    for row in rows:
        what = _("Requirement “%(label)s”:") % {"label": _label(row)}
        found = get_kind(row.kind)
        if found is None:
            problems.append(
                Problem(
                    "requirements",
                    f"{what} " + _("its kind “%(kind)s” is unknown.") % {"kind": row.kind},
                )
            )
            continue
        try:
            cleaned = found.clean(row.params)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                for message in messages:
                    problems.append(Problem("requirements", f"{what} {name}: {message}"))
            continue
        if row.phase not in numbers:
            problems.append(
                Problem(
                    "requirements",
                    f"{what} "
                    + _("it belongs to phase %(n)d, which the campaign does not have.")
                    % {"n": row.phase},
                )
            )
        if not row.org_kinds and not row.org_kinds_with_members:
            problems.append(
                Problem("requirements", f"{what} " + _("it applies to no kind of organization."))
            )
        if found.check is not None:
            to_check.setdefault(row.kind, []).append((row, cleaned))
    for kind_code, pairs in to_check.items():
        check = get_kind(kind_code).check  # type: ignore[union-attr]
        assert check is not None
        for (row, _cleaned), found_problems in zip(
            pairs, check(campaign, [c for _r, c in pairs]), strict=True
        ):
            what = _("Requirement “%(label)s”:") % {"label": _label(row)}
            problems.extend(Problem("requirements", f"{what} {p}") for p in found_problems)
    return problems


# --- history -----------------------------------------------------------------------------


@dataclass
class Change:
    """One entry of a campaign's history: who, when, what (added, changed, removed) and,
    for a change, each field before → after."""

    at: dt.datetime
    user: Any
    subject: str  # "the campaign", "phase 2 …", "requirement …"
    action: str  # "+" added, "~" changed, "-" removed
    fields: list[tuple[str, str, str]] = field(default_factory=list)


# Fields of each history shown (the others are bookkeeping).
_CAMPAIGN_FIELDS = (
    "name_zh",
    "name_en",
    "starts_on",
    "ends_on",
    "min_counseling_per_member",
    "min_study_exchanges",
    "funding_standard",
    "grade_scale",
    "satisfaction_threshold",
    "is_active",
    "status",
)
_PHASE_FIELDS = ("number", "name_zh", "name_en", "starts_on", "ends_on")
_REQUIREMENT_FIELDS = (
    "kind",
    "params",
    "phase",
    "label_zh",
    "label_en",
    "org_kinds",
    "org_kinds_with_members",
    "order",
)


def _show(value: Any) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_show(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _entries(
    records: Iterable[Any],
    fields: tuple[str, ...],
    model: type[models.Model],
    subject: Any,
    since: dt.datetime,
    sets: dict[str, Any] | None = None,
) -> list[Change]:
    """Entries from one model's history rows, oldest first: each change compared with
    the same row's previous version (no query). `sets`: more things to compare, by
    label, each read from a history row by a function (a prefetched many-to-many)."""
    sets = sets or {}
    names = {f: str(getattr(model._meta.get_field(f), "verbose_name", f)) for f in fields}
    # Fields with choices show their labels (a status reads "open", in the user's language).
    labels = {
        f: {k: str(v) for k, v in getattr(model._meta.get_field(f), "flatchoices", None) or ()}
        for f in fields
    }

    def show(f: str, value: Any) -> str:
        return labels[f].get(value) or _show(value) if isinstance(value, str) else _show(value)

    previous: dict[Any, Any] = {}
    out: list[Change] = []
    for record in records:
        before = previous.get(record.id)
        previous[record.id] = record
        if record.history_date < since:
            continue
        change = Change(record.history_date, record.history_user, subject(record), "")
        if record.history_type == "+":
            change.action = "+"
        elif record.history_type == "-":
            change.action = "-"
        else:
            change.action = "~"
            for f in fields:
                new = getattr(record, f)
                old = getattr(before, f) if before is not None else None
                if before is None or old != new:
                    change.fields.append(
                        (names[f], show(f, old) if before is not None else "—", show(f, new))
                    )
            for label, read in sets.items():
                new_set = read(record)
                old_set = read(before) if before is not None else ""
                if new_set != old_set:
                    change.fields.append((label, old_set or "—", new_set or "—"))
            if not change.fields:
                continue
        out.append(change)
    return out


def waiting_reviews(campaign: Campaign) -> int:
    """How many of the campaign's records wait for a review decision: once the campaign
    is closed they cannot be decided (docs/product.md §5.2). A review task carries its
    record's campaign end (`wait_ends_on`) and organization. One query."""
    from portal.reviews.models import ReviewTask

    return (
        ReviewTask.objects.waiting()
        .filter(
            wait_ends_on=campaign.ends_on,
            organization__path__startswith=campaign.lead_organization.path,
        )
        .count()
    )


def _left_out_names(record: Any) -> str:
    """The organizations a campaign's history row left out, by name, in tree order."""
    rows = sorted(
        (row.organization for row in record.left_out_rows if row.organization is not None),
        key=lambda org: org.path,
    )
    return "、".join(org.short_name or org.full_name for org in rows)


def campaign_history(campaign: Campaign, limit: int = 50) -> list[Change]:
    """The changes to the campaign's settings, phases and requirements since it opened,
    newest first (at most `limit`). Three queries (the history of each, with its
    users), whatever the number of phases, requirements or changes."""
    if campaign.opened_at is None:
        return []
    since = campaign.opened_at
    changes: list[Change] = []
    left_out_rows = apps.get_model("activities", "HistoricalCampaign_excluded_organizations")
    campaign_records = (
        Campaign.history.filter(id=campaign.pk)
        .select_related("history_user")
        .prefetch_related(
            Prefetch(
                "historicalcampaign_excluded_organizations_set",
                queryset=left_out_rows.objects.select_related("organization"),
                to_attr="left_out_rows",
            )
        )
    )
    changes += _entries(
        campaign_records.order_by("history_date", "history_id"),
        _CAMPAIGN_FIELDS,
        Campaign,
        lambda r: _("the campaign's settings"),
        since,
        sets={str(_("organizations left out")): _left_out_names},
    )
    phase_records = Phase.history.filter(campaign_id=campaign.pk).select_related("history_user")
    changes += _entries(
        phase_records.order_by("history_date", "history_id"),
        _PHASE_FIELDS,
        Phase,
        lambda r: _("phase %(n)d (%(name)s)") % {"n": r.number, "name": r.name_zh},
        since,
    )
    requirement_records = RequirementInstance.history.filter(
        campaign_id=campaign.pk
    ).select_related("history_user")
    changes += _entries(
        requirement_records.order_by("history_date", "history_id"),
        _REQUIREMENT_FIELDS,
        RequirementInstance,
        lambda r: _("requirement “%(label)s”") % {"label": nested_quotes(r.label_zh)},
        since,
    )
    changes.sort(key=lambda c: c.at, reverse=True)
    return changes[:limit]
