"""The admin site's account pages: role assignments go through the services."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.accounts.models import AuditEvent, Role, RoleAssignment
from portal.accounts.permissions import Action, user_can
from tests.conftest import World
from tests.utils import client_for

pytestmark = pytest.mark.django_db


def test_admin_pages_for_accounts_render(world: World) -> None:
    client = client_for(world, "admin")
    assignment = world.clerk.role_assignments.get()
    for url in (
        reverse("admin:accounts_user_changelist"),
        reverse("admin:accounts_user_change", args=[world.clerk.pk]),
        reverse("admin:accounts_roleassignment_changelist"),
        reverse("admin:accounts_roleassignment_add"),
        reverse("admin:accounts_roleassignment_change", args=[assignment.pk]),
    ):
        assert client.get(url).status_code == 200, url
    # Separation of duties: the site administrator does not read the audit log.
    assert client.get(reverse("admin:accounts_auditevent_changelist")).status_code == 403


def test_role_added_in_the_admin_writes_guardian_grants_and_audit(world: World) -> None:
    response = client_for(world, "admin").post(
        reverse("admin:accounts_roleassignment_add"),
        {"user": world.nobody.pk, "role": Role.SECRETARY, "organization": world.sibling.pk},
    )
    assert response.status_code == 302
    assert user_can(world.nobody, Action.SUBMIT, world.sibling)
    assert AuditEvent.objects.filter(action="role.assign", actor=world.admin).exists()


def test_role_deleted_in_the_admin_removes_the_grants(world: World) -> None:
    assignment = world.clerk.role_assignments.get()
    response = client_for(world, "admin").post(
        reverse("admin:accounts_roleassignment_delete", args=[assignment.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    world.clerk.refresh_from_db()
    assert not user_can(world.clerk, Action.VIEW, world.own)
