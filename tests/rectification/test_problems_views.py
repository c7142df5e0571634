"""Problem-list pages (rectification/views_problems.py): the permission matrix of every
view over own, child, parent, sibling, other-branch and other-county objects; pinned
query counts; the public notice (no login, no personal data, 404 for a wrong token);
the opinion ↔ item links; bad input never a 500."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from activities.meetings.services import criticism_add
from activities.models import Campaign, CriticismEntry, OpinionStatus, ProblemCategory
from organizations.models import Member
from portal.reviews.services import review_transition
from rectification import services_problems as services
from rectification.models import ProblemItem, ProblemList, SourceKind
from tests.activities.factories import meeting
from tests.activities.opinions_factories import OpinionFactory
from tests.activities.phase2_factories import make_statement
from tests.factories import MemberFactory
from tests.rectification.problems_factories import (
    ORG_NAMES,
    approve,
    approved_list,
    campaign_for,
    category,
    decider,
    force_deadline,
    item_fields,
    keep_running,
    make_item,
    make_list,
    photo,
    request_closure,
    request_extension,
)
from tests.utils import assert_constant_queries, check_matrix, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _files_in_tmp(media_root: Any) -> None:
    """Evidence files go to a temporary MEDIA_ROOT."""


@pytest.fixture(autouse=True)
def _no_language_left_behind() -> Any:
    """A request in English activates English for this thread; later tests expect the
    default language."""
    yield
    translation.deactivate()


# --- the matrices, by the organization the object belongs to ---------------------------------

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
VIEW_OTHER = {**VIEW_PARENT, "outsider": 200, "reviewer": 404}
VIEW_FAR = {**{p: 404 for p in VIEW_OWN}, "anonymous": 302, "admin": 200}
VIEW = {
    "own": VIEW_OWN,
    "child": VIEW_OWN,
    "park_a": VIEW_PARENT,
    "sibling": VIEW_PARENT,
    "other": VIEW_OTHER,
    "far": VIEW_FAR,
}
# RECORD: secretary and clerk where they sit (and below); viewers without it get 403.
RECORD = {
    "own": {**VIEW_OWN, "office": 403, "reviewer": 403, "instructor": 403},
    "child": {**VIEW_OWN, "office": 403, "reviewer": 403, "instructor": 403},
    "park_a": {**VIEW_PARENT, "office": 403, "reviewer": 403},
    "sibling": {**VIEW_PARENT, "office": 403, "reviewer": 403},
    "other": {**VIEW_OTHER, "office": 403},
    "far": VIEW_FAR,
}
# SUBMIT: the secretary (not the clerk).
SUBMIT = {name: dict(matrix) for name, matrix in RECORD.items()}
for _name in ("own", "child"):
    SUBMIT[_name]["clerk"] = 403


def english(world: Any, persona: str) -> Any:
    """A client for `persona` whose browser asks for the English UI."""
    client = client_for(world, persona)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _redirect_ok(matrix: dict[str, int]) -> dict[str, int]:
    """A POST that succeeds answers 302 (back to the page) instead of 200."""
    return {p: 302 if code == 200 and p != "anonymous" else code for p, code in matrix.items()}


def _org(world: Any, name: str) -> Any:
    return getattr(world, name)


def _approved_item(world: Any, name: str) -> ProblemItem:
    return approved_list(world, _org(world, name)).items.get()


@pytest.mark.parametrize("name", ORG_NAMES)
def test_overview_matrix(world: Any, name: str) -> None:
    url = reverse("rectification:problem_lists", args=[_org(world, name).pk])
    check_matrix(world, url, VIEW[name])


@pytest.mark.parametrize("name", ORG_NAMES)
def test_create_list_matrix(world: Any, name: str) -> None:
    org = _org(world, name)
    url = reverse("rectification:problem_list_create", args=[org.pk, campaign_for(world, org).pk])
    check_matrix(world, url, RECORD[name])


@pytest.mark.parametrize("name", ORG_NAMES)
def test_list_detail_and_print_matrix(world: Any, name: str) -> None:
    plist = make_list(world, _org(world, name))
    make_item(plist)
    check_matrix(world, plist.get_absolute_url(), VIEW[name])
    check_matrix(world, reverse("rectification:problem_list_print", args=[plist.pk]), VIEW[name])


@pytest.mark.parametrize("name", ORG_NAMES)
def test_list_edit_and_item_create_matrix(world: Any, name: str) -> None:
    plist = make_list(world, _org(world, name))
    check_matrix(world, reverse("rectification:problem_list_edit", args=[plist.pk]), RECORD[name])
    check_matrix(world, reverse("rectification:item_create", args=[plist.pk]), RECORD[name])


@pytest.mark.parametrize("name", ORG_NAMES)
def test_publish_matrix(world: Any, name: str) -> None:
    plist = approved_list(world, _org(world, name))
    url = reverse("rectification:problem_list_publish", args=[plist.pk])
    check_matrix(world, url, SUBMIT[name])


@pytest.mark.parametrize("name", ORG_NAMES)
def test_item_pages_matrix(world: Any, name: str) -> None:
    plist = make_list(world, _org(world, name))
    item = make_item(plist)
    check_matrix(world, item.get_absolute_url(), VIEW[name])
    check_matrix(world, reverse("rectification:item_edit", args=[item.pk]), RECORD[name])
    check_matrix(world, reverse("rectification:item_delete", args=[item.pk]), RECORD[name])


@pytest.mark.parametrize("name", ORG_NAMES)
def test_item_start_matrix(world: Any, name: str) -> None:
    item = _approved_item(world, name)
    url = reverse("rectification:item_start", args=[item.pk])
    check_matrix(world, url, _redirect_ok(RECORD[name]), method="post")
    item.refresh_from_db()
    assert item.status == "in_progress"


@pytest.mark.parametrize("name", ORG_NAMES)
def test_request_forms_matrix(world: Any, name: str) -> None:
    item = _approved_item(world, name)
    check_matrix(
        world, reverse("rectification:closure_request_create", args=[item.pk]), SUBMIT[name]
    )
    check_matrix(
        world, reverse("rectification:extension_request_create", args=[item.pk]), SUBMIT[name]
    )


@pytest.mark.parametrize("name", ORG_NAMES)
def test_request_detail_matrix(world: Any, name: str) -> None:
    item = _approved_item(world, name)
    closure = request_closure(world, item)
    extension = request_extension(world, item)
    check_matrix(world, closure.get_absolute_url(), VIEW[name])
    check_matrix(world, extension.get_absolute_url(), VIEW[name])


@pytest.mark.parametrize("name", ORG_NAMES)
def test_request_detail_post_matrix(world: Any, name: str) -> None:
    """While returned: RECORD may add evidence (POST), SUBMIT may change and resend the
    extension. Invalid data re-renders the form (200) so every persona meets the same
    state."""
    item = _approved_item(world, name)
    closure = request_closure(world, item)
    extension = request_extension(world, item)
    for record in (closure, extension):
        review_transition(
            record, action="return", actor=decider(world, _org(world, name)), comment="不行"
        )
    too_long = {"note": "长" * 4001}
    check_matrix(world, closure.get_absolute_url(), RECORD[name], method="post", data=too_long)
    check_matrix(
        world, extension.get_absolute_url(), SUBMIT[name], method="post", data={"reason": ""}
    )


JUNK = {"junk": "1"}  # a bound, invalid form: allowed personas get the form back (200)


@pytest.mark.parametrize("name", ORG_NAMES)
def test_writing_form_posts_matrix(world: Any, name: str) -> None:
    """Every form's POST answers as its GET: invalid data re-renders the form for the
    people allowed, and changes nothing."""
    org = _org(world, name)
    url = reverse("rectification:problem_list_create", args=[org.pk, campaign_for(world, org).pk])
    check_matrix(world, url, RECORD[name], method="post", data=JUNK)
    draft = make_list(world, org)
    item = make_item(draft)
    for url in (
        reverse("rectification:problem_list_edit", args=[draft.pk]),
        reverse("rectification:item_create", args=[draft.pk]),
        reverse("rectification:item_edit", args=[item.pk]),
    ):
        check_matrix(world, url, RECORD[name], method="post", data=JUNK)
    assert draft.items.count() == 1


@pytest.mark.parametrize("name", ORG_NAMES)
def test_request_and_publish_form_posts_matrix(world: Any, name: str) -> None:
    approved = approved_list(world, _org(world, name))
    item = approved.items.get()
    for url in (
        reverse("rectification:problem_list_publish", args=[approved.pk]),
        reverse("rectification:closure_request_create", args=[item.pk]),
        reverse("rectification:extension_request_create", args=[item.pk]),
    ):
        check_matrix(world, url, SUBMIT[name], method="post", data=JUNK)
    approved.refresh_from_db()
    assert not approved.published_at
    assert not item.closure_requests.exists() and not item.extension_requests.exists()


@pytest.mark.parametrize("name", ORG_NAMES)
def test_item_delete_post_matrix(world: Any, name: str) -> None:
    item = make_item(make_list(world, _org(world, name)))
    url = reverse("rectification:item_delete", args=[item.pk])
    refused = {p: code for p, code in RECORD[name].items() if code != 200}
    check_matrix(world, url, refused, method="post")
    assert ProblemItem.objects.filter(pk=item.pk).exists()
    allowed = "clerk" if RECORD[name]["clerk"] == 200 else "admin"
    check_matrix(world, url, {allowed: 302}, method="post")
    assert not ProblemItem.objects.filter(pk=item.pk).exists()


def test_posting_to_a_waiting_request_is_refused(world: Any) -> None:
    closure = request_closure(world, _approved_item(world, "own"))
    client = client_for(world, "secretary")
    response = client.post(closure.get_absolute_url(), {"note": "偷偷改"})
    assert response.status_code == 403
    assert "reviews/locked.html" in [t.name for t in response.templates]
    assert client_for(world, "reviewer").post(closure.get_absolute_url()).status_code == 403


def test_overdue_list_matrix(world: Any) -> None:
    check_matrix(
        world,
        reverse("rectification:overdue_items"),
        {
            "anonymous": 302,
            "nobody": 403,
            "member_user": 403,
            "outsider": 200,
            "office": 200,
            "reviewer": 200,
            "instructor": 200,
            "secretary": 200,
            "clerk": 200,
            "admin": 200,
        },
    )


def test_missing_objects_are_404(world: Any) -> None:
    client = client_for(world, "admin")
    for name in (
        "problem_list_detail",
        "problem_list_edit",
        "problem_list_publish",
        "problem_list_print",
        "item_create",
        "item_detail",
        "item_edit",
        "item_delete",
        "closure_request_create",
        "extension_request_create",
        "closure_request_detail",
        "extension_request_detail",
    ):
        assert client.get(reverse(f"rectification:{name}", args=[99999])).status_code == 404
    assert client.post(reverse("rectification:item_start", args=[99999])).status_code == 404
    assert client.get(reverse("rectification:problem_lists", args=[99999])).status_code == 404


def test_organization_page_links_to_its_problem_lists(world: Any) -> None:
    page = client_for(world, "clerk").get(reverse("organizations:detail", args=[world.own.pk]))
    assert reverse("rectification:problem_lists", args=[world.own.pk]) in page.content.decode()


def test_campaign_the_organization_is_not_in_is_404(world: Any) -> None:
    url = reverse(
        "rectification:problem_list_create",
        args=[world.own.pk, campaign_for(world, world.far).pk],
    )
    assert client_for(world, "secretary").get(url).status_code == 404


# --- writing through the pages ------------------------------------------------------------------


def _item_post(plist: ProblemList, **changes: Any) -> dict[str, Any]:
    data = {
        "description": "班子成员联系职工不够。",
        "category": category(plist.campaign).pk,
        "source_kind": SourceKind.HIGHER_LEVEL,
        "source_note": "上级指出",
        "measures": "每名班子成员联系一个车间。",
        "responsible_name": "王委员",
        "responsible_post": "组织委员",
        "deadline": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
    }
    data.update(changes)
    return data


def test_secretary_writes_a_list_and_items_adopting_an_opinion(world: Any) -> None:
    campaign = campaign_for(world)
    client = english(world, "clerk")
    url = reverse("rectification:problem_list_create", args=[world.own.pk, campaign.pk])
    response = client.post(url, {"title": "甲公司问题清单", "intro": "说明"})
    plist = ProblemList.objects.get()
    assert response["Location"] == plist.get_absolute_url()
    opinion = OpinionFactory(
        organization=world.own, campaign=campaign, status=OpinionStatus.SORTED, content="食堂太贵"
    )
    form_page = client.get(reverse("rectification:item_create", args=[plist.pk]))
    assert opinion in form_page.context["form"].fields["source_opinion"].queryset
    response = client.post(
        reverse("rectification:item_create", args=[plist.pk]),
        _item_post(plist, source_kind="opinion", source_opinion=opinion.pk),
    )
    assert response.status_code == 302
    item = plist.items.get()
    opinion.refresh_from_db()
    assert opinion.status == OpinionStatus.ADOPTED
    # The opinion page links to the item; the item page links back to the opinion.
    opinion_page = client.get(opinion.get_absolute_url()).content.decode()
    assert f'href="{item.get_absolute_url()}"' in opinion_page
    assert "Problem list item 1" in opinion_page
    item_page = client.get(item.get_absolute_url()).content.decode()
    assert f'href="{opinion.get_absolute_url()}"' in item_page
    # An adopted opinion is no longer offered.
    form_page = client.get(reverse("rectification:item_create", args=[plist.pk]))
    assert opinion not in form_page.context["form"].fields["source_opinion"].queryset


def test_item_form_offers_only_this_organizations_origins(world: Any) -> None:
    plist = make_list(world)
    campaign = plist.campaign
    mine = OpinionFactory(organization=world.own, campaign=campaign)
    theirs = OpinionFactory(organization=world.sibling, campaign=campaign)
    statement = make_statement(world.own, campaign)
    make_statement(world.sibling, campaign)
    member = MemberFactory(organization=world.own)
    MemberFactory(organization=world.sibling)
    form = (
        client_for(world, "secretary")
        .get(reverse("rectification:item_create", args=[plist.pk]))
        .context["form"]
    )
    assert list(form.fields["source_opinion"].queryset) == [mine]
    assert theirs not in form.fields["source_opinion"].queryset
    assert list(form.fields["source_statement"].queryset) == [statement]
    assert member in form.fields["responsible_member"].queryset
    assert {m.organization_id for m in form.fields["responsible_member"].queryset} == {world.own.pk}
    assert {c.campaign_id for c in form.fields["category"].queryset} == {campaign.pk}


def test_item_from_a_criticism_links_to_its_meeting(world: Any) -> None:
    plist = make_list(world)
    by, about = MemberFactory(organization=world.own), MemberFactory(organization=world.own)
    special = meeting(world.own, plist.campaign, kind="special", day="2014-07-01")
    entry = criticism_add(
        actor=None,
        meeting=special,
        kind="criticism",
        by_member=by,
        about_member=about,
        points="联系群众少",
    )
    client = client_for(world, "secretary")
    response = client.post(
        reverse("rectification:item_create", args=[plist.pk]),
        _item_post(plist, source_kind="special_meeting", source_criticism=entry.pk),
    )
    assert response.status_code == 302
    item = plist.items.get()
    assert item.source_criticism == entry
    page = client.get(item.get_absolute_url()).content.decode()
    assert f'href="{special.get_absolute_url()}"' in page
    assert CriticismEntry.objects.get(pk=entry.pk).problem_items.get() == item


def test_bad_input_never_fails(world: Any) -> None:
    plist = make_list(world)
    elsewhere = category(campaign_for(world, world.far))
    client = client_for(world, "secretary")
    url = reverse("rectification:item_create", args=[plist.pk])
    assert client.post(url, {}).status_code == 200  # an empty POST shows the blank form
    for data in (
        _item_post(plist, category=elsewhere.pk),
        _item_post(plist, category="x", deadline="soon", source_kind="gossip"),
        _item_post(plist, source_kind="opinion", source_opinion="999999"),
        _item_post(plist, responsible_member="abc", responsible_name=""),
        _item_post(plist, description="问" * 3000),
    ):
        response = client.post(url, data)
        assert response.status_code == 200, data
        assert response.context["form"].errors
    assert not plist.items.exists()
    approve(world, _filled(plist))
    item = plist.items.get()
    checks = [
        (reverse("rectification:problem_list_publish", args=[plist.pk]), {"published_on": "x"}),
        (
            reverse("rectification:extension_request_create", args=[item.pk]),
            {"new_deadline": "1/2/3"},
        ),
        (
            reverse("rectification:extension_request_create", args=[item.pk]),
            {"new_deadline": item.deadline.isoformat(), "reason": "早"},
        ),
        (reverse("rectification:closure_request_create", args=[item.pk]), {"note": "done"}),
        (
            reverse("rectification:closure_request_create", args=[item.pk]),
            {"files": SimpleUploadedFile("a.exe", b"MZ\x90\x00binary", "application/octet-stream")},
        ),
    ]
    for target, data in checks:
        response = client.post(target, data)
        assert response.status_code == 200, (target, data)
        assert response.context["form"].errors
    assert client.get(reverse("rectification:overdue_items") + "?page=abc").status_code == 200


def _filled(plist: ProblemList) -> ProblemList:
    make_item(plist)
    return plist


def test_edit_refuses_a_stale_version_with_409(world: Any) -> None:
    plist = make_list(world)
    item = make_item(plist)
    client = client_for(world, "secretary")
    url = reverse("rectification:item_edit", args=[item.pk])
    stale = client.get(url).context["form"].initial["version"]
    services.item_update(
        actor=world.clerk,
        item=item,
        version=services.version_token(item),
        **item_fields(plist, measures="书记改过"),
    )
    response = client.post(url, {**_item_post(plist), "version": stale})
    assert response.status_code == 409
    item.refresh_from_db()
    assert item.measures == "书记改过"


@pytest.mark.parametrize("view", ["problem_list_edit", "item_create", "item_edit", "item_delete"])
def test_an_approved_list_is_locked_for_its_authors(world: Any, view: str) -> None:
    plist = approved_list(world)
    item = plist.items.get()
    target = item.pk if view in ("item_edit", "item_delete") else plist.pk
    client = client_for(world, "secretary")
    for method in ("get", "post"):
        response = getattr(client, method)(reverse(f"rectification:{view}", args=[target]))
        assert response.status_code == 403
        assert "reviews/locked.html" in [t.name for t in response.templates]
    assert plist.items.count() == 1


def test_delete_removes_an_item_of_a_draft(world: Any) -> None:
    plist = make_list(world)
    item = make_item(plist)
    response = client_for(world, "clerk").post(reverse("rectification:item_delete", args=[item.pk]))
    assert response["Location"] == plist.get_absolute_url()
    assert not plist.items.exists()


def test_publish_page_publishes_only_an_approved_list(world: Any) -> None:
    plist = make_list(world)
    make_item(plist)
    client = client_for(world, "secretary")
    url = reverse("rectification:problem_list_publish", args=[plist.pk])
    response = client.get(url)
    assert response["Location"] == plist.get_absolute_url()
    approve(world, plist)
    response = client.post(
        url,
        {"published_on": "2014-08-01", "notice_ends_on": "2014-07-30", "audience": "全体党员"},
    )
    assert response.status_code == 200  # the period ends before it starts
    assert response.context["form"].errors["notice_ends_on"]
    response = client.post(
        url,
        {"published_on": "2014-08-01", "notice_ends_on": "2014-08-07", "audience": "全体党员"},
    )
    assert response.status_code == 302
    plist.refresh_from_db()
    assert plist.published_on == dt.date(2014, 8, 1)
    assert plist.notice_ends_on == dt.date(2014, 8, 7)
    page = client.get(plist.get_absolute_url()).content.decode()
    assert plist.get_public_path() in page
    assert "2014-08-01 – 2014-08-07" in page


# --- the public notice ---------------------------------------------------------------------------


def _published(world: Any) -> ProblemList:
    member = MemberFactory(
        organization=world.own, name="李明", post="车间主任", phone="13912345678"
    )
    plist = make_list(world)
    make_item(plist, responsible_member=member, responsible_name="", responsible_post="")
    make_item(
        plist, description="制度不健全", responsible_name="王芳", responsible_post="党支部书记"
    )
    approve(world, plist)
    services.problem_list_publish(
        actor=world.secretary,
        problem_list=plist,
        published_on=dt.date(2014, 8, 1),
        notice_ends_on=dt.date(2014, 8, 10),
        audience="全体党员和职工",
    )
    plist.refresh_from_db()
    return plist


def test_public_notice_needs_no_login_and_shows_no_personal_data(world: Any, client: Any) -> None:
    plist = _published(world)
    member = Member.objects.get(name="李明")
    response = client.get(plist.get_public_path())
    assert response.status_code == 200
    html = response.content.decode()
    for shown in (
        world.own.full_name,
        plist.title,
        "李明",
        "车间主任",
        "王芳",
        "党支部书记",
        "制度不健全",
        "Notice period: 2014-08-01 to 2014-08-10",
        "全体党员和职工",
    ):
        assert shown in html, shown
    for hidden in (member.phone, member.id_number, "/rectification/", "/org/", "logout"):
        assert hidden not in html, hidden
    assert "/accounts/login/" not in html


@pytest.mark.parametrize("token", ["wrong-token", "x" * 22, "a"])
def test_public_notice_is_404_for_a_wrong_token(world: Any, client: Any, token: str) -> None:
    _published(world)
    response = client.get(reverse("notice:problem_list", args=[token]))
    assert response.status_code == 404
    assert "notice/not_found.html" in [t.name for t in response.templates]


def test_public_notice_of_an_unpublished_list_is_404(world: Any, client: Any) -> None:
    plist = approved_list(world)
    ProblemList.objects.filter(pk=plist.pk).update(public_token="known-but-unpublished")
    assert client.get("/notice/known-but-unpublished/").status_code == 404


def test_print_page_shows_the_notice_with_a_signature(world: Any) -> None:
    plist = _published(world)
    response = client_for(world, "office").get(
        reverse("rectification:problem_list_print", args=[plist.pk])
    )
    html = response.content.decode()
    assert 'class="notice-sheet"' in html and "notice-signature" in html
    assert "13912345678" not in html


# --- overdue -----------------------------------------------------------------------------------


def test_overdue_item_is_marked_for_the_secretary_and_the_reviewer(world: Any) -> None:
    item = approved_list(world).items.get()
    keep_running(item.problem_list.campaign)  # judged as of today, not its 2014 end
    force_deadline(item, timezone.localdate() - dt.timedelta(days=5))
    for persona in ("secretary", "reviewer"):
        client = english(world, persona)
        for url in (item.get_absolute_url(), item.problem_list.get_absolute_url()):
            assert "overdue by 5 days" in client.get(url).content.decode(), (persona, url)
    listing = client_for(world, "reviewer").get(reverse("rectification:overdue_items"))
    assert list(listing.context["page"].object_list) == [item]
    # Someone who cannot see the organization does not see it either.
    assert (
        not client_for(world, "outsider")
        .get(reverse("rectification:overdue_items"))
        .context["page"]
        .object_list
    )


# --- query counts ----------------------------------------------------------------------------


def _grow_items(world: Any, plist: ProblemList, n: int = 10) -> None:
    """n more items written directly (the list stays approved and published)."""
    last = plist.items.count()
    for i in range(n):
        ProblemItem.objects.create(problem_list=plist, number=last + i + 1, **item_fields(plist))


def test_overview_query_count_is_constant(world: Any) -> None:
    approved_list(world)

    def grow() -> None:
        for i in range(10):
            campaign = Campaign.objects.create(
                lead_organization=world.county,
                name_zh=f"活动{i}",
                name_en=f"c{i}",
                starts_on="2015-01-01",
                ends_on="2015-12-31",
            )
            ProblemCategory.objects.create(
                campaign=campaign, code="cohesion", name_zh="凝聚力", name_en="cohesion"
            )
            plist = services.problem_list_create(
                actor=None, organization=world.own, campaign=campaign, title=f"清单{i}"
            )
            make_item(plist)

    # session, user, organization, grants, campaigns, lists, item counts, roles (nav),
    # unread count.
    url = reverse("rectification:problem_lists", args=[world.own.pk])
    assert_constant_queries(client_for(world, "secretary"), url, grow, expected=9)


def test_list_detail_query_count_is_constant(world: Any) -> None:
    plist = approved_list(world)

    def grow() -> None:
        _grow_items(world, plist)

    # session, user, list (organization, campaign), grants, items with categories,
    # the comment period, the comments with their items and handlers, the revisions
    # (approved lists: docs/product.md §6.3.1), review events with actors, roles
    # (buttons and nav), unread count.
    assert_constant_queries(
        client_for(world, "reviewer"), plist.get_absolute_url(), grow, expected=11
    )


def test_item_detail_query_count_is_constant(world: Any) -> None:
    item = approved_list(world).items.get()

    def grow() -> None:
        for _i in range(5):
            extension = request_extension(world, item, days=1)
            review_transition(extension, action="return", actor=world.reviewer, comment="不行")
        closure = request_closure(world, item)
        review_transition(closure, action="return", actor=world.reviewer, comment="再补")

    # session, user, item (list, organization, campaign, category, origins), grants,
    # events with actors, closure requests, extension requests, roles (nav), unread.
    assert_constant_queries(
        client_for(world, "secretary"), item.get_absolute_url(), grow, expected=9
    )


def test_closure_detail_query_count_is_constant(world: Any) -> None:
    item = approved_list(world).items.get()
    closure = request_closure(world, item)
    # Returned once already: the reviewer's panel shows what changed since (its diff
    # reads the evidence names, one query).
    review_transition(closure, action="return", actor=world.reviewer, comment="再补")
    review_transition(closure, action="resubmit", actor=world.secretary)

    def grow() -> None:
        for i in range(4):
            review_transition(closure, action="return", actor=world.reviewer, comment="再补")
            services.closure_request_add_evidence(
                actor=world.secretary,
                closure_request=closure,
                uploads=[photo(f"p{i}a.png"), photo(f"p{i}b.png")],
            )
            review_transition(closure, action="resubmit", actor=world.secretary)

    # session, user, request (organization, item, list, campaign, category, submitter),
    # grants, evidence files, review events with actors, the evidence names for the
    # diff since the return, roles, unread count.
    assert_constant_queries(
        client_for(world, "reviewer"), closure.get_absolute_url(), grow, expected=9
    )


def test_extension_detail_query_count_is_constant(world: Any) -> None:
    item = approved_list(world).items.get()
    extension = request_extension(world, item)

    def grow() -> None:
        for _i in range(5):
            review_transition(extension, action="return", actor=world.reviewer, comment="不行")
            review_transition(extension, action="resubmit", actor=world.secretary)

    # session, user, request (organization, item, list, campaign, category, submitter),
    # grants, review events with actors, roles, unread count.
    assert_constant_queries(
        client_for(world, "reviewer"), extension.get_absolute_url(), grow, expected=7
    )


def test_item_form_query_count_is_constant(world: Any) -> None:
    plist = make_list(world)
    item = make_item(plist)

    def grow() -> None:
        for _i in range(10):
            OpinionFactory(organization=world.own, campaign=plist.campaign)
            MemberFactory(organization=world.own)
        make_statement(world.own, plist.campaign)

    # session, user, item with its list, grants, categories (twice: a required select
    # reads its first choice for the `required` attribute), opinions, statements,
    # criticism entries, members, roles, unread count.
    url = reverse("rectification:item_edit", args=[item.pk])
    assert_constant_queries(client_for(world, "secretary"), url, grow, expected=12)


def test_overdue_list_query_count_is_constant(world: Any) -> None:
    def overdue_item(org: Any) -> None:
        plist = approved_list(world, org, items=2)
        for item in plist.items.all():
            force_deadline(item, timezone.localdate() - dt.timedelta(days=3))

    overdue_item(world.own)
    keep_running(campaign_for(world))  # judged as of today, not its 2014 end

    def grow() -> None:
        for org in (world.child, world.sibling):
            overdue_item(org)
        plist = ProblemList.objects.get(organization=world.own)
        _grow_items(world, plist)
        for item in plist.items.all():
            force_deadline(item, timezone.localdate() - dt.timedelta(days=1))

    # session, user, grants, the campaigns of the user's scope (the picker, added with
    # the as-of day), COUNT, the page of items (list, organization, campaign, category),
    # roles (nav), unread count.
    url = reverse("rectification:overdue_items")
    assert_constant_queries(client_for(world, "reviewer"), url, grow, expected=8)


def test_public_and_print_query_counts_are_constant(world: Any, client: Any) -> None:
    plist = _published(world)

    def grow() -> None:
        _grow_items(world, plist)

    # list with organization, items with categories.
    assert_constant_queries(client, plist.get_public_path(), grow, expected=2)
    # session, user, list, grants, items, roles, unread count.
    url = reverse("rectification:problem_list_print", args=[plist.pk])
    assert_constant_queries(
        client_for(world, "secretary"), url, lambda: _grow_items(world, plist), expected=7
    )
