"""The one place that answers "may this user do A to object O" and "which O may this
user see". django-guardian calls live only here (and in services.py, which writes the
grants through the helpers below).

Rule (SPEC §4): a grant given on an organization node applies to that node and every
descendant. Grants are stored by guardian on the node where they were given; a check
compares the target's materialized path with the grant nodes' paths. A user's grants
are read in ONE query per request (cached on the user object), after which every check
is a string-prefix test in memory and every scope filter is a `path LIKE 'p%'` OR-list.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404
from guardian.shortcuts import assign_perm, remove_perm

from .models import OrganizationUserObjectPermission, Role, RoleAssignment

if TYPE_CHECKING:
    from organizations.models import Organization

M = TypeVar("M", bound=models.Model)


class Action(StrEnum):
    VIEW = "view_organization"
    RECORD = "record_organization"
    SUBMIT = "submit_organization"
    REVIEW = "review_organization"
    PERSONAL_DATA = "view_personal_data"
    MANAGE_ACCOUNTS = "manage_accounts"
    DOWNLOAD_REPORTS = "download_reports"


# What each role may do at its node and below. The campaign office is read-only.
ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    Role.SECRETARY: frozenset(
        {Action.VIEW, Action.RECORD, Action.SUBMIT, Action.PERSONAL_DATA, Action.DOWNLOAD_REPORTS}
    ),
    Role.CLERK: frozenset({Action.VIEW, Action.RECORD}),
    Role.REVIEWER: frozenset(
        {
            Action.VIEW,
            Action.REVIEW,
            Action.PERSONAL_DATA,
            Action.MANAGE_ACCOUNTS,
            Action.DOWNLOAD_REPORTS,
        }
    ),
    Role.OFFICE: frozenset({Action.VIEW, Action.DOWNLOAD_REPORTS}),
    Role.INSTRUCTOR: frozenset({Action.VIEW, Action.REVIEW, Action.DOWNLOAD_REPORTS}),
}


@dataclass
class Grants:
    """A user's grants: for each action, the paths of the nodes it was given on."""

    is_admin: bool = False
    paths: dict[str, set[str]] = field(default_factory=dict)

    def allows(self, action: Action | str, path: str) -> bool:
        if self.is_admin:
            return True
        return any(path.startswith(p) for p in self.paths.get(action, ()))

    def scope(self, action: Action | str) -> set[str] | None:
        """Grant paths for the action; None means everything (site administrator)."""
        if self.is_admin:
            return None
        return _minimal_prefixes(self.paths.get(action, set()))

    @property
    def any(self) -> bool:
        return self.is_admin or any(self.paths.values())


def _minimal_prefixes(paths: Iterable[str]) -> set[str]:
    """Drop paths covered by a shorter one, so scope filters carry no redundant ORs."""
    result: set[str] = set()
    for p in sorted(paths, key=len):
        if not any(p.startswith(q) for q in result):
            result.add(p)
    return result


def grants_for(user: Any) -> Grants:
    """The user's grants, loaded once per user object (one query: guardian rows joined
    with the nodes' paths)."""
    cached = getattr(user, "_portal_grants", None)
    if cached is not None:
        return cached
    grants = Grants()
    if user is None or not user.is_authenticated or not user.is_active:
        pass
    elif user.is_superuser:
        grants.is_admin = True
    else:
        rows = OrganizationUserObjectPermission.objects.filter(user=user).values_list(
            "permission__codename", "content_object__path"
        )
        for codename, path in rows:
            grants.paths.setdefault(codename, set()).add(path)
    if user is not None:
        user._portal_grants = grants
    return grants


def forget_grants(user: Any) -> None:
    """Drop the per-object cache after the user's grants changed."""
    user.__dict__.pop("_portal_grants", None)
    user.__dict__.pop("_portal_roles", None)


def roles_for(user: Any) -> list[RoleAssignment]:
    """The user's role assignments with their organizations (one query, cached)."""
    cached = getattr(user, "_portal_roles", None)
    if cached is not None:
        return cached
    if not user.is_authenticated:
        roles: list[RoleAssignment] = []
    else:
        roles = list(
            RoleAssignment.objects.filter(user=user)
            .select_related("organization")
            .order_by("organization__path", "role")
        )
    user._portal_roles = roles
    return roles


def user_can(user: Any, action: Action | str, org: Organization) -> bool:
    return grants_for(user).allows(action, org.path)


def scope_paths(user: Any, action: Action | str = Action.VIEW) -> set[str] | None:
    return grants_for(user).scope(action)


def visible_organizations(user: Any, action: Action | str = Action.VIEW) -> models.QuerySet:
    from organizations.models import Organization

    paths = scope_paths(user, action)
    if paths is None:
        return Organization.objects.all()
    return Organization.objects.under_paths(paths)


def filter_by_scope(
    queryset: models.QuerySet[M], user: Any, *, path_field: str, action: Action | str = Action.VIEW
) -> models.QuerySet[M]:
    """Restrict any queryset to rows whose organization lies in the user's scope.
    `path_field` names the organization path lookup, e.g. "organization__path"."""
    paths = scope_paths(user, action)
    if paths is None:
        return queryset
    if not paths:
        return queryset.none()
    q = models.Q()
    for p in sorted(paths):
        q |= models.Q(**{f"{path_field}__startswith": p})
    return queryset.filter(q)


def require(user: Any, action: Action | str, org: Organization) -> None:
    """403 for a user who can see the organization but may not do this to it; 404 for one
    who cannot even see it (no hint that it exists)."""
    grants = grants_for(user)
    if grants.allows(action, org.path):
        return
    if grants.allows(Action.VIEW, org.path):
        raise PermissionDenied
    raise Http404


def get_organization_for_user(
    user: Any, pk: Any, action: Action | str = Action.VIEW
) -> Organization:
    from organizations.models import Organization

    try:
        org = Organization.objects.get(pk=int(pk))
    except (Organization.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    require(user, action, org)
    return org


def can_view_personal_data(user: Any, org: Organization) -> bool:
    return user_can(user, Action.PERSONAL_DATA, org)


# --- grants: written by portal.accounts.services only ---------------------------------


def sync_guardian_grants(user: Any, organization: Organization) -> None:
    """Make the guardian rows for (user, node) equal the union of the user's roles there."""
    roles = RoleAssignment.objects.filter(user=user, organization=organization).values_list(
        "role", flat=True
    )
    wanted: set[str] = set()
    for role in roles:
        wanted |= {str(a) for a in ROLE_ACTIONS[role]}
    have = set(
        OrganizationUserObjectPermission.objects.filter(
            user=user, content_object=organization
        ).values_list("permission__codename", flat=True)
    )
    for codename in sorted(wanted - have):
        assign_perm(f"organizations.{codename}", user, organization)
    for codename in sorted(have - wanted):
        remove_perm(f"organizations.{codename}", user, organization)
    forget_grants(user)
