"""The overview of a user's several organizations side by side (issue #13 point 9): an
instructor guiding three organizations (or a reviewer at two nodes) opens the
dashboard and sees every one of them at once — its checklist summary, overdue problem
items, records waiting for review and guidance visits — instead of the first one with
links to the others.

Cost (build_overview), whatever the amount of records: the campaigns of the nodes with
their phases (2), per campaign the roll-up's freshness check (2 when nothing is stale),
the roll-up rows grouped by node (1), per node its overdue items (1, the rectification
selector the dashboard uses), the records waiting for review grouped by node (1), the
visits of the nodes (1).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, F, IntegerField, Q, Sum, Value, When
from django.utils import timezone

from activities.models import Campaign
from activities.models.campaigns import takes_part
from organizations.models import Organization
from portal.reviews.models import ReviewTask

from .dashboard import _overdue_totals
from .engine import Scope
from .models import Standing
from .rollup import ensure_fresh


@dataclass
class NodeSummary:
    organization: Organization
    campaign: Any = None
    as_of: dt.date | None = None
    organizations: int = 0  # organizations with requirements in the subtree
    complete: int = 0  # ... meeting every one
    cells: int = 0
    green: int = 0
    done: int = 0  # met, or submitted and waiting for review
    overdue_items: int = 0
    overdue_organizations: int = 0
    reviews_waiting: int = 0  # submitted records in the subtree waiting for a decision
    last_visit: dt.date | None = None
    next_follow_up: dt.date | None = None
    overdue_follow_ups: int = 0

    @property
    def waiting(self) -> int:
        return self.done - self.green

    @property
    def percent(self) -> int | None:
        return round(100 * self.done / self.cells) if self.cells else None

    @property
    def single(self) -> bool:
        """The node is one organization taking part (its own checklist)."""
        return self.organizations == 1


def _latest(org: Organization, campaigns: list[Campaign]) -> Campaign | None:
    mine = [c for c in campaigns if takes_part(c, org)]
    return max(mine, key=lambda c: (c.starts_on, c.pk), default=None)


def _by_node(nodes: list[NodeSummary], prefix: str, with_campaign: bool) -> Case:
    """An annotation naming the node (its index) a row belongs to."""
    whens = []
    for i, node in enumerate(nodes):
        q = Q(**{f"{prefix}__path__startswith": node.organization.path})
        if with_campaign:
            if node.campaign is None:
                continue
            q &= Q(campaign=node.campaign)
        whens.append(When(q, then=Value(i)))
    return Case(*whens, default=Value(-1), output_field=IntegerField())


def build_overview(nodes: list[Organization], today: dt.date | None = None) -> list[NodeSummary]:
    from guidance.selectors import visit_figures

    today = today or timezone.localdate()
    rows = [NodeSummary(org) for org in nodes]
    if not rows:
        return rows
    campaigns = list(
        Campaign.objects.reaching(nodes)
        .filter(is_active=True)
        .select_related("lead_organization")
        .prefetch_related("phases")
    )
    for row in rows:
        row.campaign = _latest(row.organization, campaigns)
    fresh: set[int] = set()
    for row in rows:
        if row.campaign is not None and row.campaign.pk not in fresh:
            fresh.add(row.campaign.pk)
            ensure_fresh(row.campaign.lead_organization, row.campaign, today=today)
    if any(row.campaign is not None for row in rows):
        grouped = (
            Standing.objects.filter(organization__is_active=True, cells__gt=0)
            .annotate(node=_by_node(rows, "organization", with_campaign=True))
            .filter(node__gte=0)
            .values("node")
            .annotate(
                n=Count("pk"),
                cells_sum=Sum("cells"),
                green_sum=Sum("green"),
                done_sum=Sum("done"),
                complete_sum=Sum(
                    Case(
                        When(green=F("cells"), then=1),
                        default=0,
                        output_field=IntegerField(),
                    )
                ),
            )
            .order_by()
            .values_list("node", "n", "cells_sum", "green_sum", "done_sum", "complete_sum")
        )
        for i, n, cells, green, done, complete in grouped:
            row = rows[i]
            row.organizations, row.cells, row.green = n, cells or 0, green or 0
            row.done, row.complete = done or 0, complete or 0
    for row in rows:
        if row.campaign is not None:
            row.as_of = Scope(campaign=row.campaign, orgs={}, today=today).as_of
            row.overdue_items, row.overdue_organizations = _overdue_totals(
                row.campaign, row.organization, row.as_of
            )
    waiting = (
        ReviewTask.objects.waiting()
        .annotate(node=_by_node(rows, "organization", with_campaign=False))
        .filter(node__gte=0)
        .values("node")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("node", "n")
    )
    for i, n in waiting:
        rows[i].reviews_waiting = n
    visits = visit_figures([row.organization.pk for row in rows], today)
    for row in rows:
        last, next_due, overdue = visits.get(row.organization.pk, (None, None, 0))
        row.last_visit, row.next_follow_up, row.overdue_follow_ups = last, next_due, overdue
    return rows
