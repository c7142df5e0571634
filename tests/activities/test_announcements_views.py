"""Pages of announced meetings (docs/product.md §6.1): the permission matrix of each
page and action, field errors instead of failures, and pinned query counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.announcements.services import reply_give
from activities.models import Invitation, MeetingAnnouncement, Reply
from organizations.models import Member
from portal.notifications.models import Notification
from tests.activities.announcement_factories import announce, later, running_campaign
from tests.activities.factories import POSITIONS, RECORD_MATRIX, VIEW_MATRIX
from tests.conftest import World
from tests.factories import MemberFactory, UserFactory
from tests.utils import assert_constant_queries, check_matrix, client_for

pytestmark = pytest.mark.django_db

FMT = "%Y-%m-%dT%H:%M"


def _at(world: World, position: str) -> MeetingAnnouncement:
    org = getattr(world, POSITIONS[position])
    if position == "far":
        # far's own secretary does not exist in the world: the admin announces.
        return announce(world, org, actor=world.admin)
    if position in ("parent", "sibling"):
        return announce(world, org, actor=world.admin)
    return announce(world, org)


def _post_data(world: World, org: Any, **extra: Any) -> dict[str, Any]:
    lead = world.other_county if org.path.startswith(world.other_county.path) else None
    starts = later(5)
    return {
        "kind": "branch_general",
        "topic": "支部党员大会",
        "campaign": running_campaign(world, lead).pk,
        "starts_at": starts.astimezone(timezone.get_current_timezone()).strftime(FMT),
        "ends_at": (starts + dt.timedelta(hours=2))
        .astimezone(timezone.get_current_timezone())
        .strftime(FMT),
        "place": "会议室",
        "agenda": "学习",
        **extra,
    }


# --- permission matrices -------------------------------------------------------------------


@pytest.mark.parametrize("position", list(POSITIONS))
def test_announcement_list_needs_view(world: World, position: str) -> None:
    org = getattr(world, POSITIONS[position])
    url = reverse("activities:announcement_list", args=[org.pk])
    check_matrix(world, url, VIEW_MATRIX[position])


@pytest.mark.parametrize("position", list(POSITIONS))
def test_announcing_needs_record(world: World, position: str) -> None:
    org = getattr(world, POSITIONS[position])
    url = reverse("activities:announcement_create", args=[org.pk])
    check_matrix(world, url, RECORD_MATRIX[position])
    check_matrix(
        world,
        url,
        {
            persona: (302 if status == 200 else status)
            for persona, status in RECORD_MATRIX[position].items()
        },
        method="post",
        data=_post_data(world, org),
    )


@pytest.mark.parametrize("position", list(POSITIONS))
def test_announcement_detail_needs_view(world: World, position: str) -> None:
    announcement = _at(world, position)
    check_matrix(world, announcement.get_absolute_url(), VIEW_MATRIX[position])


@pytest.mark.parametrize("position", list(POSITIONS))
def test_changing_and_recording_need_record(world: World, position: str) -> None:
    announcement = _at(world, position)
    for name in ("announcement_edit", "announcement_record"):
        url = reverse(f"activities:{name}", args=[announcement.pk])
        check_matrix(world, url, RECORD_MATRIX[position])


def test_changing_by_post_needs_record(world: World) -> None:
    announcement = announce(world)
    url = reverse("activities:announcement_edit", args=[announcement.pk])
    check_matrix(
        world,
        url,
        {"anonymous": 302, "outsider": 404, "nobody": 404, "reviewer": 403, "member_user": 404},
        method="post",
        data=_post_data(world, world.own, place="新地点"),
    )
    announcement.refresh_from_db()
    assert announcement.place == "公司三楼会议室"
    response = client_for(world, "clerk").post(url, _post_data(world, world.own, place="新地点"))
    assert response.status_code == 302
    announcement.refresh_from_db()
    assert announcement.place == "新地点"


def test_the_members_page_opens_to_the_invited_member_only(world: World) -> None:
    MemberFactory(organization=world.sibling, user=UserFactory(username="sib_member"))
    announcement = announce(world)
    url = reverse("activities:my_meeting", args=[announcement.pk])
    expected = {
        "anonymous": 302,
        "nobody": 404,
        "outsider": 404,
        "office": 404,
        "reviewer": 404,
        "secretary": 404,  # reads the answers on the announcement's page instead
        "clerk": 404,
        "admin": 404,
        "member_user": 200,
    }
    check_matrix(world, url, expected)
    check_matrix(
        world, url, {**expected, "member_user": 302}, method="post", data={"reply": "attend"}
    )
    sibling_member = client_for(world, "anonymous")
    sibling_member.force_login(Member.objects.get(user__username="sib_member").user)
    assert sibling_member.get(url).status_code == 404
    assert client_for(world, "member_user").get("/my/meetings/x/").status_code == 404


# --- forms: field errors, never a failure --------------------------------------------------


def test_bad_announcement_input_gives_field_errors(world: World) -> None:
    client = client_for(world, "secretary")
    url = reverse("activities:announcement_create", args=[world.own.pk])
    past = _post_data(world, world.own)
    past["starts_at"] = (timezone.localtime() - dt.timedelta(hours=2)).strftime(FMT)
    past["ends_at"] = (timezone.localtime() - dt.timedelta(hours=1)).strftime(FMT)
    for data in (
        past,
        _post_data(world, world.own, starts_at="tomorrow", ends_at="", place=""),
        _post_data(world, world.own, campaign="999999", kind="nonsense"),
        {},
    ):
        response = client.post(url, data)
        assert response.status_code == 200
        assert response.context["form"].errors
    assert not MeetingAnnouncement.objects.exists()


def test_a_member_answers_on_their_page_and_a_missing_reason_is_a_field_error(
    world: World,
) -> None:
    announcement = announce(world)
    client = client_for(world, "member_user")
    url = reverse("activities:my_meeting", args=[announcement.pk])
    response = client.post(url, {"reply": "absent", "reason": "  "})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    response = client.post(url, {"reply": "maybe"})
    assert response.status_code == 200 and response.context["form"].errors["reply"]
    response = client.post(url, {"reply": "absent", "reason": "出差"}, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "出差" in page
    invitation = Invitation.objects.get(announcement=announcement, member__user=world.member_user)
    assert (invitation.reply, invitation.reason) == (Reply.ABSENT, "出差")


def test_after_the_start_the_member_reads_but_cannot_answer(world: World) -> None:
    announcement = announce(world)
    MeetingAnnouncement.objects.filter(pk=announcement.pk).update(
        starts_at=timezone.now() - dt.timedelta(minutes=5)
    )
    client = client_for(world, "member_user")
    url = reverse("activities:my_meeting", args=[announcement.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert b'name="reply"' not in response.content
    response = client.post(url, {"reply": "absent", "reason": "病假"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()


def test_announcing_by_the_page_notifies_and_shows_the_answers(world: World) -> None:
    client = client_for(world, "secretary")
    response = client.post(
        reverse("activities:announcement_create", args=[world.own.pk]), _post_data(world, world.own)
    )
    announcement = MeetingAnnouncement.objects.get()
    assert response["Location"] == announcement.get_absolute_url()
    assert Notification.objects.filter(
        recipient=world.member_user, verb="meeting.announced"
    ).exists()
    invitation = Invitation.objects.get(member__user=world.member_user)
    reply_give(actor=world.member_user, invitation=invitation, reply=Reply.ABSENT, reason="出差")
    page = client.get(announcement.get_absolute_url()).content.decode()
    assert "党员本人" in page and "出差" in page


def test_the_attendance_form_shows_each_answer_as_the_members_own(world: World) -> None:
    came = MemberFactory(organization=world.own, name="李来")
    announcement = announce(world)
    mine = Invitation.objects.get(announcement=announcement, member__user=world.member_user)
    reply_give(actor=world.member_user, invitation=mine, reply=Reply.ABSENT, reason="出差")
    Invitation.objects.filter(announcement=announcement, member=came).update(reply=Reply.ATTEND)
    client = client_for(world, "secretary")
    with_language = client.get(
        reverse("activities:announcement_record", args=[announcement.pk]),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    roll = with_language.context["roll"]
    assert roll[f"present_{mine.member_id}"].initial is False
    assert roll[f"reason_{mine.member_id}"].initial == "出差"
    assert roll[f"present_{came.pk}"].initial is True
    assert with_language.context["form"]["topic"].initial == announcement.topic
    page = with_language.content.decode()
    assert "本人回复：不能参加（出差）" in page
    assert "本人回复：参加" in page


# --- pinned query counts -------------------------------------------------------------------


def _grow_announcements(world: World) -> None:
    MemberFactory.create_batch(10, organization=world.own)
    for i in range(8):
        announcement = announce(world, days=2 + i, topic=f"会议{i}")
        Invitation.objects.filter(announcement=announcement).update(
            reply=Reply.ABSENT, reason="出差"
        )


def test_announcement_list_runs_a_fixed_number_of_queries(world: World) -> None:
    announce(world)
    # session, user, roles, organization, upcoming with answer counts, past with answer
    # counts, the navigation's grants and unread count
    assert_constant_queries(
        client_for(world, "secretary"),
        reverse("activities:announcement_list", args=[world.own.pk]),
        lambda: _grow_announcements(world),
        expected=8,
    )


def test_announcement_detail_runs_a_fixed_number_of_queries(world: World) -> None:
    announcement = announce(world)

    def grow() -> None:
        for member in MemberFactory.create_batch(12, organization=world.own):
            Invitation.objects.create(
                announcement=announcement, member=member, reply=Reply.ABSENT, reason="出差"
            )

    # session, user, roles, the announcement with its organization, campaign, group,
    # meeting and announcer, the invitations with their members, grants, unread count
    assert_constant_queries(
        client_for(world, "secretary"), announcement.get_absolute_url(), grow, expected=7
    )


def test_recording_form_runs_a_fixed_number_of_queries(world: World) -> None:
    announcement = announce(world)

    def grow() -> None:
        for member in MemberFactory.create_batch(12, organization=world.own):
            Invitation.objects.create(
                announcement=announcement, member=member, reply=Reply.ABSENT, reason="出差"
            )

    # session, user, roles, the announcement with its organization, campaign, group,
    # meeting and announcer; as for a new meeting: campaigns, Party groups, roster,
    # the committee (1: holders and the fallback in one query, #20; was 3), guide
    # accounts, grants for the guide's organization; plus the invitations with their
    # answers (1); then the navigation's grants and unread count
    assert_constant_queries(
        client_for(world, "secretary"),
        reverse("activities:announcement_record", args=[announcement.pk]),
        grow,
        expected=13,
    )


def test_members_page_runs_a_fixed_number_of_queries(world: World) -> None:
    announcement = announce(world)
    # session, user, roles, the invitation with its announcement, organization, meeting
    # and member, grants, unread count
    assert_constant_queries(
        client_for(world, "member_user"),
        reverse("activities:my_meeting", args=[announcement.pk]),
        lambda: _grow_announcements(world),
        expected=6,
    )


def test_the_site_administrator_reads_announcements_in_the_admin(world: World) -> None:
    announcement = announce(world)
    changelist = reverse("admin:activities_meetingannouncement_changelist")
    detail = reverse("admin:activities_meetingannouncement_change", args=[announcement.pk])
    admin_client = client_for(world, "admin")
    assert admin_client.get(changelist).status_code == 200
    page = admin_client.get(detail)
    assert page.status_code == 200 and "党员本人" in page.content.decode()
    for persona in ("anonymous", "secretary"):
        response = client_for(world, persona).get(changelist)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
