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
from tests.factories import UserFactory
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


def test_self_grant_through_the_accounts_page_is_refused(world: World) -> None:
    client = client_for(world, "reviewer")
    response = client.post(
        reverse("accounts:role_add", args=[world.reviewer.pk]),
        {"role": Role.INSTRUCTOR, "organization": world.park_a.pk},
    )
    assert response.status_code in (403, 404)
    response = client.post(
        reverse("accounts:role_add", args=[world.reviewer.pk]),
        {"role": Role.SECRETARY, "organization": world.sibling.pk},
    )
    assert response.status_code in (403, 404)
    assert list(
        RoleAssignment.objects.filter(user=world.reviewer).values_list("role", flat=True)
    ) == [Role.REVIEWER]


def test_even_an_administrator_does_not_grant_roles_to_their_own_account(world: World) -> None:
    with pytest.raises(PermissionDenied):
        role_assign(
            actor=world.admin, user=world.admin, role=Role.OFFICE, organization=world.county
        )


def test_roles_at_the_managers_own_node_are_given_from_above(world: World) -> None:
    peer = UserFactory(username="peer")
    with pytest.raises(PermissionDenied):
        role_assign(actor=world.reviewer, user=peer, role=Role.CLERK, organization=world.park_a)
    # Strictly below is fine.
    role_assign(actor=world.reviewer, user=peer, role=Role.CLERK, organization=world.sibling)


def test_a_peer_reviewer_account_is_not_managed(world: World) -> None:
    peer = UserFactory(username="peer")
    role_assign(actor=None, user=peer, role=Role.REVIEWER, organization=world.park_a)
    # Not even a role below may be added to a peer's account, nor its password reset.
    with pytest.raises(PermissionDenied):
        role_assign(actor=world.reviewer, user=peer, role=Role.CLERK, organization=world.child)
    with pytest.raises(PermissionDenied):
        user_set_password(actor=world.reviewer, user=peer, password="Another-long-pass-77")
    client = client_for(world, "reviewer")
    assert client.get(reverse("accounts:user_detail", args=[peer.pk])).status_code == 403
    assert client.get(reverse("accounts:user_set_password", args=[peer.pk])).status_code == 403


def test_a_manager_cannot_revoke_a_peers_role(world: World) -> None:
    peer = UserFactory(username="peer")
    assignment = role_assign(actor=None, user=peer, role=Role.REVIEWER, organization=world.park_a)
    with pytest.raises(PermissionDenied):
        role_revoke(actor=world.reviewer, assignment=assignment)


def test_nobody_revokes_their_own_role_not_even_an_administrator(world: World) -> None:
    assignment = role_assign(
        actor=None, user=world.admin, role=Role.OFFICE, organization=world.county
    )
    with pytest.raises(ValidationError):
        role_revoke(actor=world.admin, assignment=assignment)


def test_no_password_reset_of_an_account_that_could_review_the_manager(world: World) -> None:
    # The reviewer also keeps the records of a branch below (secretary of `child`); the
    # instructor at `own` reviews `child`. Resetting the instructor's password would let
    # the reviewer log in as their own reviewer.
    role_assign(actor=None, user=world.reviewer, role=Role.SECRETARY, organization=world.child)
    with pytest.raises(PermissionDenied):
        user_set_password(
            actor=world.reviewer, user=world.instructor, password="Another-long-pass-77"
        )
    client = client_for(world, "reviewer")
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
            actor=world.reviewer,
            user=world.reviewer,
            role=Role.INSTRUCTOR,
            organization=world.park_a,
        )
    assert AuditEvent.objects.filter(action="role.assign").count() == before >= 1
