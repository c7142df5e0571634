"""Reads about study counseling (docs/product.md §6.1), for the counseling pages and the live
checklist requirement "every member counseled at least N times".

Coverage of an organization = its active members (its own roster, not its
descendants') with at least `campaign.min_counseling_per_member` sessions in the
campaign, over all its active members. A member's sessions count wherever they were
recorded (a member who moved keeps them). An organization without members has
coverage 0 of 0; the checklist decides what that means.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, TypedDict

from django.db.models import Count, DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from organizations.models import Member, Organization

from ..models import Campaign, CounselingRecord

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

OrgQ = Callable[[str], Q]


class Study(TypedDict):
    """What with_study adds to each member."""

    sessions: int
    hours: Decimal


@dataclass(frozen=True)
class Coverage:
    covered: int
    total: int
    minimum: int
    uncovered: Sequence[Member] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.covered == self.total

    @property
    def percent(self) -> int:
        return round(100 * self.covered / self.total) if self.total else 0


def with_study(
    members: QuerySet[Member], campaign: Campaign | None
) -> QuerySet[WithAnnotations[Member, Study]]:
    """`members` each annotated with `sessions` and `hours` in the campaign (in every
    campaign when None). One query when evaluated."""
    in_campaign = Q(counseling_records__campaign=campaign) if campaign is not None else Q()
    return members.annotate(
        sessions=Count("counseling_records", filter=in_campaign),
        hours=Coalesce(
            Sum("counseling_records__hours", filter=in_campaign),
            Value(Decimal("0")),
            output_field=DecimalField(max_digits=8, decimal_places=1),
        ),
    )


def members_with_study(
    org: Organization, campaign: Campaign, *, uncovered: bool = False
) -> QuerySet[WithAnnotations[Member, Study]]:
    """The organization's active members, by name, each annotated with `sessions` and
    `hours` in the campaign; with `uncovered`, only those below the campaign's minimum
    (the counseling list's filter, and its export's). One query when evaluated."""
    members = with_study(Member.objects.filter(organization=org, is_active=True), campaign)
    if uncovered:
        members = members.filter(sessions__lt=campaign.min_counseling_per_member)
    return members.order_by("name", "pk")


def counseling_coverage(org: Organization, campaign: Campaign) -> Coverage:
    """(covered, total, uncovered members) for one organization. One query."""
    minimum = campaign.min_counseling_per_member
    members = list(members_with_study(org, campaign))
    uncovered = [m for m in members if m.sessions < minimum]
    return Coverage(
        covered=len(members) - len(uncovered),
        total=len(members),
        minimum=minimum,
        uncovered=uncovered,
    )


def counseling_coverage_in(
    campaign: Campaign, org_q: OrgQ, *, minimum: int | None = None
) -> dict[int, tuple[int, int]]:
    """{organization id: (covered, total)} for every organization in scope with at least
    one active member: covered with at least `minimum` records (None: the campaign's
    minimum). One grouped query (a HAVING subquery picks the covered members), whatever
    the scope's size."""
    if minimum is None:
        minimum = campaign.min_counseling_per_member
    # Only the records of the scope's members: grouping the whole campaign's records
    # before the scope applies cost seconds in a province (3,003 ms vs 116 ms).
    covered_ids = (
        CounselingRecord.objects.filter(org_q("member__organization"), campaign=campaign)
        .values("member_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=minimum)
        .values("member_id")
    )
    # With a minimum of 0 every member is covered, sessions or not.
    covered = Count("pk") if minimum == 0 else Count("pk", filter=Q(pk__in=covered_ids))
    rows = (
        Member.objects.filter(org_q("organization"), is_active=True)
        .values("organization_id")
        .annotate(total=Count("pk"), covered=covered)
    )
    return {row["organization_id"]: (row["covered"], row["total"]) for row in rows}


@dataclass
class UnorganizedFigures:
    """Enterprises without a Party organization in a subtree and their members
    (docs/product.md §8, "Enterprises without an organization")."""

    enterprises: int = 0
    members: int = 0  # active members working in them
    took_part: int = 0  # ... with at least one study record in the campaign

    @property
    def percent(self) -> int:
        return round(100 * self.took_part / self.members) if self.members else 0


def unorganized_figures(campaign: Campaign, org: Organization) -> UnorganizedFigures:
    """Enterprises attached to an organization of `org`'s subtree that host no Party
    organization, their active members, and how many of those took part: at least one
    study (counseling) record in the campaign. One query."""
    from organizations.models import Enterprise

    totals = (
        Enterprise.objects.without_organization()
        .filter(attached_to__path__startswith=org.path)
        .aggregate(
            n_enterprises=Count("pk", distinct=True),
            # Aliases other than "members": an alias named like the relation hides it.
            n_members=Count("members", filter=Q(members__is_active=True), distinct=True),
            n_took_part=Count(
                "members",
                filter=Q(members__is_active=True, members__counseling_records__campaign=campaign),
                distinct=True,
            ),
        )
    )
    return UnorganizedFigures(totals["n_enterprises"], totals["n_members"], totals["n_took_part"])
