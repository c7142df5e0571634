"""Finding 1 of the security review: nobody grants, changes or removes a role of their
own account, and account managers manage accounts strictly below their own node."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from portal.accounts.models import AuditEvent, Role, RoleAssignment
from portal.accounts.permissions import can_review
from portal.accounts.services import role_assign, role_revoke, user_set_password
from tests.conftest import World
from tests.factories import MemberFactory, UserFactory
from tests.utils import client_for

pytestmark = pytest.mark.django_db


def test_a_reviewer_cannot_make_themself_instructor_at_their_own_node(world: World) -> None:
    # Before the fix this passed, and the reviewer could then approve park_a's records.
    with pytest.raises(PermissionDenied):
        role_assign(
            actor=world.reviewer,
            user=world.reviewer,
            role=Role.INSTRUCTOR,
            organization=world.park_a,
        )
    assert not can_review(world.reviewer, world.park_a)


def test_a_reviewer_cannot_make_themself_secretary_of_a_branch_below(world: World) -> None:
    with pytest.raises(PermissionDenied):
        role_assign(
            actor=world.reviewer, user=world.reviewer, role=Role.SECRETARY, organization=world.child
        )
    assert not RoleAssignment.objects.filter(user=world.reviewer, role=Role.SECRETARY).exists()


def test_an_account_manager_cannot_give_themself_a_role_below(world: World) -> None:
    with pytest.raises(PermissionDenied):
        role_assign(
            actor=world.accounts, user=world.accounts, role=Role.SECRETARY, organization=world.child
        )
    assert list(world.accounts.role_assignments.values_list("role", flat=True)) == [
        Role.ACCOUNT_MANAGER
    ]


def test_a_reviewer_manages_no_account(world: World) -> None:
    # Account management is its own role: the reviewer of park A grants nothing below.
    with pytest.raises(PermissionDenied):
        role_assign(
            actor=world.reviewer, user=world.nobody, role=Role.CLERK, organization=world.child
        )
    client = client_for(world, "reviewer")
    assert client.get(reverse("accounts:user_list")).status_code == 403
    assert client.get(reverse("accounts:user_detail", args=[world.clerk.pk])).status_code == 403


def test_the_account_manager_holds_no_other_role(world: World) -> None:
    with pytest.raises(ValidationError):
        role_assign(actor=None, user=world.accounts, role=Role.REVIEWER, organization=world.county)
    with pytest.raises(ValidationError):
        role_assign(
            actor=None, user=world.reviewer, role=Role.ACCOUNT_MANAGER, organization=world.park_a
        )
    # ... and sees no record: the organization pages answer 404.
    client = client_for(world, "accounts")
    assert client.get(reverse("organizations:detail", args=[world.own.pk])).status_code == 404


@pytest.mark.parametrize("persona", ["accounts", "reviewer"])
def test_self_grant_through_the_accounts_page_is_refused(world: World, persona: str) -> None:
    user = getattr(world, persona)
    held = list(RoleAssignment.objects.filter(user=user).values_list("role", flat=True))
    client = client_for(world, persona)
    response = client.post(
        reverse("accounts:role_add", args=[user.pk]),
        {"role": Role.INSTRUCTOR, "organization": world.park_a.pk},
    )
    assert response.status_code in (403, 404)
    response = client.post(
        reverse("accounts:role_add", args=[user.pk]),
        {"role": Role.SECRETARY, "organization": world.sibling.pk},
    )
    assert response.status_code in (403, 404)
    assert list(RoleAssignment.objects.filter(user=user).values_list("role", flat=True)) == held


def test_even_an_administrator_does_not_grant_roles_to_their_own_account(world: World) -> None:
    with pytest.raises(PermissionDenied):
        role_assign(
            actor=world.admin, user=world.admin, role=Role.OFFICE, organization=world.county
        )


def test_roles_at_the_managers_own_node_are_given_from_above(world: World) -> None:
    peer = UserFactory(username="peer")
    with pytest.raises(PermissionDenied):
        role_assign(actor=world.accounts, user=peer, role=Role.CLERK, organization=world.park_a)
    # Strictly below is fine.
    role_assign(actor=world.accounts, user=peer, role=Role.CLERK, organization=world.sibling)


@pytest.mark.parametrize("role", [Role.ACCOUNT_MANAGER, Role.REVIEWER])
def test_a_peer_account_is_not_managed(world: World, role: str) -> None:
    peer = UserFactory(username="peer")
    role_assign(actor=None, user=peer, role=role, organization=world.park_a)
    # Not even a role below may be added to a peer's account, nor its password reset.
    with pytest.raises(PermissionDenied):
        role_assign(actor=world.accounts, user=peer, role=Role.CLERK, organization=world.child)
    with pytest.raises(PermissionDenied):
        user_set_password(actor=world.accounts, user=peer, password="Another-long-pass-77")
    client = client_for(world, "accounts")
    # The manager does not see park A's own node (no view right at all): 404.
    assert client.get(reverse("accounts:user_detail", args=[peer.pk])).status_code == 404
    assert client.get(reverse("accounts:user_set_password", args=[peer.pk])).status_code == 404


def test_a_manager_cannot_revoke_a_peers_role(world: World) -> None:
    peer = UserFactory(username="peer")
    assignment = role_assign(
        actor=None, user=peer, role=Role.ACCOUNT_MANAGER, organization=world.park_a
    )
    with pytest.raises(PermissionDenied):
        role_revoke(actor=world.accounts, assignment=assignment)


def test_nobody_revokes_their_own_role_not_even_an_administrator(world: World) -> None:
    assignment = role_assign(
        actor=None, user=world.admin, role=Role.OFFICE, organization=world.county
    )
    with pytest.raises(ValidationError):
        role_revoke(actor=world.admin, assignment=assignment)


def test_no_password_reset_of_an_account_that_could_review_the_manager(world: World) -> None:
    # The account manager is a party member of a branch below (`child`); the instructor
    # at `own` reviews `child`. Resetting the instructor's password would let the manager
    # log in as the reviewer of their own branch.
    MemberFactory(organization=world.child, user=world.accounts)
    with pytest.raises(PermissionDenied):
        user_set_password(
            actor=world.accounts, user=world.instructor, password="Another-long-pass-77"
        )
    client = client_for(world, "accounts")
    url = reverse("accounts:user_set_password", args=[world.instructor.pk])
    assert client.get(url).status_code == 403
    # An account that cannot review the manager's records: still allowed.
    assert (
        client.get(reverse("accounts:user_set_password", args=[world.clerk.pk])).status_code == 200
    )


def test_refused_attempts_leave_the_audit_rows_of_earlier_grants(world: World) -> None:
    before = AuditEvent.objects.filter(action="role.assign").count()
    with pytest.raises(PermissionDenied):
        role_assign(
            actor=world.accounts,
            user=world.accounts,
            role=Role.INSTRUCTOR,
            organization=world.child,
        )
    assert AuditEvent.objects.filter(action="role.assign").count() == before >= 1
