"""Reads of funding: the organization's page and the batch selector the live checklist
evaluates a whole scope with (docs/product.md §8 "funding at least the standard").

Required minimum = active members on the organization's own roster × the campaign's
funding standard, computed live (models/funding.required_funding). Only receipts from
county finance or retained dues with their evidence attached count toward it
(FundingReceiptQuerySet.counting).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Sum
from django.utils.functional import Promise

from organizations.models import Member

from .models import FundingReceipt, FundingSource
from .models.funding import required_funding, shortfall

ZERO = Decimal("0.00")


def funding_in(
    campaign: Any, org_ids: Iterable[int], *, standard: Decimal | None = None
) -> dict[int, tuple[Decimal, Decimal]]:
    """{organization id: (total that counts, required minimum)} for every id given:
    receipts from county finance or retained dues with their evidence attached; the
    minimum at `standard` per member (None: the campaign's funding standard).

    Cost: TWO grouped queries whatever the number of organizations: the receipts summed
    per organization (index funding_campaign_org_idx) and the active members counted
    per organization (index member_org_name_idx)."""
    ids = list(org_ids)
    if not ids:
        return {}
    received = dict(
        FundingReceipt.objects.filter(campaign=campaign, organization_id__in=ids)
        .counting()
        .order_by()
        .values_list("organization_id")
        .annotate(total=Sum("amount"))
    )
    members = dict(
        Member.objects.filter(organization_id__in=ids, is_active=True)
        .order_by()
        .values_list("organization_id")
        .annotate(n=Count("pk"))
    )
    if standard is None:
        standard = campaign.funding_standard
    return {
        org_id: (received.get(org_id) or ZERO, required_funding(members.get(org_id, 0), standard))
        for org_id in ids
    }


@dataclass
class FundingSummary:
    """What the funding page shows: the formula, the totals and the shortfall."""

    members: int
    standard: Decimal
    by_source: dict[str, Decimal] = field(default_factory=dict)
    without_evidence: int = 0
    # Receipts from county finance or retained dues with evidence: what meets the norm.
    counted: Decimal = ZERO

    @property
    def required(self) -> Decimal:
        return required_funding(self.members, self.standard)

    @property
    def received(self) -> Decimal:
        return sum(self.by_source.values(), ZERO)

    @property
    def shortfall(self) -> Decimal:
        return shortfall(self.counted, self.required)

    @property
    def reached(self) -> bool:
        return self.counted >= self.required

    @property
    def not_counted(self) -> Decimal:
        return self.received - self.counted

    @property
    def sources(self) -> list[tuple[str, str | Promise, Decimal]]:
        """(value, label, total) for every source, in the order of FundingSource."""
        return [
            (value, label, self.by_source.get(value, ZERO))
            for value, label in FundingSource.choices
        ]


def funding_summary(organization: Any, campaign: Any, receipts: list[Any]) -> FundingSummary:
    """The summary of the organization's funding in the campaign, from its receipts
    (already loaded, each with `evidence_count`) and one COUNT of the active members."""
    by_source = {value: ZERO for value in FundingSource.values}
    counted = ZERO
    for receipt in receipts:
        by_source[receipt.source] = by_source.get(receipt.source, ZERO) + receipt.amount
        if receipt.counts:
            counted += receipt.amount
    members = Member.objects.filter(organization=organization, is_active=True).count()
    return FundingSummary(
        members=members,
        standard=campaign.funding_standard,
        by_source=by_source,
        without_evidence=sum(1 for r in receipts if not getattr(r, "evidence_count", 0)),
        counted=counted,
    )
