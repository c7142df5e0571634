"""Instructors (党建工作指导员) assigned to enterprises without a Party organization
(docs/product.md §3 and §4). Who may assign: whoever maintains the organization
tree where the enterprise is attached (MANAGE_ORGANIZATIONS there: a reviewer at it or
above, a site administrator). Whom: a user holding the instructor role at that
organization or above it. The instructor's page then lists the enterprise with its
members (guidance.selectors.assigned_enterprises)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from organizations.models import Enterprise
from portal.accounts.models import Role, RoleAssignment, User
from portal.accounts.permissions import Action, user_can
from portal.notifications.services import notify

from .models import EnterpriseAssignment

VERB_ENTERPRISE_ASSIGNED = "guidance.enterprise_assigned"


def may_assign_instructors(actor: Any, enterprise: Enterprise) -> bool:
    """MANAGE_ORGANIZATIONS at the organization the enterprise is attached to. No query
    beyond the actor's cached grants."""
    host = enterprise.attached_to
    return host is not None and user_can(actor, Action.MANAGE_ORGANIZATIONS, host)


def instructor_candidates(enterprise: Enterprise) -> QuerySet[User]:
    """Active users holding the instructor role at the organization the enterprise is
    attached to or above it, by name. One query when evaluated."""
    host = enterprise.attached_to
    if host is None:
        return User.objects.none()
    holders = RoleAssignment.objects.filter(
        role=Role.INSTRUCTOR, organization__path__in=host.ancestor_paths
    ).values("user_id")
    return User.objects.filter(pk__in=holders, is_active=True).order_by("full_name", "username")


@transaction.atomic
def enterprise_instructor_assign(
    *, actor: Any, enterprise: Enterprise, instructor: User
) -> EnterpriseAssignment:
    """Assign `instructor` to `enterprise`. PermissionDenied without MANAGE_ORGANIZATIONS at
    the host organization; ValidationError when the enterprise has an organization of
    its own or none to be attached to, when the user is no instructor there, or when
    already assigned."""
    if not may_assign_instructors(actor, enterprise):
        raise PermissionDenied
    if not Enterprise.objects.filter(pk=enterprise.pk).without_organization().exists():
        raise ValidationError(
            _("This enterprise has a Party organization of its own; assign the instructor there."),
            code="has_organization",
        )
    if not instructor_candidates(enterprise).filter(pk=instructor.pk).exists():
        raise ValidationError(
            {
                "instructor": _(
                    "Pick an instructor of the organization the enterprise is attached to "
                    "or of one above it."
                )
            },
            code="not_instructor",
        )
    assignment = EnterpriseAssignment(
        enterprise=enterprise, instructor=instructor, assigned_by=actor
    )
    assignment.full_clean()
    assignment.save()
    # The instructor learns of it on their next page, like any assignment.
    notify(
        [instructor],
        verb=VERB_ENTERPRISE_ASSIGNED,
        title=format_lazy(
            gettext_lazy("You now guide {name}, an enterprise without a Party organization"),
            name=enterprise.name,
        ),
        body=gettext_lazy(
            "Your page lists it with the members who work there and their study records."
        ),
        url=reverse("guidance:home"),
        exclude=actor,
    )
    return assignment


@transaction.atomic
def enterprise_instructor_unassign(*, actor: Any, assignment: EnterpriseAssignment) -> None:
    if not may_assign_instructors(actor, assignment.enterprise):
        raise PermissionDenied
    assignment.delete()
