"""The checklist requirement "satisfaction ≥ x %" (docs/product.md §6.5, §8): its levels, the
campaign's threshold as data, and one grouped query over a scope of any size."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from activities.models import Campaign
from portal.progress import engine
from portal.progress.engine import Level
from portal.progress.scopes import scope_for_org, scope_for_subtree
from tests.conftest import World
from tests.factories import add_org
from tests.rectification.records_factories import campaign_for
from tests.rectification.satisfaction_factories import cast_many

pytestmark = pytest.mark.django_db

DURING = dt.date(2014, 8, 20)
AFTER = dt.date(2014, 10, 1)


def result(world: World, org, today=DURING):
    campaign = campaign_for(world, org)
    scope = scope_for_org(org, campaign, today=today)
    return engine.evaluate(scope, only=["satisfaction"])[org.pk]["satisfaction"]


def test_levels_from_no_ballot_to_the_threshold(world: World) -> None:
    got = result(world, world.own)
    assert (got.level, got.reason) == (Level.AMBER, "No satisfaction ballot yet")
    assert result(world, world.own, AFTER).level == Level.RED
    assert got.fix_url.endswith(f"/org/{world.own.pk}/satisfaction/")
    cast_many(world, world.own, satisfied=2, basic=1, unsatisfied=1)  # 75 %
    got = result(world, world.own)
    assert got.level == Level.AMBER
    assert got.reason == "3 of 4 ballots satisfied or basically satisfied, 80% required"
    cast_many(world, world.own, basic=1)  # 4 of 5: exactly 80 %
    assert result(world, world.own).level == Level.GREEN
    assert result(world, world.own, AFTER).level == Level.GREEN
    # The threshold is the campaign's setting.
    Campaign.objects.filter(pk=campaign_for(world).pk).update(satisfaction_threshold=81)
    got = result(world, world.own, AFTER)
    assert got.level == Level.RED
    assert got.reason.endswith("81% required")


def test_only_the_organization_s_own_ballots_count(world: World) -> None:
    cast_many(world, world.child, satisfied=3)
    assert result(world, world.own).reason == "No satisfaction ballot yet"
    assert result(world, world.child).level == Level.GREEN


def test_a_scope_costs_a_fixed_number_of_queries(world: World) -> None:
    campaign = campaign_for(world)
    cast_many(world, world.own, satisfied=1)

    def count() -> int:
        scope = scope_for_subtree(world.county, campaign, today=DURING)
        with CaptureQueriesContext(connection) as ctx:
            engine.evaluate(scope, only=["satisfaction"])
        return len(ctx.captured_queries)

    before = count()
    for i in range(8):
        org = add_org(world.park_a, kind="branch", short_name=f"支部{i}")
        cast_many(world, org, satisfied=i, unsatisfied=1)
    # the answers grouped per organization, and the campaign's phases (for amber / red)
    assert count() == before == 2
    whole = engine.evaluate(
        scope_for_subtree(world.park_a, campaign, today=DURING), only=["satisfaction"]
    )
    for org in (world.own, world.child, world.sibling):
        alone = engine.evaluate(scope_for_org(org, campaign, today=DURING), only=["satisfaction"])
        assert whole[org.pk] == alone[org.pk]
