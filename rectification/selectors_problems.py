"""Reads of problem lists and items: what the pages show, and the batch selectors the
live checklist (portal/progress, phase 3 requirements) evaluates a whole scope with.

Batch selectors take the campaign and the organizations as either a Scope-like
`org_q(prefix) -> Q` (portal.progress.engine.Scope.q: one indexed path prefix for a
subtree, or `id IN (...)`) or a plain list of organization ids. Each runs ONE grouped
query whatever the number of organizations.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Min, Q, QuerySet
from django.utils import timezone

from portal.accounts.permissions import filter_by_scope
from portal.reviews.models import ReviewStatus

from .models import ItemStatus, ProblemItem, ProblemList
from .models.problems import ProblemItemQuerySet

OrgQ = Callable[[str], Q]
Orgs = OrgQ | Iterable[int]


def _org_filter(orgs: Orgs, prefix: str) -> Q:
    """`orgs` as a filter on the organization reachable as `prefix`."""
    if callable(orgs):
        return orgs(prefix)
    return Q(**{f"{prefix}_id__in": list(orgs)})


# --- batch selectors for the live checklist -------------------------------------------------


@dataclass(frozen=True, slots=True)
class ListState:
    """An organization's problem list in a campaign, as the checklist sees it."""

    review_status: str
    published_on: dt.date | None
    items: int

    @property
    def approved(self) -> bool:
        return self.review_status == ReviewStatus.APPROVED

    @property
    def published(self) -> bool:
        return self.approved and self.published_on is not None


def problem_list_states_in(campaign: Any, orgs: Orgs) -> dict[int, ListState]:
    """{organization id: ListState} for the organizations in scope that have a problem
    list in the campaign (the others are absent). One grouped query (index
    problem_list_one_per_campaign / problem_list_campaign_idx)."""
    rows = (
        ProblemList.objects.filter(_org_filter(orgs, "organization"), campaign=campaign)
        .order_by()
        .values_list("organization_id", "review_status", "published_on")
        .annotate(n=Count("items"))
    )
    return {org_id: ListState(status, published, n) for org_id, status, published, n in rows}


def problem_lists_published_in(campaign: Any, orgs: Orgs) -> set[int]:
    """Ids of the organizations in scope whose problem list of the campaign is approved
    and published. One query."""
    return set(
        ProblemList.objects.filter(_org_filter(orgs, "organization"), campaign=campaign)
        .published()
        .values_list("organization_id", flat=True)
    )


def overdue_item_counts_in(
    campaign: Any, orgs: Orgs, today: dt.date | None = None
) -> dict[int, int]:
    """{organization id: items of the approved list past their deadline and not closed,
    as of the campaign's as-of day (Campaign.as_of(today))}; organizations without
    overdue items are absent. Items of a list still being written are not commitments
    yet and do not count. One grouped query (partial index
    problem_item_open_deadline_idx)."""
    rows = (
        _committed_items(campaign, orgs)
        .overdue(campaign.as_of(today))
        .order_by()
        .values_list("problem_list__organization_id")
        .annotate(n=Count("pk"))
    )
    return dict(rows)


def _committed_items(campaign: Any, orgs: Orgs) -> ProblemItemQuerySet:
    """The items of the organizations' approved lists in the campaign."""
    return ProblemItem.objects.filter(
        _org_filter(orgs, "problem_list__organization"),
        problem_list__campaign=campaign,
        problem_list__review_status=ReviewStatus.APPROVED,
    )


def overdue_item_totals_in(
    campaign: Any, orgs: Orgs, today: dt.date | None = None
) -> tuple[int, int]:
    """(items overdue, organizations with overdue items): overdue_item_counts_in
    totalled by the database (one query, one row)."""
    totals = (
        _committed_items(campaign, orgs)
        .overdue(campaign.as_of(today))
        .aggregate(
            items=Count("pk"), organizations=Count("problem_list__organization", distinct=True)
        )
    )
    return totals["items"], totals["organizations"]


def next_deadlines_in(campaign: Any, orgs: Orgs, today: dt.date) -> dict[int, dt.date]:
    """{organization id: the earliest deadline, on or after `today`, of an item of its
    approved list not yet closed}: the day after it, "no overdue item" may turn red
    with no record changing. One grouped query."""
    rows = (
        _committed_items(campaign, orgs)
        .filter(deadline__gte=today)
        .not_closed()
        .order_by()
        .values_list("problem_list__organization_id")
        .annotate(first=Min("deadline"))
    )
    return dict(rows)


def open_item_counts_in(campaign: Any, orgs: Orgs) -> dict[int, tuple[int, int]]:
    """{organization id: (items not closed, all items)} for the organizations in scope
    with at least one item in the campaign. One grouped query."""
    rows = (
        ProblemItem.objects.filter(
            _org_filter(orgs, "problem_list__organization"), problem_list__campaign=campaign
        )
        .order_by()
        .values_list("problem_list__organization_id")
        .annotate(
            open=Count("pk", filter=~Q(status=ItemStatus.CLOSED)),
            total=Count("pk"),
        )
    )
    return {org_id: (open_n, total) for org_id, open_n, total in rows}


# --- pages -----------------------------------------------------------------------------------


def overdue_items_for(
    user: Any, campaign: Any = None, today: dt.date | None = None
) -> QuerySet[ProblemItem]:
    """Overdue items of approved lists in every organization `user` may see, in
    `campaign` (None: every campaign, each judged as of its own as-of day), the longest
    overdue first, with the list, its organization, campaign and the category joined:
    one query per page."""
    if campaign is not None:
        qs = ProblemItem.objects.committed().overdue(campaign.as_of(today))
        qs = qs.filter(problem_list__campaign=campaign)
    else:
        qs = ProblemItem.objects.overdue_in_their_campaigns(today)
    return (
        filter_by_scope(qs, user, path_field="problem_list__organization__path")
        .select_related("problem_list__organization", "problem_list__campaign", "category")
        .order_by("deadline", "problem_list__organization__path", "number", "pk")
    )


def item_counts_by_list(
    list_ids: Iterable[int], today: dt.date | None = None
) -> dict[int, dict[str, int]]:
    """{list id: {"total", "closed", "overdue"}} for the lists given; overdue as of
    each list's campaign's as-of day, and only for approved lists. One grouped query."""
    today = today or timezone.localdate()
    overdue = (
        Q(problem_list__review_status=ReviewStatus.APPROVED)
        & Q(deadline__lt=today)
        & Q(deadline__lt=F("problem_list__campaign__ends_on"))
        & ~Q(status=ItemStatus.CLOSED)
    )
    rows = (
        ProblemItem.objects.filter(problem_list_id__in=list(list_ids))
        .order_by()
        .values_list("problem_list_id")
        .annotate(
            total=Count("pk"),
            closed=Count("pk", filter=Q(status=ItemStatus.CLOSED)),
            overdue=Count("pk", filter=overdue),
        )
    )
    return {
        list_id: {"total": total, "closed": closed, "overdue": overdue}
        for list_id, total, closed, overdue in rows
    }
