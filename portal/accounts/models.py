"""Users, role assignments and the object-permission rows django-guardian writes.

A RoleAssignment (user, role, organization) is what an administrator gives; the
permissions it implies are written as guardian rows on that one node. Authority flows
down the tree at check time (portal/accounts/permissions.py), never by copying grants
onto descendants.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import UserObjectPermissionBase

from portal.core.fields import EncryptedCharField


class User(AbstractUser):
    full_name = models.CharField(_("full name"), max_length=50, blank=True)
    # Encrypted at rest (portal/core/crypto.py).
    phone = EncryptedCharField(_("phone"), max_length=30, blank=True)
    preferred_language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, blank=True
    )
    # Set when a manager chose the password (a new account, a reset): the user must
    # choose their own at the next log-in (accounts/middleware.py).
    must_change_password = models.BooleanField(_("must change password"), default=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.get_full_name() or self.username


class Role(models.TextChoices):
    SECRETARY = "secretary", _("branch secretary")
    CLERK = "clerk", _("branch clerk")
    REVIEWER = "reviewer", _("higher-level reviewer")
    OFFICE = "office", _("campaign office")
    INSTRUCTOR = "instructor", _("instructor")
    # Separation of duties: reads and exports the audit log of its subtree, nothing else
    # (no grant on records); never held together with another role or by a site
    # administrator (services.role_assign).
    AUDITOR = "auditor", _("security auditor")
    # Separation of duties: creates accounts and grants roles strictly below its node,
    # and nothing else (no grant on records); never held together with another role.
    ACCOUNT_MANAGER = "account_manager", _("account manager")


class RoleAssignment(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="role_assignments",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    # The scope node. The only domain model this app names: the tree is the interface.
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="role_assignments",
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("granted by"),
    )
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        ordering = ["organization__path", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "organization"], name="unique_role_assignment"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.organization}"


class OrganizationUserObjectPermission(UserObjectPermissionBase):
    """guardian's direct-foreign-key table for Organization grants: lets one JOIN read
    a user's grants together with the nodes' paths (see permissions.grants_for)."""

    content_object = models.ForeignKey("organizations.Organization", on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        abstract = False
        indexes = [
            # grants_for(user): all rows of one user.
            models.Index(fields=["user"], name="org_uop_user_idx"),
        ]


class AuditEvent(models.Model):
    """Security-relevant actions, written in the same transaction as the action (role
    grants, accounts, log-ins, two-factor events) or by the audit middleware after a
    request that wrote to the database or sent a file (portal/accounts/audit.py).

    Append-only: database triggers refuse UPDATE and DELETE (migration 0006), except
    the DELETE of rows past the retention period by `manage.py purge_audit`. Nothing
    that points here cascades: an actor or organization with audit rows is protected."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("who"),
    )
    action = models.CharField(_("action"), max_length=50)
    target = models.CharField(_("target"), max_length=200)
    # The model label ("activities.meeting") or kind of thing acted on, for filtering.
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    organization = models.ForeignKey(
        "organizations.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organization"),
    )
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["action", "at"], name="audit_action_at_idx"),
            models.Index(fields=["organization", "at"], name="audit_org_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.target}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is None and self.ip is None:
            # The address of the request being served, if any (audit.current_request).
            from .audit import current_address

            self.ip = current_address()
        super().save(*args, **kwargs)


class PasswordHistory(models.Model):
    """Hashes of a user's recent passwords (validators.PasswordHistoryValidator)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="password_history"
    )
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("previous password")
        verbose_name_plural = _("previous passwords")
        indexes = [models.Index(fields=["user", "-created_at"], name="password_history_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d}"
