"""Every organization page runs a fixed number of queries whatever the data size
(docs/product.md §11): each test measures a page, grows the data about tenfold, measures again and
pins the count.

Queries every full page pays for, listed as "frame" below:
  session, user (authentication); grants (permissions.grants_for, once per request);
  roles (navigation context processor); unread notifications count (the bell in
  base.html). htmx fragments pay session, user, grants and roles only.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from activities.seed import ensure_campaign_2014
from organizations import services
from organizations.models import Member
from tests.campaigns import make_campaign
from tests.conftest import World
from tests.factories import EnterpriseFactory, MemberFactory, UserFactory, add_org
from tests.utils import assert_constant_queries, client_for

pytestmark = pytest.mark.django_db


def _members(world: World, n: int) -> list[Member]:
    return [
        MemberFactory(organization=org) for org in (world.own, world.child) for _ in range(n // 2)
    ]


def _grow_subtree(parent, n: int) -> None:
    """n children under `parent`, each with one child of its own (numchild > 0)."""
    for _ in range(n):
        add_org(add_org(parent))


def test_tree_query_count(world: World) -> None:
    # frame (5) + root nodes (1) = 6
    _grow_subtree(world.own, 2)
    assert_constant_queries(
        client_for(world, "secretary"),
        reverse("organizations:tree"),
        lambda: (_grow_subtree(world.own, 20), _members(world, 40)),
        expected=6,
    )


def test_tree_search_query_count(world: World) -> None:
    # frame (5) + matches (1) + their visible ancestors for the trails (1) + root nodes (1) = 8
    assert_constant_queries(
        client_for(world, "reviewer"),
        reverse("organizations:tree") + "?q=支部",
        lambda: [add_org(world.own, short_name=f"新支部{i}") for i in range(30)],
        expected=8,
    )


def test_tree_children_fragment_query_count(world: World) -> None:
    # session, user, the node (1), grants, its children batch (1), roles = 6
    _grow_subtree(world.own, 2)
    assert_constant_queries(
        client_for(world, "secretary"),
        reverse("organizations:children", args=[world.own.pk]),
        lambda: _grow_subtree(world.own, 25),
        expected=6,
    )


def test_organization_detail_query_count(world: World) -> None:
    # frame (5) + the organization + visible ancestors (breadcrumbs) + children batch +
    # attached enterprises + member counts + the campaigns with their phases (2) and the
    # organization's roll-up rows (the campaigns over the years, and the phases the work
    # links follow) + host enterprises + first members + roles held there = 16
    ensure_campaign_2014(world.county)

    def grow() -> None:
        for year in range(2015, 2020):
            make_campaign(world.county, phases=2 + year % 3, starts_on=dt.date(year, 3, 1))
        _grow_subtree(world.child, 10)
        MemberFactory.create_batch(60, organization=world.child)
        for _ in range(10):
            world.child.enterprises.add(EnterpriseFactory())
            EnterpriseFactory(attached_to=world.child)
        from portal.accounts.models import Role
        from portal.accounts.services import role_assign

        for _ in range(5):
            role_assign(actor=None, user=UserFactory(), role=Role.CLERK, organization=world.child)

    add_org(world.child)
    MemberFactory(organization=world.child)
    world.child.enterprises.add(EnterpriseFactory())
    EnterpriseFactory(attached_to=world.child)
    assert_constant_queries(
        client_for(world, "reviewer"),
        reverse("organizations:detail", args=[world.child.pk]),
        grow,
        expected=16,
    )


def test_member_list_query_count(world: World) -> None:
    # frame (5) + count + page of members with their organizations = 7
    _members(world, 4)
    assert_constant_queries(
        client_for(world, "reviewer"),
        reverse("organizations:member_list"),
        lambda: (_members(world, 120), MemberFactory.create_batch(20, organization=world.sibling)),
        expected=7,
    )


def test_filtered_member_list_query_count(world: World) -> None:
    # frame (5) + the organization named by the filter + count + page = 8
    _members(world, 4)
    assert_constant_queries(
        client_for(world, "secretary"),
        reverse("organizations:member_list") + f"?org={world.own.code}&status=full&q=",
        lambda: _members(world, 120),
        expected=8,
    )


def test_member_detail_query_count(world: World) -> None:
    # frame (5) + member with organization and enterprise + visible ancestors +
    # transfers with both organizations and the recorder = 8
    member = MemberFactory(organization=world.child)
    services.member_transfer(actor=None, member=member, to_organization=world.own)

    def grow() -> None:
        for i in range(10):
            services.member_transfer(
                actor=world.secretary,
                member=member,
                to_organization=world.child if i % 2 == 0 else world.own,
            )

    assert_constant_queries(
        client_for(world, "reviewer"), member.get_absolute_url(), grow, expected=8
    )


def test_enterprise_list_query_count(world: World) -> None:
    # frame (5) + count + page of enterprises with attached_to + their host
    # organizations (prefetch) = 8
    def add(n: int) -> None:
        for _ in range(n):
            world.own.enterprises.add(EnterpriseFactory())
            EnterpriseFactory(attached_to=world.park_a)

    add(3)
    assert_constant_queries(
        client_for(world, "reviewer"),
        reverse("organizations:enterprise_list"),
        lambda: add(30),
        expected=8,
    )


def test_enterprise_detail_query_count(world: World) -> None:
    # frame (5) + enterprise with attached_to + its host organizations + member count = 8
    enterprise = EnterpriseFactory(attached_to=world.park_a)
    world.own.enterprises.add(enterprise)
    MemberFactory(organization=world.own, enterprise=enterprise)

    def grow() -> None:
        world.child.enterprises.add(enterprise)
        world.sibling.enterprises.add(enterprise)
        MemberFactory.create_batch(20, organization=world.own, enterprise=enterprise)

    assert_constant_queries(
        client_for(world, "reviewer"), enterprise.get_absolute_url(), grow, expected=8
    )


def test_organization_history_query_count(world: World) -> None:
    # frame (5) + the organization + history count + page of history rows with users = 8
    def edit(n: int) -> None:
        for i in range(n):
            services.organization_update(
                actor=world.secretary if i % 2 else world.clerk,
                organization=world.own,
                fields={"contact_name": f"联系人{i}", "contact_phone": f"1390000{i:04d}"},
            )

    edit(3)
    assert_constant_queries(
        client_for(world, "secretary"),
        reverse("organizations:history", args=[world.own.pk]),
        lambda: edit(30),
        expected=8,
    )


def test_member_history_query_count(world: World) -> None:
    # frame (5) + the member + history count + page of history rows joined with users,
    # organizations, enterprises and login accounts = 8
    member = MemberFactory(organization=world.own)

    def churn(n: int) -> None:
        for i in range(n):
            services.member_update(
                actor=world.secretary, member=member, fields={"post": f"岗位{i}"}
            )
            services.member_transfer(
                actor=world.secretary,
                member=member,
                to_organization=world.child
                if member.organization_id == world.own.pk
                else world.own,
            )
            member.refresh_from_db()

    churn(2)
    assert_constant_queries(
        client_for(world, "secretary"),
        reverse("organizations:member_history", args=[member.pk]),
        lambda: churn(20),
        expected=8,
    )


def test_enterprise_history_query_count(world: World) -> None:
    # frame (5) + enterprise with attached_to + its host organizations + history count +
    # page of history rows joined with users and attached_to = 9
    enterprise = EnterpriseFactory(attached_to=world.park_a)
    world.own.enterprises.add(enterprise)

    def edit(n: int) -> None:
        for i in range(n):
            services.enterprise_update(
                actor=world.clerk, enterprise=enterprise, fields={"employee_count": i + 10}
            )

    edit(2)
    assert_constant_queries(
        client_for(world, "secretary"),
        reverse("organizations:enterprise_history", args=[enterprise.pk]),
        lambda: edit(30),
        expected=9,
    )
