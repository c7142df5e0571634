"""Writes for classifying and lifting organizations, and leadership terms
(docs/product.md §6.4).

Who may do what:
* grade an organization (annual class): `can_review` — a reviewer strictly above it or
  its instructor; the organization's own people never grade themselves;
* write an upgrade plan, its progress notes and the de-listing request, propose a
  demonstration organization, record an election: RECORD at the organization (its
  secretary or clerk); the secretary submits through portal.reviews and the higher level
  approves or returns there;
* plans, de-listing requests and proposals are locked while waiting and once approved
  (portal.reviews.is_editable); progress notes are added to an approved plan that is
  not de-listed.

Every function takes keyword-only arguments and the acting user, validates with
full_clean() and writes in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_lazy

from organizations.models import CommitteePost, CommitteeRole, Organization
from portal.accounts.models import Role, User
from portal.accounts.permissions import Action, can_review, user_can
from portal.notifications.services import notify
from portal.reviews.models import RecordLocked, ReviewStatus, is_editable
from rectification.models import StandardTemplate

from .models import (
    Delisting,
    Demonstration,
    Grade,
    Grading,
    GradingScore,
    LeadershipTerm,
    PlanReason,
    UpgradeNote,
    UpgradePlan,
    grade_for_stars,
)

STALE_MESSAGE = gettext_lazy(
    "This record was changed by someone else since you opened it; reload the page and "
    "make your changes again."
)
PLAN_FIELDS = ("year", "reason", "causes", "measures", "contact_cadre", "contact_post", "deadline")

VERB_GRADED = "upgrading.graded"


def _check(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _attribute(instance: Any, actor: Any) -> None:
    if getattr(actor, "pk", None):
        instance._history_user = actor


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def may_grade(user: Any, org: Organization) -> bool:
    return user is None or can_review(user, org)


def may_record(user: Any, org: Organization) -> bool:
    return user is None or user_can(user, Action.RECORD, org)


# --- annual classification ---------------------------------------------------------------


def _graded_title(org: str, year: int, grade: str) -> str:
    return gettext("%(org)s is graded %(grade)s for %(year)d") % {
        "org": org,
        "year": year,
        "grade": Grade(grade).label,
    }


def _graded_body(grade: str) -> str:
    if grade == Grade.LAGGING:
        return gettext("Write an upgrade plan and submit it to the higher level.")
    return ""


def _render(fn: Callable[..., str], *args: Any) -> str:
    return fn(*args)


_lazy: Callable[..., Any] = lazy(_render, str)


@transaction.atomic
def grading_save(
    *,
    actor: Any,
    organization: Organization,
    year: int,
    template: StandardTemplate,
    scores: Mapping[int, int],
    note: str = "",
    seen_updated_at: dt.datetime | None = None,
) -> Grading:
    """Grade `organization` for `year` from the item scores ({item id: score}) of the
    grading template; the class follows the template's star levels. Grading again the
    same year replaces the scores (the history keeps the earlier class). The
    organization's secretaries are told of a new or changed class."""
    _check(may_grade(actor, organization))
    items = list(template.items.order_by("order"))
    errors: dict[str, Any] = {}
    if year > timezone.localdate().year:
        errors["year"] = gettext_lazy("A year to come cannot be graded yet.")
    values: list[tuple[Any, int]] = []
    for item in items:
        raw = scores.get(item.pk)
        if raw is None:
            errors[f"item_{item.pk}"] = gettext_lazy("Score this item.")
            continue
        if raw < 0 or raw > item.points:
            errors[f"item_{item.pk}"] = gettext_lazy("Between 0 and %(points)d points.") % {
                "points": item.points
            }
            continue
        values.append((item, raw))
    if errors:
        raise ValidationError(errors)
    grading = (
        Grading.objects.select_for_update().filter(organization=organization, year=year).first()
    )
    if grading is None:
        grading = Grading(organization=organization, year=year)
    elif seen_updated_at is not None and grading.updated_at != seen_updated_at:
        raise ValidationError(STALE_MESSAGE, code="stale")
    before = grading.grade
    result = template.evaluate([(item.points, score > 0, score) for item, score in values])
    grading.template = template
    grading.score = result.score
    grading.max_score = result.max_score
    grading.grade = grade_for_stars(result.stars)
    grading.note = (note or "").strip()
    grading.graded_by = _user(actor)
    grading.full_clean(validate_unique=grading.pk is None)
    _attribute(grading, actor)
    grading.save()
    GradingScore.objects.filter(grading=grading).delete()
    GradingScore.objects.bulk_create(
        [GradingScore(grading=grading, item=item, score=score) for item, score in values]
    )
    if grading.grade != before:
        notify(
            User.objects.filter(
                is_active=True,
                role_assignments__role=Role.SECRETARY,
                role_assignments__organization=organization,
            ).order_by("pk"),
            verb=VERB_GRADED,
            title=_lazy(_graded_title, organization.short_name, year, grading.grade),
            body=_lazy(_graded_body, grading.grade),
            url=grading.get_absolute_url(),
            exclude=actor,
        )
    return grading


# --- upgrade plans -------------------------------------------------------------------------


def _assign(record: Any, fields: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"fields not settable here: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(record, name, value)


def plan_may_be_written(org: Organization, year: int, reason: str) -> bool:
    """A plan is for an organization graded lagging that year, or flagged weak and lax."""
    if reason == PlanReason.WEAK:
        return bool(org.is_weak)
    return Grading.objects.filter(organization=org, year=year, grade=Grade.LAGGING).exists()


@transaction.atomic
def plan_create(
    *, actor: Any, organization: Organization, fields: Mapping[str, Any]
) -> UpgradePlan:
    _check(may_record(actor, organization))
    plan = UpgradePlan(organization=organization, created_by=_user(actor))
    _assign(plan, fields, PLAN_FIELDS)
    plan.full_clean()
    if not plan_may_be_written(organization, plan.year, plan.reason):
        raise ValidationError(
            {
                "reason": gettext_lazy(
                    "The organization is not graded lagging that year, nor flagged weak and lax."
                )
            }
        )
    _attribute(plan, actor)
    plan.save()
    return plan


@transaction.atomic
def plan_update(
    *,
    actor: Any,
    plan: UpgradePlan,
    fields: Mapping[str, Any],
    seen_updated_at: dt.datetime | None = None,
) -> UpgradePlan:
    current: UpgradePlan = (
        UpgradePlan.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=plan.pk)
    )
    _check(may_record(actor, current.organization))
    if not is_editable(current):
        raise RecordLocked
    if seen_updated_at is not None and current.updated_at != seen_updated_at:
        raise ValidationError(STALE_MESSAGE, code="stale")
    _assign(current, {k: v for k, v in fields.items() if k not in ("year", "reason")}, PLAN_FIELDS)
    current.full_clean()
    _attribute(current, actor)
    current.save()
    return current


def _check_open(plan: UpgradePlan) -> None:
    if plan.review_status != ReviewStatus.APPROVED:
        raise ValidationError(gettext_lazy("The plan must be approved first."))
    if plan.delisted_on is not None:
        raise ValidationError(gettext_lazy("The organization is already de-listed."))


@transaction.atomic
def note_add(
    *,
    actor: Any,
    plan: UpgradePlan,
    noted_on: dt.date,
    text: str,
    new_secretary: CommitteePost | None = None,
) -> UpgradeNote:
    """A progress note on an approved plan that is not de-listed; `new_secretary`, when
    the step was the appointment of a new secretary: a secretary's committee post of
    the organization."""
    _check(may_record(actor, plan.organization))
    _check_open(plan)
    if new_secretary is not None and (
        new_secretary.organization_id != plan.organization_id
        or new_secretary.role != CommitteeRole.SECRETARY
    ):
        raise ValidationError(
            {"new_secretary": gettext_lazy("Pick a secretary's post of this organization.")}
        )
    note = UpgradeNote(
        plan=plan,
        noted_on=noted_on,
        text=text,
        new_secretary=new_secretary,
        created_by=_user(actor),
    )
    note.full_clean()
    _attribute(note, actor)
    note.save()
    return note


@transaction.atomic
def delisting_save(*, actor: Any, plan: UpgradePlan, results: str) -> Delisting:
    """Write (or, while a draft or returned, rewrite) the plan's de-listing request; the
    secretary then submits it through portal.reviews."""
    _check(may_record(actor, plan.organization))
    _check_open(plan)
    delisting = Delisting.objects.filter(plan=plan).first()
    if delisting is None:
        delisting = Delisting(plan=plan, organization=plan.organization)
    elif not is_editable(delisting):
        raise RecordLocked
    delisting.results = results
    delisting.full_clean()
    _attribute(delisting, actor)
    delisting.save()
    return delisting


# --- demonstration organizations ------------------------------------------------------------


@transaction.atomic
def demonstration_save(
    *,
    actor: Any,
    organization: Organization,
    year: int,
    reasons: str,
    demonstration: Demonstration | None = None,
) -> Demonstration:
    """Propose `organization` as a demonstration organization for `year` (or edit the
    proposal while a draft or returned); the higher level confirms it by approving."""
    _check(may_record(actor, organization))
    if demonstration is None:
        demonstration = Demonstration(organization=organization, created_by=_user(actor))
    elif not is_editable(demonstration):
        raise RecordLocked
    demonstration.year = year
    demonstration.reasons = reasons
    demonstration.full_clean()
    _attribute(demonstration, actor)
    demonstration.save()
    return demonstration


# --- leadership terms ------------------------------------------------------------------------


@transaction.atomic
def term_record(
    *,
    actor: Any,
    organization: Organization,
    elected_on: dt.date,
    term_years: int,
    note: str = "",
) -> LeadershipTerm:
    """Record an election of the organization's committee: the latest one is the
    current term."""
    _check(may_record(actor, organization))
    term = LeadershipTerm(
        organization=organization, elected_on=elected_on, term_years=term_years, note=note
    )
    term.full_clean()
    _attribute(term, actor)
    term.save()
    return term
