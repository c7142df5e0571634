"""Writes for accounts and roles. Each service checks the actor's authority, writes, and
records an AuditEvent in the same transaction.

`actor=None` means the system (seed_demo, tests, management commands): no authority
check. A site administrator passes every check; an account manager acts strictly below
the nodes where they hold MANAGE_ACCOUNTS (never at them, never above). Nobody grants,
changes or removes a role of their own account, administrators included: another
manager does it, and the audit row names who.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from axes.utils import reset as axes_reset
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import AuditEvent, Role, RoleAssignment, User
from .permissions import (
    can_fully_manage_account,
    can_set_password_of,
    manages_accounts_at,
    sync_guardian_grants,
)
from .throttle import reset_username

# Fields of the account profile a manager may change through user_update.
USER_PROFILE_FIELDS = ("full_name", "phone", "email", "is_active")


def _audit(actor: Any, action: str, target: str, org: Any = None, **detail: Any) -> None:
    AuditEvent.objects.create(
        actor=actor if actor and actor.pk else None,
        action=action,
        target=target,
        object_type="accounts.user",
        organization=org,
        detail=detail,
    )


# Roles that are held alone (separation of duties, docs/product.md §4): the person who
# reads the audit log, and the person who creates accounts and grants roles, are never
# also an operator of the records (a secretary, a reviewer) on the same account.
SOLE_ROLES = frozenset({Role.AUDITOR, Role.ACCOUNT_MANAGER})


def _separate_duties(user: User, role: str) -> None:
    """The security auditor and the account manager hold no other role on the same
    account (so the person who reads the audit log, or grants roles, is never one whose
    actions it records as an operator); the auditor is no site administrator either."""
    if user.pk is None:
        held: set[str] = set()
    else:
        held = set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True))
    if role == Role.AUDITOR and (user.is_superuser or user.is_staff):
        raise ValidationError(_("A site administrator cannot be the security auditor."))
    if role in SOLE_ROLES and held - {role}:
        raise ValidationError(_SOLE_TAKEN[role]())
    for sole in SOLE_ROLES & held - {role}:
        raise ValidationError(_SOLE_HELD[sole]())


# The refusals of _separate_duties, by sole role (functions: translated when raised).
_SOLE_TAKEN: dict[str, Callable[[], str]] = {
    Role.AUDITOR: lambda: _("The security auditor holds no other role: use a separate account."),
    Role.ACCOUNT_MANAGER: lambda: _(
        "The account manager holds no other role: use a separate account."
    ),
}
_SOLE_HELD: dict[str, Callable[[], str]] = {
    Role.AUDITOR: lambda: _("This account is a security auditor and can hold no other role."),
    Role.ACCOUNT_MANAGER: lambda: _(
        "This account is an account manager and can hold no other role."
    ),
}


def _require_full_control(actor: Any | None, user: User) -> None:
    if actor is not None and not can_fully_manage_account(actor, user):
        raise PermissionDenied


def _refuse_own_account(actor: Any | None, user: User) -> None:
    if actor is not None and user.pk is not None and user.pk == actor.pk:
        raise PermissionDenied(_("Nobody may grant, change or remove a role of their own account."))


def _require_below(actor: Any | None, organization: Any) -> None:
    if actor is not None and not manages_accounts_at(actor, organization.path):
        raise PermissionDenied


@transaction.atomic
def role_assign(*, actor: Any | None, user: User, role: str, organization: Any) -> RoleAssignment:
    """Give `user` the role at `organization`. The actor (None means the system, e.g.
    seed_demo) must manage accounts strictly below their own node, at `organization`,
    and every node the account is already tied to must lie there too (no peer's or
    superior's account gains a role); never their own account. Idempotent."""
    if role not in Role.values:
        raise ValidationError(_("Unknown role."))
    _refuse_own_account(actor, user)
    _require_below(actor, organization)
    if actor is not None and user.pk is not None:
        # One query: the paths of the nodes the account is tied to (roles, member).
        rows = User.objects.filter(pk=user.pk).values_list(
            "role_assignments__organization__path", "member__organization__path"
        )
        paths = {p for row in rows for p in row if p}
        if not all(manages_accounts_at(actor, p) for p in paths):
            raise PermissionDenied
    # After the authority checks: a refused actor learns nothing of the account's roles.
    _separate_duties(user, role)
    assignment, created = RoleAssignment.objects.get_or_create(
        user=user, role=role, organization=organization, defaults={"granted_by": actor}
    )
    if created:
        sync_guardian_grants(user, organization)
        _audit(
            actor,
            "role.assign",
            user.username,
            org=organization,
            role=role,
            organization=organization.pk,
        )
    return assignment


@transaction.atomic
def role_revoke(*, actor: Any | None, assignment: RoleAssignment) -> None:
    """Remove one role assignment and the guardian rows it implied (other roles of the
    user at the same node keep theirs). Nobody revokes their own roles (that is how
    people lock themselves out, or shed a role to pass a check); another manager or an
    administrator does it."""
    if actor is not None and assignment.user_id == actor.pk:
        raise ValidationError(_("You cannot revoke your own role; ask another manager."))
    _require_below(actor, assignment.organization)
    user, organization, role = assignment.user, assignment.organization, assignment.role
    assignment.delete()
    sync_guardian_grants(user, organization)
    _audit(
        actor,
        "role.revoke",
        user.username,
        org=organization,
        role=role,
        organization=organization.pk,
    )


@transaction.atomic
def user_create(
    *,
    actor: Any | None,
    username: str,
    password: str | None,
    full_name: str = "",
    email: str = "",
    phone: str = "",
    role: str | None = None,
    organization: Any | None = None,
    member: Any | None = None,
) -> User:
    """Create a login and, in the same transaction, tie it to the tree: a first `role` at
    `organization`, and/or the party `member` record it belongs to. An actor other than
    the system or a site administrator must hold manage_accounts at that organization
    (and at the member's), strictly below their own node: accounts are only ever created
    below the creator.
    The password is stored as given (the forms validate it); when a manager chose it,
    the person must choose their own at the first log-in."""
    if (role is None) != (organization is None):
        raise ValidationError(_("Give both a role and an organization, or neither."))
    if actor is not None and not actor.is_superuser:
        anchors = [org for org in (organization, getattr(member, "organization", None)) if org]
        if not anchors or not all(manages_accounts_at(actor, o.path) for o in anchors):
            raise PermissionDenied
    user = User(username=username, full_name=full_name, email=email, phone=phone)
    if password:
        user.set_password(password)
        user.must_change_password = actor is not None
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    _audit(actor, "user.create", username)
    if role is not None:
        role_assign(actor=actor, user=user, role=role, organization=organization)
    if member is not None:
        _link_member(actor, member, user)
    return user


@transaction.atomic
def user_update(*, actor: Any | None, user: User, **changes: Any) -> User:
    """Change profile fields (USER_PROFILE_FIELDS only) of an account the actor fully
    manages (see permissions.can_fully_manage_account). Nobody deactivates their own
    account here. Writes one audit row naming the changed fields."""
    unknown = set(changes) - set(USER_PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"user_update cannot set {sorted(unknown)}")
    _require_full_control(actor, user)
    if actor is not None and actor.pk == user.pk and changes.get("is_active") is False:
        raise ValidationError({"is_active": _("You cannot deactivate your own account.")})
    changed = sorted(name for name, value in changes.items() if getattr(user, name) != value)
    if not changed:
        return user
    for name in changed:
        setattr(user, name, changes[name])
    user.full_clean()
    user.save(update_fields=changed)
    _audit(actor, "user.update", user.username, fields=changed)
    return user


@transaction.atomic
def user_set_password(*, actor: Any | None, user: User, password: str) -> User:
    """A manager sets a new password for an account they fully manage (the user forgot
    theirs). Also lifts any log-in lockout on the username, which is what a locked-out
    user is told to ask their administrator for. Never the password of an account that
    could review the actor's own records (see permissions.can_set_password_of). The
    password is not logged."""
    if actor is not None and not can_set_password_of(actor, user):
        raise PermissionDenied
    user.set_password(password)
    user.must_change_password = actor is not None
    user.save(update_fields=["password", "must_change_password"])
    axes_reset(username=user.username)
    reset_username(user.username)
    _audit(actor, "user.set_password", user.username)
    return user


@transaction.atomic
def user_change_own_password(*, user: User, password: str) -> User:
    """The user chose a new password themself (validated by the form): the forced
    change, if any, is done."""
    user.set_password(password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    _audit(user, "user.change_password", user.username)
    return user


@transaction.atomic
def member_link_user(*, actor: Any | None, member: Any, user: User) -> Any:
    """Link a party member's record to an existing login, so the member sees their own
    page. The actor needs manage_accounts at the member's organization and full control
    of the account; a member has at most one login and a login at most one member."""
    _require_below(actor, member.organization)
    _require_full_control(actor, user)
    if getattr(user, "member", None) is not None and user.member.pk != member.pk:
        raise ValidationError(_("This login is already linked to a member."))
    return _link_member(actor, member, user)


def _link_member(actor: Any | None, member: Any, user: User) -> Any:
    if member.user_id is not None and member.user_id != user.pk:
        raise ValidationError(_("This member already has a login."))
    if member.user_id == user.pk:
        return member
    member.user = user
    member.save(update_fields=["user", "updated_at"])
    _audit(actor, "member.link", user.username, org=member.organization, member=member.pk)
    return member


@transaction.atomic
def member_unlink_user(*, actor: Any | None, user: User) -> None:
    """Remove the link between a login and its member record (the record stays)."""
    member = getattr(user, "member", None)
    if member is None:
        return
    _require_below(actor, member.organization)
    _require_full_control(actor, user)
    member.user = None
    member.save(update_fields=["user", "updated_at"])
    _audit(actor, "member.unlink", user.username, org=member.organization, member=member.pk)
