from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from activities.models import MeetingKind
from organizations.models import OrgKind
from portal.progress.engine import Level
from portal.progress.grid import build_grid
from tests.activities import factories as af
from tests.activities.opinions_factories import OpinionFactory, answered_kwargs
from tests.conftest import World
from tests.factories import add_org
from tests.utils import assert_constant_queries, check_matrix, client_for, committed

pytestmark = pytest.mark.django_db


def grid_url(world: World, org_name: str = "park_a", **params: str) -> str:
    url = reverse("progress:grid", args=[getattr(world, org_name).pk])
    if params:
        url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
    return url


def test_grid_permissions(world: World) -> None:
    af.campaign_for(world)
    check_matrix(
        world,
        grid_url(world),
        {
            "anonymous": 302,
            "nobody": 404,
            "outsider": 404,
            "secretary": 404,
            "reviewer": 200,
            "office": 200,
            "admin": 200,
        },
    )
    check_matrix(world, grid_url(world, "county"), {"reviewer": 404, "office": 200})
    check_matrix(world, grid_url(world, "own"), {"secretary": 200, "instructor": 200, "clerk": 200})


def test_grid_lists_grassroots_organizations_with_their_levels(world: World) -> None:
    campaign = af.campaign_for(world)
    af.members(world.sibling, 2)
    af.meeting(world.sibling, campaign, kind=MeetingKind.MOBILIZATION)
    table = build_grid(world.park_a, campaign)
    ids = [row.org_id for row in table.rows]
    # The park committee itself has no requirement; the enterprise committee and both branches do.
    assert ids == [world.own.pk, world.child.pk, world.sibling.pk]
    column = [c.code for c in table.columns].index("mobilization")
    sibling = table.rows[2]
    assert sibling.levels[column] == Level.GREEN
    assert table.totals[column]["green"] == 1


def test_filters_and_sorting(world: World) -> None:
    campaign = af.campaign_for(world)
    world.sibling.is_weak = True
    world.sibling.save()
    af.members(world.child, 2)
    OpinionFactory(organization=world.child, campaign=campaign, **answered_kwargs())
    assert [r.org_id for r in build_grid(world.park_a, campaign, weak=True).rows] == [
        world.sibling.pk
    ]
    assert [r.org_id for r in build_grid(world.park_a, campaign, kind=OrgKind.COMMITTEE).rows] == [
        world.own.pk
    ]
    failing = build_grid(world.park_a, campaign, failing="opinions").rows
    assert world.child.pk not in [r.org_id for r in failing]
    by_met = build_grid(world.park_a, campaign, sort="met", phase=1).rows
    assert by_met[-1].org_id == world.child.pk
    phase2 = build_grid(world.park_a, campaign, phase=2)
    assert {c.phase for c in phase2.columns} == {2}


def test_grid_page_query_count_does_not_grow_with_the_subtree(world: World) -> None:
    campaign = af.campaign_for(world)
    client = client_for(world, "reviewer")

    def grow() -> None:
        for i in range(12):
            branch = add_org(world.park_a, kind=OrgKind.BRANCH, short_name=f"新支部{i}")
            people = af.members(branch, 3)
            af.counseling(people, campaign)
            OpinionFactory(organization=branch, campaign=campaign)

    client.get(grid_url(world))  # the campaign's roll-up is built by the first read
    # session, user (2); the organization, grants and roles (3); campaign + phases (2);
    # the roll-up's freshness check (2) and rows (1); the page's organizations (1); the
    # requirements' grouped queries over the page (19: mobilization and study exchanges
    # share their two; the satisfaction evaluation's one, #16); the page's latest
    # reminders (1); the navigation's unread count (1).
    assert_constant_queries(client, grid_url(world), committed(grow), expected=32)


def test_grid_downloads_as_csv_with_reasons(world: World) -> None:
    af.campaign_for(world)
    response = client_for(world, "reviewer").get(grid_url(world, format="csv"))
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:2] == ["Organization", "Code"]
    assert len(rows) == 1 + 3
    assert "Not met" in rows[1]


def test_bad_parameters_are_ignored_not_errors(world: World) -> None:
    af.campaign_for(world)
    client = client_for(world, "reviewer")
    for params in (
        {"kind": "bogus"},
        {"failing": "nope"},
        {"phase": "x"},
        {"sort": "drop"},
        {"page": "999"},
    ):
        assert client.get(grid_url(world, **params)).status_code == 200
