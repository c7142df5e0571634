"""The reviewer's and office's dashboard (issue #7 item 1): who opens which node, the
figures against a direct computation, drill-down links, constant query counts."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from activities.models import MeetingKind
from organizations.models import OrgKind
from portal.progress.dashboard import build_dashboard, share_chart, wrap_label
from portal.progress.engine import Level, evaluate
from portal.progress.scopes import scope_for_org
from tests.activities import factories as af
from tests.activities.plans_factories import submitted_plan
from tests.conftest import World
from tests.factories import add_org
from tests.rectification import problems_factories as pf
from tests.utils import assert_constant_queries, check_matrix, client_for, committed, count_queries

pytestmark = pytest.mark.django_db

DEFAULT = reverse("progress:dashboard")


def url(world: World, name: str) -> str:
    return reverse("progress:dashboard_org", args=[getattr(world, name).pk])


# --- permissions ---------------------------------------------------------------------------


def test_default_dashboard_matrix(world: World) -> None:
    af.campaign_for(world)
    check_matrix(
        world,
        DEFAULT,
        {
            "anonymous": 302,
            "nobody": 403,
            "outsider": 403,
            "secretary": 403,
            "clerk": 403,
            "member_user": 403,
            "office": 200,
            "reviewer": 200,
            "instructor": 200,
            "admin": 200,
        },
    )


def test_default_dashboard_opens_the_users_highest_node(world: World) -> None:
    af.campaign_for(world)
    for persona, node in (
        ("office", world.county),
        ("reviewer", world.park_a),
        ("instructor", world.own),
        ("admin", world.county),
    ):
        response = client_for(world, persona).get(DEFAULT)
        assert response.context["org"] == node, persona


def test_dashboard_matrix_own_child_parent_sibling_other_county(world: World) -> None:
    af.campaign_for(world)
    # The reviewer's own node (park_a) and the nodes around it.
    check_matrix(
        world,
        url(world, "park_a"),
        {
            "anonymous": 302,
            "nobody": 404,
            "outsider": 404,
            "secretary": 404,
            "instructor": 404,
            "member_user": 404,
            "reviewer": 200,
            "office": 200,
            "admin": 200,
        },
    )
    # A child of the reviewer's node, where the secretary and clerk sit: wrong role.
    check_matrix(
        world,
        url(world, "own"),
        {
            "secretary": 403,
            "clerk": 403,
            "outsider": 404,
            "reviewer": 200,
            "instructor": 200,
            "office": 200,
        },
    )
    check_matrix(world, url(world, "child"), {"secretary": 403, "instructor": 200})
    # The parent of the reviewer's node; a sibling branch; the other county.
    check_matrix(world, url(world, "working"), {"reviewer": 404, "office": 200})
    check_matrix(world, url(world, "sibling"), {"reviewer": 200, "instructor": 404})
    check_matrix(
        world,
        url(world, "far"),
        {"reviewer": 404, "office": 404, "outsider": 404, "admin": 200},
    )


def test_unknown_organization_is_404(world: World) -> None:
    client = client_for(world, "admin")
    assert client.get("/progress/dashboard/999999/").status_code == 404


# --- figures -------------------------------------------------------------------------------


def _small_world(world: World) -> Any:
    """A campaign with a few records in different states under park_a."""
    campaign = af.campaign_for(world)
    world.sibling.is_weak = True
    world.sibling.save()
    af.members(world.sibling, 2)
    af.meeting(world.sibling, campaign, kind=MeetingKind.MOBILIZATION)
    people = af.members(world.child, 3)
    af.counseling(people, campaign)
    af.meeting(world.child, campaign, kind=MeetingKind.MOBILIZATION)
    submitted_plan(world, world.own)
    plist = pf.approved_list(world, world.sibling, items=2)
    for item in plist.items.all():
        pf.force_deadline(item, dt.date(2014, 6, 1))
    return campaign


def _direct(world: World, campaign: Any, orgs: list[Any]) -> dict[int, dict[str, Any]]:
    """Each organization evaluated on its own (scope of one), not as a subtree."""
    out = {}
    for org in orgs:
        results = evaluate(scope_for_org(org, campaign)).get(org.pk, {})
        if results:
            out[org.pk] = results
    return out


def test_dashboard_figures_equal_a_direct_computation(world: World) -> None:
    campaign = _small_world(world)
    orgs = [world.park_a, world.own, world.child, world.sibling]
    direct = _direct(world, campaign, orgs)
    board = build_dashboard(world.reviewer, world.park_a, campaign)

    assert board.organizations == len(direct) == 3
    assert board.complete == sum(
        all(r.level == Level.GREEN for r in res.values()) for res in direct.values()
    )
    for share in board.shares:
        code = share.requirement.code
        levels = Counter(res[code].level for res in direct.values() if code in res)
        assert (share.green, share.amber, share.red) == (
            levels[Level.GREEN],
            levels[Level.AMBER],
            levels[Level.RED],
        ), code
        assert share.applicable == sum(levels.values())
    for phase in board.phases:
        per_org = [
            [r.level for r in res.values() if r and _phase(campaign, r, res, phase.number)]
            for res in direct.values()
        ]
        assert phase.organizations == sum(1 for levels in per_org if levels)
    # Two overdue items in the sibling's approved list; the plan waits for the reviewer.
    assert (board.overdue_items, board.overdue_organizations) == (2, 1)
    assert (board.waiting_total, board.waiting_for_user) == (1, 1)
    assert board.weak_total == 1 and board.weak[0].organization == world.sibling
    # Children of park_a: own (with its child branch) and sibling.
    rows = {row.organization.pk: row for row in board.children}
    assert set(rows) == {world.own.pk, world.sibling.pk}
    own_cells = len(direct[world.own.pk]) + len(direct[world.child.pk])
    own_green = sum(
        r.level == Level.GREEN for pk in (world.own.pk, world.child.pk) for r in direct[pk].values()
    )
    assert (rows[world.own.pk].cells, rows[world.own.pk].green) == (own_cells, own_green)
    assert rows[world.own.pk].organizations == 2 and rows[world.own.pk].has_children
    assert rows[world.sibling.pk].weak == 1 and not rows[world.sibling.pk].has_children


def _phase(campaign: Any, result: Any, res: dict[str, Any], number: int) -> bool:
    from portal.progress.engine import requirements

    phase_of = {r.code: r.phase for r in requirements(campaign)}
    return any(res[c] is result and phase_of[c] == number for c in res)


def test_office_sees_no_inbox_count_but_the_subtree_waiting_total(world: World) -> None:
    campaign = _small_world(world)
    board = build_dashboard(world.office, world.county, campaign)
    assert (board.waiting_total, board.waiting_for_user) == (1, 0)


def test_page_numbers_link_to_the_grid_filtered_the_same_way(world: World) -> None:
    campaign = _small_world(world)
    client = client_for(world, "reviewer")
    body = client.get(url(world, "park_a")).content.decode()
    grid = reverse("progress:grid", args=[world.park_a.pk])
    board = client.get(url(world, "park_a")).context["board"]
    assert f'href="{grid}?campaign={campaign.pk}&amp;weak=1">1<' in body
    for share in board.shares:
        if share.not_met:
            link = f"{grid}?campaign={campaign.pk}&failing={share.requirement.code}"
            assert f'href="{link.replace("&", "&amp;")}">{share.not_met}<' in body
            # The grid behind the link lists exactly that many organizations.
            assert client.get(link).context["page"].paginator.count == share.not_met
    overdue = f"{reverse('rectification:overdue_items')}?campaign={campaign.pk}"
    assert f'href="{overdue}">2<' in body
    assert f'href="{reverse("reviews:inbox")}">1<' in body


def test_children_table_drills_down_and_breadcrumbs_lead_back(world: World) -> None:
    _small_world(world)
    client = client_for(world, "office")
    body = client.get(url(world, "county")).content.decode()
    assert f'href="{url(world, "working")}?' in body
    page = client.get(url(world, "park_a"))
    crumbs = [o.pk for o in page.context["board"].breadcrumbs]
    assert crumbs == [world.county.pk, world.working.pk, world.park_a.pk]
    # own has a branch below it: drill down; sibling has none: its checklist.
    body = page.content.decode()
    assert f'href="{url(world, "own")}?' in body
    assert reverse("progress:checklist_campaign", args=[world.sibling.pk, 1])[:-2] in body
    # The reviewer's breadcrumbs start at their own node, not above it.
    crumbs = client_for(world, "reviewer").get(url(world, "own")).context["board"].breadcrumbs
    assert [o.pk for o in crumbs] == [world.park_a.pk, world.own.pk]


def test_dashboard_without_a_campaign_still_shows_reviews_and_children(world: World) -> None:
    response = client_for(world, "reviewer").get(url(world, "park_a"))
    assert response.status_code == 200
    assert response.context["campaign"] is None
    assert "No campaign covers this organization yet" in response.content.decode()
    assert {r.organization.pk for r in response.context["board"].children} == {
        world.own.pk,
        world.sibling.pk,
    }


def test_chart_is_accessible_svg_with_figures_in_both_languages(world: World) -> None:
    _small_world(world)
    client = client_for(world, "reviewer")
    body = client.get(url(world, "park_a")).content.decode()
    assert '<svg role="img" aria-labelledby="chart-title chart-desc"' in body
    assert '<title id="chart-title">Share of organizations meeting each requirement' in body
    assert "of 3 met" in body  # requirements applying to own, child and sibling
    zh = client.get(url(world, "park_a"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert zh.status_code == 200
    translation.activate("en")


def test_labels_wrap_by_words_in_english_and_by_characters_in_chinese() -> None:
    lines = wrap_label("Opinions solicited and every opinion answered or adopted", 20)
    assert all(len(line) <= 36 for line in lines) and len(lines) == 2
    assert " ".join(lines) == "Opinions solicited and every opinion answered or adopted"
    zh = wrap_label("征求意见并且每条意见都已答复或转为问题清单中的问题", 10)
    assert [len(line) for line in zh] == [10, 10, 5]
    assert share_chart([]).rows == []


# --- query counts --------------------------------------------------------------------------


def _grow(world: World, campaign: Any) -> None:
    """About ten times the organizations and records under park_a."""
    for i in range(6):
        branch = add_org(world.park_a, kind=OrgKind.BRANCH, short_name=f"新支部{i}", is_weak=i % 2)
        people = af.members(branch, 3)
        af.counseling(people, campaign)
        af.meeting(branch, campaign, kind=MeetingKind.MOBILIZATION)
        committee = add_org(world.own, kind=OrgKind.COMMITTEE, short_name=f"新党委{i}")
        add_org(committee, kind=OrgKind.BRANCH, short_name=f"新党委{i}支部")
        submitted_plan(world, branch, by=world.admin)
    pf.approved_list(world, world.child, items=3)


# Queries of one dashboard page when its figures are not cached: session, user (2); the
# organization, the user's grants and roles (3); the campaign and its phases (2); the
# roll-up's freshness check: the campaign's roll-up and its stale rows in the subtree
# (2); the figures: roll-up rows grouped by levels, overdue items, the first weak
# organizations, the children's figures (4); records waiting in the subtree and in the
# user's inbox (2); which children have organizations below them (1); names of the
# children, weak organizations and breadcrumbs (1); the navigation's unread count (1);
# the enterprises without an organization and their members who took part (1, live:
# issue #16).
DASHBOARD_QUERIES = 19
# With the figures cached (the roll-up unchanged since they were computed): 4 fewer.
CACHED_QUERIES = DASHBOARD_QUERIES - 4


@pytest.fixture
def no_cache(settings: Any) -> None:
    """Every request computes the figures (the count does not depend on the cache)."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}


def test_dashboard_query_count_does_not_grow_with_the_subtree(world: World, no_cache: None) -> None:
    campaign = _small_world(world)
    client = client_for(world, "reviewer")
    client.get(url(world, "park_a"))
    assert_constant_queries(
        client, url(world, "park_a"), committed(lambda: _grow(world, campaign)), DASHBOARD_QUERIES
    )


def test_default_dashboard_query_count_is_constant(world: World, no_cache: None) -> None:
    campaign = _small_world(world)
    client = client_for(world, "office")
    client.get(DEFAULT)
    # As above less the organization (it comes with the user's roles) and the inbox
    # COUNT (the office reviews nothing: no query at all).
    assert_constant_queries(
        client, DEFAULT, committed(lambda: _grow(world, campaign)), DASHBOARD_QUERIES - 2
    )


def test_bad_or_foreign_campaign_parameter_falls_back_to_the_latest_campaign(
    world: World,
) -> None:
    campaign = af.campaign_for(world)
    foreign = pf.campaign_for(world, world.far)  # the other county's campaign
    client = client_for(world, "reviewer")
    for value in ("abc", "-1", "999999", str(foreign.pk)):
        response = client.get(url(world, "park_a") + f"?campaign={value}")
        assert response.status_code == 200, value
        assert response.context["campaign"] == campaign, value


def test_figures_are_cached_until_a_record_changes_the_roll_up(world: World) -> None:
    from django.core.cache import cache

    cache.clear()
    campaign = _small_world(world)
    client = client_for(world, "reviewer")
    first = client.get(url(world, "park_a"))  # builds the campaign's roll-up
    client.get(url(world, "park_a"))  # computes the figures and caches them
    assert count_queries(client, url(world, "park_a")) == CACHED_QUERIES
    before = first.context["board"].shares
    met = {s.requirement.code: s.green for s in before}
    # A mobilization meeting in the enterprise committee: its row is marked, recomputed
    # on the next read, and the figures are computed again (never served from the cache).
    af.meeting(world.own, campaign, kind=MeetingKind.MOBILIZATION)
    after = client.get(url(world, "park_a")).context["board"].shares
    assert {s.requirement.code: s.green for s in after}["mobilization"] == met["mobilization"] + 1
    assert count_queries(client, url(world, "park_a")) == DASHBOARD_QUERIES
    assert count_queries(client, url(world, "park_a")) == CACHED_QUERIES
