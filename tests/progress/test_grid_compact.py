"""A grid people can read (issue #13 point 7), the dashboard's ranking and the overview
of several organizations side by side (point 9)."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from django.urls import reverse

from activities.models import MeetingKind
from organizations.models import OrgKind
from portal.accounts.models import Role
from portal.accounts.services import role_assign
from portal.progress.dashboard import build_dashboard
from portal.progress.grid import build_grid
from tests.activities import factories as af
from tests.activities.plans_factories import submitted_plan
from tests.conftest import World
from tests.factories import add_org
from tests.rectification import problems_factories as pf
from tests.utils import assert_constant_queries, check_matrix, client_for, committed

pytestmark = pytest.mark.django_db


def _world(world: World) -> Any:
    """sibling: mobilization held and three members counseled; child: counseled; own: its
    plan submitted (waiting for review)."""
    campaign = af.campaign_for(world)
    af.meeting(world.sibling, campaign, kind=MeetingKind.MOBILIZATION)
    af.counseling(af.members(world.sibling, 3), campaign)
    af.counseling(af.members(world.child, 2), campaign)
    submitted_plan(world, world.own)
    return campaign


def grid_url(world: World, **params: str) -> str:
    url = reverse("progress:grid", args=[world.park_a.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def test_each_cell_is_one_symbol_with_its_state_and_reason_in_words(world: World) -> None:
    _world(world)
    html = client_for(world, "reviewer").get(grid_url(world)).content.decode()
    cells = re.findall(r'<td class="cell cell-(\w+)"[^>]*>(.*?)</td>', html)
    assert cells
    symbols = {"green": "✓", "waiting": "◔", "amber": "○", "red": "✗", "na": "—"}
    for level, inner in cells:
        # One symbol, hidden from screen readers...
        assert re.match(rf'<span aria-hidden="true">{symbols[level]}</span>', inner), inner
        # ... and the state in words with the reason (read out; shown on hover or focus).
        if level != "na":
            assert '<span class="cell-tip"><b>' in inner
    # Every cell with a reason takes keyboard focus (its tip shows on focus); cells not
    # yet done carry the link of the page that fixes it for the row's expanded list.
    focusable = re.findall(r'<td class="cell cell-(\w+)" tabindex="0"( data-fix="[^"]+")?>', html)
    assert len(focusable) == len([c for c in cells if c[0] != "na"])
    assert all(bool(fix) == (level not in ("green", "waiting")) for level, fix in focusable)
    # The legend names each symbol.
    assert "Submitted, waiting for review" in html and "does not apply" in html
    # Each row has an expandable list of its requirements in words.
    assert html.count('class="row-toggle" aria-expanded="false"') == 3
    assert html.count('<tr class="grid-detail"') == 3


def test_done_over_total_column_sorts_both_ways(world: World) -> None:
    campaign = _world(world)
    rows = build_grid(world.park_a, campaign).rows
    done = {r.org_id: (r.done, r.applicable) for r in rows}
    # sibling: mobilization and counseling met; own: plan waiting counts as done.
    assert done[world.sibling.pk][0] >= 2 and done[world.own.pk][0] >= 1
    least = [r.org_id for r in build_grid(world.park_a, campaign, sort="done").rows]
    most = [r.org_id for r in build_grid(world.park_a, campaign, sort="-done").rows]
    share = {pk: d / n for pk, (d, n) in done.items()}
    assert [share[pk] for pk in least] == sorted(share[pk] for pk in least)
    assert [share[pk] for pk in most] == sorted((share[pk] for pk in most), reverse=True)
    assert most[0] == world.sibling.pk
    client = client_for(world, "reviewer")
    page = client.get(grid_url(world, sort="-done"))
    html = page.content.decode()
    assert 'aria-sort="descending"' in html
    assert f"{done[world.sibling.pk][0]}/{done[world.sibling.pk][1]}" in html
    # The column heading toggles the direction.
    assert "sort=done" in html


def test_export_has_parent_organization_and_done_over_total(world: World) -> None:
    campaign = _world(world)
    response = client_for(world, "reviewer").get(grid_url(world, format="csv"))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    head = rows[0]
    assert head[:7] == [
        "Organization",
        "Code",
        "Parent organization",
        "Kind",
        "Members",
        "Done",
        "Requirements",
    ]
    by_code = {r[1]: r for r in rows[1:]}
    assert by_code[world.child.code][2] == world.own.full_name
    assert by_code[world.sibling.code][2] == world.park_a.full_name
    grid = {r.org_id: r for r in build_grid(world.park_a, campaign).rows}
    sibling = grid[world.sibling.pk]
    assert by_code[world.sibling.code][5:7] == [str(sibling.done), str(sibling.applicable)]
    assert "Submitted, waiting for review" in by_code[world.own.code]


def test_dashboard_ranks_the_children_by_completion(world: World) -> None:
    campaign = _world(world)
    board = build_dashboard(world.reviewer, world.park_a, campaign)
    children = board.children
    assert [c.organization for c in children] == [world.sibling, world.own]
    assert [c.rank for c in children] == [1, 2]
    assert children[0].percent > children[1].percent
    html = client_for(world, "reviewer").get(
        reverse("progress:dashboard_org", args=[world.park_a.pk])
    )
    body = html.content.decode()
    assert body.index(world.sibling.short_name) < body.index(world.own.short_name)
    # The reviewer may urge from the dashboard: a link per requirement not met.
    assert reverse("progress:urge", args=[world.park_a.pk]) in body


def _instructor_of_three(world: World) -> None:
    role_assign(actor=None, user=world.instructor, role=Role.INSTRUCTOR, organization=world.sibling)
    role_assign(actor=None, user=world.instructor, role=Role.INSTRUCTOR, organization=world.other)


def test_instructor_overview_shows_every_guided_organization(world: World) -> None:
    campaign = _world(world)
    _instructor_of_three(world)
    plist = pf.approved_list(world, world.sibling, items=2)
    for item in plist.items.all():
        pf.force_deadline(item, campaign.ends_on.replace(month=9, day=1))
    response = client_for(world, "instructor").get(reverse("progress:dashboard"))
    assert response.status_code == 200
    summaries = response.context["summaries"]
    assert [s.organization for s in summaries] == [world.own, world.sibling, world.other]
    by_org = {s.organization: s for s in summaries}
    assert by_org[world.sibling].overdue_items == 2
    assert by_org[world.own].reviews_waiting == 1  # the submitted plan
    assert by_org[world.own].waiting == 1
    body = response.content.decode()
    for org in (world.own, world.sibling, world.other):
        assert reverse("progress:dashboard_org", args=[org.pk]) in body
    # One node: the usual dashboard of that node.
    single = client_for(world, "reviewer").get(reverse("progress:dashboard"))
    assert "summaries" not in single.context


def test_instructor_overview_permissions(world: World) -> None:
    af.campaign_for(world)
    _instructor_of_three(world)
    check_matrix(
        world,
        reverse("progress:dashboard"),
        {"anonymous": 302, "nobody": 403, "secretary": 403, "instructor": 200},
    )


def test_instructor_overview_query_count_is_constant(world: World) -> None:
    campaign = _world(world)
    _instructor_of_three(world)
    client = client_for(world, "instructor")
    url = reverse("progress:dashboard")
    client.get(url)

    def grow() -> None:
        for i in range(6):
            branch = add_org(world.sibling, kind=OrgKind.BRANCH, short_name=f"新支部{i}")
            af.counseling(af.members(branch, 3), campaign)
            submitted_plan(world, branch, by=world.admin)
        pf.approved_list(world, world.own, items=3)

    # session, user, roles (3); campaigns + phases (2); the roll-up's freshness check for
    # the one campaign (2); roll-up rows grouped by node (1); overdue items per node (3);
    # records waiting grouped by node (1); visits (1); the navigation's grants and
    # unread count (2).
    assert_constant_queries(client, url, committed(grow), expected=15)
