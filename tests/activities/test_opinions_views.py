"""Opinion pages and the secretary's side of the online box: the permission matrix for
every view, pinned query counts, and what the pages do."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.models import Opinion, OpinionChannel, OpinionStatus, SuggestionBox
from tests.activities.opinions_factories import (
    OpinionFactory,
    answered_kwargs,
    campaigns_for,
    first_category,
    make_box,
)
from tests.utils import PERSONAS, assert_constant_queries, check_matrix, client_for

# Who may see / record what, per target organization (see the tree in tests/conftest.py):
# office sits at the county, reviewer at park_a, secretary/clerk/instructor at own,
# outsider is the secretary of `other`, member_user is a party member of own.
TARGETS = ["own", "child", "park_a", "sibling", "other", "far"]
TEAM = {"office", "reviewer", "instructor", "secretary", "clerk", "admin"}
VIEWERS = {
    "own": TEAM,
    "child": TEAM,
    "park_a": {"office", "reviewer", "admin"},
    "sibling": {"office", "reviewer", "admin"},
    "other": {"office", "outsider", "admin"},
    "far": {"admin"},
}
RECORDERS = {
    "own": {"secretary", "clerk", "admin"},
    "child": {"secretary", "clerk", "admin"},
    "park_a": {"admin"},
    "sibling": {"admin"},
    "other": {"outsider", "admin"},
    "far": {"admin"},
}
MEMBERS = {"own": {"member_user"}}


def expect(target: str, action: str, ok: int = 200, members: bool = False) -> dict[str, int]:
    result = {"anonymous": 302}
    for persona in PERSONAS[1:]:
        if action == "view":
            code = ok if persona in VIEWERS[target] else 404
        else:
            code = (
                ok if persona in RECORDERS[target] else (403 if persona in VIEWERS[target] else 404)
            )
        if members and persona in MEMBERS.get(target, ()):
            code = ok
        result[persona] = code
    return result


@pytest.fixture
def campaigns(world):
    return campaigns_for(world)


def _campaign_of(world, campaigns, target: str):
    return campaigns[1] if target == "far" else campaigns[0]


@pytest.fixture
def opinions(world, campaigns):
    """One sorted opinion per target organization."""
    return {
        t: OpinionFactory(
            organization=getattr(world, t),
            campaign=_campaign_of(world, campaigns, t),
            status=OpinionStatus.SORTED,
        )
        for t in TARGETS
    }


# --- the permission matrix -----------------------------------------------------------


@pytest.mark.parametrize("target", TARGETS)
def test_list_matrix(world, campaigns, target):
    url = reverse("activities:opinion_list", args=[getattr(world, target).pk])
    check_matrix(world, url, expect(target, "view"))


@pytest.mark.parametrize("target", TARGETS)
def test_detail_matrix(world, opinions, target):
    check_matrix(world, opinions[target].get_absolute_url(), expect(target, "view"))


@pytest.mark.parametrize("target", TARGETS)
def test_create_matrix(world, campaigns, target):
    url = reverse("activities:opinion_create", args=[getattr(world, target).pk])
    check_matrix(world, url, expect(target, "record"))


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("name", ["activities:opinion_sort", "activities:opinion_answer"])
def test_sort_and_answer_pages_matrix(world, opinions, target, name):
    check_matrix(world, reverse(name, args=[opinions[target].pk]), expect(target, "record"))


@pytest.mark.parametrize("target", TARGETS)
def test_feedback_matrix_includes_the_organizations_own_members(world, campaigns, target):
    url = reverse("activities:opinion_feedback", args=[getattr(world, target).pk])
    check_matrix(world, url, expect(target, "view", members=True))


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("name", ["activities:box_settings", "activities:box_qr"])
def test_box_pages_matrix(world, target, name):
    org = getattr(world, target)
    make_box(org)
    check_matrix(world, reverse(name, args=[org.pk]), expect(target, "record"))


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize(
    "name",
    [
        "activities:box_create",
        "activities:box_open",
        "activities:box_close",
        "activities:box_rotate",
    ],
)
def test_box_actions_matrix(world, target, name):
    org = getattr(world, target)
    make_box(org)
    check_matrix(
        world, reverse(name, args=[org.pk]), expect(target, "record", ok=302), method="post"
    )


@pytest.mark.parametrize("target", ["own", "park_a"])
def test_posting_sort_and_answer_matrix(world, opinions, target):
    opinion = opinions[target]
    category = first_category(opinion.campaign)
    check_matrix(
        world,
        reverse("activities:opinion_sort", args=[opinion.pk]),
        expect(target, "record", ok=302),
        method="post",
        data={"category": category.pk},
    )


def test_box_actions_refuse_get(world):
    make_box(world.own)
    client = client_for(world, "secretary")
    for name in ["box_create", "box_open", "box_close", "box_rotate"]:
        assert client.get(reverse(f"activities:{name}", args=[world.own.pk])).status_code == 405


def test_box_pages_of_an_organization_without_a_box_are_404(world):
    client = client_for(world, "secretary")
    assert client.get(reverse("activities:box_settings", args=[world.own.pk])).status_code == 404
    assert client.get(reverse("activities:box_qr", args=[world.own.pk])).status_code == 404


def test_an_unknown_opinion_is_404(world):
    client = client_for(world, "admin")
    assert client.get(reverse("activities:opinion_detail", args=[999999])).status_code == 404


# --- constant query counts -------------------------------------------------------------


def test_list_page_runs_a_constant_number_of_queries(world, campaigns):
    campaign = campaigns[0]
    make_box(world.own)
    OpinionFactory.create_batch(3, organization=world.own, campaign=campaign)
    OpinionFactory(organization=world.own, campaign=campaign, **answered_kwargs())

    def grow():
        OpinionFactory.create_batch(30, organization=world.own, campaign=campaign)
        OpinionFactory.create_batch(
            10, organization=world.own, campaign=campaign, status=OpinionStatus.SORTED
        )

    client = client_for(world, "secretary")
    url = reverse("activities:opinion_list", args=[world.own.pk])
    # session, user, the organization, grants (one query for every permission check and
    # the nav), campaigns of the organization, categories of the campaign, the box, page
    # count, counts per status, roles (nav), unread notifications (nav), page rows (with
    # category and member joined).
    assert_constant_queries(client, url, grow, expected=12)
    filtered = f"{url}?status=sorted&unanswered=on&category={first_category(campaign).pk}"
    assert client.get(filtered).status_code == 200


def test_detail_page_runs_a_constant_number_of_queries(world, campaigns):
    campaign = campaigns[0]
    opinion = OpinionFactory(organization=world.own, campaign=campaign, status=OpinionStatus.SORTED)

    def grow():
        # Ten times the timeline (sorted → sorted re-categorizations by different people).
        from tests.factories import UserFactory

        for i in range(10):
            opinion.refresh_from_db()
            opinion.transition(OpinionStatus.SORTED, actor=UserFactory(username=f"u{i}"))

    client = client_for(world, "secretary")
    # session, user, the opinion (with organization, campaign, categories and member
    # joined), grants, the categories for the sort form, roles (nav), unread
    # notifications (nav), the events with their actors.
    assert_constant_queries(client, opinion.get_absolute_url(), grow, expected=8)


def test_feedback_page_runs_a_constant_number_of_queries(world, campaigns):
    campaign = campaigns[0]
    OpinionFactory(organization=world.own, campaign=campaign, **answered_kwargs())

    def grow():
        OpinionFactory.create_batch(
            10, organization=world.own, campaign=campaign, **answered_kwargs()
        )
        OpinionFactory.create_batch(10, organization=world.own, campaign=campaign)

    client = client_for(world, "member_user")
    # session, user, the organization and grants (no VIEW right: falls back to
    # membership), the member with the organization, campaigns, page count, roles (nav),
    # unread notifications (nav), page rows.
    assert_constant_queries(
        client,
        reverse("activities:opinion_feedback", args=[world.own.pk]),
        grow,
        expected=10,
    )


# --- behaviour ---------------------------------------------------------------------------


def test_clerk_records_an_opinion_and_lands_on_it(world, campaigns):
    client = client_for(world, "clerk")
    url = reverse("activities:opinion_create", args=[world.own.pk])
    response = client.post(
        url,
        {
            "content": "车间通风不好",
            "source": "frontline",
            "channel": OpinionChannel.BOX,
            "addressed_to": "team",
            "received_on": "2014-04-20",
            "submitter_name": "",
            "submitter_contact": "",
        },
    )
    opinion = Opinion.objects.get()
    assert response.status_code == 302
    assert response["Location"] == opinion.get_absolute_url()
    assert (opinion.channel, opinion.recorded_by, opinion.is_anonymous) == (
        "box",
        world.clerk,
        True,
    )
    assert opinion.campaign == campaigns[0]


def test_create_form_does_not_offer_the_online_channel(world, campaigns):
    client = client_for(world, "clerk")
    url = reverse("activities:opinion_create", args=[world.own.pk])
    page = client.get(url).content.decode()
    assert 'value="online"' not in page
    response = client.post(
        url,
        {
            "content": "x",
            "channel": "online",
            "source": "other",
            "addressed_to": "team",
            "received_on": "2014-04-20",
        },
    )
    assert response.status_code == 200
    assert not Opinion.objects.exists()


def test_create_without_a_campaign_redirects_with_a_message(world):
    client = client_for(world, "admin")
    response = client.get(reverse("activities:opinion_create", args=[world.far.pk]))
    assert response.status_code == 302


def test_sort_then_answer_through_the_pages(world, campaigns):
    campaign = campaigns[0]
    opinion = OpinionFactory(organization=world.own, campaign=campaign)
    client = client_for(world, "secretary")
    category = first_category(campaign)
    detail = client.get(opinion.get_absolute_url()).content.decode()
    assert reverse("activities:opinion_sort", args=[opinion.pk]) in detail
    assert reverse("activities:opinion_answer", args=[opinion.pk]) not in detail
    client.post(reverse("activities:opinion_sort", args=[opinion.pk]), {"category": category.pk})
    # An answer without text is refused and changes nothing.
    response = client.post(
        reverse("activities:opinion_answer", args=[opinion.pk]), {"answer_text": "  "}
    )
    assert response.status_code == 200
    assert Opinion.objects.get(pk=opinion.pk).status == OpinionStatus.SORTED
    response = client.post(
        reverse("activities:opinion_answer", args=[opinion.pk]), {"answer_text": "下月起调整"}
    )
    assert response.status_code == 302
    opinion.refresh_from_db()
    assert (opinion.status, opinion.answer_text) == ("answered", "下月起调整")
    detail = client.get(opinion.get_absolute_url()).content.decode()
    assert "下月起调整" in detail
    assert detail.count('class="timeline"') == 1
    assert reverse("activities:opinion_answer", args=[opinion.pk]) not in detail


def test_answering_twice_shows_an_error_not_a_500(world, campaigns):
    opinion = OpinionFactory(organization=world.own, campaign=campaigns[0], **answered_kwargs())
    client = client_for(world, "secretary")
    response = client.post(
        reverse("activities:opinion_answer", args=[opinion.pk]), {"answer_text": "再答一次"}
    )
    assert response.status_code == 200
    assert Opinion.objects.get(pk=opinion.pk).answer_text != "再答一次"


def test_submitter_contact_is_masked_without_personal_data_right(world, campaigns):
    opinion = OpinionFactory(
        organization=world.own,
        campaign=campaigns[0],
        submitter_name="张三丰",
        submitter_contact="13912345678",
    )
    clerk_page = client_for(world, "clerk").get(opinion.get_absolute_url()).content.decode()
    assert "13912345678" not in clerk_page and "张三丰" not in clerk_page
    assert "139****5678" in clerk_page
    office_page = client_for(world, "office").get(opinion.get_absolute_url()).content.decode()
    assert "13912345678" not in office_page
    secretary_page = client_for(world, "secretary").get(opinion.get_absolute_url()).content.decode()
    assert "13912345678" in secretary_page and "张三丰" in secretary_page


def test_list_filters_and_counts(world, campaigns):
    campaign = campaigns[0]
    OpinionFactory(organization=world.own, campaign=campaign, content="未处理的意见")
    OpinionFactory(
        organization=world.own, campaign=campaign, content="已答复的意见", **answered_kwargs()
    )
    OpinionFactory(organization=world.child, campaign=campaign, content="下级组织的意见")
    client = client_for(world, "secretary")
    url = reverse("activities:opinion_list", args=[world.own.pk])
    page = client.get(url).content.decode()
    assert "未处理的意见" in page and "已答复的意见" in page
    assert "下级组织的意见" not in page
    page = client.get(url, {"unanswered": "on"}).content.decode()
    assert "未处理的意见" in page and "已答复的意见" not in page
    page = client.get(url, {"status": "answered"}).content.decode()
    assert "未处理的意见" not in page and "已答复的意见" in page
    page = client.get(url, {"channel": "online"}).content.decode()
    assert "未处理的意见" not in page
    # Garbage filter values are ignored, not a 500.
    assert (
        client.get(
            url, {"status": "nope", "category": "x", "campaign": "zz", "page": "-1"}
        ).status_code
        == 200
    )


def test_list_answers_htmx_with_the_results_partial(world, campaigns):
    OpinionFactory(organization=world.own, campaign=campaigns[0], content="局部刷新")
    client = client_for(world, "secretary")
    response = client.get(
        reverse("activities:opinion_list", args=[world.own.pk]), HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert "局部刷新" in body and "<html" not in body


def test_list_shows_the_box_controls_to_recorders_only(world, campaigns):
    box = make_box(world.own)
    url = reverse("activities:opinion_list", args=[world.own.pk])
    secretary_page = client_for(world, "secretary").get(url).content.decode()
    assert box.get_public_path() in secretary_page
    assert reverse("activities:box_qr", args=[world.own.pk]) in secretary_page
    office_page = client_for(world, "office").get(url).content.decode()
    assert box.token not in office_page


def test_adopted_opinion_shows_the_item_label_and_link(world, campaigns):
    opinion = OpinionFactory(
        organization=world.own,
        campaign=campaigns[0],
        status=OpinionStatus.ADOPTED,
        adopted_item_label="问题清单第2项",
        adopted_item_url="/rectification/items/2/",
        adopted_at=timezone.now(),
    )
    page = client_for(world, "office").get(opinion.get_absolute_url()).content.decode()
    assert "问题清单第2项" in page and 'href="/rectification/items/2/"' in page


def test_members_see_answered_opinions_without_submitters(world, campaigns):
    campaign = campaigns[0]
    OpinionFactory(
        organization=world.own,
        campaign=campaign,
        content="已答复",
        submitter_name="赵六",
        submitter_contact="13800000000",
        **answered_kwargs("答复内容"),
    )
    OpinionFactory(organization=world.own, campaign=campaign, content="尚未答复")
    page = (
        client_for(world, "member_user")
        .get(reverse("activities:opinion_feedback", args=[world.own.pk]))
        .content.decode()
    )
    assert "已答复" in page and "答复内容" in page
    assert "尚未答复" not in page
    assert "赵六" not in page and "13800000000" not in page


def test_box_create_close_open_rotate_and_intro(world):
    client = client_for(world, "secretary")
    pk = world.own.pk
    client.post(reverse("activities:box_create", args=[pk]))
    box = SuggestionBox.objects.get(organization=world.own)
    assert box.is_open and box.created_by == world.secretary
    client.post(reverse("activities:box_close", args=[pk]))
    box.refresh_from_db()
    assert not box.is_open
    client.post(reverse("activities:box_open", args=[pk]))
    old = box.token
    client.post(reverse("activities:box_rotate", args=[pk]))
    box.refresh_from_db()
    assert box.is_open and box.token != old
    client.post(reverse("activities:box_settings", args=[pk]), {"intro": "欢迎提意见"})
    box.refresh_from_db()
    assert box.intro == "欢迎提意见"
    response = client.post(reverse("activities:box_settings", args=[pk]), {"intro": "长" * 1001})
    assert response.status_code == 200


def test_qr_page_has_an_inline_svg_of_the_public_url(world, settings):
    settings.SITE_URL = "https://portal.example.cn"
    box = make_box(world.own)
    page = client_for(world, "clerk").get(reverse("activities:box_qr", args=[world.own.pk]))
    body = page.content.decode()
    assert f"https://portal.example.cn/box/{box.token}/" in body
    assert '<svg class="qr-code"' in body or "<svg " in body
    assert 'class="qr-code"' in body and "<path" in body
    assert "style=" not in body
    assert world.own.full_name in body
