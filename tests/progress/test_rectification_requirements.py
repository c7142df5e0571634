"""Phase 3 requirements of the live checklist, computed from real records."""

from __future__ import annotations

import datetime as dt

import pytest

from portal.progress import engine
from portal.progress.engine import Level
from portal.progress.scopes import scope_for_org, scope_for_subtree
from rectification import services_problems
from tests.conftest import World
from tests.factories import MemberFactory
from tests.rectification import problems_factories as pf
from tests.rectification import records_factories as rf
from tests.rectification import standards_factories as sf

pytestmark = pytest.mark.django_db

PHASE_3 = [
    "problem_list_published",
    "no_overdue",
    "items_closed",
    "eight_haves",
    "mechanisms",
    "funding",
    "satisfaction",
]
DURING = dt.date(2014, 8, 20)


def results(world: World, org, today=DURING):
    campaign = pf.campaign_for(world, org)
    return engine.evaluate(scope_for_org(org, campaign, today=today), only=PHASE_3)[org.pk]


def test_nothing_done_is_amber_during_phase_3_and_red_after(world: World) -> None:
    during = results(world, world.own)
    assert {r.level for r in during.values()} == {Level.AMBER}
    assert during["problem_list_published"].reason == "No problem list yet"
    after = results(world, world.own, today=dt.date(2014, 10, 1))
    assert {r.level for r in after.values()} == {Level.RED}


def test_problem_list_from_approval_to_publication_and_closure(world: World) -> None:
    plist = pf.approved_list(world, world.own, items=2)
    got = results(world, world.own)
    assert got["problem_list_published"].reason == "Approved, not yet published"
    assert got["no_overdue"].level == Level.GREEN
    assert got["items_closed"].reason == "2 of 2 items not yet closed"
    services_problems.problem_list_publish(
        actor=world.secretary,
        problem_list=plist,
        published_on=dt.date(2014, 8, 10),
        audience="全体党员和职工",
    )
    for item in plist.items.all():
        pf.force_item_status(item, "closed")
    got = results(world, world.own)
    assert got["problem_list_published"].level == Level.GREEN
    assert got["items_closed"].level == Level.GREEN


def test_an_overdue_item_is_red_at_once(world: World) -> None:
    plist = pf.approved_list(world, world.own, items=1)
    pf.force_deadline(plist.items.get(), dt.date(2014, 8, 1))
    got = results(world, world.own, today=DURING)
    assert got["no_overdue"].level == Level.RED
    assert got["no_overdue"].reason == "1 items past their deadline and not closed"


def test_mechanisms_and_funding(world: World, media_root) -> None:
    for kind in rf.kinds():
        rf.make_mechanism(world, world.own, kind=kind, documents=1)
    MemberFactory.create_batch(2, organization=world.own)  # 3 members with the persona's
    got = results(world, world.own)
    assert got["mechanisms"].level == Level.GREEN
    assert got["funding"].reason == "Shortfall ¥150.00: ¥0.00 counted (with evidence) of ¥150.00"
    rf.make_receipt(world, world.own, amount="150.00")  # no evidence yet: does not count
    assert results(world, world.own)["funding"].level == Level.AMBER
    rf.make_receipt(world, world.own, source="enterprise", amount="150.00", evidence=1)
    assert results(world, world.own)["funding"].level == Level.AMBER  # not a counting source
    rf.make_receipt(world, world.own, source="county_finance", amount="150.00", evidence=1)
    got = results(world, world.own)["funding"]
    assert got.level == Level.GREEN
    assert got.reason == "¥150.00 counted (with evidence), ¥150.00 required"


def test_eight_haves_waiting_for_review_is_waiting_not_failing(world: World) -> None:
    sf.submitted(world, world.own)
    got = results(world, world.own)
    assert got["eight_haves"].level == Level.WAITING
    assert "waiting for review" in got["eight_haves"].reason


def test_subtree_evaluation_matches_one_by_one(world: World, media_root) -> None:
    pf.approved_list(world, world.child, items=1)
    rf.make_receipt(world, world.sibling, amount="500.00")
    rf.make_receipt(world, world.child, amount="500.00", evidence=1)
    campaign = pf.campaign_for(world)
    whole = engine.evaluate(scope_for_subtree(world.park_a, campaign, today=DURING), only=PHASE_3)
    for org in (world.own, world.child, world.sibling):
        alone = engine.evaluate(scope_for_org(org, campaign, today=DURING), only=PHASE_3)[org.pk]
        assert whole[org.pk] == alone
