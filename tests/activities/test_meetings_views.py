from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from activities.meetings.services import criticism_add, meeting_update, participation_create
from activities.models import (
    Attendance,
    CriticismEntry,
    CriticismKind,
    Meeting,
    MeetingKind,
    MeetingParticipation,
)
from activities.seed import ensure_campaign_2014
from portal.attachments.models import Attachment
from portal.attachments.services import attachment_add
from tests.activities.factories import (
    POSITIONS,
    RECORD_MATRIX,
    VIEW_MATRIX,
    campaign_for,
    meeting,
    members,
)
from tests.attachments.files import png_bytes, upload
from tests.conftest import World
from tests.utils import assert_constant_queries, check_matrix, client_for

pytestmark = pytest.mark.django_db


def _campaign(world: World, org_name: str):
    root = world.other_county if org_name == "far" else world.county
    return ensure_campaign_2014(root)


def meeting_at(world: World, position: str, **kwargs: Any) -> Meeting:
    org_name = POSITIONS[position]
    org = getattr(world, org_name)
    return meeting(org, _campaign(world, org_name), **kwargs)


# The attending organization at each position attends a meeting of its parent.
PARENT_OF = {"own": "park_a", "child": "own", "park_a": "working", "sibling": "park_a"}


def participation_at(world: World, position: str) -> MeetingParticipation:
    org_name = POSITIONS[position]
    org = getattr(world, org_name)
    if org_name == "far":
        held = meeting(world.other_county, _campaign(world, "far"))
    else:
        held = meeting(getattr(world, PARENT_OF[org_name]), campaign_for(world))
    return participation_create(actor=None, organization=org, meeting=held, attendance={})


# --- permission matrices: every view, own / child / parent / sibling / other county -----


@pytest.mark.parametrize("position", list(POSITIONS))
def test_meeting_list_needs_view(world: World, position: str) -> None:
    org = getattr(world, POSITIONS[position])
    check_matrix(world, reverse("activities:meeting_list", args=[org.pk]), VIEW_MATRIX[position])


@pytest.mark.parametrize("position", list(POSITIONS))
def test_meeting_create_needs_record(world: World, position: str) -> None:
    org = getattr(world, POSITIONS[position])
    _campaign(world, POSITIONS[position])
    check_matrix(
        world, reverse("activities:meeting_create", args=[org.pk]), RECORD_MATRIX[position]
    )


@pytest.mark.parametrize("position", list(POSITIONS))
def test_meeting_detail_and_history_need_view(world: World, position: str) -> None:
    m = meeting_at(world, position)
    check_matrix(world, reverse("activities:meeting_detail", args=[m.pk]), VIEW_MATRIX[position])
    check_matrix(world, reverse("activities:meeting_history", args=[m.pk]), VIEW_MATRIX[position])


@pytest.mark.parametrize("position", list(POSITIONS))
def test_meeting_edit_and_delete_pages_need_record(world: World, position: str) -> None:
    m = meeting_at(world, position)
    check_matrix(world, reverse("activities:meeting_edit", args=[m.pk]), RECORD_MATRIX[position])
    check_matrix(world, reverse("activities:meeting_delete", args=[m.pk]), RECORD_MATRIX[position])


@pytest.mark.parametrize("position", list(POSITIONS))
def test_meeting_file_upload_needs_record(world: World, position: str, media_root) -> None:
    m = meeting_at(world, position)
    # An empty post: allowed users see the form again with its error (200).
    check_matrix(
        world,
        reverse("activities:meeting_attachments", args=[m.pk]),
        RECORD_MATRIX[position],
        method="post",
    )


@pytest.mark.parametrize("position", list(POSITIONS))
def test_criticism_add_needs_record(world: World, position: str) -> None:
    m = meeting_at(world, position, kind=MeetingKind.SPECIAL, day="2014-06-20")
    check_matrix(world, reverse("activities:criticism_add", args=[m.pk]), RECORD_MATRIX[position])


@pytest.mark.parametrize("position", list(POSITIONS))
def test_criticism_delete_needs_record(world: World, position: str) -> None:
    org = getattr(world, POSITIONS[position])
    a, b = members(org, 2)
    m = meeting_at(world, position, kind=MeetingKind.SPECIAL, day="2014-06-20")
    entry = criticism_add(
        actor=None, meeting=m, kind=CriticismKind.CRITICISM, by_member=a, about_member=b,
        points="x",
    )  # fmt: skip
    refused = {k: v for k, v in RECORD_MATRIX[position].items() if v != 200}
    url = reverse("activities:criticism_delete", args=[entry.pk])
    check_matrix(world, url, refused, method="post")
    assert CriticismEntry.objects.filter(pk=entry.pk).exists()
    check_matrix(world, url, {"admin": 302}, method="post")
    assert not CriticismEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.parametrize("position", list(POSITIONS))
def test_participation_pick_page_needs_record_on_the_attending_organization(
    world: World, position: str
) -> None:
    org = getattr(world, POSITIONS[position])
    check_matrix(
        world,
        reverse("activities:participation_create", args=[org.pk]),
        RECORD_MATRIX[position],
    )


@pytest.mark.parametrize("position", list(POSITIONS))
def test_participation_pages_follow_the_attending_organization(world: World, position: str) -> None:
    p = participation_at(world, position)
    check_matrix(
        world, reverse("activities:participation_detail", args=[p.pk]), VIEW_MATRIX[position]
    )
    for name in ("participation_edit", "participation_delete"):
        check_matrix(world, reverse(f"activities:{name}", args=[p.pk]), RECORD_MATRIX[position])


def test_the_secretary_can_record_attendance_at_a_parent_meeting_they_cannot_see(
    world: World,
) -> None:
    campaign = campaign_for(world)
    held = meeting(world.park_a, campaign, topic="园区动员大会")
    client = client_for(world, "secretary")
    pick = client.get(reverse("activities:participation_create", args=[world.own.pk]))
    assert "园区动员大会" in pick.content.decode()
    url = reverse("activities:participation_create", args=[world.own.pk]) + f"?meeting={held.pk}"
    assert client.get(url).status_code == 200
    # ...but not the holder's own record of it, nor a meeting of a sibling.
    assert client.get(reverse("activities:meeting_detail", args=[held.pk])).status_code == 404
    sibling = meeting(world.sibling, campaign)
    url = reverse("activities:participation_create", args=[world.own.pk]) + f"?meeting={sibling.pk}"
    assert client.get(url).status_code == 404


# --- behaviour ----------------------------------------------------------------------------


def _meeting_post(campaign, **overrides: Any) -> dict[str, Any]:
    data = {
        "kind": MeetingKind.MOBILIZATION,
        "subkind": "",
        "topic": "动员大会",
        "campaign": campaign.pk,
        "starts_at": "2014-04-10T09:00",
        "ends_at": "2014-04-10T11:00",
        "place": "三楼会议室",
        "att-kind": "photo",
    }
    data.update(overrides)
    return data


def test_create_takes_attendance_all_present_by_default(world: World, media_root) -> None:
    campaign = campaign_for(world)
    a, b, c = members(world.child, 3)
    data = _meeting_post(campaign)
    data[f"roll-present_{a.pk}"] = "on"
    data[f"roll-present_{b.pk}"] = "on"
    data[f"roll-reason_{c.pk}"] = "出差"
    data["att-files"] = [upload("会场.png", png_bytes())]
    client = client_for(world, "clerk")
    response = client.post(reverse("activities:meeting_create", args=[world.child.pk]), data)
    m = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == m.get_absolute_url()
    assert (m.expected_count, m.present_count, m.absent_count) == (3, 2, 1)
    assert m.created_by == world.clerk
    assert Attachment.objects.for_record(m).get().original_name == "会场.png"
    page = client.get(m.get_absolute_url()).content.decode()
    assert "出差" in page and "会场.png" in page


def test_an_absentee_without_a_reason_is_sent_back_with_the_error(world: World) -> None:
    campaign = campaign_for(world)
    a = members(world.child, 1)[0]
    data = _meeting_post(campaign)  # the box for `a` is not ticked and no reason given
    response = client_for(world, "secretary").post(
        reverse("activities:meeting_create", args=[world.child.pk]), data
    )
    assert response.status_code == 200
    assert response.context["roll"].errors[f"reason_{a.pk}"]
    assert not Meeting.objects.exists()


def test_quorum_warning_is_shown_but_the_meeting_is_saved(world: World) -> None:
    campaign = campaign_for(world)
    roster = members(world.child, 2)
    m = meeting(world.child, campaign, absent={roster[0]: "病假"})
    page = client_for(world, "secretary").get(m.get_absolute_url()).content.decode()
    assert "No quorum" in page


def test_a_stale_edit_gets_a_form_error_and_changes_nothing(world: World) -> None:
    campaign = campaign_for(world)
    members(world.child, 1)
    m = meeting(world.child, campaign, topic="原议题")
    loaded = m.updated_at.isoformat()
    meeting_update(actor=None, meeting=m, values={"topic": "别人改的"}, attendance={}, version=None)
    data = _meeting_post(campaign, topic="我改的", version=loaded)
    for row in m.attendances.all():
        data[f"roll-present_{row.member_id}"] = "on"
    response = client_for(world, "secretary").post(
        reverse("activities:meeting_edit", args=[m.pk]), data
    )
    assert response.status_code == 200
    assert "Someone else changed" in str(response.context["form"].non_field_errors())
    assert Meeting.objects.get(pk=m.pk).topic == "别人改的"


def test_edit_saves_marks_and_records_history(world: World) -> None:
    campaign = campaign_for(world)
    a, b = members(world.child, 2)
    m = meeting(world.child, campaign)
    data = _meeting_post(campaign, topic="新议题", version=m.updated_at.isoformat())
    data[f"roll-present_{a.pk}"] = "on"
    data[f"roll-reason_{b.pk}"] = "值班"
    client = client_for(world, "secretary")
    response = client.post(reverse("activities:meeting_edit", args=[m.pk]), data)
    assert response.status_code == 302
    m.refresh_from_db()
    assert (m.topic, m.present_count, m.absent_count) == ("新议题", 1, 1)
    history = client.get(reverse("activities:meeting_history", args=[m.pk])).content.decode()
    assert "新议题" in history and "动员大会" in history


def test_delete_asks_first_then_deletes_on_post(world: World) -> None:
    campaign = campaign_for(world)
    members(world.child, 1)
    m = meeting(world.child, campaign)
    client = client_for(world, "clerk")
    assert client.get(reverse("activities:meeting_delete", args=[m.pk])).status_code == 200
    assert Meeting.objects.filter(pk=m.pk).exists()
    response = client.post(reverse("activities:meeting_delete", args=[m.pk]))
    assert response["Location"] == reverse("activities:meeting_list", args=[world.child.pk])
    assert not Meeting.objects.exists() and not Attendance.objects.exists()


def test_list_shows_held_and_attended_meetings_and_filters(world: World) -> None:
    campaign = campaign_for(world)
    members(world.child, 2)
    held = meeting(world.child, campaign, kind=MeetingKind.STUDY_EXCHANGE, topic="读书交流")
    above = meeting(world.own, campaign, topic="公司动员大会")
    participation_create(actor=None, organization=world.child, meeting=above, attendance={})
    meeting(world.sibling, campaign, topic="别人的会")
    client = client_for(world, "secretary")
    url = reverse("activities:meeting_list", args=[world.child.pk])
    page = client.get(url).content.decode()
    assert "读书交流" in page and "公司动员大会" in page and "别人的会" not in page
    assert "attended · held by" in page
    filtered = client.get(url, {"kind": MeetingKind.STUDY_EXCHANGE})
    assert [m.pk for m in filtered.context["page"].object_list] == [held.pk]
    phase2 = client.get(url, {"date_from": "2014-06-01"})
    assert list(phase2.context["page"].object_list) == []
    partial = client.get(url, {"kind": ""}, headers={"HX-Request": "true"})
    assert "<html" not in partial.content.decode()


def test_participation_flow_counts_for_the_attending_organization(world: World) -> None:
    campaign = campaign_for(world)
    held = meeting(world.park_a, campaign, topic="园区动员大会")
    x, y = members(world.own, 2)
    client = client_for(world, "secretary")
    url = reverse("activities:participation_create", args=[world.own.pk]) + f"?meeting={held.pk}"
    response = client.post(
        url,
        {
            "note": "集中乘车前往",
            f"roll-present_{x.pk}": "on",
            f"roll-reason_{y.pk}": "出差",
            # the world's party member is ticked present too
            **{f"roll-present_{m.pk}": "on" for m in world.own.members.filter(name="党员本人")},
        },
    )
    participation = MeetingParticipation.objects.get()
    assert response["Location"] == participation.get_absolute_url()
    assert (participation.expected_count, participation.present_count) == (3, 2)
    from activities.meetings.selectors import mobilization_held_or_attended

    assert mobilization_held_or_attended(world.own, campaign)
    detail = client.get(participation.get_absolute_url()).content.decode()
    assert "出差" in detail and "园区动员大会" in detail
    # The park's reviewer sees the attending organization on the meeting's own page.
    park_page = client_for(world, "reviewer").get(held.get_absolute_url()).content.decode()
    assert world.own.short_name in park_page


def test_criticism_entry_is_added_from_the_form(world: World) -> None:
    campaign = campaign_for(world)
    a, b = members(world.child, 2)
    m = meeting(world.child, campaign, kind=MeetingKind.SPECIAL, day="2014-06-20")
    response = client_for(world, "secretary").post(
        reverse("activities:criticism_add", args=[m.pk]),
        {"kind": "criticism", "by_member": a.pk, "about_member": b.pk, "points": "作风不实"},
    )
    assert response.status_code == 302
    assert CriticismEntry.objects.get().points == "作风不实"
    ordinary = meeting(world.child, campaign)
    assert (
        client_for(world, "secretary")
        .get(reverse("activities:criticism_add", args=[ordinary.pk]))
        .status_code
        == 404
    )


def test_special_meeting_page_shows_guide_report_and_entries(world: World) -> None:
    campaign = campaign_for(world)
    a, _b = members(world.child, 2)
    m = meeting(
        world.child,
        campaign,
        kind=MeetingKind.SPECIAL,
        day="2014-06-20",
        guide_name="赵指导",
        guide_organization=world.own,
        secretary_report="班子对照检查报告",
        improvement_measures="建立学习制度",
    )
    criticism_add(
        actor=None, meeting=m, kind=CriticismKind.SELF_CRITICISM, by_member=a,
        about_member=None, points="理论学习不够",
    )  # fmt: skip
    page = client_for(world, "reviewer").get(m.get_absolute_url()).content.decode()
    for text in ("赵指导", "班子对照检查报告", "建立学习制度", "理论学习不够"):
        assert text in page


def test_bad_input_never_gives_a_500(world: World, media_root) -> None:
    campaign = campaign_for(world)
    members(world.child, 1)
    m = meeting(world.child, campaign)
    client = client_for(world, "secretary")
    list_url = reverse("activities:meeting_list", args=[world.child.pk])
    for params in (
        {"kind": "nonsense", "phase": "x", "date_from": "not-a-date", "page": "abc"},
        {"page": "99999"},
        {"date_to": "2014-13-45"},
    ):
        assert client.get(list_url, params).status_code == 200
    create = reverse("activities:meeting_create", args=[world.child.pk])
    garbage = {
        "kind": "bogus",
        "campaign": "999",
        "starts_at": "yesterday",
        "ends_at": "",
        "chair": "abc",
        "roll-present_1": "on",
        "att-kind": "virus",
    }
    assert client.post(create, garbage).status_code == 200
    assert (
        client.post(
            reverse("activities:meeting_edit", args=[m.pk]), {"version": "garbage"}
        ).status_code
        == 200
    )
    pick = reverse("activities:participation_create", args=[world.child.pk])
    assert client.get(pick, {"meeting": "abc"}).status_code == 404
    assert client.get(pick, {"meeting": "99999"}).status_code == 404
    bad_file = {"att-kind": "photo", "att-files": [upload("x.jpg", b"not an image")]}
    response = client.post(reverse("activities:meeting_attachments", args=[m.pk]), bad_file)
    assert response.status_code == 200
    assert response.context["attachment_form"].errors["files"]
    assert client.get("/campaign/meetings/99999/").status_code == 404


def test_meeting_form_defaults_every_member_to_present(world: World) -> None:
    campaign_for(world)
    roster = members(world.child, 3)
    response = client_for(world, "secretary").get(
        reverse("activities:meeting_create", args=[world.child.pk])
    )
    html = response.content.decode()
    for member in roster:
        assert f'name="roll-present_{member.pk}" data-present="" id=' in html
    assert html.count("checked") >= 3
    assert "attendance.js" in html


# --- pinned query counts -----------------------------------------------------------------


def _warm(client, url: str) -> None:
    """The first request of a process also loads ContentType rows into Django's cache."""
    client.get(url)


def test_meeting_list_runs_a_fixed_number_of_queries(world: World) -> None:
    campaign = campaign_for(world)
    members(world.child, 2)
    meeting(world.child, campaign)
    above = meeting(world.own, campaign)
    participation_create(actor=None, organization=world.child, meeting=above, attendance={})
    client = client_for(world, "secretary")
    url = reverse("activities:meeting_list", args=[world.child.pk])

    def grow() -> None:
        for i in range(10):
            meeting(world.child, campaign, kind=MeetingKind.STUDY_SESSION, topic=f"学习{i}")
            held = meeting(world.own, campaign, topic=f"公司会议{i}")
            participation_create(actor=None, organization=world.child, meeting=held, attendance={})

    _warm(client, url)
    # session, user, organization, grants, phases (with campaigns), count, page of
    # meetings (holder, phase, own participation counts as subqueries), the navigation's
    # roles, the unread-notification count.
    assert_constant_queries(client, url, grow, expected=9)


def test_meeting_detail_runs_a_fixed_number_of_queries(world: World, media_root) -> None:
    campaign = campaign_for(world)
    roster = members(world.own, 2)
    m = meeting(world.own, campaign, kind=MeetingKind.SPECIAL, day="2014-06-20", guide_name="王")
    client = client_for(world, "secretary")
    url = m.get_absolute_url()

    def grow() -> None:
        more = members(world.own, 20)
        Attendance.objects.bulk_create(
            Attendance(meeting=m, member=x, present=False, absence_reason="外出") for x in more
        )
        for i in range(10):
            org = __import__("tests.factories", fromlist=["add_org"]).add_org(world.own)
            members(org, 1)
            participation_create(actor=None, organization=org, meeting=m, attendance={})
            attachment_add(
                actor=None, record=m, organization=world.own, kind="photo",
                upload=upload(f"{i}.png", png_bytes()), name=f"{i}.png",
            )  # fmt: skip
            criticism_add(
                actor=None, meeting=m, kind=CriticismKind.SELF_CRITICISM,
                by_member=roster[i % 2], about_member=None, points=f"第{i}条",
            )  # fmt: skip

    _warm(client, url)
    # session, user, meeting (holder, campaign, phase, chair, minute-taker, guide's
    # organization and account, creator, review record if any), grants, attendance with
    # members, other organizations' attendance, attachments, criticism entries with
    # members, roles, unread notifications. A submitted record adds its review timeline
    # (tests/activities/test_special_review.py).
    assert_constant_queries(client, url, grow, expected=10)


def test_participation_detail_runs_a_fixed_number_of_queries(world: World) -> None:
    campaign = campaign_for(world)
    held = meeting(world.park_a, campaign)
    members(world.own, 1)
    p = participation_create(actor=None, organization=world.own, meeting=held, attendance={})
    client = client_for(world, "secretary")
    url = p.get_absolute_url()

    def grow() -> None:
        Attendance.objects.bulk_create(
            Attendance(meeting=held, participation=p, member=x) for x in members(world.own, 20)
        )

    # session, user, participation (organization, meeting, holder, campaign, phase),
    # grants, attendance rows with members, roles, unread notifications.
    assert_constant_queries(client, url, grow, expected=7)


def test_meeting_history_runs_a_fixed_number_of_queries(world: World) -> None:
    campaign = campaign_for(world)
    m = meeting(world.child, campaign)
    client = client_for(world, "secretary")
    url = reverse("activities:meeting_history", args=[m.pk])

    def grow() -> None:
        for i in range(10):
            m.refresh_from_db()
            meeting_update(
                actor=world.secretary,
                meeting=m,
                values={"topic": f"第{i}稿", "ends_at": m.ends_at + dt.timedelta(minutes=i)},
                attendance={},
                version=None,
            )

    # session, user, meeting, grants, versions with their users, roles, notifications.
    assert_constant_queries(client, url, grow, expected=7)


def test_a_successful_save_does_not_work_out_the_roll_marks(world: World, monkeypatch) -> None:
    """Who each kind of meeting expects is shown beside each member on the form; a save
    that succeeds redirects without the form, so it does not work them out (two or
    three queries fewer, #20). A form sent back with errors still shows them."""
    import activities.meetings.views as views

    calls: list[int] = []
    original = views.committee_members

    def counting(org, day):
        calls.append(org.pk)
        return original(org, day)

    monkeypatch.setattr(views, "committee_members", counting)
    campaign = campaign_for(world)
    (a,) = members(world.child, 1)
    url = reverse("activities:meeting_create", args=[world.child.pk])
    client = client_for(world, "secretary")
    data = _meeting_post(campaign)
    response = client.post(url, data)  # `a` absent without a reason: sent back
    assert response.status_code == 200
    assert 'data-committee="0"' in response.content.decode() and calls == [world.child.pk]
    data[f"roll-present_{a.pk}"] = "on"
    response = client.post(url, data)
    assert response.status_code == 302 and calls == [world.child.pk]
