"""Pages of the phase 2 records: the permission matrix of every view over own, child,
parent, sibling and other-county objects; pinned query counts; bad input never a 500;
a party member reads only their own appraisal result."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from activities.models import (
    AppraisalApproval,
    AppraisalResult,
    AppraisalSession,
    OneToOneTalk,
    SelfExamination,
    StatementSubject,
)
from activities.phase2 import services as services
from organizations.models import Member
from portal.reviews.models import ReviewAction
from portal.reviews.services import review_transition
from tests.activities.phase2_factories import (
    campaign_2014,
    closed_session,
    grades,
    later_campaign,
    make_session,
    make_statement,
    make_talk,
    members,
    roster,
    tally,
)
from tests.factories import MemberFactory
from tests.utils import assert_constant_queries, check_matrix, client_for

TARGETS = ("own", "child", "parent", "sibling", "far")
ORG_OF = {"own": "own", "child": "child", "parent": "park_a", "sibling": "sibling", "far": "far"}

ALL_404 = {
    "anonymous": 302,
    "nobody": 404,
    "outsider": 404,
    "office": 404,
    "reviewer": 404,
    "instructor": 404,
    "secretary": 404,
    "clerk": 404,
    "member_user": 404,
    "admin": 200,
}


def expect_view(target: str) -> dict[str, int]:
    """VIEW: the organization's own roles and everyone above it."""
    result = dict(ALL_404)
    if target == "far":
        return result
    result.update(office=200, reviewer=200)
    if target in ("own", "child"):
        result.update(instructor=200, secretary=200, clerk=200)
    return result


def expect_record(target: str) -> dict[str, int]:
    """RECORD: secretary and clerk of the organization (or above); 403 for those who
    only see it."""
    result = expect_view(target)
    for persona, code in result.items():
        if code == 200 and persona not in ("admin", "secretary", "clerk"):
            result[persona] = 403
    if target not in ("own", "child"):
        result.update(secretary=404, clerk=404, instructor=404)
    return result


def expect_review(target: str) -> dict[str, int]:
    """Order redo: reviewers strictly above the organization and its instructor."""
    result = expect_view(target)
    for persona, code in result.items():
        if code == 200 and persona != "admin":
            result[persona] = 403
    if target in ("own", "child"):
        result.update(reviewer=200, instructor=200)
    elif target == "sibling":
        result.update(reviewer=200)
    return result


def _org(world: Any, target: str) -> Any:
    return getattr(world, ORG_OF[target])


def _campaign_for(world: Any, target: str) -> Any:
    """The 2014 campaign of the organization's county."""
    from activities.seed import ensure_campaign_2014

    return ensure_campaign_2014(world.other_county if target == "far" else world.county)


def _with_each_target(world: Any, make: Any) -> dict[str, Any]:
    return {target: make(_org(world, target), _campaign_for(world, target)) for target in TARGETS}


# --- the permission matrix -----------------------------------------------------------------


def test_talk_pages_matrix(world):
    talks = _with_each_target(world, lambda org, c: make_talk(org, c))
    for target, talk in talks.items():
        org = _org(world, target)
        check_matrix(world, reverse("activities:talk_list", args=[org.pk]), expect_view(target))
        check_matrix(world, reverse("activities:talk_create", args=[org.pk]), expect_record(target))
        check_matrix(world, reverse("activities:talk_edit", args=[talk.pk]), expect_record(target))
        check_matrix(
            world, reverse("activities:talk_delete", args=[talk.pk]), expect_record(target)
        )


def test_talk_delete_by_post(world):
    campaign = campaign_2014(world)
    talk = make_talk(world.own, campaign)
    url = reverse("activities:talk_delete", args=[talk.pk])
    assert client_for(world, "reviewer").post(url).status_code == 403
    assert client_for(world, "outsider").post(url).status_code == 404
    assert client_for(world, "clerk").post(url).status_code == 302
    assert not OneToOneTalk.objects.filter(pk=talk.pk).exists()


def test_statement_pages_matrix(world):
    statements = _with_each_target(world, lambda org, c: make_statement(org, c))
    for target, statement in statements.items():
        org = _org(world, target)
        check_matrix(
            world, reverse("activities:statement_list", args=[org.pk]), expect_view(target)
        )
        check_matrix(
            world,
            reverse("activities:statement_create", args=[org.pk, "secretary"]),
            expect_record(target),
        )
        check_matrix(world, statement.get_absolute_url(), expect_view(target))
        check_matrix(
            world, reverse("activities:statement_edit", args=[statement.pk]), expect_record(target)
        )
        check_matrix(
            world,
            reverse("activities:statement_history", args=[statement.pk]),
            expect_view(target),
        )
        # Uploading files (an empty post: the form answers with its errors).
        check_matrix(world, statement.get_absolute_url(), expect_record(target), method="post")


def test_appraisal_opening_pages_matrix(world):
    for target in TARGETS:
        org = _org(world, target)
        _campaign_for(world, target)
        check_matrix(
            world, reverse("activities:appraisal_home", args=[org.pk]), expect_view(target)
        )
        check_matrix(
            world, reverse("activities:appraisal_create", args=[org.pk]), expect_record(target)
        )


def test_appraisal_pages_matrix(world):
    sessions = _with_each_target(world, lambda org, c: make_session(org, c))
    for target, session in sessions.items():
        check_matrix(world, session.get_absolute_url(), expect_view(target))
        for name in ("appraisal_edit", "appraisal_tallies"):
            check_matrix(
                world, reverse(f"activities:{name}", args=[session.pk]), expect_record(target)
            )
        # The session cannot close yet (nobody appraised): every allowed POST comes back
        # to the page with the reasons.
        closing = {k: (302 if v == 200 else v) for k, v in expect_record(target).items()}
        check_matrix(
            world,
            reverse("activities:appraisal_close", args=[session.pk]),
            closing,
            method="post",
        )
        session.refresh_from_db()
        assert session.is_open


def test_closed_appraisal_pages_matrix(world):
    def make(org: Any, campaign: Any) -> AppraisalSession:
        members(org, 2)
        return closed_session(org, campaign, ["good", "fair"])

    sessions = _with_each_target(world, make)
    for target, session in sessions.items():
        check_matrix(world, session.get_absolute_url(), expect_view(target))
        approval = AppraisalApproval.objects.get(session=session)
        check_matrix(world, approval.get_absolute_url(), expect_view(target))
        check_matrix(
            world, reverse("activities:appraisal_redo", args=[session.pk]), expect_review(target)
        )
        # A closed session's tally and attendance are not editable now.
        locked = {k: (403 if v == 200 else v) for k, v in expect_record(target).items()}
        locked["admin"] = 403
        for name in ("appraisal_edit", "appraisal_tallies"):
            check_matrix(world, reverse(f"activities:{name}", args=[session.pk]), locked)
        # Reopening: allowed to the recorders (302 back to the page, reopened or not).
        reopening = {k: (302 if v == 200 else v) for k, v in expect_record(target).items()}
        check_matrix(
            world,
            reverse("activities:appraisal_reopen", args=[session.pk]),
            reopening,
            method="post",
        )


def test_post_only_views_refuse_get(world):
    campaign = campaign_2014(world)
    session = make_session(world.own, campaign)
    client = client_for(world, "secretary")
    for name in ("appraisal_close", "appraisal_reopen"):
        assert client.get(reverse(f"activities:{name}", args=[session.pk])).status_code == 405


def test_redo_page_orders_the_redo(world):
    campaign = campaign_2014(world)
    members(world.own, 1)
    session = closed_session(world.own, campaign, ["fair"])
    url = reverse("activities:appraisal_redo", args=[session.pk])
    client = client_for(world, "reviewer")
    assert client.post(url, {"reason": ""}).status_code == 200  # the form asks for a reason
    response = client.post(url, {"reason": "走过场"})
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.status == "redo"
    page = client_for(world, "secretary").get(session.get_absolute_url()).content.decode()
    assert "走过场" in page
    # Not closed any more: no second redo.
    assert client.get(url).status_code == 403


# --- a party member's own result -----------------------------------------------------------


def _member_of(world: Any) -> Member:
    return Member.objects.get(user=world.member_user)


def test_member_reads_own_result_once_released_and_nobody_elses(world):
    campaign = campaign_2014(world)
    (colleague,) = members(world.own, 1)
    session = make_session(world.own, campaign)
    me = _member_of(world)
    tally(session, {me: "good", colleague: "fair"})
    mine = AppraisalResult.objects.get(session=session, member=me)
    theirs = AppraisalResult.objects.get(session=session, member=colleague)
    my_url = reverse("activities:my_appraisal", args=[mine.pk])
    their_url = reverse("activities:my_appraisal", args=[theirs.pk])
    member = client_for(world, "member_user")

    assert member.get(my_url).status_code == 404  # the session is still open
    services.appraisal_session_close(actor=world.clerk, session=session)
    assert member.get(my_url).status_code == 404  # 'good' waits for approval
    approval = AppraisalApproval.objects.get(session=session)
    review_transition(approval, action=ReviewAction.SUBMIT, actor=world.secretary)
    review_transition(approval, action=ReviewAction.APPROVE, actor=world.reviewer)

    response = member.get(my_url)
    assert response.status_code == 200
    assert grades(campaign)["good"].name in response.content.decode()
    assert member.get(their_url).status_code == 404
    check_matrix(
        world,
        their_url,
        {
            k: 404
            for k in (
                "nobody",
                "outsider",
                "office",
                "reviewer",
                "secretary",
                "clerk",
                "member_user",
                "admin",
            )
        }
        | {"anonymous": 302},
    )
    check_matrix(
        world,
        my_url,
        {
            k: 404
            for k in ("nobody", "outsider", "office", "reviewer", "secretary", "clerk", "admin")
        }
        | {"anonymous": 302, "member_user": 200},
    )
    listing = member.get(reverse("activities:my_appraisals")).content.decode()
    assert my_url in listing and their_url not in listing


def test_my_appraisals_lists_nothing_for_someone_without_results(world):
    response = client_for(world, "secretary").get(reverse("activities:my_appraisals"))
    assert response.status_code == 200
    assert (
        client_for(world, "anonymous").get(reverse("activities:my_appraisals")).status_code == 302
    )


# --- constant query counts -----------------------------------------------------------------


def test_talk_list_queries_are_constant(world):
    campaign = campaign_2014(world)
    make_talk(world.own, campaign)
    members(world.own, 2)

    def grow() -> None:
        people = members(world.own, 20)
        for i, person in enumerate(people):
            make_talk(world.own, campaign, initiator_member=person, initiator_name="")
            make_talk(
                world.own,
                campaign,
                partner_member=person,
                partner_name="",
                talked_on=dt.date(2014, 6, 1 + i),
            )

    # session, user, organization, grants, campaigns, talk COUNT, talk page (+members),
    # talks per member, roles (navigation), unread notifications, the member filter's
    # options
    assert_constant_queries(
        client_for(world, "secretary"),
        reverse("activities:talk_list", args=[world.own.pk]),
        grow,
        expected=11,
    )


def test_statement_pages_queries_are_constant(world, media_root):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from portal.attachments.services import attachment_add

    campaign = campaign_2014(world)
    statement = make_statement(world.own, campaign)
    client = client_for(world, "reviewer")
    # Content types are cached per process; warm the cache as a running server has it.
    ContentType.objects.get_for_model(SelfExamination)

    def grow() -> None:
        for i in range(10):
            attachment_add(
                actor=world.clerk,
                record=statement,
                organization=world.own,
                kind="document",
                upload=SimpleUploadedFile(f"f{i}.txt", f"文本 {i}".encode(), "text/plain"),
                name=f"f{i}.txt",
            )
        for i in range(5):
            review_transition(
                statement,
                action=ReviewAction.SUBMIT if i == 0 else ReviewAction.RESUBMIT,
                actor=world.secretary,
            )
            review_transition(
                statement, action=ReviewAction.RETURN, actor=world.reviewer, comment=f"第{i}次"
            )
        review_transition(statement, action=ReviewAction.RESUBMIT, actor=world.secretary)
        make_statement(world.own, campaign, StatementSubject.SECRETARY)

    # session, user, statement (+organization, campaign), grants, review timeline
    # (+actors), attachments, roles (panel and navigation), unread notifications
    assert_constant_queries(client, statement.get_absolute_url(), grow, expected=8)
    # session, user, organization, grants, campaigns, statements, roles, unread
    assert_constant_queries(
        client, reverse("activities:statement_list", args=[world.own.pk]), lambda: None, expected=8
    )


def test_statement_history_queries_are_constant(world):
    campaign = campaign_2014(world)
    statement = make_statement(world.own, campaign)

    def grow() -> None:
        for i in range(12):
            services.statement_update(
                actor=world.clerk, statement=statement, fields={"causes": f"第{i}稿"}
            )

    # session, user, statement (+organization, campaign), grants, COUNT of versions,
    # the page of versions (+authors), the version below the page, roles, unread
    assert_constant_queries(
        client_for(world, "secretary"),
        reverse("activities:statement_history", args=[statement.pk]),
        grow,
        expected=9,
    )
    page = client_for(world, "secretary").get(
        reverse("activities:statement_history", args=[statement.pk]) + "?page=1"
    )
    assert "第11稿" in page.content.decode() and "<del>第10稿</del>" in page.content.decode()


def test_appraisal_pages_queries_are_constant(world):
    campaign = campaign_2014(world)
    members(world.own, 2)
    session = make_session(world.own, campaign, present=50)
    tally(session, dict.fromkeys(roster(world.own), "fair"))
    secretary = client_for(world, "secretary")

    def grow() -> None:
        members(world.own, 25)
        tally(session, {m: ("good" if i % 3 else "fair") for i, m in enumerate(roster(world.own))})

    # session, user, appraisal session (+organization, campaign), grants, grades, roster,
    # results (+determination), events (+actor), current approval, roles (can_review
    # and navigation), unread notifications
    assert_constant_queries(secretary, session.get_absolute_url(), grow, expected=11)

    def grow_more() -> None:
        members(world.own, 30)

    # session, user, appraisal session, grants, grades, roster, results, roles, unread
    assert_constant_queries(
        secretary, reverse("activities:appraisal_tallies", args=[session.pk]), grow_more, expected=9
    )


def test_approval_page_queries_are_constant(world):
    campaign = campaign_2014(world)
    members(world.own, 2)
    session = closed_session(world.own, campaign, ["good", "poor"])
    approval = AppraisalApproval.objects.get(session=session)
    reviewer = client_for(world, "reviewer")
    ContentType.objects.get_for_model(AppraisalApproval)  # cached per process

    def grow() -> None:
        services.appraisal_session_reopen(actor=world.clerk, session=session)
        members(world.own, 20)
        tally(session, {m: ("good" if i % 2 else "poor") for i, m in enumerate(roster(world.own))})
        services.appraisal_session_close(actor=world.clerk, session=session)
        review_transition(approval, action=ReviewAction.SUBMIT, actor=world.secretary)
        review_transition(
            approval, action=ReviewAction.RETURN, actor=world.reviewer, comment="核实"
        )
        review_transition(approval, action=ReviewAction.RESUBMIT, actor=world.secretary)

    # session, user, approval (+organization, session, campaign), grants, review
    # timeline (+actors), roles, unread notifications
    assert_constant_queries(reviewer, approval.get_absolute_url(), grow, expected=7)


def test_my_appraisals_queries_are_constant(world):
    member = client_for(world, "member_user")

    def appraise(campaign: Any, code: str) -> None:
        session = make_session(world.own, campaign)
        tally(session, dict.fromkeys(roster(world.own), code))
        services.appraisal_session_close(actor=world.clerk, session=session)

    appraise(campaign_2014(world), "fair")

    def grow() -> None:
        for i in range(3):
            campaign = later_campaign(world.county)
            campaign.name_zh = f"活动{i}"
            campaign.save()
            appraise(campaign, "qualified")

    # session, user, released results (+session, campaign, organization, grade), grants
    # and roles (navigation), unread notifications
    assert_constant_queries(member, reverse("activities:my_appraisals"), grow, expected=6)


# --- bad input never answers 500 -----------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "?date_from=yesterday&date_to=2014-13-45&member=abc&page=zz&campaign=x",
        "?member=999999&page=99999&campaign=999999",
        "?campaign=1%00&member=%ff",
    ],
)
def test_talk_list_survives_bad_filters(world, query):
    campaign_2014(world)
    response = client_for(world, "secretary").get(
        reverse("activities:talk_list", args=[world.own.pk]) + query
    )
    assert response.status_code == 200


def test_forms_answer_bad_posts_with_errors(world):
    campaign = campaign_2014(world)
    client = client_for(world, "secretary")
    url = reverse("activities:talk_create", args=[world.own.pk])
    response = client.post(url, {"talked_on": "soon", "initiator_member": "x", "form": "shout"})
    assert response.status_code == 200 and not OneToOneTalk.objects.exists()
    talk = make_talk(world.own, campaign)
    response = client.post(
        reverse("activities:talk_edit", args=[talk.pk]),
        {"talked_on": "2014-06-01", "initiator_name": "甲", "partner_name": "乙"},
    )
    assert response.status_code == 200  # no version token: reload and try again
    assert "changed by someone else" in response.content.decode()
    response = client.post(
        reverse("activities:appraisal_create", args=[world.own.pk]),
        {"starts_on": "2014-07-02", "ends_on": "2014-07-01", "expected": "-3", "present": "a"},
    )
    assert response.status_code == 200 and not AppraisalSession.objects.exists()
    statement = make_statement(world.own, campaign)
    response = client.post(
        reverse("activities:statement_edit", args=[statement.pk]),
        {"methods": ["nonsense"], "seen": "not a date"},
    )
    assert response.status_code == 200
    assert (
        client.get(reverse("activities:statement_create", args=[world.own.pk, "boss"])).status_code
        == 404
    )
    assert client.get(reverse("activities:talk_edit", args=[2**62])).status_code == 404
    assert client.get(reverse("activities:appraisal_detail", args=[2**62])).status_code == 404
    assert client.get(reverse("activities:my_appraisal", args=[2**62])).status_code == 404


def test_tally_page_answers_bad_numbers_per_row_and_saves_good_ones(world):
    campaign = campaign_2014(world)
    session = make_session(world.own, campaign, present=5)
    people = roster(world.own)
    url = reverse("activities:appraisal_tallies", args=[session.pk])
    client = client_for(world, "clerk")
    seen = session.updated_at.isoformat()
    bad_values = ["abc", "-1", "99999999999999999999", "3.5"]
    for value in bad_values:
        data = {"seen": seen, f"m{people[0].pk}-v_good": value}
        response = client.post(url, data)
        assert response.status_code == 200, value
    response = client.post(url, {"seen": seen, f"m{people[0].pk}-determination": "999999"})
    assert response.status_code == 200
    response = client.post(
        url, {"seen": seen, f"m{people[0].pk}-v_good": "4", f"m{people[0].pk}-v_fair": "3"}
    )
    assert response.status_code == 200 and "7" in response.content.decode()  # 7 > 5 present
    assert not AppraisalResult.objects.filter(session=session).exists()

    good = grades(campaign)["good"]
    data = {"seen": seen}
    for person in people:
        data[f"m{person.pk}-v_good"] = "5"
        data[f"m{person.pk}-determination"] = str(good.pk)
        data[f"m{person.pk}-feedback_given"] = "on"
    response = client.post(url, data)
    assert response.status_code == 302
    assert AppraisalResult.objects.filter(
        session=session, determination=good, feedback_given=True
    ).count() == len(people)
    # The same page again, on the old version: refused (409), nothing lost.
    response = client.post(url, data | {f"m{people[0].pk}-v_good": "1"})
    assert response.status_code == 409
    assert AppraisalResult.objects.get(session=session, member=people[0]).votes == {"good": 5}


def test_close_page_reports_the_cap_by_name(world):
    campaign = later_campaign(world.county)
    extra = MemberFactory(organization=world.own)
    people = roster(world.own)
    session = make_session(world.own, campaign)
    tally(session, dict.fromkeys(people, "excellent"))
    client = client_for(world, "clerk")
    response = client.post(reverse("activities:appraisal_close", args=[session.pk]), follow=True)
    assert response.status_code == 200
    assert "33.3%" in response.content.decode()
    session.refresh_from_db()
    assert session.is_open and extra in people


def test_statement_list_shows_both_subjects_with_status(world):
    campaign = campaign_2014(world)
    statement = make_statement(world.own, campaign, StatementSubject.SECRETARY)
    review_transition(statement, action=ReviewAction.SUBMIT, actor=world.secretary)
    page = (
        client_for(world, "clerk")
        .get(reverse("activities:statement_list", args=[world.own.pk]))
        .content.decode()
    )
    assert reverse("activities:statement_create", args=[world.own.pk, "team"]) in page
    assert statement.get_absolute_url() in page
    assert SelfExamination.objects.count() == 1
