from __future__ import annotations

import pytest
from django.urls import reverse

from activities.models import CounselingRecord
from activities.seed import ensure_campaign_2014
from organizations.models import Member
from portal.attachments.models import Attachment
from portal.attachments.services import attachment_add
from tests.activities.factories import (
    POSITIONS,
    RECORD_MATRIX,
    VIEW_MATRIX,
    campaign_for,
    counseling,
    members,
)
from tests.attachments.files import png_bytes, upload
from tests.conftest import World
from tests.utils import assert_constant_queries, check_matrix, client_for

pytestmark = pytest.mark.django_db

# Only the logged-in party member has a member record of their own.
OWN_PAGES = {
    "anonymous": 302, "nobody": 404, "outsider": 404, "office": 404, "reviewer": 404,
    "instructor": 404, "secretary": 404, "clerk": 404, "member_user": 200, "admin": 404,
}  # fmt: skip


def record_at(world: World, position: str) -> CounselingRecord:
    org_name = POSITIONS[position]
    root = world.other_county if org_name == "far" else world.county
    campaign = ensure_campaign_2014(root)
    return counseling(members(getattr(world, org_name), 1), campaign)[0]


def own_member(world: World) -> Member:
    return Member.objects.get(user=world.member_user)


# --- permission matrices --------------------------------------------------------------


@pytest.mark.parametrize("position", list(POSITIONS))
def test_counseling_list_needs_view_and_add_needs_record(world: World, position: str) -> None:
    org_name = POSITIONS[position]
    org = getattr(world, org_name)
    ensure_campaign_2014(world.other_county if org_name == "far" else world.county)
    check_matrix(world, reverse("activities:counseling_list", args=[org.pk]), VIEW_MATRIX[position])
    check_matrix(
        world, reverse("activities:counseling_add", args=[org.pk]), RECORD_MATRIX[position]
    )


@pytest.mark.parametrize("position", list(POSITIONS))
def test_member_and_record_pages_need_view(world: World, position: str) -> None:
    record = record_at(world, position)
    check_matrix(
        world,
        reverse("activities:counseling_member", args=[record.member_id]),
        VIEW_MATRIX[position],
    )
    check_matrix(
        world, reverse("activities:counseling_detail", args=[record.pk]), VIEW_MATRIX[position]
    )


@pytest.mark.parametrize("position", list(POSITIONS))
def test_edit_delete_and_upload_need_record(world: World, position: str, media_root) -> None:
    record = record_at(world, position)
    for name in ("counseling_edit", "counseling_delete"):
        check_matrix(
            world, reverse(f"activities:{name}", args=[record.pk]), RECORD_MATRIX[position]
        )
    check_matrix(
        world,
        reverse("activities:counseling_attachments", args=[record.pk]),
        RECORD_MATRIX[position],
        method="post",
    )


def test_my_study_pages_are_for_a_linked_member_only(world: World) -> None:
    campaign_for(world)
    check_matrix(world, reverse("activities:my_study"), OWN_PAGES)
    check_matrix(world, reverse("activities:my_study_add"), OWN_PAGES)


def test_a_member_sees_and_adds_notes_to_their_own_record_only(world: World, media_root) -> None:
    campaign = campaign_for(world)
    mine = counseling(own_member(world), campaign)[0]
    other = counseling(members(world.own, 1), campaign)[0]
    client = client_for(world, "member_user")
    assert client.get(reverse("activities:counseling_detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("activities:counseling_detail", args=[other.pk])).status_code == 404
    notes = {"att-kind": "study_notes", "att-files": [upload("心得体会.txt", "学习心得".encode())]}
    response = client.post(reverse("activities:counseling_attachments", args=[mine.pk]), notes)
    assert response.status_code == 302
    attachment = Attachment.objects.for_record(mine).get()
    assert attachment.kind == "study_notes" and attachment.uploaded_by == world.member_user
    # The member may download and remove their own notes, through the generic views.
    assert client.get(reverse("attachments:download", args=[attachment.pk])).status_code == 200
    notes = {"att-kind": "study_notes", "att-files": [upload("b.txt", b"x")]}
    url = reverse("activities:counseling_attachments", args=[other.pk])
    assert client.post(url, notes).status_code == 404
    foreign = attachment_add(
        actor=None, record=other, organization=world.own, kind="study_notes",
        upload=upload("c.png", png_bytes()), name="c.png",
    )  # fmt: skip
    assert client.get(reverse("attachments:download", args=[foreign.pk])).status_code == 404
    # Editing and deleting stay with RECORD holders, even for the member's own record.
    for name in ("counseling_edit", "counseling_delete"):
        assert client.get(reverse(f"activities:{name}", args=[mine.pk])).status_code == 404
    assert client.post(reverse("attachments:delete", args=[attachment.pk])).status_code == 302
    assert not Attachment.objects.filter(pk=attachment.pk).exists()


def test_a_member_records_a_session_for_themselves(world: World) -> None:
    campaign = campaign_for(world)
    client = client_for(world, "member_user")
    response = client.post(
        reverse("activities:my_study_add"),
        {
            "campaign": campaign.pk,
            "date": "2014-04-20",
            "mode": "self_study",
            "topic": "自学党章",
            "hours": "1.5",
            "members": [m.pk for m in members(world.own, 1)],  # ignored: own only
        },
    )
    record = CounselingRecord.objects.get()
    assert response["Location"] == record.get_absolute_url()
    assert record.member == own_member(world) and record.recorded_by == world.member_user
    page = client.get(reverse("activities:my_study")).content.decode()
    assert "自学党章" in page and "minimum reached" in page


# --- behaviour ------------------------------------------------------------------------


def test_the_same_session_for_many_members_at_once(world: World) -> None:
    campaign = campaign_for(world)
    a, b, c = members(world.child, 3)
    client = client_for(world, "clerk")
    url = reverse("activities:counseling_add", args=[world.child.pk])
    response = client.post(
        url,
        {
            "members": [a.pk, c.pk],
            "campaign": campaign.pk,
            "date": "2014-04-18",
            "mode": "concentrated",
            "topic": "集中宣讲",
            "hours": "3",
        },
    )
    assert response["Location"] == reverse("activities:counseling_list", args=[world.child.pk])
    assert set(CounselingRecord.objects.values_list("member_id", flat=True)) == {a.pk, c.pk}
    listing = client.get(response["Location"], {"uncovered": "on"})
    assert [m.pk for m in listing.context["members"]] == [b.pk]
    coverage = listing.context["coverage"]
    assert (coverage.covered, coverage.total) == (2, 3)


def test_the_add_form_ticks_the_member_it_was_opened_for(world: World) -> None:
    campaign_for(world)
    _a, b = members(world.child, 2)
    url = reverse("activities:counseling_add", args=[world.child.pk]) + f"?member={b.pk}"
    form = client_for(world, "clerk").get(url).context["form"]
    assert form["members"].value() == [b.pk]


def test_a_member_of_another_organization_cannot_be_slipped_into_the_batch(
    world: World,
) -> None:
    campaign = campaign_for(world)
    stranger = members(world.sibling, 1)[0]
    members(world.child, 1)
    response = client_for(world, "secretary").post(
        reverse("activities:counseling_add", args=[world.child.pk]),
        {
            "members": [stranger.pk],
            "campaign": campaign.pk,
            "date": "2014-04-18",
            "mode": "online",
            "topic": "x",
            "hours": "1",
        },
    )
    assert response.status_code == 200 and response.context["form"].errors["members"]
    assert not CounselingRecord.objects.exists()


def test_edit_and_delete(world: World) -> None:
    campaign = campaign_for(world)
    record = counseling(members(world.child, 1), campaign)[0]
    client = client_for(world, "secretary")
    response = client.post(
        reverse("activities:counseling_edit", args=[record.pk]),
        {"date": "2014-05-02", "mode": "online", "topic": "网上学习", "hours": "1"},
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.topic == "网上学习"
    response = client.post(reverse("activities:counseling_delete", args=[record.pk]))
    assert response["Location"] == reverse("activities:counseling_member", args=[record.member_id])
    assert not CounselingRecord.objects.exists()


def test_bad_input_never_gives_a_500(world: World) -> None:
    campaign = campaign_for(world)
    record = counseling(members(world.child, 1), campaign)[0]
    client = client_for(world, "secretary")
    url = reverse("activities:counseling_list", args=[world.child.pk])
    assert client.get(url, {"campaign": "abc", "uncovered": "maybe"}).status_code == 200
    assert client.get(url, {"campaign": "99999"}).status_code == 200
    add = reverse("activities:counseling_add", args=[world.child.pk])
    assert client.get(add, {"member": "abc"}).status_code == 200
    bad = {"members": ["x"], "campaign": "y", "date": "2014-02-30", "hours": "-1", "mode": "?"}
    assert client.post(add, bad).status_code == 200
    edit = reverse("activities:counseling_edit", args=[record.pk])
    assert (
        client.post(
            edit, {"date": "2015-01-01", "mode": "online", "topic": "x", "hours": "1"}
        ).status_code
        == 200
    )
    assert client.get("/campaign/study/99999/").status_code == 404
    assert client.get("/campaign/members/99999/study/").status_code == 404


# --- pinned query counts ------------------------------------------------------------------


def test_counseling_list_runs_a_fixed_number_of_queries(world: World) -> None:
    campaign = campaign_for(world)
    counseling(members(world.child, 2), campaign)
    client = client_for(world, "secretary")
    url = reverse("activities:counseling_list", args=[world.child.pk])

    def grow() -> None:
        roster = members(world.child, 20)
        counseling(roster, campaign, day="2014-04-20")
        counseling(roster[:10], campaign, day="2014-05-20")

    # session, user, organization, grants, campaigns, members with sessions and hours,
    # roles, unread notifications.
    assert_constant_queries(client, url, grow, expected=8)


def test_member_sessions_and_record_pages_run_a_fixed_number_of_queries(
    world: World, media_root
) -> None:
    campaign = campaign_for(world)
    member = members(world.child, 1)[0]
    record = counseling(member, campaign)[0]
    client = client_for(world, "secretary")
    member_url = reverse("activities:counseling_member", args=[member.pk])
    record_url = record.get_absolute_url()

    def grow() -> None:
        for i in range(10):
            counseling(member, campaign, day=f"2014-05-{i + 1:02d}")
            attachment_add(
                actor=None, record=record, organization=world.child, kind="study_notes",
                upload=upload(f"{i}.png", png_bytes()), name=f"{i}.png",
            )  # fmt: skip

    client.get(record_url)  # the first request of a process also caches ContentType rows
    # session, user, member with organization, grants, sessions with campaigns and file
    # counts, roles, unread notifications.
    assert_constant_queries(client, member_url, grow, expected=7)
    # session, user, record (member, organization, campaign, recorder), grants,
    # attachments, roles, unread notifications.
    assert assert_constant_queries(client, record_url, lambda: None) == 7


def test_my_study_runs_a_fixed_number_of_queries(world: World) -> None:
    campaign = campaign_for(world)
    member = own_member(world)
    counseling(member, campaign)
    client = client_for(world, "member_user")

    def grow() -> None:
        for i in range(10):
            counseling(member, campaign, day=f"2014-05-{i + 1:02d}")

    # session, user, own member with organization, campaigns, sessions with campaigns
    # and file counts, grants and roles (navigation), unread notifications.
    assert_constant_queries(client, reverse("activities:my_study"), grow, expected=8)
