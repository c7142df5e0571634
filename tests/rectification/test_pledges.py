"""Pledges of the "compare three, show three" action (rectification/views_pledges.py,
services_pledges.py): the permission matrix of every view over own, child, parent,
sibling, other-park and other-county objects; the own-member rule; the public board
shows public pledges only and nothing personal; pinned query counts; bad input never a
500."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from activities.models import Campaign
from organizations.models import Member, PartyPost
from rectification.models import Pledge, PledgeBoard, PledgeStatus
from rectification.services_pledges import (
    EditConflict,
    pledge_board_ensure,
    pledge_create,
    pledge_set_public,
    pledge_update,
    version_token,
)
from tests.rectification.standards_factories import ORG_NAMES, campaign_for, member_of, pledge_of
from tests.utils import PERSONAS, assert_constant_queries, check_matrix, client_for

pytestmark = pytest.mark.django_db

VIEW_OWN = {
    "anonymous": 302,
    "nobody": 404,
    "outsider": 404,
    "member_user": 404,
    "office": 200,
    "reviewer": 200,
    "instructor": 200,
    "secretary": 200,
    "clerk": 200,
    "admin": 200,
}
VIEW_PARENT = {**VIEW_OWN, "instructor": 404, "secretary": 404, "clerk": 404}
VIEW_OTHER = {**VIEW_OWN, "outsider": 200, "reviewer": 404, "instructor": 404, "secretary": 404, "clerk": 404}  # fmt: skip
VIEW_FAR = {**{p: 404 for p in VIEW_OWN}, "anonymous": 302, "admin": 200}
VIEW_BY_ORG = {
    "own": VIEW_OWN,
    "child": VIEW_OWN,
    "park_a": VIEW_PARENT,
    "sibling": VIEW_PARENT,
    "other": VIEW_OTHER,
    "far": VIEW_FAR,
}


def _record(view: dict[str, int], ok: int = 200) -> dict[str, int]:
    result = {}
    for persona, code in view.items():
        if code == 200:
            code = ok if persona in ("secretary", "clerk", "admin", "outsider") else 403
        result[persona] = code
    return result


def _own_member(world: Any) -> Member:
    return Member.objects.get(user=world.member_user)


# --- permission matrix -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ORG_NAMES)
def test_list_and_board_open_matrix(world: Any, name: str) -> None:
    org = getattr(world, name)
    campaign_for(world, org)
    check_matrix(world, reverse("rectification:pledge_list", args=[org.pk]), VIEW_BY_ORG[name])
    url = reverse("rectification:pledge_board_open", args=[org.pk])
    check_matrix(world, url, _record(VIEW_BY_ORG[name], ok=302), method="post")
    assert PledgeBoard.objects.filter(organization=org).count() == 1


@pytest.mark.parametrize("name", ORG_NAMES)
def test_pledge_pages_matrix(world: Any, name: str) -> None:
    org = getattr(world, name)
    member = member_of(org)
    pledge = pledge_of(world, member)
    check_matrix(world, pledge.get_absolute_url(), VIEW_BY_ORG[name])
    edit = reverse("rectification:pledge_edit", args=[pledge.pk])
    check_matrix(world, edit, _record(VIEW_BY_ORG[name]))
    publish = reverse("rectification:pledge_publish", args=[pledge.pk])
    check_matrix(
        world, publish, _record(VIEW_BY_ORG[name], ok=302), method="post", data={"public": "1"}
    )
    another = member_of(org)
    create = reverse("rectification:pledge_create", args=[another.pk, pledge.campaign_id])
    check_matrix(world, create, _record(VIEW_BY_ORG[name]))


def test_the_member_writes_and_publishes_only_their_own_pledge(world: Any) -> None:
    me = _own_member(world)
    campaign = campaign_for(world)
    colleague = member_of(world.own)
    others = pledge_of(world, colleague)
    client = client_for(world, "member_user")
    # Their own: writing, reading, editing, publishing.
    url = reverse("rectification:pledge_create", args=[me.pk, campaign.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "identity": "佩戴党徽上岗",
            "commitments": "带头学习，每月一篇心得。",
            "example": "带头攻坚",
        },
    )
    mine = Pledge.objects.get(member=me)
    assert response["Location"] == mine.get_absolute_url()
    assert mine.created_by == world.member_user
    assert client.get(mine.get_absolute_url()).status_code == 200
    assert client.get(reverse("rectification:pledge_edit", args=[mine.pk])).status_code == 200
    client.post(reverse("rectification:pledge_publish", args=[mine.pk]), {"public": "1"})
    mine.refresh_from_db()
    assert mine.is_public and mine.made_public_on == timezone.localdate()
    # Anyone else's: 404, and nothing changes.
    for target in (
        others.get_absolute_url(),
        reverse("rectification:pledge_edit", args=[others.pk]),
        reverse("rectification:pledge_create", args=[colleague.pk, campaign.pk]),
        reverse("rectification:pledge_list", args=[world.own.pk]),
    ):
        assert client.get(target).status_code == 404, target
    assert (
        client.post(
            reverse("rectification:pledge_publish", args=[others.pk]), {"public": "1"}
        ).status_code
        == 404
    )
    assert (
        client.post(
            reverse("rectification:pledge_edit", args=[others.pk]), {"commitments": "x"}
        ).status_code
        == 404
    )
    others.refresh_from_db()
    assert not others.is_public and others.commitments != "x"
    with pytest.raises(PermissionDenied):
        pledge_set_public(actor=world.member_user, pledge=others, public=True)


def test_my_pledges_page(world: Any) -> None:
    campaign = campaign_for(world)
    expected = {p: 404 for p in PERSONAS}
    expected.update(anonymous=302, member_user=200)
    url = reverse("rectification:my_pledges")
    check_matrix(world, url, expected)
    response = client_for(world, "member_user").get(url)
    me = _own_member(world)
    assert (
        reverse("rectification:pledge_create", args=[me.pk, campaign.pk])
        in response.content.decode()
    )
    pledge = pledge_of(world, me)
    response = client_for(world, "member_user").get(url)
    assert pledge.get_absolute_url() in response.content.decode()


def test_missing_or_bad_ids_are_404(world: Any) -> None:
    client = client_for(world, "admin")
    campaign = campaign_for(world)
    for url in (
        reverse("rectification:pledge_detail", args=[99999]),
        reverse("rectification:pledge_edit", args=[99999]),
        reverse("rectification:pledge_create", args=[99999, campaign.pk]),
        reverse("rectification:pledge_create", args=[_own_member(world).pk, 99999]),
        reverse("rectification:pledge_list", args=[99999]),
    ):
        assert client.get(url).status_code == 404, url
    far = campaign_for(world, world.far)
    url = reverse("rectification:pledge_create", args=[_own_member(world).pk, far.pk])
    assert client.get(url).status_code == 404
    gone = member_of(world.own, is_active=False)
    assert (
        client.get(reverse("rectification:pledge_create", args=[gone.pk, campaign.pk])).status_code
        == 404
    )


# --- writing ------------------------------------------------------------------------------------


def test_secretary_writes_a_pledge_for_a_member(world: Any) -> None:
    member = member_of(world.own, name="王建华")
    campaign = campaign_for(world)
    client = client_for(world, "clerk")
    url = reverse("rectification:pledge_create", args=[member.pk, campaign.pk])
    response = client.post(
        url,
        {
            "identity": " 佩戴党徽，亮明身份 ",
            "commitments": "一、带头遵守安全规程。\r\n二、每季度提一条合理化建议。",
            "example": "",
        },
    )
    pledge = Pledge.objects.get()
    assert response["Location"] == pledge.get_absolute_url()
    assert (pledge.organization, pledge.campaign, pledge.status) == (world.own, campaign, "draft")
    assert pledge.identity == "佩戴党徽，亮明身份"
    assert "\r" not in pledge.commitments
    assert client.get(url)["Location"] == reverse("rectification:pledge_edit", args=[pledge.pk])
    with pytest.raises(ValidationError):
        pledge_create(
            actor=world.clerk, member=member, campaign=campaign, fields={"commitments": "再写"}
        )


def test_commitments_are_required_and_lengths_checked(world: Any) -> None:
    member = member_of(world.own)
    campaign = campaign_for(world)
    url = reverse("rectification:pledge_create", args=[member.pk, campaign.pk])
    client = client_for(world, "secretary")
    response = client.post(url, {"commitments": "   "})
    assert response.status_code == 200
    assert response.context["form"].errors["commitments"]
    response = client.post(url, {"commitments": "x", "identity": "长" * 1001})
    assert response.status_code == 200
    assert response.context["form"].errors["identity"]
    response = client.post(url, {"commitments": "x" * 3001})
    assert response.status_code == 200
    assert not Pledge.objects.exists()


def test_concurrent_edit_is_refused_not_overwritten(world: Any) -> None:
    pledge = pledge_of(world, member_of(world.own))
    client = client_for(world, "secretary")
    url = reverse("rectification:pledge_edit", args=[pledge.pk])
    stale = client.get(url).context["form"].initial["version"]
    pledge_update(
        actor=world.clerk,
        pledge=pledge,
        fields={"commitments": "书记改过"},
        version=version_token(pledge),
    )
    response = client.post(url, {"commitments": "我的", "version": stale})
    assert response.status_code == 409
    pledge.refresh_from_db()
    assert pledge.commitments == "书记改过"
    with pytest.raises(EditConflict):
        pledge_update(actor=None, pledge=pledge, fields={"commitments": "x"}, version="old")


def test_publish_and_take_back(world: Any) -> None:
    pledge = pledge_of(world, member_of(world.own))
    client = client_for(world, "secretary")
    url = reverse("rectification:pledge_publish", args=[pledge.pk])
    client.post(url, {"public": "1"})
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.PUBLIC and pledge.made_public_on
    client.post(url, {"public": "0"})
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.DRAFT and pledge.made_public_on is None
    assert client.get(url).status_code == 405
    assert client.post(url, {"public": "garbage"}).status_code == 302
    pledge.refresh_from_db()
    assert not pledge.is_public


def test_list_shows_every_member_and_their_pledge(world: Any) -> None:
    with_pledge = member_of(world.own, name="有承诺")
    without = member_of(world.own, name="没承诺")
    pledge_of(world, with_pledge, public=True)
    left = member_of(world.own, name="已调走")
    pledge_of(world, left)
    Member.objects.filter(pk=left.pk).update(is_active=False)
    response = client_for(world, "secretary").get(
        reverse("rectification:pledge_list", args=[world.own.pk])
    )
    text = response.content.decode()
    assert "有承诺" in text and "没承诺" in text and "已调走" in text
    assert (
        reverse("rectification:pledge_create", args=[without.pk, response.context["campaign"].pk])
        in text
    )
    assert response.context["public_count"] == 1
    office = client_for(world, "office").get(
        reverse("rectification:pledge_list", args=[world.own.pk])
    )
    assert "pledges/member/" not in office.content.decode()


# --- the public board -----------------------------------------------------------------------------


def test_board_shows_public_pledges_with_names_and_posts_only(world: Any) -> None:
    secretary_member = member_of(
        world.own, name="李书记", party_post=PartyPost.SECRETARY, phone="13912345678", post="总经理"
    )
    public = pledge_of(world, secretary_member, public=True, commitments="公开的承诺内容")
    private = pledge_of(world, member_of(world.own, name="王未公开"), commitments="未公开的承诺")
    board = pledge_board_ensure(actor=world.secretary, organization=world.own)
    response = client_for(world, "anonymous").get(board.get_public_path())
    assert response.status_code == 200
    text = response.content.decode()
    assert "李书记" in text and "公开的承诺内容" in text
    assert str(PartyPost.SECRETARY.label) in text or "书记" in text
    assert "王未公开" not in text and "未公开的承诺" not in text
    for personal in (
        secretary_member.id_number,
        secretary_member.masked_id,
        "13912345678",
        secretary_member.masked_phone,
        "总经理",
        secretary_member.birth_date.isoformat(),
    ):
        assert personal not in text, personal
    assert public.is_public and not private.is_public


def test_board_of_one_organization_never_shows_another(world: Any) -> None:
    pledge_of(world, member_of(world.child, name="子支部党员"), public=True)
    board = pledge_board_ensure(actor=None, organization=world.own)
    text = client_for(world, "anonymous").get(board.get_public_path()).content.decode()
    assert "子支部党员" not in text


def test_bad_token_and_inactive_organization_are_404(world: Any) -> None:
    client = client_for(world, "anonymous")
    assert client.get(reverse("pledges:board", args=["no-such-board"])).status_code == 404
    assert client.get("/pledges/../admin/").status_code == 404
    board = pledge_board_ensure(actor=None, organization=world.own)
    world.own.__class__.objects.filter(pk=world.own.pk).update(is_active=False)
    assert client.get(board.get_public_path()).status_code == 404


def test_board_token_is_long_and_random(world: Any) -> None:
    one = pledge_board_ensure(actor=None, organization=world.own)
    two = pledge_board_ensure(actor=None, organization=world.child)
    assert len(one.token) >= 22 and one.token != two.token
    assert pledge_board_ensure(actor=None, organization=world.own).token == one.token
    with pytest.raises(PermissionDenied):
        pledge_board_ensure(actor=world.office, organization=world.own)


def test_board_is_printable_and_not_cached(world: Any) -> None:
    board = pledge_board_ensure(actor=None, organization=world.own)
    response = client_for(world, "anonymous").get(board.get_public_path())
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert "no-print" in response.content.decode()


# --- query counts ---------------------------------------------------------------------------------


def test_list_query_count_is_constant(world: Any) -> None:
    pledge_of(world, member_of(world.own), public=True)
    pledge_board_ensure(actor=None, organization=world.own)

    def grow() -> None:
        for i in range(10):
            pledge_of(world, member_of(world.own), public=bool(i % 2))
        for _i in range(5):
            member_of(world.own)

    # session, user, organization, grants, campaigns, roster, pledges with members,
    # board, navigation roles, unread count.
    url = reverse("rectification:pledge_list", args=[world.own.pk])
    assert_constant_queries(client_for(world, "secretary"), url, grow, expected=10)


def test_board_query_count_is_constant(world: Any) -> None:
    pledge_of(world, member_of(world.own), public=True)
    board = pledge_board_ensure(actor=None, organization=world.own)

    def grow() -> None:
        later = Campaign.objects.create(
            lead_organization=world.county,
            name_zh="后来的活动",
            name_en="later",
            starts_on="2015-01-01",
            ends_on="2015-12-31",
        )
        for i in range(10):
            member = member_of(world.own)
            pledge_of(world, member, public=True)
            pledge = pledge_create(
                actor=None,
                member=member,
                campaign=later,
                fields={"identity": "亮明身份", "commitments": f"承诺{i}", "example": "带头"},
            )
            pledge_set_public(actor=None, pledge=pledge, public=True)

    # board with organization, public pledges with campaigns and members (no session:
    # the visitor is anonymous).
    assert_constant_queries(
        client_for(world, "anonymous"), board.get_public_path(), grow, expected=2
    )


def test_detail_and_my_pledges_query_counts_are_constant(world: Any) -> None:
    me = _own_member(world)
    pledge = pledge_of(world, me)

    def grow() -> None:
        for i in range(10):
            Campaign.objects.create(
                lead_organization=world.county,
                name_zh=f"活动{i}",
                name_en=f"c{i}",
                starts_on="2015-01-01",
                ends_on="2015-12-31",
            )
            pledge_of(world, member_of(world.own))

    client = client_for(world, "member_user")
    # session, user, member, campaigns, pledges, navigation grants and roles, unread
    # count.
    assert_constant_queries(client, reverse("rectification:my_pledges"), grow, expected=8)
    # session, user, pledge (member, organization, campaign joined), grants, navigation
    # roles, unread count.
    assert_constant_queries(client, pledge.get_absolute_url(), lambda: None, expected=6)


def test_the_three_pairs_are_the_plans_each_with_its_own_text(world: Any) -> None:
    """比思想、亮身份; 比作风、亮承诺; 比奉献、亮形象: three texts, shown under their
    own headings, and all three are written before the pledge goes public."""
    from rectification.services_pledges import pledge_set_public

    pledge = pledge_of(
        world,
        member_of(world.own),
        identity="认真学习党章，亮明党员身份",
        commitments="热情为职工群众服务",
        example="",
    )
    with pytest.raises(ValidationError) as exc:
        pledge_set_public(actor=None, pledge=pledge, public=True)
    assert "compare dedication, show the example" in str(exc.value)
    pledge_update(
        actor=None, pledge=pledge, fields={"example": "带头攻坚克难"}, version=version_token(pledge)
    )
    pledge_set_public(actor=None, pledge=pledge, public=True)
    client = client_for(world, "secretary")
    client.cookies["django_language"] = "zh-hans"
    page = client.get(pledge.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    for heading, text in (
        ("比思想、亮身份", "认真学习党章，亮明党员身份"),
        ("比作风、亮承诺", "热情为职工群众服务"),
        ("比奉献、亮形象", "带头攻坚克难"),
    ):
        assert heading in page and text in page
        assert page.index(heading) < page.index(text)
    assert page.index("比思想") < page.index("比作风") < page.index("比奉献")
    assert "比技能" not in page and "亮实绩" not in page
