"""Which home page each user lands on, and what it shows.

Order of precedence when a user holds several roles: site administrator, reviewer,
campaign office, instructor, secretary, clerk, then a party member's own page; a login
with none of these gets a page telling them whom to ask.

Each builder below runs a fixed number of queries whatever the size of the data (the
docstrings count them; tests/core/test_home.py pins them). Later features add their own
sections (campaign to-do items) to the role's template, templates/core/home_<role>.html.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import (
    Case,
    Count,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import HttpRequest

from guidance.selectors import overdue_follow_ups_below
from organizations.models import Enterprise, Member, MemberStatus, Organization, OrgKind
from portal.accounts.models import Role, User
from portal.accounts.permissions import roles_for
from portal.core.campaign_home import campaign_panels
from portal.core.context_processors import record_links
from portal.reviews.selectors import inbox

ROLE_PRECEDENCE = [
    Role.REVIEWER,
    Role.OFFICE,
    Role.INSTRUCTOR,
    Role.SECRETARY,
    Role.CLERK,
    # Held alone (services.role_assign): the security auditor's home links the audit log.
    Role.AUDITOR,
    # Held alone too: the account manager's home links the accounts and roles.
    Role.ACCOUNT_MANAGER,
]
# The reviewer's and the office's home lists at most this many weak-and-lax organizations.
WEAK_LIST_LIMIT = 20
_NOT_LOADED = object()


def _own_member(user: Any) -> Member | None:
    """The member record linked to the login, with its organization (one query, cached
    on the user object for the rest of the request)."""
    cached = getattr(user, "_portal_member", _NOT_LOADED)
    if isinstance(cached, Member) or cached is None:
        return cached
    member = Member.objects.select_related("organization", "enterprise").filter(user=user).first()
    user._portal_member = member
    return member


def primary_role(user: Any) -> str | None:
    if user.is_superuser:
        return "admin"
    held = {ra.role for ra in roles_for(user)}
    for role in ROLE_PRECEDENCE:
        if role in held:
            return role
    if _own_member(user) is not None:
        return "member"
    return None


def _count(queryset: QuerySet) -> Coalesce:
    """A correlated COUNT(*) subquery (no GROUP BY on the outer query)."""
    counted = queryset.order_by().annotate(_n=Func(F("pk"), function="COUNT")).values("_n")
    return Coalesce(Subquery(counted[:1]), 0)


def with_subtree_member_counts(queryset: QuerySet) -> QuerySet:
    """Annotate each organization with the active members of its whole subtree
    (`member_count`) and the full members among them (`full_member_count`): two
    correlated subqueries in the same SELECT, so still one query."""
    in_subtree = Member.objects.filter(
        is_active=True, organization__path__startswith=OuterRef("path")
    )
    return queryset.annotate(
        member_count=_count(in_subtree),
        full_member_count=_count(in_subtree.filter(status=MemberStatus.FULL)),
    )


def _subtree_path_range(path: str) -> dict[str, str]:
    """Lookups on an organization's `path` that select the node at `path` and its
    descendants as a range, `path >= 'p' AND path < 'p⁺'` (p⁺: p with its last
    character raised to the next one of the tree's alphabet, carrying over), which a
    plain index on `path` serves on SQLite and PostgreSQL alike. A `LIKE 'p%'` matches
    the same rows, but SQLite uses no index for it (its LIKE is case-insensitive, the
    index is not): the member counts read every member row twice, ~20 ms of the
    secretary's home page at county scale. Paths are made of the alphabet's digits and
    capital letters, which sort in the alphabet's order in SQLite's binary order, the C
    collation and the usual locale collations alike."""
    alphabet = Organization.alphabet
    stem = path
    while stem:
        position = alphabet.find(stem[-1])
        if 0 <= position < len(alphabet) - 1:
            return {"path__gte": path, "path__lt": stem[:-1] + alphabet[position + 1]}
        stem = stem[:-1]
    return {"path__gte": path}  # the last node of the alphabet at every level


def with_known_member_counts(queryset: QuerySet, orgs: list[Organization]) -> QuerySet:
    """with_subtree_member_counts for a short list of organizations already loaded
    (a user's own): the same two annotations, each a CASE over the organizations with
    one uncorrelated COUNT per organization on a constant path range (an index range
    over the subtree, see _subtree_path_range), instead of a LIKE built from each outer
    row's path, which no index serves (seconds in a province). Still one query."""

    def subtree_count(**extra: Any) -> Case:
        return Case(
            *[
                When(
                    pk=org.pk,
                    then=_count(
                        Member.objects.filter(
                            is_active=True,
                            organization__in=Organization.objects.filter(
                                **_subtree_path_range(org.path)
                            ),
                            **extra,
                        )
                    ),
                )
                for org in orgs
            ],
            default=Value(0),
            output_field=IntegerField(),
        )

    return queryset.annotate(
        member_count=subtree_count(),
        full_member_count=subtree_count(status=MemberStatus.FULL),
    )


def _attach_sizes(orgs: list[Any]) -> list[Any]:
    for org in orgs:
        org.probationary_count = org.member_count - org.full_member_count
        org.size_warning_text = org.size_warning(org.full_member_count)
    return orgs


def _role_organizations(user: Any, role: str) -> list[Organization]:
    return [ra.organization for ra in roles_for(user) if ra.role == role]


def subtree_overview(nodes: list[Organization]) -> dict[str, Any]:
    """Counts for the subtrees under `nodes`: organizations by kind (with weak ones),
    the first weak-and-lax organizations, members. Three queries."""
    paths = {org.path for org in nodes}
    orgs = Organization.objects.under_paths(paths).filter(is_active=True)
    rows = {
        row["kind"]: row
        for row in orgs.order_by()
        .values("kind")
        .annotate(n=Count("pk"), weak=Count("pk", filter=Q(is_weak=True)))
    }
    by_kind = [
        {"kind": kind, "label": label, "count": rows[kind]["n"], "weak": rows[kind]["weak"]}
        for kind, label in OrgKind.choices
        if kind in rows
    ]
    weak = _attach_sizes(
        list(
            with_subtree_member_counts(orgs.filter(is_weak=True)).order_by("path")[:WEAK_LIST_LIMIT]
        )
    )
    members = (
        Member.objects.under_paths(paths)
        .active()
        .aggregate(total=Count("pk"), full=Count("pk", filter=Q(status=MemberStatus.FULL)))
    )
    return {
        "by_kind": by_kind,
        "organization_total": sum(row["count"] for row in by_kind),
        "weak_total": sum(row["weak"] for row in by_kind),
        "weak_organizations": weak,
        "weak_more": sum(row["weak"] for row in by_kind) > len(weak),
        "member_total": members["total"],
        "member_full": members["full"],
        "member_probationary": members["total"] - members["full"],
    }


def _admin(user: Any) -> dict[str, Any]:
    """Site overview: four aggregate queries."""
    orgs = Organization.objects.aggregate(
        total=Count("pk", filter=Q(is_active=True)),
        weak=Count("pk", filter=Q(is_active=True, is_weak=True)),
        roots=Count("pk", filter=Q(depth=1)),
    )
    members = Member.objects.aggregate(
        total=Count("pk", filter=Q(is_active=True)),
        full=Count("pk", filter=Q(is_active=True, status=MemberStatus.FULL)),
    )
    users = User.objects.aggregate(total=Count("pk"), active=Count("pk", filter=Q(is_active=True)))
    return {
        "org_stats": orgs,
        "member_stats": members,
        "user_stats": users,
        "enterprise_total": Enterprise.objects.count(),
    }


def waiting_for_review(user: Any) -> int:
    """How many records wait for the user's decision (the review inbox's rows): one
    COUNT query, the user's roles being cached already."""
    return inbox(user).count()


def _reviewer(user: Any) -> dict[str, Any]:
    nodes = _role_organizations(user, Role.REVIEWER)
    return {"nodes": nodes, "waiting_count": waiting_for_review(user), **subtree_overview(nodes)}


def _office(user: Any) -> dict[str, Any]:
    nodes = _role_organizations(user, Role.OFFICE)
    return {"nodes": nodes, **subtree_overview(nodes)}


def _organizations_with_sizes(
    user: Any, role: str, annotations: dict[str, Any] | None = None
) -> list[Any]:
    """The role's organizations with subtree member counts, any further `annotations`
    (in the same SELECT) and host enterprises (two queries)."""
    own = _role_organizations(user, role)
    orgs = (
        with_known_member_counts(Organization.objects.filter(pk__in=[o.pk for o in own]), own)
        .annotate(**(annotations or {}))
        .prefetch_related("enterprises")
        .order_by("path")
    )
    return _attach_sizes(list(orgs))


def _instructor(user: Any) -> dict[str, Any]:
    # Overdue follow-ups of the user's guidance visits at each organization and below
    # (guidance app), counted in the organizations' query; the total counts each
    # subtree once when one assigned organization lies under another.
    orgs = _organizations_with_sizes(
        user, Role.INSTRUCTOR, {"overdue_follow_ups": overdue_follow_ups_below(user)}
    )
    tops = [o for o in orgs if not any(o.path.startswith(t.path) and o != t for t in orgs)]
    return {
        "assigned": orgs,
        "overdue_follow_ups": sum(o.overdue_follow_ups for o in tops),
        "weak_count": sum(1 for org in orgs if org.is_weak),
        "waiting_count": waiting_for_review(user),
    }


def _record_tiles(orgs: list[Organization], panels: list[Any]) -> list[dict[str, Any]]:
    """One set of tiles per organization: a tap to each record page, opened on the
    campaign its panel shows (none when it takes part in no campaign). No query."""
    campaign_of = {panel.organization.pk: panel.campaign for panel in panels}
    return [
        {
            "organization": org,
            "campaign": campaign_of.get(org.pk),
            "links": record_links(org, campaign_of.get(org.pk)),
        }
        for org in orgs
    ]


def _own_records(user: Any, role: str) -> dict[str, Any]:
    orgs = _organizations_with_sizes(user, role)
    panels = campaign_panels(orgs)
    return {
        "own_organizations": orgs,
        "campaign_panels": panels,
        "record_tiles": _record_tiles(orgs, panels),
    }


def _secretary(user: Any) -> dict[str, Any]:
    return _own_records(user, Role.SECRETARY)


def _clerk(user: Any) -> dict[str, Any]:
    return _own_records(user, Role.CLERK)


def _member(user: Any) -> dict[str, Any]:
    """The member record is already loaded by primary_role (no further query); the
    page gathers what is the member's own (portal/core/member_home.py: six queries)."""
    from portal.core.member_home import member_overview

    member = _own_member(user)
    if member is None:  # primary_role gives "member" only to a login with its record
        return {"member": None}
    return {"member": member, **member_overview(member)}


BUILDERS: dict[str, Callable[[Any], dict[str, Any]]] = {
    "admin": _admin,
    Role.REVIEWER: _reviewer,
    Role.OFFICE: _office,
    Role.INSTRUCTOR: _instructor,
    Role.SECRETARY: _secretary,
    Role.CLERK: _clerk,
    Role.AUDITOR: lambda user: {},
    Role.ACCOUNT_MANAGER: lambda user: {},
    "member": _member,
}


def home_context(request: HttpRequest) -> tuple[str, dict[str, Any]]:
    user = request.user
    role = primary_role(user)
    roles = roles_for(user)
    context: dict[str, Any] = {
        "role": role,
        "all_roles": roles,
        # Roles of other kinds than the one this page is about, listed at the bottom.
        "other_roles": [ra for ra in roles if ra.role != role],
    }
    if role is not None:
        context.update(BUILDERS[role](user))
    return f"core/home_{role or 'none'}.html", context
