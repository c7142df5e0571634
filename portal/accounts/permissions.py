"""The one place that answers "may this user do A to object O" and "which O may this
user see". django-guardian calls live only here (and in services.py, which writes the
grants through the helpers below).

Rule (docs/product.md §4): a grant given on an organization node applies to that node and every
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
from django.db import connections, models, router
from django.http import Http404
from guardian.shortcuts import assign_perm, remove_perm

from .models import OrganizationUserObjectPermission, Role, RoleAssignment

if TYPE_CHECKING:
    from organizations.models import Organization, OrganizationQuerySet

    from .models import User

M = TypeVar("M", bound=models.Model)
# A queryset keeps its own class (and so its own methods) through the scope filters.
QS = TypeVar("QS", bound=models.QuerySet[Any])


class Action(StrEnum):
    VIEW = "view_organization"
    RECORD = "record_organization"
    SUBMIT = "submit_organization"
    REVIEW = "review_organization"
    PERSONAL_DATA = "view_personal_data"
    MANAGE_ACCOUNTS = "manage_accounts"
    MANAGE_ORGANIZATIONS = "manage_organizations"
    DOWNLOAD_REPORTS = "download_reports"
    # Select reports sent upward and compile bulletins from them (docs/product.md §6.6).
    COMPILE_BULLETINS = "compile_bulletins"


# What each role may do at its node and below.
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
            Action.MANAGE_ORGANIZATIONS,
            Action.DOWNLOAD_REPORTS,
            Action.COMPILE_BULLETINS,
        }
    ),
    # The campaign office reads; the one thing it writes is the bulletin it compiles
    # from the reports sent upward (docs/product.md §6.6).
    Role.OFFICE: frozenset({Action.VIEW, Action.DOWNLOAD_REPORTS, Action.COMPILE_BULLETINS}),
    Role.INSTRUCTOR: frozenset({Action.VIEW, Action.REVIEW, Action.DOWNLOAD_REPORTS}),
    # The security auditor reads the audit log of the subtree (views_audit.py, which
    # reads the role itself) and nothing else: no grant on the organizations' records.
    Role.AUDITOR: frozenset(),
    # The account manager creates accounts and grants roles strictly below the node
    # (manages_accounts_at) and sees no record of the organizations.
    Role.ACCOUNT_MANAGER: frozenset({Action.MANAGE_ACCOUNTS}),
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
        """Any grant on the organizations' records (managing accounts is none)."""
        return self.is_admin or any(
            paths for action, paths in self.paths.items() if action != Action.MANAGE_ACCOUNTS
        )


def _minimal_prefixes(paths: Iterable[str]) -> set[str]:
    """Drop paths covered by a shorter one, so scope filters carry no redundant ORs."""
    result: set[str] = set()
    for p in sorted(paths, key=len):
        if not any(p.startswith(q) for q in result):
            result.add(p)
    return result


def _grant_rows(user_id: int) -> list[tuple[str, str]]:
    """(permission codename, organization path) of each of the user's grants: the
    ORM's `OrganizationUserObjectPermission.objects.filter(user=…).values_list(
    "permission__codename", "content_object__path")` written out, as every request
    of a logged-in user runs it (issue #20: 0.4 ms of CPU saved a request;
    tests/accounts/test_permissions.py compares both)."""
    connection = connections[router.db_for_read(OrganizationUserObjectPermission)]
    qn = connection.ops.quote_name
    grant: Any = OrganizationUserObjectPermission._meta
    permission: Any = grant.get_field("permission").related_model._meta
    organization: Any = grant.get_field("content_object").related_model._meta

    def col(meta: Any, name: str) -> str:
        return str(qn(meta.get_field(name).column))

    sql = (
        f"SELECT p.{col(permission, 'codename')}, o.{col(organization, 'path')} "  # noqa: S608
        f"FROM {qn(grant.db_table)} g "
        f"INNER JOIN {qn(permission.db_table)} p "
        f"ON g.{col(grant, 'permission')} = p.{qn(permission.pk.column)} "
        f"INNER JOIN {qn(organization.db_table)} o "
        f"ON g.{col(grant, 'content_object')} = o.{qn(organization.pk.column)} "
        f"WHERE g.{col(grant, 'user')} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id])
        return [(codename, path) for codename, path in cursor.fetchall()]


def grants_for(user: Any) -> Grants:
    """The user's grants, loaded once per user object (one query: guardian rows joined
    with the nodes' paths)."""
    cached: Grants | None = getattr(user, "_portal_grants", None)
    if cached is not None:
        return cached
    grants = Grants()
    if user is None or not user.is_authenticated or not user.is_active:
        pass
    elif user.is_superuser:
        grants.is_admin = True
    else:
        for codename, path in _grant_rows(user.pk):
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
    cached: list[RoleAssignment] | None = getattr(user, "_portal_roles", None)
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


def visible_organizations(user: Any, action: Action | str = Action.VIEW) -> OrganizationQuerySet:
    from organizations.models import Organization

    paths = scope_paths(user, action)
    if paths is None:
        everything: OrganizationQuerySet = Organization.objects.all()
        return everything
    under: OrganizationQuerySet = Organization.objects.under_paths(paths)
    return under


def filter_by_scope(
    queryset: QS, user: Any, *, path_field: str, action: Action | str = Action.VIEW
) -> QS:
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
        org: Organization = Organization.objects.get(pk=int(pk))
    except (Organization.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    require(user, action, org)
    return org


def can_view_personal_data(user: Any, org: Organization) -> bool:
    return user_can(user, Action.PERSONAL_DATA, org)


# --- composing campaigns (docs/product.md §5.3) -------------------------------------------
#
# The campaign office (活动领导小组办公室) composes the campaigns of its level: those led at
# its node or below it. It is a role, not an action on records (ROLE_ACTIONS: the office
# still records nothing), so it is read from the user's roles, cached like the grants.


def campaign_office_paths(user: Any) -> set[str] | None:
    """The paths of the nodes where the user holds the office role (a node under another
    one left out); None for a site administrator (every campaign). No query beyond the
    user's cached roles."""
    if user is None or not user.is_authenticated or not user.is_active:
        return set()
    if user.is_superuser:
        return None
    return _minimal_prefixes(
        ra.organization.path for ra in roles_for(user) if ra.role == Role.OFFICE
    )


def composes_campaigns(user: Any) -> bool:
    """May the user reach the campaign pages at all (the list, composing a new one)?"""
    paths = campaign_office_paths(user)
    return paths is None or bool(paths)


def composes_campaign_led_at(user: Any, org: Organization | str) -> bool:
    """May the user compose, edit, check and open a campaign led at `org` (or the node
    with this path): a site administrator, or the office at that node or above it."""
    path = org if isinstance(org, str) else org.path
    paths = campaign_office_paths(user)
    return paths is None or any(path.startswith(p) for p in paths)


def require_campaign_composer(user: Any, org: Organization) -> None:
    """For a campaign led at `org`: nothing when the user composes it; 403 when they can
    see `org` otherwise; 404 when they cannot (no hint it exists)."""
    if composes_campaign_led_at(user, org):
        return
    if grants_for(user).allows(Action.VIEW, org.path):
        raise PermissionDenied
    raise Http404


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


# --- user accounts, as seen by account managers (and site administrators) --------------
#
# Accounts are managed strictly BELOW the manager's node: an account manager at a park
# manages the accounts of the enterprises under it, never those at the park itself
# (peers, and the manager's own account) nor above it. Otherwise a manager could give
# themself the instructor role at their own node and approve its records, or open a
# peer's account. Account management is a role of its own (Role.ACCOUNT_MANAGER,
# docs/product.md §4): reviewers maintain the organization tree (MANAGE_ORGANIZATIONS)
# but grant no role.


def manages_accounts_at(user: Any, path: str) -> bool:
    """May `user` manage accounts and roles at the node with this path: a node strictly
    below one where they hold MANAGE_ACCOUNTS (anything for a site administrator)."""
    grants = grants_for(user)
    if grants.is_admin:
        return True
    return any(
        path.startswith(p) and path != p for p in grants.paths.get(Action.MANAGE_ACCOUNTS, ())
    )


def account_scope_q(user: Any, path_field: str) -> models.Q | None:
    """The OR-list of `path_field` lookups for nodes strictly below the user's
    MANAGE_ACCOUNTS nodes (a string strictly longer than a prefix sorts after it); None
    for a site administrator (everything). An empty Q() matches nothing here: callers
    check `scope_paths` first."""
    paths = scope_paths(user, Action.MANAGE_ACCOUNTS)
    if paths is None:
        return None
    q = models.Q()
    for p in sorted(paths):
        q |= models.Q(**{f"{path_field}__startswith": p, f"{path_field}__gt": p})
    return q


def filter_by_account_scope(queryset: QS, user: Any, *, path_field: str) -> QS:
    """Rows whose organization lies strictly below the user's MANAGE_ACCOUNTS nodes."""
    paths = scope_paths(user, Action.MANAGE_ACCOUNTS)
    if paths is None:
        return queryset
    if not paths:
        return queryset.none()
    return queryset.filter(account_scope_q(user, path_field))


def account_organizations(user: Any) -> OrganizationQuerySet:
    """Organizations where `user` may give roles and create accounts."""
    from organizations.models import Organization

    everything: OrganizationQuerySet = Organization.objects.all()
    return filter_by_account_scope(everything, user, path_field="path")


def _account_paths(account: Any) -> list[str]:
    """Paths of the nodes that tie an account to the tree: its roles and, for a party
    member's login, the member's organization. Needs `role_assignments` prefetched with
    their organizations and `member__organization` selected (see get_account_for_user)."""
    paths = [ra.organization.path for ra in account.role_assignments.all()]
    member = getattr(account, "member", None)
    if member is not None:
        paths.append(member.organization.path)
    return paths


def accounts_in_scope(queryset: models.QuerySet[M], user: Any) -> models.QuerySet[M]:
    """Restrict a User queryset to accounts holding a role, or linked to a party member,
    strictly below the user's MANAGE_ACCOUNTS nodes. A site administrator sees every
    account, with or without a role. One subquery, no extra round trip."""
    paths = scope_paths(user, Action.MANAGE_ACCOUNTS)
    if paths is None:
        return queryset
    if not paths:
        return queryset.none()
    by_role = account_scope_q(user, "role_assignments__organization__path")
    by_member = account_scope_q(user, "member__organization__path")
    assert by_role is not None and by_member is not None  # paths is not None: not an admin
    q = by_role | by_member
    ids = queryset.model._default_manager.filter(q).values("pk")
    return queryset.filter(pk__in=ids)


def get_account_for_user(user: Any, pk: Any) -> User:
    """The user account `pk` for the accounts pages, with its role assignments
    (organization, granted_by) and member record prefetched: two queries.

    200 when the account holds a role or a member record strictly below the user's
    MANAGE_ACCOUNTS nodes (manages_accounts_at); 403 when it is tied only to nodes the user can see without that right; 404
    otherwise, and for accounts tied to no node at all (only a site administrator sees
    those)."""
    from .models import User

    try:
        account = (
            User.objects.select_related("member__organization")
            .prefetch_related(
                models.Prefetch(
                    "role_assignments",
                    queryset=RoleAssignment.objects.select_related(
                        "organization", "granted_by"
                    ).order_by("organization__path", "role"),
                )
            )
            .get(pk=int(pk))
        )
    except (User.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    grants = grants_for(user)
    if grants.is_admin:
        return account
    paths = _account_paths(account)
    if any(manages_accounts_at(user, p) for p in paths):
        return account
    if any(grants.allows(Action.VIEW, p) for p in paths):
        raise PermissionDenied
    raise Http404


def can_fully_manage_account(user: Any, account: Any) -> bool:
    """May `user` edit the account itself (profile, password, active flag, member link)?
    Only when every node the account is tied to lies strictly below the user's
    MANAGE_ACCOUNTS nodes and the account is no site administrator: otherwise a manager
    could take over an account that acts at their level or higher up the tree. Never
    one's own account (its roles sit at the manager's node or above). Needs what
    get_account_for_user prefetches."""
    grants = grants_for(user)
    if grants.is_admin:
        return True
    if account.is_superuser or account.is_staff or account.pk == user.pk:
        return False
    paths = _account_paths(account)
    return bool(paths) and all(manages_accounts_at(user, p) for p in paths)


def could_review_for(account: Any, user: Any) -> bool:
    """Could `account` approve or return records of an organization `user` works at
    (a role of theirs, or their own member record)? By the rule of can_review, from the
    account's prefetched role assignments. No query unless the account holds a
    reviewing role (then roles_for(user), cached, and the user's member record)."""
    if account.is_superuser:
        return True
    reviewing = [
        ra for ra in account.role_assignments.all() if ra.role in (Role.REVIEWER, Role.INSTRUCTOR)
    ]
    if not reviewing:
        return False
    nodes = [ra.organization.path for ra in roles_for(user)]
    member = getattr(user, "member", None) if user.is_authenticated else None
    if member is not None:
        nodes.append(member.organization.path)
    for ra in reviewing:
        p = ra.organization.path
        for node in nodes:
            if node.startswith(p) and (ra.role == Role.INSTRUCTOR or node != p):
                return True
    return False


def can_set_password_of(user: Any, account: Any) -> bool:
    """A manager may reset the password of an account they fully manage, unless that
    account could review the manager's own records: resetting it would let the manager
    log in as their own reviewer."""
    if grants_for(user).is_admin:
        return True
    return can_fully_manage_account(user, account) and not could_review_for(account, user)


def get_role_assignment_for_user(
    user: Any, pk: Any, action: Action | str = Action.MANAGE_ACCOUNTS
) -> RoleAssignment:
    """A role assignment with its user and organization (one query); 404 / 403 by the
    assignment's organization, as `require` decides."""
    try:
        assignment = RoleAssignment.objects.select_related("user", "organization").get(pk=int(pk))
    except (RoleAssignment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    require(user, action, assignment.organization)
    return assignment


# --- review authority (portal/reviews, docs/product.md §7) ----------------------------------------


def can_review(user: Any, org: Organization) -> bool:
    """May `user` approve or return the organization's submitted records?

    Yes for a reviewer at a STRICT ancestor of `org` (a reviewer's own node is reviewed
    from above: nobody approves the materials of the level they sit at), for an
    instructor assigned to `org` or one of its ancestors, and for a site administrator.
    The REVIEW grant alone is not enough: it also covers the reviewer's own node.
    Cost: roles_for(user), one query cached on the user."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    for ra in roles_for(user):
        p = ra.organization.path
        if not org.path.startswith(p):
            continue
        if ra.role == Role.INSTRUCTOR or (ra.role == Role.REVIEWER and len(org.path) > len(p)):
            return True
    return False


def filter_by_review_scope(
    queryset: models.QuerySet[M], user: Any, *, prefix: str = "organization"
) -> models.QuerySet[M]:
    """Rows whose organization (reachable as `prefix`) `user` may review, by the rule of
    can_review: one OR-list of indexed path prefixes in the same query."""
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.is_superuser:
        return queryset
    q = models.Q()
    found = False
    for ra in roles_for(user):
        org = ra.organization
        if ra.role == Role.INSTRUCTOR:
            q |= models.Q(**{f"{prefix}__path__startswith": org.path})
        elif ra.role == Role.REVIEWER:
            q |= models.Q(
                **{f"{prefix}__path__startswith": org.path, f"{prefix}__depth__gt": org.depth}
            )
        else:
            continue
        found = True
    return queryset.filter(q) if found else queryset.none()


def users_who_may_review(org: Organization) -> models.QuerySet[User]:
    """The active users who may review `org` (see can_review), site administrators
    excepted: reviewers at strict ancestors and instructors at the node or above.
    One query over role assignments joined with their organizations' paths."""
    from .models import User

    paths = org.ancestor_paths
    return (
        User.objects.filter(is_active=True)
        .filter(
            models.Q(
                role_assignments__role=Role.REVIEWER,
                role_assignments__organization__path__in=paths[:-1],
            )
            | models.Q(
                role_assignments__role=Role.INSTRUCTOR,
                role_assignments__organization__path__in=paths,
            )
        )
        .distinct()
        .order_by("pk")
    )


def users_with_action(org: Organization, action: Action | str) -> models.QuerySet[User]:
    """The active users whose roles give `action` on `org` (a role at the node or an
    ancestor), site administrators excepted. One query."""
    from .models import User

    roles = [role for role, actions in ROLE_ACTIONS.items() if action in actions]
    return (
        User.objects.filter(
            is_active=True,
            role_assignments__role__in=roles,
            role_assignments__organization__path__in=org.ancestor_paths,
        )
        .distinct()
        .order_by("pk")
    )
