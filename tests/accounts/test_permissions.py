from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from portal.accounts import permissions as perms
from portal.accounts.models import Role
from portal.accounts.permissions import Action
from portal.accounts.services import role_assign, role_revoke
from tests.conftest import World

pytestmark = pytest.mark.django_db


def test_reviewer_authority_flows_down_to_every_descendant(world: World) -> None:
    for org in (world.park_a, world.own, world.child, world.sibling):
        assert perms.user_can(world.reviewer, Action.REVIEW, org)
    for org in (world.working, world.county, world.park_b, world.other, world.far):
        assert not perms.user_can(world.reviewer, Action.VIEW, org)


def test_secretary_sees_own_and_child_but_not_parent_or_sibling(world: World) -> None:
    assert perms.user_can(world.secretary, Action.SUBMIT, world.own)
    assert perms.user_can(world.secretary, Action.RECORD, world.child)
    assert not perms.user_can(world.secretary, Action.VIEW, world.park_a)
    assert not perms.user_can(world.secretary, Action.VIEW, world.sibling)
    assert not perms.user_can(world.secretary, Action.REVIEW, world.own)


def test_clerk_records_but_cannot_submit(world: World) -> None:
    assert perms.user_can(world.clerk, Action.RECORD, world.own)
    assert not perms.user_can(world.clerk, Action.SUBMIT, world.own)
    assert not perms.user_can(world.clerk, Action.PERSONAL_DATA, world.own)


def test_office_is_read_only_for_the_whole_county(world: World) -> None:
    assert perms.user_can(world.office, Action.VIEW, world.far) is False
    assert perms.user_can(world.office, Action.VIEW, world.other)
    assert not perms.user_can(world.office, Action.RECORD, world.other)
    assert not perms.user_can(world.office, Action.REVIEW, world.other)


def test_visible_organizations_is_the_subtree(world: World) -> None:
    visible = set(perms.visible_organizations(world.reviewer).values_list("pk", flat=True))
    assert visible == {world.park_a.pk, world.own.pk, world.child.pk, world.sibling.pk}


def test_grants_are_read_in_one_query_whatever_the_number_of_checks(
    world: World, django_assert_num_queries
) -> None:
    perms.forget_grants(world.reviewer)
    with django_assert_num_queries(1):
        for org in (
            world.park_a,
            world.own,
            world.child,
            world.sibling,
            world.other,
            world.far,
        ) * 10:
            perms.user_can(world.reviewer, Action.VIEW, org)


def test_grant_rows_are_the_orm_s(world: World) -> None:
    """grants_for reads them with a written-out statement (issue #20): the same rows."""
    from portal.accounts.models import OrganizationUserObjectPermission

    users = [world.reviewer, world.secretary, world.clerk, world.office, world.instructor]
    for user in users:
        orm = OrganizationUserObjectPermission.objects.filter(user=user).values_list(
            "permission__codename", "content_object__path"
        )
        rows = perms._grant_rows(user.pk)
        assert rows and sorted(rows) == sorted(orm)
    assert perms._grant_rows(-1) == []


def test_grants_are_stored_on_the_node_where_given(world: World) -> None:
    from guardian.shortcuts import get_perms

    assert "review_organization" in get_perms(world.reviewer, world.park_a)
    assert get_perms(world.reviewer, world.own) == []


def test_require_gives_404_to_outsiders_and_403_to_wrong_role(world: World) -> None:
    with pytest.raises(Http404):
        perms.require(world.outsider, Action.VIEW, world.own)
    with pytest.raises(PermissionDenied):
        perms.require(world.office, Action.RECORD, world.own)
    perms.require(world.secretary, Action.RECORD, world.own)


def test_revoking_a_role_removes_its_grants_but_keeps_other_roles(world: World) -> None:
    extra = role_assign(actor=None, user=world.clerk, role=Role.SECRETARY, organization=world.own)
    assert perms.user_can(world.clerk, Action.SUBMIT, world.own)
    role_revoke(actor=None, assignment=extra)
    assert not perms.user_can(world.clerk, Action.SUBMIT, world.own)
    assert perms.user_can(world.clerk, Action.RECORD, world.own)


def test_only_account_managers_of_the_subtree_may_assign_roles(world: World) -> None:
    role_assign(
        actor=world.accounts, user=world.nobody, role=Role.CLERK, organization=world.sibling
    )
    with pytest.raises(PermissionDenied):
        role_assign(
            actor=world.accounts, user=world.nobody, role=Role.CLERK, organization=world.other
        )
    with pytest.raises(PermissionDenied):
        role_assign(
            actor=world.secretary, user=world.nobody, role=Role.CLERK, organization=world.own
        )
