"""Admin site for site administrators. Role assignments go through the services (which
write the guardian rows and the audit trail), so they are added and deleted here, never
edited in place; the audit trail is read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from . import services
from .models import AuditEvent, Role, RoleAssignment, User


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    fk_name = "user"
    fields = ("role", "organization", "granted_by", "granted_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class SeparatedUserChangeForm(UserChangeForm):
    """Separation of duties: a security auditor's account is never made staff or a
    superuser (services.role_assign refuses the other way round)."""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            (data.get("is_superuser") or data.get("is_staff"))
            and self.instance.pk
            and RoleAssignment.objects.filter(user=self.instance, role=Role.AUDITOR).exists()
        ):
            raise ValidationError(
                _("A security auditor cannot be a site administrator or staff member.")
            )
        return data


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = SeparatedUserChangeForm
    list_display = ("username", "full_name", "phone", "email", "is_active", "is_superuser")
    # The phone is encrypted at rest: not searchable by part.
    search_fields = ("username", "full_name", "email")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("full_name", "phone", "email", "preferred_language")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "full_name", "password1", "password2"),
            },
        ),
    )
    inlines = [RoleAssignmentInline]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "organization", "granted_by", "granted_at")
    list_filter = ("role",)
    search_fields = ("user__username", "user__full_name", "organization__short_name")
    list_select_related = ("user", "organization", "granted_by")
    autocomplete_fields = ("user",)
    raw_id_fields = ("organization",)
    fields = ("user", "role", "organization")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Only the add form saves; an existing assignment is revoked and given anew.
        return obj is None and super().has_change_permission(request, obj)

    def save_model(
        self, request: HttpRequest, obj: RoleAssignment, form: Any, change: bool
    ) -> None:
        assigned = services.role_assign(
            actor=request.user, user=obj.user, role=obj.role, organization=obj.organization
        )
        obj.pk = assigned.pk

    def delete_model(self, request: HttpRequest, obj: RoleAssignment) -> None:
        services.role_revoke(actor=request.user, assignment=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for assignment in queryset.select_related("user", "organization"):
            services.role_revoke(actor=request.user, assignment=assignment)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Registered so that nobody can change or delete a row here, the superuser
    included; and nobody reads it here either: the site administrator does not read
    the audit log (separation of duties), the security auditor reads it on its own
    page (accounts:audit_log)."""

    list_display = ("at", "actor", "action", "target")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
