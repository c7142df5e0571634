"""Announced meetings (docs/product.md §6.1): who is told, once; a change told again;
the members' answers and their rules; the reminder the day before, once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from activities.announcements.services import (
    VERB_ANNOUNCED,
    VERB_CHANGED,
    VERB_REMINDER,
    announcement_record,
    announcement_update,
    reply_give,
)
from activities.meetings.services import Mark
from activities.models import Attendance, Invitation, MeetingAnnouncement, MeetingKind, Reply
from organizations.models import Member, PartyGroup
from portal.notifications.models import Notification
from rectification.models import ReminderSent
from rectification.reminders import send_daily_reminders
from tests.activities.announcement_factories import announce, later, running_campaign
from tests.activities.factories import meeting as make_meeting
from tests.conftest import World
from tests.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def _with_login(org, n: int, prefix: str) -> list[Member]:
    return [
        MemberFactory(organization=org, user=UserFactory(username=f"{prefix}{i}")) for i in range(n)
    ]


def _notified(verb: str) -> list[int]:
    return sorted(Notification.objects.filter(verb=verb).values_list("recipient_id", flat=True))


def test_announcing_tells_exactly_the_expected_members_with_a_login_once(
    world: World, settings, django_capture_on_commit_callbacks
) -> None:
    settings.NOTIFY_BY_EMAIL = True
    own_member = Member.objects.get(user=world.member_user)
    logged = _with_login(world.own, 2, "m")
    without_login = MemberFactory(organization=world.own)
    gone = MemberFactory(organization=world.own, user=UserFactory(username="gone"), is_active=False)
    MemberFactory(organization=world.child, user=UserFactory(username="child_member"))
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        announcement = announce(world)

    invited = set(announcement.invitations.values_list("member_id", flat=True))
    assert invited == {own_member.pk, logged[0].pk, logged[1].pk, without_login.pk}
    assert gone.pk not in invited
    expected_users = sorted([world.member_user.pk, logged[0].user_id, logged[1].user_id])
    assert _notified(VERB_ANNOUNCED) == expected_users
    note = Notification.objects.filter(verb=VERB_ANNOUNCED, recipient=world.member_user).get()
    assert "学习党章" in note.title
    assert "公司三楼会议室" in note.body and "二、讨论整改措施" in note.body
    assert note.url.endswith(f"/my/meetings/{announcement.pk}/")
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [world.member_user.email, logged[0].user.email, logged[1].user.email]
    )


def test_a_party_group_meeting_invites_the_group_only(world: World) -> None:
    roster = _with_login(world.own, 3, "g")
    group = PartyGroup.objects.create(
        organization=world.own, name="一组", starts_on=timezone.localdate() - dt.timedelta(days=30)
    )
    group.members.add(roster[0], roster[1])
    announcement = announce(world, kind=MeetingKind.PARTY_GROUP, party_group=group)
    assert set(announcement.invitations.values_list("member_id", flat=True)) == {
        roster[0].pk,
        roster[1].pk,
    }
    assert _notified(VERB_ANNOUNCED) == sorted([roster[0].user_id, roster[1].user_id])


def test_a_meeting_is_announced_before_it_starts_and_by_a_recorder(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        announce(world, starts_at=timezone.now() - dt.timedelta(hours=1))
    assert "starts_at" in exc.value.error_dict
    with pytest.raises(PermissionDenied):
        announce(world, actor=world.reviewer)
    with pytest.raises(ValidationError):  # outside the campaign
        announce(world, days=400)
    assert not MeetingAnnouncement.objects.exists()
    assert not Notification.objects.filter(verb=VERB_ANNOUNCED).exists()


def test_changing_time_or_place_tells_everyone_again_and_keeps_answers(world: World) -> None:
    announcement = announce(world)
    invitation = Invitation.objects.get(announcement=announcement, member__user=world.member_user)
    reply_give(actor=world.member_user, invitation=invitation, reply=Reply.ABSENT, reason="出差")

    announcement.refresh_from_db()
    told_again = announcement_update(
        actor=world.clerk,
        announcement=announcement,
        values={"agenda": "一、学习党章"},
        version=announcement.updated_at,
    )
    assert told_again is False
    assert not Notification.objects.filter(verb=VERB_CHANGED).exists()

    announcement.refresh_from_db()
    told_again = announcement_update(
        actor=world.clerk,
        announcement=announcement,
        values={"place": "党员活动室"},
        version=announcement.updated_at,
    )
    assert told_again is True
    assert _notified(VERB_CHANGED) == [world.member_user.pk]
    changed = Notification.objects.get(verb=VERB_CHANGED)
    assert "党员活动室" in changed.body
    invitation.refresh_from_db()
    assert (invitation.reply, invitation.reason) == (Reply.ABSENT, "出差")
    announcement.refresh_from_db()
    assert announcement.changed_at is not None


def test_a_stale_change_is_refused(world: World) -> None:
    announcement = announce(world)
    old = announcement.updated_at
    announcement_update(
        actor=world.secretary, announcement=announcement, values={"place": "A"}, version=old
    )
    with pytest.raises(ValidationError) as exc:
        announcement_update(
            actor=world.secretary, announcement=announcement, values={"place": "B"}, version=old
        )
    assert exc.value.code == "stale"


def test_answer_rules(world: World) -> None:
    announcement = announce(world)
    mine = Invitation.objects.get(announcement=announcement, member__user=world.member_user)
    with pytest.raises(ValidationError) as exc:
        reply_give(actor=world.member_user, invitation=mine, reply=Reply.ABSENT, reason="  ")
    assert "reason" in exc.value.error_dict
    reply_give(actor=world.member_user, invitation=mine, reply=Reply.ABSENT, reason="出差")
    reply_give(actor=world.member_user, invitation=mine, reply=Reply.ATTEND, reason="ignored")
    mine.refresh_from_db()
    assert (mine.reply, mine.reason) == (Reply.ATTEND, "")
    # Only the invited member answers for themselves.
    with pytest.raises(PermissionDenied):
        reply_give(actor=world.secretary, invitation=mine, reply=Reply.ATTEND)
    # No answer once the meeting has started.
    MeetingAnnouncement.objects.filter(pk=announcement.pk).update(
        starts_at=timezone.now() - dt.timedelta(minutes=1)
    )
    with pytest.raises(ValidationError) as exc:
        reply_give(actor=world.member_user, invitation=mine, reply=Reply.ABSENT, reason="病假")
    assert exc.value.code == "closed"
    mine.refresh_from_db()
    assert mine.reply == Reply.ATTEND


def test_only_expected_members_are_invited_so_only_they_answer(world: World) -> None:
    MemberFactory(organization=world.child, user=UserFactory(username="below"))
    announcement = announce(world)
    assert not Invitation.objects.filter(
        announcement=announcement, member__user__username="below"
    ).exists()


def test_recording_starts_from_answers_but_keeps_the_recorders_marks(world: World) -> None:
    other = MemberFactory(organization=world.own)
    announcement = announce(world)
    mine = Invitation.objects.get(announcement=announcement, member__user=world.member_user)
    reply_give(actor=world.member_user, invitation=mine, reply=Reply.ABSENT, reason="出差")
    values = {
        "campaign": announcement.campaign,
        "kind": announcement.kind,
        "topic": announcement.topic,
        "starts_at": announcement.starts_at,
        "ends_at": announcement.ends_at,
        "place": announcement.place,
    }
    # The recorder decides: the member came after all; the other did not.
    meeting = announcement_record(
        actor=world.secretary,
        announcement=announcement,
        values=values,
        attendance={mine.member_id: Mark(True), other.pk: Mark(False, "病假")},
    )
    rows = {a.member_id: a for a in Attendance.objects.filter(meeting=meeting)}
    assert rows[mine.member_id].present is True
    assert (rows[other.pk].present, rows[other.pk].absence_reason) == (False, "病假")
    announcement.refresh_from_db()
    assert announcement.meeting == meeting
    with pytest.raises(ValidationError):
        announcement_record(
            actor=world.secretary, announcement=announcement, values=values, attendance={}
        )


# --- the reminder the day before -----------------------------------------------------------


def test_the_day_before_expected_members_are_reminded_once(
    world: World, settings, django_capture_on_commit_callbacks
) -> None:
    settings.NOTIFY_BY_EMAIL = True
    declined = _with_login(world.own, 1, "d")[0]
    running_campaign(world)
    tomorrow = announce(world, days=1)
    announce(world, days=2, topic="后天的会")  # not yet
    Invitation.objects.filter(announcement=tomorrow, member=declined).update(
        reply=Reply.ABSENT, reason="出差"
    )
    today = timezone.localdate()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        first = send_daily_reminders(today)
    with django_capture_on_commit_callbacks(execute=True):
        second = send_daily_reminders(today)

    assert first.events[VERB_REMINDER] == 1
    assert _notified(VERB_REMINDER) == [world.member_user.pk]  # not who declined
    note = Notification.objects.get(verb=VERB_REMINDER)
    assert tomorrow.topic in note.title and "公司三楼会议室" in note.body
    assert second.sent == 0 and second.already_sent == first.sent
    assert ReminderSent.objects.filter(key__startswith=f"meeting:{tomorrow.pk}:").count() == 1
    assert [m.to[0] for m in mail.outbox] == [world.member_user.email]


def test_a_meeting_moved_to_another_day_is_reminded_again_and_a_recorded_one_not(
    world: World,
) -> None:
    announcement = announce(world, days=1)
    today = timezone.localdate()
    send_daily_reminders(today)
    announcement.refresh_from_db()
    announcement_update(
        actor=world.secretary,
        announcement=announcement,
        values={"starts_at": later(2), "ends_at": later(2, 16)},
        version=announcement.updated_at,
    )
    send_daily_reminders(today + dt.timedelta(days=1))
    assert len(_notified(VERB_REMINDER)) == 2
    # Recorded: nothing more to remind.
    recorded = announce(world, days=1, topic="已记录")
    done = make_meeting(world.own, recorded.campaign, day=str(timezone.localdate()))
    MeetingAnnouncement.objects.filter(pk=recorded.pk).update(meeting=done)
    report = send_daily_reminders(today)
    assert report.events.get(VERB_REMINDER, 0) == 0
