from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from activities.seed import ensure_campaign_2014
from portal.progress import engine
from portal.progress.engine import Level, Result, Scope
from portal.progress.scopes import scope_for_org, scope_for_subtree
from tests.conftest import World
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def roster_requirement() -> Iterator[None]:
    """A throwaway requirement: 'has at least 2 members', phase 1."""

    def evaluate(scope: Scope) -> dict[int, Result]:
        return {
            org.id: Result(Level.GREEN, f"{org.members} members")
            if org.members >= 2
            else Result(scope.pending(1), f"{org.members} members")
            for org in scope.orgs.values()
        }

    engine.register(
        "test_roster", "roster", phase=1, order=999, applies_to=lambda o: o.kind == "branch"
    )(evaluate)
    yield
    engine._REGISTRY.pop("test_roster")


def test_subtree_scope_evaluates_every_active_organization_below(
    world: World, roster_requirement: None
) -> None:
    campaign = ensure_campaign_2014(world.county)
    MemberFactory.create_batch(2, organization=world.sibling)
    grid = engine.evaluate(scope_for_subtree(world.park_a, campaign), only=["test_roster"])
    assert set(grid) == {world.park_a.pk, world.own.pk, world.child.pk, world.sibling.pk}
    assert grid[world.sibling.pk]["test_roster"].level == Level.GREEN
    # Only branches: the park committee and the enterprise committee are left out.
    assert grid[world.park_a.pk] == {}
    assert grid[world.child.pk]["test_roster"].reason == "0 members"


def test_unmet_requirement_is_amber_while_its_phase_is_open_and_red_after(
    world: World, roster_requirement: None
) -> None:
    campaign = ensure_campaign_2014(world.county)
    during = scope_for_org(world.child, campaign, today=dt.date(2014, 4, 20))
    after = scope_for_org(world.child, campaign, today=dt.date(2014, 6, 2))
    assert (
        engine.evaluate(during, only=["test_roster"])[world.child.pk]["test_roster"].level
        == Level.AMBER
    )
    assert (
        engine.evaluate(after, only=["test_roster"])[world.child.pk]["test_roster"].level
        == Level.RED
    )


def test_a_finished_campaign_is_judged_as_at_its_end(world: World) -> None:
    campaign = ensure_campaign_2014(world.county)
    scope = scope_for_org(world.child, campaign, today=dt.date(2026, 1, 1))
    assert scope.as_of == dt.date(2014, 9, 30)
