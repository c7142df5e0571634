"""Reads about opinions for other pages: the live checklist (docs/product.md §8, "opinions
solicited and every opinion answered or adopted"), the subtree grid and the dossier.

Every function costs a fixed number of queries, stated in its docstring, whatever the
number of opinions or organizations.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from django.db.models import Count, Q

from ..models import Campaign, Opinion, OpinionStatus
from ..models.opinions import DONE_STATUSES


class OpinionStats(NamedTuple):
    total: int
    answered_or_adopted: int
    unanswered: int

    @property
    def solicited(self) -> bool:
        return self.total > 0

    @property
    def all_handled(self) -> bool:
        """The checklist requirement: opinions solicited and none left unanswered."""
        return self.total > 0 and self.unanswered == 0


_DONE = Q(status__in=DONE_STATUSES)


def opinion_stats(org: Any, campaign: Campaign) -> OpinionStats:
    """(total, answered_or_adopted, unanswered) for one organization in one campaign.

    One aggregate query on the opinion_org_campaign_idx index."""
    row = Opinion.objects.filter(organization=org, campaign=campaign).aggregate(
        total=Count("pk"), done=Count("pk", filter=_DONE)
    )
    total, done = row["total"] or 0, row["done"] or 0
    return OpinionStats(total, done, total - done)


def opinion_stats_by_organization(
    campaign: Campaign, organization_ids: Iterable[int]
) -> dict[int, OpinionStats]:
    """OpinionStats per organization id, for the requirement grid.

    One grouped query, whatever the number of organizations (an `IN` list; for a whole
    county pass the ids of one page of the grid, or use opinion_stats_in_subtree).
    Organizations without opinions are present with zeros."""
    ids = list(organization_ids)
    rows = (
        Opinion.objects.filter(campaign=campaign, organization_id__in=ids)
        .values("organization_id")
        .annotate(total=Count("pk"), done=Count("pk", filter=_DONE))
        .order_by()
    )
    result = {pk: OpinionStats(0, 0, 0) for pk in ids}
    for row in rows:
        result[row["organization_id"]] = OpinionStats(
            row["total"], row["done"], row["total"] - row["done"]
        )
    return result


def opinion_stats_in_subtree(campaign: Campaign, root: Any) -> dict[int, OpinionStats]:
    """OpinionStats per organization id for every organization in root's subtree that
    has at least one opinion (absent = no opinion solicited). One grouped query joined
    with the organization table on the indexed path prefix."""
    rows = (
        Opinion.objects.filter(campaign=campaign, organization__path__startswith=root.path)
        .values("organization_id")
        .annotate(total=Count("pk"), done=Count("pk", filter=_DONE))
        .order_by()
    )
    return {
        row["organization_id"]: OpinionStats(row["total"], row["done"], row["total"] - row["done"])
        for row in rows
    }


def opinion_status_counts(org: Any, campaign: Campaign) -> dict[str, int]:
    """{status: count} with every status present (zeros included). One grouped query."""
    counts = {str(status): 0 for status in OpinionStatus.values}
    rows = (
        Opinion.objects.filter(organization=org, campaign=campaign)
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for status, n in rows:
        counts[status] = n
    return counts


def box_campaign(org: Any) -> Campaign | None:
    """The campaign online-box opinions of `org` are filed under: the latest active
    campaign the organization takes part in that is not closed (docs/product.md §5.2:
    with none, the box is closed). One query."""
    return (
        Campaign.objects.for_organization(org)
        .running()
        .filter(is_active=True)
        .order_by("-starts_on", "-pk")
        .first()
    )
