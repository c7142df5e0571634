"""Writes for announced meetings and the members' answers (docs/product.md §6.1,
"Announcing a meeting").

Announcing writes one Invitation per member the meeting's kind expects
(activities.meetings.services.expected_roster: the holder's active roster, the committee, or the
Party group) and notifies those with a login (portal.notifications.notify: in-app now,
e-mail on commit where configured). A change of time or place is announced again to
everyone invited ("changed"). Members answer until the meeting starts. Recording the
meeting from its announcement calls activities.meetings.services.meeting_create and links the two;
the answers never write attendance themselves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext, pgettext

from organizations.models import Organization
from portal.accounts.permissions import Action, require
from portal.attachments.models import AttachmentKind
from portal.core.closed import refuse_record_if_closed
from portal.notifications.services import notify

from ..meetings.services import Mark, _check_meeting, _stale_error, expected_roster, meeting_create
from ..models import CampaignStatus, Invitation, Meeting, MeetingAnnouncement, Reply

# Fields a caller may set through announcement_create / announcement_update.
ANNOUNCEMENT_FIELDS = (
    "campaign",
    "kind",
    "party_group",
    "topic",
    "starts_at",
    "ends_at",
    "place",
    "agenda",
)

VERB_ANNOUNCED = "meeting.announced"
VERB_CHANGED = "meeting.changed"
VERB_REMINDER = "reminder.meeting_tomorrow"


# --- texts, rendered in each recipient's language ----------------------------------------


def when_text(starts_at: dt.datetime, ends_at: dt.datetime) -> str:
    start, end = timezone.localtime(starts_at), timezone.localtime(ends_at)
    if start.date() == end.date():
        return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"
    return f"{start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M}"


def _title(verb: str, topic: str, org: str) -> str:
    if verb == VERB_CHANGED:
        text = gettext("Meeting changed: %(topic)s (%(org)s)")
    elif verb == VERB_REMINDER:
        text = gettext("Meeting tomorrow: %(topic)s (%(org)s)")
    else:
        text = gettext("Meeting announced: %(topic)s (%(org)s)")
    return text % {"topic": topic, "org": org}


def _body(verb: str, when: str, place: str, agenda: str) -> str:
    lines = []
    if verb == VERB_CHANGED:
        lines.append(gettext("The time or place has changed. Check your answer."))
    lines.append(gettext("Time: %(when)s") % {"when": when})
    lines.append(gettext("Place: %(place)s") % {"place": place})
    if agenda.strip():
        lines.append(gettext("Agenda: %(agenda)s") % {"agenda": agenda.strip()})
    if verb != VERB_REMINDER:  # the reminder goes to those who did not decline
        lines.append(gettext("Tell the organization whether you will attend."))
    return "\n".join(lines)


def _call(fn: Callable[..., str], *args: Any) -> str:
    return fn(*args)


_lazy = lazy(_call, str)


def notice_texts(announcement: MeetingAnnouncement, verb: str) -> tuple[Any, Any]:
    """(title, body) as lazy strings: notify() renders them per recipient."""
    when = when_text(announcement.starts_at, announcement.ends_at)
    org = announcement.organization.short_name
    return (
        _lazy(_title, verb, announcement.topic, org),
        _lazy(_body, verb, when, announcement.place, announcement.agenda),
    )


def reply_text(invitation: Invitation) -> str:
    """The member's answer as the attendance form shows it, e.g. "本人回复：不能参加（出差）"."""
    if invitation.reply == Reply.ABSENT:
        return pgettext("own answer", "Own answer: cannot attend (%(reason)s)") % {
            "reason": invitation.reason
        }
    if invitation.reply == Reply.ATTEND:
        return pgettext("own answer", "Own answer: will attend")
    return ""


# --- checks ----------------------------------------------------------------------------------


def _as_meeting(announcement: MeetingAnnouncement) -> Meeting:
    """An unsaved Meeting with the announcement's facts: what expected_roster and the
    meeting rules (_check_meeting) read."""
    return Meeting(
        organization=announcement.organization,
        campaign=announcement.campaign,
        kind=announcement.kind,
        party_group=announcement.party_group,
        topic=announcement.topic,
        starts_at=announcement.starts_at,
        ends_at=announcement.ends_at,
        place=announcement.place,
        agenda=announcement.agenda,
    )


def _check(announcement: MeetingAnnouncement) -> None:
    announcement.full_clean(exclude=["meeting"])
    meeting = _as_meeting(announcement)
    _check_meeting(meeting)
    announcement.party_group = meeting.party_group  # dropped for other kinds
    if announcement.starts_at <= timezone.now():
        raise ValidationError(
            {"starts_at": gettext("A meeting is announced before it starts: pick a later time.")}
        )


def _sync_invitations(announcement: MeetingAnnouncement) -> list[Invitation]:
    """Invite exactly the members the meeting's kind expects now: add the missing ones,
    drop those no longer expected (their answers with them), keep the others' answers.
    Returns the invitations, with their members and users. Four queries at most."""
    expected = {
        m.pk: m for m in expected_roster(announcement.organization, _as_meeting(announcement))
    }
    refuse_record_if_closed(announcement)  # bulk writes below (activities/closing.py)
    current = {i.member_id: i for i in announcement.invitations.all()}
    gone = [i.pk for member_id, i in current.items() if member_id not in expected]
    if gone:
        Invitation.objects.filter(pk__in=gone).delete()
    new = [
        Invitation(announcement=announcement, member_id=member_id)
        for member_id in expected
        if member_id not in current
    ]
    if new:
        Invitation.objects.bulk_create(new)
    return list(
        Invitation.objects.filter(announcement=announcement)
        .select_related("member__user")
        .order_by("member__name", "pk")
    )


def _notify(
    actor: Any, announcement: MeetingAnnouncement, invitations: list[Invitation], verb: str
) -> int:
    """Notify each invited member who has a login; returns how many were notified."""
    title, body = notice_texts(announcement, verb)
    users = [i.member.user for i in invitations if i.member.user_id]
    return len(
        notify(
            users,
            verb=verb,
            title=title,
            body=body,
            url=announcement_url_for_member(announcement),
            exclude=actor,  # the announcer knows already
        )
    )


def announcement_url_for_member(announcement: MeetingAnnouncement) -> str:
    from django.urls import reverse

    return reverse("activities:my_meeting", args=[announcement.pk])


# --- writes ----------------------------------------------------------------------------------


@transaction.atomic
def announcement_create(
    *, actor: Any, organization: Organization, values: Mapping[str, Any]
) -> MeetingAnnouncement:
    """Announce a meeting `organization` will hold: invite the members its kind expects
    and notify those with a login, once. Raises PermissionDenied without RECORD on the
    organization, ValidationError for bad values (a time already past among them)."""
    require(actor, Action.RECORD, organization)
    announcement = MeetingAnnouncement(organization=organization, announced_by=actor)
    for field in ANNOUNCEMENT_FIELDS:
        if field in values:
            setattr(announcement, field, values[field])
    _check(announcement)
    announcement.save()
    _notify(actor, announcement, _sync_invitations(announcement), VERB_ANNOUNCED)
    return announcement


@transaction.atomic
def announcement_update(
    *,
    actor: Any,
    announcement: MeetingAnnouncement,
    values: Mapping[str, Any],
    version: dt.datetime | None,
) -> bool:
    """Change an announced meeting that is neither recorded nor started. The invitations
    follow a change of kind, group or day; a change of time or place is announced again
    to everyone invited ("changed", answers kept). Returns whether it was announced
    again. Stale edits are refused (ValidationError code "stale")."""
    require(actor, Action.RECORD, announcement.organization)
    current = MeetingAnnouncement.objects.select_for_update().get(pk=announcement.pk)
    if version is not None and current.updated_at != version:
        raise _stale_error()
    if current.is_recorded or current.has_started:
        raise ValidationError(
            gettext("The meeting has started or is recorded; its announcement cannot change.")
        )
    for field in ANNOUNCEMENT_FIELDS:
        if field in values:
            setattr(announcement, field, values[field])
    _check(announcement)
    moved = (announcement.starts_at, announcement.ends_at, announcement.place.strip()) != (
        current.starts_at,
        current.ends_at,
        current.place.strip(),
    )
    if moved:
        announcement.changed_at = timezone.now()
    announcement.save()
    invitations = _sync_invitations(announcement)
    if moved:
        _notify(actor, announcement, invitations, VERB_CHANGED)
    return moved


@transaction.atomic
def reply_give(*, actor: Any, invitation: Invitation, reply: str, reason: str = "") -> Invitation:
    """The invited member answers, or changes their answer, until the meeting starts.
    "Cannot attend" needs a reason. Only the member linked to the login may answer
    (PermissionDenied otherwise)."""
    locked = (
        Invitation.objects.select_for_update()
        .select_related("announcement", "member")
        .get(pk=invitation.pk)
    )
    if actor is None or locked.member.user_id != actor.pk:
        raise PermissionDenied
    if not locked.announcement.open_for_replies:
        raise ValidationError(
            gettext("The meeting has started: answers can no longer be given or changed."),
            code="closed",
        )
    reason = reason.strip()
    if reply == Reply.ABSENT and not reason:
        raise ValidationError({"reason": gettext("Say why you cannot attend.")})
    if reply not in (Reply.ATTEND, Reply.ABSENT):
        raise ValidationError({"reply": gettext("Choose whether you will attend.")})
    locked.reply = reply
    locked.reason = reason[:200] if reply == Reply.ABSENT else ""
    locked.replied_at = timezone.now()
    locked.full_clean()
    locked.save()
    return locked


@transaction.atomic
def announcement_record(
    *,
    actor: Any,
    announcement: MeetingAnnouncement,
    values: Mapping[str, Any],
    attendance: Mapping[int, Mark],
    uploads: Sequence[File[Any]] = (),
    upload_kind: str = AttachmentKind.OTHER,
) -> Meeting:
    """Record the announced meeting (activities.meetings.services.meeting_create, with the
    attendance as the recorder marked it) and link it to its announcement. Refused when
    it is recorded already."""
    require(actor, Action.RECORD, announcement.organization)
    locked = MeetingAnnouncement.objects.select_for_update().get(pk=announcement.pk)
    if locked.is_recorded:
        raise ValidationError(gettext("This meeting is recorded already."), code="recorded")
    meeting = meeting_create(
        actor=actor,
        organization=announcement.organization,
        values=values,
        attendance=attendance,
        uploads=uploads,
        upload_kind=upload_kind,
    )
    locked.meeting = meeting
    locked.save(update_fields=["meeting", "updated_at"])
    announcement.meeting = meeting
    return meeting


# --- the reminder the day before (rectification/reminders.py) -------------------------------


def meeting_eve_events(today: dt.date, event_class: Any) -> list[tuple[Any, list[Any]]]:
    """(event, recipients) for each announced meeting that starts tomorrow and is not
    recorded: its invited members with an active login, except those who answered that
    they cannot attend. The key names the meeting and its start, so a meeting moved to
    another day is reminded again, and the reminder ledger sends each once. One query."""
    tomorrow = today + dt.timedelta(days=1)
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(tomorrow, dt.time.min, tzinfo=zone)
    end = start + dt.timedelta(days=1)
    rows = (
        Invitation.objects.filter(
            announcement__starts_at__gte=start,
            announcement__starts_at__lt=end,
            announcement__meeting__isnull=True,
            announcement__organization__is_active=True,
            announcement__campaign__status=CampaignStatus.OPEN,  # docs/product.md §5.2
            member__user__is_active=True,
        )
        .exclude(reply=Reply.ABSENT)
        .select_related("announcement__organization", "member__user")
        .order_by("announcement_id", "pk")
    )
    by_announcement: dict[int, tuple[MeetingAnnouncement, list[Any]]] = {}
    for invitation in rows:
        announcement = invitation.announcement
        entry = by_announcement.setdefault(announcement.pk, (announcement, []))
        entry[1].append(invitation.member.user)
    events = []
    for announcement, users in by_announcement.values():
        title, body = notice_texts(announcement, VERB_REMINDER)
        start_key = timezone.localtime(announcement.starts_at).strftime("%Y-%m-%dT%H:%M")
        event = event_class(
            key=f"meeting:{announcement.pk}:eve:{start_key}",
            organization_id=announcement.organization_id,
            verb=VERB_REMINDER,
            title=title,
            body=body,
            url=announcement_url_for_member(announcement),
        )
        events.append((event, users))
    return events
