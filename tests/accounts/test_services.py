"""Account services: authority checks (never above the actor's node), audit rows."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from portal.accounts import services
from portal.accounts.models import AuditEvent, Role, RoleAssignment, User
from tests.conftest import World
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("where", ["working", "county", "park_b", "other", "far"])
def test_account_manager_may_not_grant_roles_above_or_beside_their_node(
    world: World, where: str
) -> None:
    with pytest.raises(PermissionDenied):
        services.role_assign(
            actor=world.accounts,
            user=world.nobody,
            role=Role.REVIEWER,
            organization=getattr(world, where),
        )
    assert not RoleAssignment.objects.filter(user=world.nobody).exists()


@pytest.mark.parametrize("persona", ["office", "instructor", "secretary", "clerk"])
def test_roles_without_manage_accounts_may_not_grant(world: World, persona: str) -> None:
    with pytest.raises(PermissionDenied):
        services.role_assign(
            actor=getattr(world, persona),
            user=world.nobody,
            role=Role.CLERK,
            organization=world.own,
        )


def test_role_assign_writes_one_audit_row_and_is_idempotent(world: World) -> None:
    for _i in range(2):
        services.role_assign(
            actor=world.accounts, user=world.nobody, role=Role.CLERK, organization=world.child
        )
    events = AuditEvent.objects.filter(action="role.assign", target="nobody")
    assert events.count() == 1
    assert events.get().detail == {"role": Role.CLERK, "organization": world.child.pk}


def test_unknown_role_is_refused(world: World) -> None:
    with pytest.raises(ValidationError):
        services.role_assign(actor=None, user=world.nobody, role="boss", organization=world.own)


def test_role_revoke_outside_the_subtree_is_refused(world: World) -> None:
    assignment = world.outsider.role_assignments.get()
    with pytest.raises(PermissionDenied):
        services.role_revoke(actor=world.accounts, assignment=assignment)


def test_user_create_by_a_manager_needs_an_organization_they_manage(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.user_create(actor=world.accounts, username="x1", password="p-Long-enough-1")
    with pytest.raises(PermissionDenied):
        services.user_create(
            actor=world.accounts,
            username="x2",
            password="p-Long-enough-1",
            role=Role.CLERK,
            organization=world.other,
        )
    with pytest.raises(PermissionDenied):
        services.user_create(
            actor=world.accounts,
            username="x3",
            password="p-Long-enough-1",
            member=MemberFactory(organization=world.other),
        )
    assert not User.objects.filter(username__startswith="x").exists()


def test_user_create_is_all_or_nothing(world: World) -> None:
    # The role fails after the user row was written: the user goes too.
    with pytest.raises(ValidationError):
        services.user_create(
            actor=world.admin,
            username="half",
            password="p-Long-enough-1",
            role="boss",
            organization=world.own,
        )
    assert not User.objects.filter(username="half").exists()
    assert not AuditEvent.objects.filter(target="half").exists()


def test_user_create_needs_role_and_organization_together(world: World) -> None:
    with pytest.raises(ValidationError):
        services.user_create(
            actor=world.admin, username="half", password="p-Long-enough-1", role=Role.CLERK
        )


def test_admin_may_create_an_account_without_any_tie(world: World) -> None:
    user = services.user_create(actor=world.admin, username="plain", password=None)
    assert not user.has_usable_password()


def test_user_update_refuses_unknown_fields(world: World) -> None:
    with pytest.raises(TypeError):
        services.user_update(actor=None, user=world.clerk, is_superuser=True)


def test_user_update_without_changes_writes_nothing(world: World) -> None:
    services.user_update(actor=world.accounts, user=world.clerk, full_name=world.clerk.full_name)
    assert not AuditEvent.objects.filter(action="user.update").exists()


def test_a_login_links_to_one_member_and_a_member_to_one_login(world: World) -> None:
    taken = MemberFactory(organization=world.own, user=world.secretary)
    with pytest.raises(ValidationError):
        services.member_link_user(actor=world.accounts, member=taken, user=world.clerk)
    with pytest.raises(ValidationError):
        services.member_link_user(
            actor=world.accounts, member=MemberFactory(organization=world.own), user=world.secretary
        )
