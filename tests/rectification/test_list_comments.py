"""The problem list open to comment and its revisions (docs/product.md §6.3.1):
services (periods, comments, adopting, answering, revisions through the one review
engine), the permission matrix of every page, pinned query counts, and the public
comment page's protections (rate limits, minimum fill time, honeypot, one comment per
served form, nobody sees a comment)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from portal.notifications.models import Notification
from portal.reviews.models import RecordLocked, ReviewStatus
from portal.reviews.services import review_transition
from rectification import services_list_comments as services
from rectification import views_list_comments as views
from rectification.forms_list_comments import form_started_token
from rectification.models import (
    CommentStatus,
    ItemEvent,
    ListComment,
    ProblemList,
    SourceKind,
)
from tests.rectification.problems_factories import (
    ORG_NAMES,
    approve,
    approved_list,
    category,
    decider,
    item_fields,
    make_item,
    make_list,
    submitter,
)
from tests.utils import assert_constant_queries, check_matrix, client_for

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
RECORD = {
    "own": {**VIEW_OWN, "office": 403, "reviewer": 403, "instructor": 403},
    "child": {**VIEW_OWN, "office": 403, "reviewer": 403, "instructor": 403},
    "park_a": {**VIEW_PARENT, "office": 403, "reviewer": 403},
    "sibling": {**VIEW_PARENT, "office": 403, "reviewer": 403},
    "other": {**VIEW_OTHER, "office": 403},
    "far": VIEW_FAR,
}
SUBMIT = {name: dict(matrix) for name, matrix in RECORD.items()}
for _name in ("own", "child"):
    SUBMIT[_name]["clerk"] = 403


@pytest.fixture(autouse=True)
def _empty_cache() -> Any:
    cache.clear()
    yield
    cache.clear()
    translation.deactivate()


def _org(world: Any, name: str) -> Any:
    return getattr(world, name)


def open_list(world: Any, org: Any = None, items: int = 1) -> Any:
    plist = make_list(world, org)
    for _i in range(items):
        make_item(plist)
    period = services.comment_period_set(
        actor=None, problem_list=plist, opens_on=timezone.localdate()
    )
    return plist, period


def comment(period: Any, text: str = "学习制度落实不到位的问题还应写上考勤。") -> ListComment:
    return services.comment_submit(period=period, content=text, role="employee")


def public_data(period: Any, **overrides: Any) -> dict[str, Any]:
    data = {
        "content": "应当把职工反映的加班问题列进清单。",
        "role": "employee",
        "commenter_name": "",
        "website": "",
        "started": form_started_token(period.pk, at=timezone.now().timestamp() - 10),
    }
    data.update(overrides)
    return data


# --- services ------------------------------------------------------------------------------


def test_opening_gives_an_unguessable_address_for_two_weeks_and_keeps_it(world: Any) -> None:
    plist = make_list(world)
    today = timezone.localdate()
    period = services.comment_period_set(actor=world.secretary, problem_list=plist, opens_on=today)
    assert len(period.token) >= 22
    assert period.closes_on == today + dt.timedelta(days=13)
    again = services.comment_period_set(
        actor=world.secretary, problem_list=plist, opens_on=today, closes_on=today
    )
    assert again.token == period.token and again.closes_on == today


def test_opening_needs_submit_and_a_list_not_waiting(world: Any) -> None:
    plist = make_list(world)
    make_item(plist)
    with pytest.raises(PermissionDenied):
        services.comment_period_set(
            actor=world.clerk, problem_list=plist, opens_on=timezone.localdate()
        )
    with pytest.raises(ValidationError) as exc:
        services.comment_period_set(
            actor=world.secretary,
            problem_list=plist,
            opens_on=timezone.localdate(),
            closes_on=timezone.localdate() - dt.timedelta(days=1),
        )
    assert "closes_on" in exc.value.error_dict
    review_transition(plist, action="submit", actor=world.secretary)
    with pytest.raises(ValidationError):
        services.comment_period_set(
            actor=world.secretary, problem_list=plist, opens_on=timezone.localdate()
        )


def test_comments_only_while_the_period_runs(world: Any) -> None:
    plist, period = open_list(world)
    comment(period)
    services.comment_period_close(actor=world.secretary, period=period)
    assert not period.is_open()
    with pytest.raises(ValidationError):
        comment(period)
    assert plist.comments.count() == 1


def test_answer_needs_text_and_a_comment_is_handled_once(world: Any) -> None:
    _plist, period = open_list(world)
    c = comment(period)
    with pytest.raises(ValidationError):
        services.comment_answer(actor=world.secretary, comment=c, answer_text="  ")
    services.comment_answer(actor=world.secretary, comment=c, answer_text="已在第1项措施中体现。")
    c.refresh_from_db()
    assert c.status == CommentStatus.ANSWERED and c.handled_by == world.secretary
    with pytest.raises(ValidationError):
        services.comment_adopt(actor=world.secretary, comment=c)
    with pytest.raises(PermissionDenied):
        services.comment_answer(actor=world.reviewer, comment=comment(period), answer_text="x")


def test_adopting_as_a_new_item_writes_the_item_with_its_source(world: Any) -> None:
    plist, period = open_list(world)
    c = comment(period)
    fields = item_fields(plist, description=c.content)
    del fields["source_kind"], fields["source_note"]
    item = services.comment_adopt_as_item(actor=world.secretary, comment=c, **fields)
    c.refresh_from_db()
    assert c.status == CommentStatus.ADOPTED and c.adopted_item == item
    assert item.number == 2 and item.source_kind == SourceKind.COMMENT
    assert item.source_note
    assert ItemEvent.objects.filter(item=item).count() == 1


def test_adopting_into_an_item_of_another_list_is_refused(world: Any) -> None:
    _plist, period = open_list(world)
    other = make_list(world, world.child)
    foreign = make_item(other)
    with pytest.raises(ValidationError):
        services.comment_adopt(actor=world.secretary, comment=comment(period), item=foreign)


def test_a_submitted_list_takes_no_new_item_from_a_comment(world: Any) -> None:
    plist, period = open_list(world)
    c = comment(period)
    review_transition(plist, action="submit", actor=world.secretary)
    fields = item_fields(plist)
    del fields["source_kind"], fields["source_note"]
    with pytest.raises(RecordLocked):
        services.comment_adopt_as_item(actor=world.secretary, comment=c, **fields)
    c.refresh_from_db()
    assert c.status == CommentStatus.NEW


def revision_fields(plist: ProblemList, **overrides: Any) -> dict[str, Any]:
    fields = {
        "description": "职工反映加班较多。",
        "category": category(plist.campaign),
        "source_kind": SourceKind.OTHER,
        "source_note": "",
        "measures": "合理安排生产。",
        "responsible_name": "李主任",
        "responsible_post": "",
        "deadline": timezone.localdate() + dt.timedelta(days=30),
    }
    fields.update(overrides)
    return fields


def test_a_revision_is_reviewed_and_adds_its_problems_to_the_list(world: Any) -> None:
    plist = approved_list(world, items=2)
    with pytest.raises(ValidationError):
        services.revision_create(
            actor=world.secretary, problem_list=make_list(world, world.child), reason="x"
        )
    revision = services.revision_create(
        actor=world.secretary, problem_list=plist, reason="后来发现"
    )
    assert revision.version == 2
    with pytest.raises(ValidationError):
        services.revision_create(actor=world.secretary, problem_list=plist, reason="again")
    with pytest.raises(ValidationError):
        review_transition(revision, action="submit", actor=world.secretary)  # no problems
    services.revision_item_add(actor=world.secretary, revision=revision, **revision_fields(plist))
    review_transition(revision, action="submit", actor=world.secretary)
    assert Notification.objects.filter(recipient=world.reviewer).exists()
    with pytest.raises(RecordLocked):
        services.revision_item_add(
            actor=world.secretary, revision=revision, **revision_fields(plist)
        )
    review_transition(revision, action="approve", actor=world.reviewer)
    plist.refresh_from_db()
    assert plist.version == 2 and plist.revised_on == timezone.localdate()
    assert list(plist.history.values_list("version", flat=True))[:1] == [2]
    assert plist.review_status == ReviewStatus.APPROVED
    new = plist.items.get(number=3)
    assert new.added_in_version == 2 and new.description == "职工反映加班较多。"
    # The next revision is version 3.
    assert (
        services.revision_create(actor=world.secretary, problem_list=plist, reason="再次").version
        == 3
    )


def test_a_comment_on_an_approved_list_goes_into_the_revision(world: Any) -> None:
    plist = approved_list(world)
    period = services.comment_period_set(
        actor=world.secretary, problem_list=plist, opens_on=timezone.localdate()
    )
    c = comment(period)
    fields = revision_fields(plist)
    del fields["source_kind"], fields["source_note"]
    row = services.comment_adopt_into_revision(actor=world.secretary, comment=c, **fields)
    revision = row.revision
    assert revision.version == 2 and row.source_kind == SourceKind.COMMENT
    review_transition(revision, action="submit", actor=world.secretary)
    review_transition(revision, action="approve", actor=world.reviewer)
    c.refresh_from_db()
    assert c.adopted_item is not None and c.adopted_item.number == 2


def test_removing_a_problem_from_a_revision_frees_its_comment(world: Any) -> None:
    plist = approved_list(world)
    period = services.comment_period_set(
        actor=None, problem_list=plist, opens_on=timezone.localdate()
    )
    c = comment(period)
    fields = revision_fields(plist)
    del fields["source_kind"], fields["source_note"]
    row = services.comment_adopt_into_revision(actor=world.secretary, comment=c, **fields)
    services.revision_item_delete(actor=world.secretary, row=row)
    c.refresh_from_db()
    assert c.status == CommentStatus.NEW


# --- the public page ---------------------------------------------------------------------------


def test_anyone_reads_the_items_and_comments_without_login(world: Any) -> None:
    plist, period = open_list(world)
    comment(period, "别人的意见不应该被看到")
    url = reverse("comment:list", args=[period.token])
    response = Client().get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert plist.items.get().description in body
    assert "别人的意见不应该被看到" not in body
    assert 'class="hp-field"' in body
    response = Client().post(url, public_data(period))
    assert response.status_code == 302
    assert response["Location"] == reverse("comment:thanks", args=[period.token])
    assert plist.comments.count() == 2


def test_the_thanks_page_needs_a_comment_sent_and_shows_none(world: Any) -> None:
    _plist, period = open_list(world)
    client = Client()
    thanks = reverse("comment:thanks", args=[period.token])
    assert client.get(thanks).status_code == 302
    client.post(reverse("comment:list", args=[period.token]), public_data(period))
    response = client.get(thanks)
    assert response.status_code == 200
    assert "加班" not in response.content.decode()


def test_honeypot_too_fast_and_forged_stamps_are_refused(world: Any) -> None:
    plist, period = open_list(world)
    url = reverse("comment:list", args=[period.token])
    assert Client().post(url, public_data(period, website="http://spam")).status_code == 200
    fresh = form_started_token(period.pk)
    assert Client().post(url, public_data(period, started=fresh)).status_code == 200
    for stamp in ("", "garbage", form_started_token(period.pk + 1, at=0)):
        response = Client().post(url, public_data(period, started=stamp))
        assert response.status_code == 200
        assert re.search(r'name="started" value="([^"]+)"', response.content.decode())
    assert plist.comments.count() == 0


def test_one_comment_per_served_form(world: Any) -> None:
    plist, period = open_list(world)
    url = reverse("comment:list", args=[period.token])
    data = public_data(period)
    Client().post(url, data)
    assert Client().post(url, data).status_code == 302
    assert plist.comments.count() == 1


def test_comments_are_limited_per_address(world: Any) -> None:
    plist, period = open_list(world)
    url = reverse("comment:list", args=[period.token])
    limit, _window = views.SUBMIT_PER_ADDRESS
    for _ in range(limit):
        Client().post(url, public_data(period))
    response = Client().post(url, public_data(period))
    assert response.status_code == 429
    assert plist.comments.count() == limit


def test_a_closed_period_and_bad_tokens_take_nothing(world: Any) -> None:
    plist, period = open_list(world)
    services.comment_period_close(actor=None, period=period)
    url = reverse("comment:list", args=[period.token])
    assert "not open to comment" in Client(HTTP_ACCEPT_LANGUAGE="en").get(url).content.decode()
    assert Client().post(url, public_data(period)).status_code == 200
    assert plist.comments.count() == 0
    assert Client().get("/comment/nope/").status_code == 404
    assert Client().get("/comment/nope/thanks/").status_code == 404


def test_bad_input_never_a_500(world: Any) -> None:
    _plist, period = open_list(world)
    url = reverse("comment:list", args=[period.token])
    for data in (
        {},
        public_data(period, content=""),
        public_data(period, content="x" * 5000),
        public_data(period, role="boss"),
    ):
        assert Client().post(url, data).status_code == 200


def test_the_public_page_runs_a_fixed_number_of_queries(world: Any) -> None:
    plist, period = open_list(world)

    def grow() -> None:
        for _i in range(10):
            make_item(plist)
            comment(period)

    # the period with list, organization and campaign; the items with categories
    assert_constant_queries(
        Client(), reverse("comment:list", args=[period.token]), grow, expected=2
    )


# --- the logged-in pages -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ORG_NAMES)
def test_period_page_matrix(world: Any, name: str) -> None:
    plist = make_list(world, _org(world, name))
    check_matrix(world, reverse("rectification:comment_period", args=[plist.pk]), SUBMIT[name])


@pytest.mark.parametrize("name", ORG_NAMES)
def test_qr_page_matrix(world: Any, name: str) -> None:
    plist, _period = open_list(world, _org(world, name))
    check_matrix(world, reverse("rectification:comment_qr", args=[plist.pk]), VIEW[name])


@pytest.mark.parametrize("name", ORG_NAMES)
@pytest.mark.parametrize("page", ["comment_answer", "comment_adopt", "comment_new_item"])
def test_handling_pages_matrix(world: Any, name: str, page: str) -> None:
    _plist, period = open_list(world, _org(world, name))
    c = comment(period)
    check_matrix(world, reverse(f"rectification:{page}", args=[c.pk]), RECORD[name])


@pytest.mark.parametrize("name", ORG_NAMES)
def test_revision_pages_matrix(world: Any, name: str) -> None:
    org = _org(world, name)
    plist = approved_list(world, org)
    check_matrix(world, reverse("rectification:revision_create", args=[plist.pk]), RECORD[name])
    revision = services.revision_create(actor=None, problem_list=plist, reason="后来发现")
    check_matrix(world, revision.get_absolute_url(), VIEW[name])
    check_matrix(world, reverse("rectification:revision_edit", args=[revision.pk]), RECORD[name])
    check_matrix(
        world, reverse("rectification:revision_item_add", args=[revision.pk]), RECORD[name]
    )


def test_posts_follow_the_matrix(world: Any) -> None:
    _plist, period = open_list(world, world.sibling)
    c = comment(period)
    for persona in ("secretary", "clerk"):
        response = client_for(world, persona).post(
            reverse("rectification:comment_answer", args=[c.pk]), {"answer_text": "好"}
        )
        assert response.status_code == 404
    assert (
        client_for(world, "reviewer")
        .post(reverse("rectification:comment_answer", args=[c.pk]), {"answer_text": "好"})
        .status_code
        == 403
    )
    c.refresh_from_db()
    assert c.status == CommentStatus.NEW


def test_the_secretary_answers_and_adopts_through_the_pages(world: Any) -> None:
    plist, period = open_list(world)
    first, second, third = comment(period), comment(period), comment(period)
    client = client_for(world, "secretary")
    response = client.post(
        reverse("rectification:comment_answer", args=[first.pk]), {"answer_text": ""}
    )
    assert response.status_code == 200
    client.post(reverse("rectification:comment_answer", args=[first.pk]), {"answer_text": "已答复"})
    client.post(
        reverse("rectification:comment_adopt", args=[second.pk]),
        {"item": plist.items.get().pk, "note": "并入第1项"},
    )
    url = reverse("rectification:comment_new_item", args=[third.pk])
    page = client.get(url).content.decode()
    assert third.content in page and "Comment received on" in page
    fields = item_fields(plist)
    data = {
        "description": "新问题",
        "category": fields["category"].pk,
        "measures": "措施",
        "responsible_name": "王某",
        "responsible_post": "",
        "deadline": fields["deadline"].isoformat(),
        "source_note": "",
    }
    assert client.post(url, data).status_code == 302
    states = dict(ListComment.objects.values_list("pk", "status"))
    assert states == {
        first.pk: CommentStatus.ANSWERED,
        second.pk: CommentStatus.ADOPTED,
        third.pk: CommentStatus.ADOPTED,
    }
    third.refresh_from_db()
    assert third.adopted_item.description == "新问题"
    assert third.adopted_item.source_kind == SourceKind.COMMENT
    # A second try on a handled comment goes back to the list, changing nothing.
    assert client.post(url, data).status_code == 302
    assert plist.items.count() == 2


def test_the_reviewer_sees_the_comments_beside_the_list(world: Any) -> None:
    plist, period = open_list(world)
    c = comment(period, "请把食堂问题列入")
    services.comment_answer(actor=world.secretary, comment=c, answer_text="已列入第二批")
    review_transition(plist, action="submit", actor=world.secretary)
    body = client_for(world, "reviewer").get(plist.get_absolute_url()).content.decode()
    assert "请把食堂问题列入" in body and "已列入第二批" in body
    assert reverse("rectification:comment_answer", args=[c.pk]) not in body


def test_the_notice_shows_the_version_and_the_added_items(world: Any) -> None:
    from rectification import services_problems

    plist = approved_list(world)
    services_problems.problem_list_publish(
        actor=None, problem_list=plist, published_on=timezone.localdate(), audience="全体党员"
    )
    revision = services.revision_create(actor=None, problem_list=plist, reason="后来发现")
    services.revision_item_add(actor=None, revision=revision, **revision_fields(plist))
    review_transition(revision, action="submit", actor=submitter(world, plist.organization))
    review_transition(revision, action="approve", actor=decider(world, plist.organization))
    plist.refresh_from_db()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    body = client.get(plist.get_public_path()).content.decode()
    assert "version 2" in body and "职工反映加班较多。" in body


def test_list_detail_runs_a_fixed_number_of_queries_with_comments(world: Any) -> None:
    plist, period = open_list(world)

    def grow() -> None:
        for _i in range(10):
            c = comment(period)
            services.comment_answer(actor=world.secretary, comment=c, answer_text="好")
            make_item(plist)

    # session, user, list (organization, campaign), grants, items with categories, the
    # period, the comments with items and handlers, review events, roles, unread count
    # (a draft list: no revisions to read).
    assert_constant_queries(
        client_for(world, "secretary"), plist.get_absolute_url(), grow, expected=LIST_DETAIL_QUERIES
    )


LIST_DETAIL_QUERIES = 10


def test_revision_detail_runs_a_fixed_number_of_queries(world: Any) -> None:
    plist = approved_list(world)
    revision = services.revision_create(actor=None, problem_list=plist, reason="后来发现")
    period = services.comment_period_set(
        actor=None, problem_list=plist, opens_on=timezone.localdate()
    )

    def grow() -> None:
        for _i in range(10):
            services.revision_item_add(actor=None, revision=revision, **revision_fields(plist))
            comment(period)

    # session, user, revision (organization, list, campaign), grants, new problems with
    # categories, the list's items, the period, the comments, review events, roles,
    # unread count
    assert_constant_queries(
        client_for(world, "reviewer"), revision.get_absolute_url(), grow, expected=REVISION_QUERIES
    )


REVISION_QUERIES = 11


def test_approve_helper_still_works(world: Any) -> None:
    plist = make_list(world)
    make_item(plist)
    approve(world, plist)
    assert plist.review_status == ReviewStatus.APPROVED


def test_a_new_comment_notifies_the_organizations_secretary_after_commit(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _plist, period = open_list(world)
    with django_capture_on_commit_callbacks(execute=True):
        comment(period, "请关注职工休息问题")
    note = Notification.objects.get(recipient=world.secretary, verb="problem_list.comment")
    assert "请关注职工休息问题" in note.body
    assert not Notification.objects.filter(
        recipient=world.reviewer, verb="problem_list.comment"
    ).exists()
