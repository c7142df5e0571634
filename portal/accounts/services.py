"""Writes for accounts and roles. Each service checks the actor's authority, writes, and
records an AuditEvent in the same transaction."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import AuditEvent, Role, RoleAssignment, User
from .permissions import Action, sync_guardian_grants, user_can


def _audit(actor: Any, action: str, target: str, **detail: Any) -> None:
    AuditEvent.objects.create(
        actor=actor if actor and actor.pk else None, action=action, target=target, detail=detail
    )


@transaction.atomic
def role_assign(*, actor: Any | None, user: User, role: str, organization: Any) -> RoleAssignment:
    """Give `user` the role at `organization`; `actor` needs manage_accounts there (None
    means the system, e.g. seed_demo). Idempotent."""
    if role not in Role.values:
        raise ValidationError(_("Unknown role."))
    if actor is not None and not user_can(actor, Action.MANAGE_ACCOUNTS, organization):
        raise PermissionDenied
    assignment, created = RoleAssignment.objects.get_or_create(
        user=user, role=role, organization=organization, defaults={"granted_by": actor}
    )
    if created:
        sync_guardian_grants(user, organization)
        _audit(actor, "role.assign", str(user), role=role, organization=organization.pk)
    return assignment


@transaction.atomic
def role_revoke(*, actor: Any | None, assignment: RoleAssignment) -> None:
    if actor is not None and not user_can(actor, Action.MANAGE_ACCOUNTS, assignment.organization):
        raise PermissionDenied
    user, organization, role = assignment.user, assignment.organization, assignment.role
    assignment.delete()
    sync_guardian_grants(user, organization)
    _audit(actor, "role.revoke", str(user), role=role, organization=organization.pk)


@transaction.atomic
def user_create(
    *,
    actor: Any | None,
    username: str,
    password: str | None,
    full_name: str = "",
    email: str = "",
    phone: str = "",
) -> User:
    user = User(username=username, full_name=full_name, email=email, phone=phone)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    _audit(actor, "user.create", username)
    return user
