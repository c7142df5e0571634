"""Writes for the phase 2 records (docs/product.md §6.2): one-to-one talks, self-examination
statements and the democratic appraisal.

Every service takes keyword-only arguments and the acting user, checks the actor's
authority through portal.accounts.permissions (PermissionDenied otherwise), validates
with full_clean() and writes in one transaction. Edits carry the `updated_at` the user
saw when opening the form; a mismatch means someone else saved in between and the edit
is refused (docs/product.md §11).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from organizations.models import Member
from portal.accounts.models import Role, User
from portal.accounts.permissions import Action, can_review, user_can
from portal.core.closed import refuse_record_if_closed
from portal.core.text import join_list
from portal.notifications.services import notify
from portal.progress.rollup import mark_changed
from portal.reviews.models import RecordLocked, ReviewAction, ReviewStatus, is_editable
from portal.reviews.services import review_transition

from ..models import (
    AppraisalApproval,
    AppraisalEvent,
    AppraisalGrade,
    AppraisalResult,
    AppraisalSession,
    EventKind,
    OneToOneTalk,
    SelfExamination,
    SessionStatus,
)
from ..models.phase2 import grade_cap

STALE_MESSAGE = _(
    "This record was changed by someone else since you opened it; reload the page and "
    "make your changes again."
)

TALK_FIELDS = (
    "talked_on",
    "initiator_member",
    "initiator_name",
    "partner_member",
    "partner_name",
    "form",
    "place",
    "summary",
)
STATEMENT_FIELDS = ("problems", "causes", "rectification", "methods")
SESSION_FIELDS = ("starts_on", "ends_on", "expected", "present", "unable_count", "unable_note")


def _check(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _refuse_if_stale(current: Any, seen_updated_at: dt.datetime | None) -> None:
    if seen_updated_at is not None and current.updated_at != seen_updated_at:
        raise ValidationError(STALE_MESSAGE, code="stale")


def _assign(instance: Any, fields: Mapping[str, Any], allowed: Iterable[str]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"{type(instance).__name__} fields not settable here: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(instance, name, value)


def _user_or_none(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


# --- one-to-one talks ----------------------------------------------------------------------


@transaction.atomic
def talk_create(
    *, actor: Any, organization: Any, campaign: Any, fields: Mapping[str, Any]
) -> OneToOneTalk:
    """Record a talk (RECORD at the organization). Queries: 1 insert (plus the members'
    organization checks when not already loaded)."""
    _check(user_can(actor, Action.RECORD, organization))
    talk = OneToOneTalk(
        organization=organization, campaign=campaign, recorded_by=_user_or_none(actor)
    )
    _assign(talk, fields, TALK_FIELDS)
    talk.full_clean()
    talk.save()
    return talk


@transaction.atomic
def talk_update(
    *,
    actor: Any,
    talk: OneToOneTalk,
    fields: Mapping[str, Any],
    seen_updated_at: dt.datetime | None = None,
) -> OneToOneTalk:
    """Edit a talk (RECORD at its organization); refused when someone saved in between."""
    current: OneToOneTalk = (
        OneToOneTalk.objects.select_for_update(of=("self",))
        .select_related("organization", "campaign")
        .get(pk=talk.pk)
    )
    _check(user_can(actor, Action.RECORD, current.organization))
    _refuse_if_stale(current, seen_updated_at)
    _assign(current, fields, TALK_FIELDS)
    current.full_clean()
    current.save()
    return current


@transaction.atomic
def talk_delete(*, actor: Any, talk: OneToOneTalk) -> None:
    """Delete a talk (RECORD at its organization)."""
    _check(user_can(actor, Action.RECORD, talk.organization))
    OneToOneTalk.objects.filter(pk=talk.pk).delete()


# --- self-examination statements -----------------------------------------------------------


def _attribute(instance: Any, actor: Any) -> None:
    """The simple-history row names the actor outside web requests too."""
    if getattr(actor, "pk", None):
        instance._history_user = actor


@transaction.atomic
def statement_create(
    *, actor: Any, organization: Any, campaign: Any, subject: str, fields: Mapping[str, Any]
) -> SelfExamination:
    """Write the team's or the secretary's statement as a draft (RECORD). One per
    subject, organization and campaign (ValidationError naming the duplicate)."""
    _check(user_can(actor, Action.RECORD, organization))
    statement = SelfExamination(
        organization=organization,
        campaign=campaign,
        subject=subject,
        created_by=_user_or_none(actor),
    )
    _assign(statement, fields, STATEMENT_FIELDS)
    statement.full_clean()
    _attribute(statement, actor)
    statement.save()
    return statement


@transaction.atomic
def statement_update(
    *,
    actor: Any,
    statement: SelfExamination,
    fields: Mapping[str, Any],
    seen_updated_at: dt.datetime | None = None,
) -> SelfExamination:
    """Edit a statement (RECORD) while it is a draft or returned; RecordLocked (a 403)
    while it is submitted or approved, ValidationError when someone saved in between."""
    current: SelfExamination = (
        SelfExamination.objects.select_for_update(of=("self",))
        .select_related("organization", "campaign")
        .get(pk=statement.pk)
    )
    _check(user_can(actor, Action.RECORD, current.organization))
    if not is_editable(current):
        raise RecordLocked
    _refuse_if_stale(current, seen_updated_at)
    _assign(current, fields, STATEMENT_FIELDS)
    current.full_clean()
    _attribute(current, actor)
    current.save()
    return current


# --- democratic appraisal: sessions ------------------------------------------------------


def _locked_session(session: AppraisalSession) -> AppraisalSession:
    locked: AppraisalSession = (
        AppraisalSession.objects.select_for_update(of=("self",))
        .select_related("organization", "campaign")
        .get(pk=session.pk)
    )
    return locked


def _require_open(session: AppraisalSession) -> None:
    if not session.is_open:
        raise ValidationError(
            _("The appraisal is closed; reopen it before changing it."), code="closed"
        )


@transaction.atomic
def appraisal_session_create(
    *, actor: Any, organization: Any, campaign: Any, fields: Mapping[str, Any]
) -> AppraisalSession:
    """Open the organization's democratic appraisal for a campaign (RECORD). One per
    organization and campaign. Queries: the uniqueness check, 2 inserts."""
    _check(user_can(actor, Action.RECORD, organization))
    session = AppraisalSession(
        organization=organization, campaign=campaign, created_by=_user_or_none(actor)
    )
    _assign(session, fields, SESSION_FIELDS)
    session.full_clean()
    session.save()
    AppraisalEvent.objects.create(
        session=session, kind=EventKind.OPENED, actor=_user_or_none(actor)
    )
    return session


@transaction.atomic
def appraisal_session_update(
    *,
    actor: Any,
    session: AppraisalSession,
    fields: Mapping[str, Any],
    seen_updated_at: dt.datetime | None = None,
) -> AppraisalSession:
    """Edit the session's dates and attendance (RECORD, session open). Lowering `present`
    below a member's vote total is refused, naming the member."""
    current = _locked_session(session)
    _check(user_can(actor, Action.RECORD, current.organization))
    _refuse_if_stale(current, seen_updated_at)
    _require_open(current)
    _assign(current, fields, SESSION_FIELDS)
    current.full_clean()
    over = [
        r.member.name
        for r in current.results.select_related("member")
        if r.total_votes > current.present
    ]
    if over:
        raise ValidationError(
            {
                "present": _("Fewer present than the votes already counted for: %(names)s.")
                % {"names": join_list(over)}
            }
        )
    current.save()
    return current


@dataclass
class TallyEntry:
    """What the tally page submits for one member."""

    votes: dict[str, int] = field(default_factory=dict)
    determination: AppraisalGrade | None = None
    absent: bool = False
    feedback_given: bool = False
    handling: str = ""


def appraisal_roster(session: AppraisalSession) -> list[Member]:
    """The members the session appraises: the organization's active members, plus any
    member who has a result in it though no longer on the roster. One query."""
    from django.db.models import Q

    return list(
        Member.objects.filter(organization_id=session.organization_id)
        .filter(Q(is_active=True) | Q(appraisal_results__session=session))
        .distinct()
        .order_by("name", "pk")
    )


@transaction.atomic
def appraisal_tallies_save(
    *,
    actor: Any,
    session: AppraisalSession,
    entries: Mapping[int, TallyEntry],
    seen_updated_at: dt.datetime | None = None,
) -> list[AppraisalResult]:
    """Save the tally of several members at once (RECORD, session open), keyed by member
    id. Validates every entry first (votes against the campaign's grade codes and the
    number present, the determination against the campaign's scale, members of the
    organization) and raises one ValidationError keyed "m<member id>" per bad entry;
    writes nothing unless all are valid. Bumps the session's `updated_at`, the version
    the tally page carries.

    Queries, whatever the number of members: lock the session (1), the grades (1), the
    members (1), the existing results (1), one bulk insert and one bulk update, and the
    session's update (1)."""
    current = _locked_session(session)
    _check(user_can(actor, Action.RECORD, current.organization))
    _refuse_if_stale(current, seen_updated_at)
    _require_open(current)
    grades = list(AppraisalGrade.objects.filter(campaign_id=current.campaign_id))
    current._grades = grades  # type: ignore[attr-defined]  # read by AppraisalResult.clean(): no query per row
    grade_ids = {g.pk for g in grades}
    codes = [g.code for g in grades]
    members = {m.pk: m for m in Member.objects.filter(pk__in=list(entries))}
    existing = {r.member_id: r for r in AppraisalResult.objects.filter(session=current)}
    now = timezone.now()
    errors: dict[str, list[str]] = {}
    to_create: list[AppraisalResult] = []
    to_update: list[AppraisalResult] = []
    for member_id, entry in entries.items():
        member = members.get(member_id)
        key = f"m{member_id}"
        if member is None or member.organization_id != current.organization_id:
            errors[key] = [str(_("Pick a member of this organization."))]
            continue
        result = existing.get(member_id) or AppraisalResult(session=current, member=member)
        result.session = current
        result.member = member
        result.votes = dict(entry.votes)
        result.determination = entry.determination
        result.absent = entry.absent
        result.feedback_given = entry.feedback_given
        result.handling = entry.handling
        result.updated_at = now
        try:
            result.votes = result.clean_votes(codes, current.present)
            if entry.absent and result.votes:
                raise ValidationError(_("An absent member gets no votes."))
            if entry.determination is not None:
                if entry.absent:
                    raise ValidationError(_("An absent member gets no determination."))
                if entry.determination.pk not in grade_ids:
                    raise ValidationError(_("Pick a grade of this campaign's scale."))
            # Members, the grade and uniqueness are checked above against rows loaded
            # once; full_clean() checks the remaining fields without a query per row.
            result.full_clean(
                exclude=["session", "member", "determination"],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as exc:
            errors[key] = exc.messages
            continue
        (to_update if result.pk else to_create).append(result)
    if errors:
        raise ValidationError(errors)
    refuse_record_if_closed(current)  # bulk writes: no model guard (activities/closing.py)
    AppraisalResult.objects.bulk_create(to_create)
    AppraisalResult.objects.bulk_update(
        to_update,
        ["votes", "determination", "absent", "feedback_given", "handling", "updated_at"],
    )
    mark_changed([current.organization_id], model=AppraisalResult)  # no signals
    current.save(update_fields=["updated_at"])
    return to_create + to_update


def close_problems(
    roster: Iterable[Member],
    results: Mapping[int, AppraisalResult],
    grades: Iterable[AppraisalGrade],
) -> list[str]:
    """Why a session cannot be closed yet (empty when it can), from rows already loaded:
    active members neither appraised nor marked absent, nobody appraised at all, and
    grades over their cap (the message names the cap). No query."""
    problems: list[str] = []
    missing = [
        m.name
        for m in roster
        if m.is_active
        and (
            m.pk not in results
            or (results[m.pk].determination_id is None and not results[m.pk].absent)
        )
    ]
    if missing:
        problems.append(
            str(_("Not yet appraised or marked absent: %(names)s.") % {"names": join_list(missing)})
        )
    appraised = [r for r in results.values() if r.determination_id is not None]
    if not appraised and not missing:
        problems.append(str(_("Nobody has been appraised yet.")))
    for grade in grades:
        if grade.max_share is None:
            continue
        count = sum(1 for r in appraised if r.determination_id == grade.pk)
        allowed = grade_cap(grade.max_share, len(appraised))
        if count > allowed:
            problems.append(
                str(
                    _(
                        "At most %(cap)s of those appraised may be rated “%(grade)s”: "
                        "%(allowed)d of %(n)d, but %(count)d are."
                    )
                    % {
                        "cap": f"{grade.max_share * 100:.1f}%",
                        "grade": grade.name,
                        "allowed": allowed,
                        "n": len(appraised),
                        "count": count,
                    }
                )
            )
    return problems


def appraisal_close_problems(session: AppraisalSession) -> list[str]:
    """close_problems() for a session. Queries: the roster (1), the results (1), the
    grades (1)."""
    roster = appraisal_roster(session)
    results = {r.member_id: r for r in AppraisalResult.objects.filter(session=session)}
    grades = list(AppraisalGrade.objects.filter(campaign_id=session.campaign_id))
    return close_problems(roster, results, grades)


@transaction.atomic
def appraisal_session_close(*, actor: Any, session: AppraisalSession) -> AppraisalSession:
    """Close the session (RECORD): every active member appraised or marked absent, and
    no grade over its cap (the message names the cap). Raises ValidationError listing
    every problem otherwise. Writes the event row."""
    current = _locked_session(session)
    _check(user_can(actor, Action.RECORD, current.organization))
    problems = appraisal_close_problems(current)
    if problems:
        raise ValidationError(problems, code="cannot_close")
    current.transition(SessionStatus.CLOSED, actor=actor)
    _sync_approval(current)
    return current


def current_approval(session: AppraisalSession) -> AppraisalApproval | None:
    """The session's latest round of approval, or None. One query."""
    return session.approvals.order_by("-round").first()


def approval_entries(session: AppraisalSession) -> list[dict[str, Any]]:
    """The determinations that need the higher level's approval, by member name: the
    content of the approval record. One query."""
    results = (
        AppraisalResult.objects.filter(session=session, determination__needs_approval=True)
        .select_related("member", "determination")
        .order_by("determination__order", "member__name", "member_id")
    )
    return [
        {
            "member_id": r.member_id,
            "member": r.member.name,
            "grade": r.determination.code,
            "grade_name": str(r.determination.name),
        }
        for r in results
        if r.determination is not None  # always: filtered on the determination
    ]


def _sync_approval(session: AppraisalSession) -> AppraisalApproval | None:
    """Bring the approval record in line with the session just closed: the list of
    determinations needing approval goes into the current draft or returned round; a new
    round starts when the last one was approved (a redo after approval); a draft that
    was never submitted is dropped when nothing needs approval any more."""
    entries = approval_entries(session)
    approval = current_approval(session)
    if approval is None or approval.review_status == ReviewStatus.APPROVED:
        if not entries:
            return None
        return AppraisalApproval.objects.create(
            session=session,
            organization_id=session.organization_id,
            round=(approval.round + 1) if approval else 1,
            determinations=entries,
        )
    if approval.review_status == ReviewStatus.SUBMITTED:
        # Unreachable through the services: a submitted round blocks reopening.
        raise ValidationError(_("The determinations are waiting for approval."))
    if not entries and approval.review_status == ReviewStatus.DRAFT:
        approval.delete()
        return None
    approval.determinations = entries
    approval.save(update_fields=["determinations", "updated_at"])
    return approval


@transaction.atomic
def appraisal_session_reopen(*, actor: Any, session: AppraisalSession) -> AppraisalSession:
    """Reopen a closed session to correct it (RECORD). Not while its determinations
    wait for approval (withdraw them first) nor once they are approved (then only the
    higher level may order a redo). Writes the event row."""
    current = _locked_session(session)
    _check(user_can(actor, Action.RECORD, current.organization))
    approval = current_approval(current)
    if approval is not None and approval.review_status == ReviewStatus.SUBMITTED:
        raise ValidationError(
            _("The determinations are waiting for approval: withdraw them before reopening."),
            code="approval_pending",
        )
    if approval is not None and approval.review_status == ReviewStatus.APPROVED:
        raise ValidationError(
            _("The determinations are approved; only the higher level can order a redo."),
            code="approved",
        )
    current.transition(SessionStatus.OPEN, actor=actor)
    return current


def may_reopen(session: AppraisalSession, approval: AppraisalApproval | None) -> bool:
    return session.status == SessionStatus.CLOSED and (
        approval is None or approval.review_status in (ReviewStatus.DRAFT, ReviewStatus.RETURNED)
    )


def may_order_redo(user: Any, session: AppraisalSession) -> bool:
    """Reviewers of the organization (portal.accounts.permissions.can_review: a reviewer
    above it, or its instructor) may order a closed appraisal redone."""
    return can_review(user, session.organization)


def secretaries_of(organization: Any) -> list[Any]:
    """The active users holding the secretary role at the organization itself. One
    query."""
    return list(
        User.objects.filter(
            is_active=True,
            role_assignments__role=Role.SECRETARY,
            role_assignments__organization=organization,
        )
        .distinct()
        .order_by("pk")
    )


@transaction.atomic
def appraisal_redo_order(*, actor: Any, session: AppraisalSession, reason: str) -> AppraisalSession:
    """The higher level orders the appraisal redone ("done as a formality").

    The closed session reopens with status "redo ordered"; the reason, who and when are
    kept in an event row; determinations waiting for approval are returned through the
    review workflow with the reason as the comment (an approved round stays on record,
    and closing again starts a new round); the organization's secretaries are notified.
    Only the organization's reviewers (may_order_redo) may do this."""
    current = _locked_session(session)
    _check(may_order_redo(actor, current))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for ordering the appraisal redone.")})
    current.transition(SessionStatus.REDO, actor=actor, reason=reason)
    approval = current_approval(current)
    if approval is not None and approval.review_status == ReviewStatus.SUBMITTED:
        review_transition(approval, action=ReviewAction.RETURN, actor=actor, comment=reason)
    notify(
        secretaries_of(current.organization),
        verb="appraisal.redo_ordered",
        title=format_lazy(_("Democratic appraisal to be redone: {org}"), org=current.organization),
        body=reason,
        url=current.get_absolute_url(),
        exclude=actor,
    )
    return current
