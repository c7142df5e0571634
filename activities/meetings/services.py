"""Writes for meetings, their attendance, shared attendance and criticism entries.

Views check the actor's rights (portal.accounts.permissions) before calling; these
services check the data. Attendance is the only source of the counts: `expected` is
the roster the list was taken from, `present` / `absent` are counted from the rows.

A special meeting whose record is submitted for review or approved is locked for its
authors (docs/product.md §7): meeting_update, meeting_delete, criticism_add and criticism_delete
raise portal.reviews.models.RecordLocked (a PermissionDenied), and portal.attachments
refuses files through Meeting.is_editable().
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from organizations.models import Member, Organization
from organizations.selectors import committee_members, party_group_members
from portal.accounts.permissions import Action, user_can
from portal.attachments.models import AttachmentKind
from portal.attachments.services import attachment_add, attachments_delete_for
from portal.core.closed import refuse_record_if_closed
from portal.progress.rollup import mark_changed
from portal.reviews.models import EDITABLE_STATUSES, RecordLocked, ReviewAction, ReviewStatus
from portal.reviews.services import review_transition

from ..models import (
    Attendance,
    Campaign,
    CriticismEntry,
    CriticismKind,
    Meeting,
    MeetingKind,
    MeetingParticipation,
)
from ..models.meetings import SpecialMeetingReview
from .selectors import attendable_by_proximity, county_path, is_ancestor_of

# Fields a caller may set through meeting_create / meeting_update.
MEETING_FIELDS = (
    "campaign",
    "kind",
    "party_group",
    "subkind",
    "topic",
    "starts_at",
    "ends_at",
    "place",
    "chair",
    "chair_name",
    "minute_taker",
    "minute_taker_name",
    "agenda",
    "content",
    "resolutions",
    "non_voting_attendees",
    "guide_name",
    "guide_organization",
    "guide_user",
    "secretary_report",
    "improvement_measures",
)


@dataclass(frozen=True)
class Mark:
    """One line of an attendance list as the user ticked it."""

    present: bool
    reason: str = ""


def roster(org: Organization) -> list[Member]:
    """The organization's active members, by name: whom the attendance list is taken
    from. Its own roster only: members of organizations below it attend through their
    own MeetingParticipation. One query."""
    return list(Member.objects.filter(organization=org, is_active=True).order_by("name", "pk"))


def expected_roster(org: Organization, meeting: Meeting) -> list[Member]:
    """Who is expected, from the meeting's kind: a branch committee meeting expects the
    committee (posts held on the meeting's day), a Party group meeting the members of
    its group, every other kind (general meeting, Party lecture, …) the whole roster.
    Two queries at most."""
    if meeting.kind == MeetingKind.BRANCH_COMMITTEE:
        return committee_members(org, timezone.localtime(meeting.starts_at).date())
    if meeting.kind == MeetingKind.PARTY_GROUP and meeting.party_group is not None:
        return party_group_members(meeting.party_group)
    return roster(org)


def attendable_roster(org: Organization, meeting: Meeting) -> list[Member]:
    """The organization's active members not already on one of the meeting's lists:
    whom its attendance at another organization's meeting is taken from. One query."""
    listed = Attendance.objects.filter(meeting=meeting).values("member_id")
    return list(
        Member.objects.filter(organization=org, is_active=True)
        .exclude(pk__in=listed)
        .order_by("name", "pk")
    )


def _stale_error() -> ValidationError:
    return ValidationError(
        _(
            "Someone else changed this record while you were editing it. Open it again "
            "to see their changes, then make yours."
        ),
        code="stale",
    )


def _review_status(meeting_id: int) -> str | None:
    """The current review status of the meeting's record (None: never submitted), read
    afresh with the review row locked, so that a submission cannot slip in between this
    check and the write that follows. One query."""
    return (
        SpecialMeetingReview.objects.select_for_update()
        .filter(meeting_id=meeting_id)
        .values_list("review_status", flat=True)
        .first()
    )


def _check_editable(meeting_id: int) -> str | None:
    """Raise RecordLocked when the meeting's record is submitted or approved; return
    its review status otherwise. One query."""
    status = _review_status(meeting_id)
    if status is not None and status not in EDITABLE_STATUSES:
        raise RecordLocked(
            _("The meeting record is submitted for review or approved; it cannot be changed.")
        )
    return status


def _check_version(current: dt.datetime, expected: dt.datetime | None) -> None:
    if expected is not None and current != expected:
        raise _stale_error()


def _check_marks(marks: Mapping[int, Mark], allowed: set[int]) -> None:
    unknown = set(marks) - allowed
    if unknown:
        raise ValidationError(
            _("Attendance was given for people who are not on this list."), code="not_on_list"
        )
    missing_reason = [
        pk for pk, mark in marks.items() if not mark.present and not mark.reason.strip()
    ]
    if missing_reason:
        raise ValidationError(
            _("Give the reason for each absence (%(n)d missing).") % {"n": len(missing_reason)},
            code="absence_reason",
        )


def _counts(
    member_ids: list[int], marks: Mapping[int, Mark], existing: dict[int, Attendance]
) -> tuple[int, int]:
    """(expected, present) of a list as it will be written by _write_rows."""
    present = 0
    for member_id in member_ids:
        mark = marks.get(member_id)
        row = existing.get(member_id)
        present += mark.present if mark is not None else (row.present if row else True)
    return len(member_ids), present


def _write_rows(
    meeting: Meeting,
    participation: MeetingParticipation | None,
    member_ids: list[int],
    marks: Mapping[int, Mark],
    existing: dict[int, Attendance],
) -> None:
    """Create or update the rows of one list; members without a mark keep their row,
    or are present when new ("all present by default"). Two queries at most (bulk
    writes: the closed campaign's guard is asked here, activities/closing.py)."""
    refuse_record_if_closed(participation or meeting)
    new: list[Attendance] = []
    changed: list[Attendance] = []
    for member_id in member_ids:
        mark = marks.get(member_id)
        row = existing.get(member_id)
        if row is None:
            row = Attendance(
                meeting=meeting, participation=participation, member_id=member_id, present=True
            )
            new.append(row)
        elif mark is not None:
            changed.append(row)
        if mark is not None:
            row.present = mark.present
            row.absence_reason = "" if mark.present else mark.reason.strip()[:200]
    if new:
        Attendance.objects.bulk_create(new)
    if changed:
        Attendance.objects.bulk_update(changed, ["present", "absence_reason"])
    if new or changed:  # bulk writes send no signals: tell the requirement roll-up
        mark_changed(
            [meeting.organization_id, participation.organization_id if participation else None],
            model=Attendance,
        )


def _set_counts(record: Meeting | MeetingParticipation, counts: tuple[int, int]) -> None:
    expected, present = counts
    record.expected_count, record.present_count = expected, present
    record.absent_count = expected - present


def _check_meeting(meeting: Meeting) -> None:
    """Rules beyond the model's clean(): the campaign covers the holder and the date,
    chair and minute-taker are the holder's members, the guide is from above."""
    org = meeting.organization
    campaign: Campaign = meeting.campaign
    errors: dict[str, Any] = {}
    if not org.path.startswith(campaign.lead_organization.path):
        errors["campaign"] = _("This organization does not take part in that campaign.")
    elif meeting.starts_at:
        day = timezone.localtime(meeting.starts_at).date()
        if not campaign.starts_on <= day <= campaign.ends_on:
            errors["starts_at"] = _(
                "The campaign runs from %(start)s to %(end)s; the meeting is outside it."
            ) % {"start": campaign.starts_on, "end": campaign.ends_on}
    for field in ("chair", "minute_taker"):
        member = getattr(meeting, field)
        if member is not None and member.organization_id != org.pk:
            errors[field] = _("Pick a member of the organization holding the meeting.")
    group = meeting.party_group
    if meeting.kind == MeetingKind.PARTY_GROUP and group is None:
        errors["party_group"] = _("Pick the Party group whose meeting this is.")
    elif group is not None and meeting.kind != MeetingKind.PARTY_GROUP:
        meeting.party_group = None
    elif group is not None and group.organization_id != org.pk:
        errors["party_group"] = _("Pick a Party group of the organization holding the meeting.")
    guide_org = meeting.guide_organization
    if guide_org is not None and (
        guide_org.pk == org.pk or not org.path.startswith(guide_org.path)
    ):
        errors["guide_organization"] = _("The guide comes from a higher-level organization.")
    if meeting.guide_user is not None and not user_can(meeting.guide_user, Action.REVIEW, org):
        errors["guide_user"] = _("Pick a reviewer or instructor responsible for this organization.")
    if errors:
        raise ValidationError(errors)


def _add_files(actor: Any, meeting: Meeting, uploads: Sequence[File[Any]], kind: str) -> None:
    for upload in uploads:
        attachment_add(
            actor=actor,
            record=meeting,
            organization=meeting.organization,
            kind=kind,
            upload=upload,
            name=upload.name or "",
        )


def _infer_phase(meeting: Meeting) -> None:
    meeting.phase = meeting.campaign.phase_on(timezone.localtime(meeting.starts_at).date())


@transaction.atomic
def meeting_create(
    *,
    actor: Any,
    organization: Organization,
    values: Mapping[str, Any],
    attendance: Mapping[int, Mark],
    uploads: Sequence[File[Any]] = (),
    upload_kind: str = AttachmentKind.OTHER,
    roster_ids: Collection[int] | None = None,
) -> Meeting:
    """Record a meeting held by `organization` with its attendance list, taken from
    those the meeting's kind expects now (expected_roster; its size is stored as the
    expected count), and any files uploaded with it. Members without a mark count as
    present; marks of roster members the kind does not expect are left out, marks of
    anyone else refused. `roster_ids`: the ids of roster(organization) when the caller
    has just read it (the form's list), else it is read again when needed. Raises
    ValidationError; nothing is written then."""
    meeting = Meeting(organization=organization, created_by=actor)
    for field in MEETING_FIELDS:
        if field in values:
            setattr(meeting, field, values[field])
    meeting.full_clean(exclude=["phase"])
    _check_meeting(meeting)
    _infer_phase(meeting)
    members = [m.pk for m in expected_roster(organization, meeting)]
    if meeting.kind in (MeetingKind.BRANCH_COMMITTEE, MeetingKind.PARTY_GROUP):
        # Marks of the organization's members the kind does not expect are left out
        # (the form lists the roster); anyone off the roster is still refused.
        if roster_ids is None:
            roster_ids = [m.pk for m in roster(organization)]
        _check_marks(attendance, set(roster_ids))
        expected = set(members)
        attendance = {pk: mark for pk, mark in attendance.items() if pk in expected}
    _check_marks(attendance, set(members))
    _set_counts(meeting, _counts(members, attendance, {}))
    meeting.save()
    _write_rows(meeting, None, members, attendance, {})
    _add_files(actor, meeting, uploads, upload_kind)
    return meeting


@transaction.atomic
def meeting_update(
    *,
    actor: Any,
    meeting: Meeting,
    values: Mapping[str, Any],
    attendance: Mapping[int, Mark],
    version: dt.datetime | None,
    uploads: Sequence[File[Any]] = (),
    upload_kind: str = AttachmentKind.OTHER,
) -> Meeting:
    """Change a meeting and its attendance marks. The list keeps the members it was
    taken with (the roster then). `version` is the `updated_at` the editor loaded;
    a different one means someone saved in between, and the edit is refused
    (ValidationError code "stale") instead of overwriting theirs. Raises RecordLocked
    while the special meeting's record is submitted or approved; a meeting with a
    review record stays a special meeting."""
    current = Meeting.objects.select_for_update().get(pk=meeting.pk)
    review_status = _check_editable(meeting.pk)
    _check_version(current.updated_at, version)
    if review_status is not None and values.get("kind", current.kind) != MeetingKind.SPECIAL:
        raise ValidationError(
            {
                "kind": _(
                    "This meeting's record has been through review; it stays a special meeting."
                )
            }
        )
    for field in MEETING_FIELDS:
        if field in values:
            setattr(meeting, field, values[field])
    meeting.full_clean(exclude=["phase"])
    _check_meeting(meeting)
    _infer_phase(meeting)
    rows = {a.member_id: a for a in meeting.attendances.filter(participation__isnull=True)}
    _check_marks(attendance, set(rows))
    _set_counts(meeting, _counts(list(rows), attendance, rows))
    meeting.save()
    _write_rows(meeting, None, list(rows), attendance, rows)
    _add_files(actor, meeting, uploads, upload_kind)
    return meeting


@transaction.atomic
def meeting_delete(*, actor: Any, meeting: Meeting) -> None:
    """Delete a meeting with its attendance, the other organizations' attendance at it,
    its criticism entries, its review record and its files (removed from storage after
    commit). Raises RecordLocked while its record is submitted or approved."""
    _check_editable(meeting.pk)
    attachments_delete_for(record=meeting)
    meeting.delete()


# --- shared attendance ------------------------------------------------------------------


def _check_participation(meeting: Meeting, org: Organization) -> None:
    """An organization attends the meetings of its ancestors (affiliation), or, by
    proximity or industry, the open meetings of a park, village/community or industry
    organization of its county (docs/product.md §6.1). One query (the county) when the
    holder is not an ancestor."""
    holder = meeting.organization
    if is_ancestor_of(holder, org):
        return
    if attendable_by_proximity(meeting, org, county_path(org)):
        return
    raise ValidationError(
        _(
            "Only meetings held by a higher-level organization of yours, or open meetings "
            "of a park, village (community) or industry organization of your county, can "
            "be recorded here."
        ),
        code="not_attendable",
    )


@transaction.atomic
def participation_create(
    *,
    actor: Any,
    organization: Organization,
    meeting: Meeting,
    attendance: Mapping[int, Mark],
    note: str = "",
) -> MeetingParticipation:
    """Record that `organization`'s members attended `meeting`, held by one of its
    ancestors or, by proximity, by a park, village/community or industry organization
    of its county (_check_participation), with their attendance taken from the organization's active roster now.
    Members already on the meeting's lists (moved since) are left out. The meeting then
    counts as held or attended for the organization. Raises ValidationError."""
    _check_participation(meeting, organization)
    if MeetingParticipation.objects.filter(meeting=meeting, organization=organization).exists():
        raise ValidationError(
            _("Your organization's attendance at this meeting is already recorded."),
            code="duplicate",
        )
    members = [m.pk for m in attendable_roster(organization, meeting)]
    _check_marks(attendance, set(members))
    participation = MeetingParticipation(
        meeting=meeting, organization=organization, note=note, recorded_by=actor
    )
    _set_counts(participation, _counts(members, attendance, {}))
    participation.full_clean()
    participation.save()
    _write_rows(meeting, participation, members, attendance, {})
    return participation


@transaction.atomic
def participation_update(
    *,
    actor: Any,
    participation: MeetingParticipation,
    attendance: Mapping[int, Mark],
    note: str,
    version: dt.datetime | None,
) -> MeetingParticipation:
    """Change the attending organization's marks and note; stale edits are refused as
    in meeting_update."""
    current = MeetingParticipation.objects.select_for_update().get(pk=participation.pk)
    _check_version(current.updated_at, version)
    rows = {a.member_id: a for a in participation.attendances.all()}
    _check_marks(attendance, set(rows))
    participation.note = note
    _set_counts(participation, _counts(list(rows), attendance, rows))
    participation.full_clean()
    participation.save()
    _write_rows(participation.meeting, participation, list(rows), attendance, rows)
    return participation


@transaction.atomic
def participation_delete(*, actor: Any, participation: MeetingParticipation) -> None:
    participation.delete()


# --- special organizational-life meeting ------------------------------------------------


@transaction.atomic
def criticism_add(
    *,
    actor: Any,
    meeting: Meeting,
    kind: str,
    by_member: Member,
    about_member: Member | None,
    points: str,
) -> CriticismEntry:
    """Add a criticism or self-criticism entry to a special organizational-life meeting.
    Both members must be on the meeting's attendance lists. Raises ValidationError, or
    RecordLocked while the meeting's record is submitted or approved."""
    if not meeting.is_special:
        raise ValidationError(
            _("Criticism entries belong to special organizational-life meetings.")
        )
    _check_editable(meeting.pk)
    if kind == CriticismKind.SELF_CRITICISM:
        about_member = None
    wanted = {by_member.pk} | ({about_member.pk} if about_member else set())
    listed = set(
        Attendance.objects.filter(meeting=meeting, member_id__in=wanted).values_list(
            "member_id", flat=True
        )
    )
    if wanted - listed:
        raise ValidationError(_("Pick members on this meeting's attendance list."))
    entry = CriticismEntry(
        meeting=meeting,
        kind=kind,
        by_member=by_member,
        about_member=about_member,
        points=points.strip(),
        created_by=actor,
    )
    entry.full_clean()
    entry.save()
    return entry


@transaction.atomic
def criticism_delete(*, actor: Any, entry: CriticismEntry) -> None:
    """Remove an entry; RecordLocked while the meeting's record is submitted or
    approved."""
    _check_editable(entry.meeting_id)
    entry.delete()


@transaction.atomic
def special_meeting_submit(*, actor: Any, meeting: Meeting) -> SpecialMeetingReview:
    """Send the special meeting's record up for review (docs/product.md §7): its review record is
    created on the first submission, and submitted (or resubmitted after a return)
    through portal.reviews.services.review_transition, which checks the actor's SUBMIT
    right (PermissionDenied), the record's completeness (ValidationError, see
    SpecialMeetingReview.review_validate_submission) and the state (IllegalTransition
    when it is already submitted or approved). On any error nothing is kept, not even
    the new review record. The meeting's row is locked first, so two first submissions
    at once cannot both create a record."""
    if not meeting.is_special:
        raise ValidationError(_("Only a special organizational-life meeting is reviewed."))
    locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
    review, _created = SpecialMeetingReview.objects.get_or_create(
        meeting=locked, defaults={"organization_id": locked.organization_id}
    )
    action = (
        ReviewAction.RESUBMIT
        if review.review_status == ReviewStatus.RETURNED
        else ReviewAction.SUBMIT
    )
    review_transition(review, action=action, actor=actor)
    return review
