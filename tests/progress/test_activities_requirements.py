"""The phase 1-2 requirements of the live checklist, computed from real records."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from activities.models import MeetingKind, StatementSubject
from portal.progress import engine
from portal.progress.engine import Level
from portal.progress.scopes import scope_for_org, scope_for_subtree
from portal.reviews.services import review_transition
from tests.activities import factories as af
from tests.activities import phase2_factories as p2
from tests.activities.opinions_factories import OpinionFactory, answered_kwargs
from tests.activities.plans_factories import submitted_plan
from tests.conftest import World
from tests.utils import assert_constant_queries, client_for

pytestmark = pytest.mark.django_db

PHASE_1_2 = [
    "plan_approved",
    "mobilization",
    "counseling",
    "study_exchanges",
    "opinions",
    "statements_approved",
    "special_meeting",
    "appraisal",
]
DURING_PHASE_1 = dt.date(2014, 4, 20)
AFTER = dt.date(2015, 1, 1)


def levels(world: World, campaign, org, today=AFTER) -> dict[str, Level]:
    grid = engine.evaluate(scope_for_org(org, campaign, today=today), only=PHASE_1_2)
    return {code: result.level for code, result in grid[org.pk].items()}


def test_a_branch_with_nothing_done_is_amber_during_phase_1_and_red_after(world: World) -> None:
    campaign = af.campaign_for(world)
    af.members(world.child, 3)
    during = levels(world, campaign, world.child, today=DURING_PHASE_1)
    assert {during[c] for c in PHASE_1_2[:5]} == {Level.AMBER}
    assert set(levels(world, campaign, world.child).values()) == {Level.RED}


def test_a_branch_that_did_everything_is_all_green(world: World) -> None:
    campaign = af.campaign_for(world)
    org = world.own
    people = af.members(org, 3)
    plan = submitted_plan(world, org)
    review_transition(plan, action="approve", actor=world.reviewer)
    af.meeting(org, campaign, kind=MeetingKind.MOBILIZATION)
    af.meeting(org, campaign, kind=MeetingKind.STUDY_EXCHANGE, topic="交流", day="2014-05-10")
    af.counseling(p2.roster(org), campaign)
    OpinionFactory(organization=org, campaign=campaign, **answered_kwargs())
    for subject in StatementSubject.values:
        statement = p2.make_statement(org, campaign, subject=subject)
        review_transition(statement, action="submit", actor=world.secretary)
        review_transition(statement, action="approve", actor=world.reviewer)
    af.meeting(
        org,
        campaign,
        kind=MeetingKind.SPECIAL,
        topic="专题组织生活会",
        day="2014-07-01",
        guide_name="王指导",
    )
    p2.closed_session(org, campaign, ["fair"])

    result = levels(world, campaign, org)
    assert result == dict.fromkeys(PHASE_1_2, Level.GREEN), result
    grid = engine.evaluate(scope_for_org(org, campaign, today=AFTER), only=["counseling"])
    assert (
        grid[org.pk]["counseling"].reason
        == f"{len(people) + 1} of {len(people) + 1} members counseled at least 1 time"
    )


def test_partial_progress_is_explained(world: World) -> None:
    campaign = af.campaign_for(world)
    people = af.members(world.child, 4)
    af.counseling(people[:3], campaign)
    OpinionFactory(organization=world.child, campaign=campaign)
    OpinionFactory(organization=world.child, campaign=campaign, **answered_kwargs())
    submitted_plan(world, world.child)
    grid = engine.evaluate(scope_for_org(world.child, campaign, today=DURING_PHASE_1))[
        world.child.pk
    ]
    assert grid["counseling"].reason == "3 of 4 members counseled at least 1 time"
    assert grid["opinions"].reason == "1 of 2 opinions not yet answered or adopted"
    assert grid["plan_approved"].reason == "activity plan submitted, waiting for review"
    assert grid["plan_approved"].fix_url == reverse(
        "activities:plan_overview", args=[world.child.pk]
    )


def test_attending_the_parks_mobilization_meeting_counts_for_the_branch(world: World) -> None:
    campaign = af.campaign_for(world)
    af.members(world.sibling, 2)
    park_meeting = af.meeting(world.park_a, campaign, kind=MeetingKind.MOBILIZATION)
    from activities.meetings.services import participation_create

    participation_create(
        actor=None, meeting=park_meeting, organization=world.sibling, attendance={}
    )
    assert levels(world, campaign, world.sibling)["mobilization"] == Level.GREEN
    assert levels(world, campaign, world.child)["mobilization"] == Level.RED


def test_subtree_evaluation_matches_one_by_one(world: World) -> None:
    campaign = af.campaign_for(world)
    for org in (world.own, world.child, world.sibling):
        af.members(org, 2)
    af.counseling(p2.roster(world.sibling), campaign)
    af.meeting(world.own, campaign, kind=MeetingKind.MOBILIZATION)
    OpinionFactory(organization=world.child, campaign=campaign, **answered_kwargs())
    whole = engine.evaluate(scope_for_subtree(world.park_a, campaign, today=AFTER))
    for org in (world.own, world.child, world.sibling):
        alone = engine.evaluate(scope_for_org(org, campaign, today=AFTER))[org.pk]
        assert whole[org.pk] == alone


def test_checklist_page_permissions_and_constant_queries(world: World) -> None:
    from tests.utils import check_matrix

    af.campaign_for(world)
    url = reverse("progress:checklist", args=[world.own.pk])
    check_matrix(
        world,
        url,
        {
            "anonymous": 302,
            "nobody": 404,
            "outsider": 404,
            "secretary": 200,
            "clerk": 200,
            "reviewer": 200,
            "office": 200,
            "instructor": 200,
            "admin": 200,
        },
    )
    check_matrix(
        world,
        reverse("progress:checklist", args=[world.park_a.pk]),
        {"secretary": 404, "reviewer": 200},
    )
    check_matrix(
        world, reverse("progress:checklist", args=[world.far.pk]), {"office": 404, "admin": 404}
    )

    client = client_for(world, "secretary")
    campaign = af.campaign_for(world)

    def grow() -> None:
        people = af.members(world.own, 20)
        af.counseling(people, campaign)
        for i in range(5):
            af.meeting(
                world.own,
                campaign,
                kind=MeetingKind.STUDY_EXCHANGE,
                topic=f"交流{i}",
                day="2014-05-10",
            )
            OpinionFactory(organization=world.own, campaign=campaign)

    # session, user, grants, roles (nav), unread count (5); organization, campaign and
    # its phases, the scope (4); then the requirements' grouped queries, phase 1-2:
    # plan 1, mobilization and exchanges 2 (shared), counseling 1, opinions 1, statements 1,
    # special meeting 1-2, appraisal 2; phase 3: problem list 1, overdue 2, items 1,
    # eight haves 1, mechanisms 2, funding 2. About 28, the same at 10x the data.
    n = assert_constant_queries(client, url, grow)
    assert n <= 29
    response = client.get(url)
    assert "Activity plan approved" in response.content.decode()
