"""Reads of the visit log: what the instructor's page shows for their organizations,
and the overdue follow-up count the instructor's home page folds into its query."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Func, Max, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from activities.models import Campaign
from activities.models.campaigns import takes_part
from organizations.models import Organization
from portal.progress.engine import DONE_LEVELS, Level, Requirement, Result, evaluate, requirements
from portal.progress.scopes import scope_for_orgs

from .models import GuidanceVisit


def filter_visits(
    visits: Any, user: Any, data: Any, today: dt.date | None = None
) -> tuple[Any, bool, bool]:
    """The visit list's filters (`?mine=1`: the user's own visits; `?overdue=1`:
    follow-ups past due and not done), read the same way by the page and its export
    (guidance/resources.py): (the visits, mine, overdue). No query."""
    mine = data.get("mine") == "1"
    overdue = data.get("overdue") == "1"
    if mine:
        visits = visits.filter(instructor=user)
    if overdue:
        visits = visits.overdue(today or timezone.localdate())
    return visits, mine, overdue


def overdue_follow_ups_below(user: Any, today: dt.date | None = None) -> Coalesce:
    """An annotation for an Organization queryset: the user's overdue follow-ups at
    the organization and below it, as a correlated COUNT in the same SELECT (used by
    portal.core.home for the instructor's home page: no extra query)."""
    today = today or timezone.localdate()
    counted = (
        GuidanceVisit.objects.filter(
            instructor=user, organization__path__startswith=OuterRef("path")
        )
        .overdue(today)
        .order_by()
        .annotate(_n=Func(F("pk"), function="COUNT"))
        .values("_n")
    )
    return Coalesce(Subquery(counted[:1]), 0)


@dataclass
class AssignedStatus:
    """One organization on the instructor's page."""

    organization: Organization
    campaign: Campaign | None = None
    met: int = 0
    total: int = 0
    failing: list[tuple[Requirement, Result]] = field(default_factory=list)
    last_visit: dt.date | None = None
    next_follow_up: dt.date | None = None
    overdue_follow_ups: int = 0

    @property
    def percent(self) -> int | None:
        return round(100 * self.met / self.total) if self.total else None


def assigned_status(orgs: list[Organization], today: dt.date | None = None) -> list[AssignedStatus]:
    """Checklist status and visit figures of each organization: the campaigns the
    organizations take part in with their phases (2 queries), each campaign's
    evaluation (the scope + the requirements' grouped queries), and one grouped query
    over the visits (last visit, next follow-up not yet due, overdue follow-ups; visits by any
    instructor to the organization itself)."""
    if not orgs:
        return []
    today = today or timezone.localdate()
    rows = {org.pk: AssignedStatus(org) for org in orgs}
    campaigns = list(
        Campaign.objects.reaching(orgs)
        .filter(is_active=True)
        .select_related("lead_organization")
        .prefetch_related("phases")
    )
    by_campaign: dict[int, list[Organization]] = {}
    for org in orgs:
        mine = [c for c in campaigns if takes_part(c, org)]
        latest = max(mine, key=lambda c: (c.starts_on, c.pk), default=None)
        if latest is not None:
            rows[org.pk].campaign = latest
            by_campaign.setdefault(latest.pk, []).append(org)
    for members in by_campaign.values():
        campaign = rows[members[0].pk].campaign
        reqs = {r.code: r for r in requirements(campaign)}
        grid = evaluate(scope_for_orgs(members, campaign, today=today))
        for org in members:
            results = grid.get(org.pk, {})
            row = rows[org.pk]
            row.total = len(results)
            row.failing = sorted(
                ((reqs[code], r) for code, r in results.items() if r.level not in DONE_LEVELS),
                key=lambda pair: (pair[1].level != Level.RED, pair[0].phase, pair[0].order),
            )
            row.met = row.total - len(row.failing)
    for org_id, (last, next_due, overdue) in visit_figures(list(rows), today).items():
        row = rows[org_id]
        row.last_visit, row.next_follow_up, row.overdue_follow_ups = last, next_due, overdue
    return [rows[org.pk] for org in orgs]


def visit_figures(
    org_ids: list[int], today: dt.date | None = None
) -> dict[int, tuple[dt.date | None, dt.date | None, int]]:
    """{organization id: (last visit, next follow-up not yet due, overdue follow-ups)}
    for visits by any instructor to the organization itself; organizations never
    visited are absent. One grouped query."""
    today = today or timezone.localdate()
    open_q = Q(follow_up_due__isnull=False, follow_up_done_on__isnull=True)
    figures = (
        GuidanceVisit.objects.filter(organization_id__in=org_ids)
        .order_by()
        .values_list("organization_id")
        .annotate(
            last=Max("visited_on"),
            next_due=Min("follow_up_due", filter=open_q & Q(follow_up_due__gte=today)),
            # Not "overdue": the model's property of that name (read by position anyway).
            overdue_count=Count("pk", filter=open_q & Q(follow_up_due__lt=today)),
        )
    )
    return {org_id: (last, next_due, overdue) for org_id, last, next_due, overdue in figures}


@dataclass
class AssignedEnterprise:
    """An enterprise without a Party organization on its instructor's page, with the
    members who work there (on the roster of the organization it is attached to)."""

    enterprise: Any
    members: list[Any] = field(default_factory=list)

    @property
    def took_part(self) -> int:
        """Members with at least one study record in an active campaign
        (docs/product.md §8, "Enterprises without an organization")."""
        return sum(1 for m in self.members if m.study_records)


def assigned_enterprises(user: Any) -> list[AssignedEnterprise]:
    """The enterprises the user is assigned to as instructor, by name, each with its
    active members by name and their study records in active campaigns. Two queries."""
    from activities.models import CounselingRecord
    from organizations.models import Member

    from .models import EnterpriseAssignment

    rows = [
        AssignedEnterprise(a.enterprise)
        for a in EnterpriseAssignment.objects.for_instructor(user).order_by(
            "enterprise__name", "enterprise__pk"
        )
    ]
    if not rows:
        return rows
    by_id = {row.enterprise.pk: row for row in rows}
    studied = (
        CounselingRecord.objects.filter(member=OuterRef("pk"), campaign__is_active=True)
        .order_by()
        .annotate(_n=Func(F("pk"), function="COUNT"))
        .values("_n")
    )
    members = (
        Member.objects.filter(enterprise_id__in=list(by_id), is_active=True)
        .select_related("organization")
        .annotate(study_records=Coalesce(Subquery(studied[:1]), 0))
        .order_by("name", "pk")
    )
    for member in members:
        by_id[member.enterprise_id].members.append(member)
    return rows
