"""An organization's campaigns over the years (docs/product.md §5.2): each campaign it
took part in, with its standing from the roll-up rows (portal/progress/models.py
Standing), newest first. A finished campaign stays readable and frozen: its figures are
judged as of its last day (Campaign.as_of) and its records take no more changes.

Cost: the campaigns with their phases (2 queries) and the organization's roll-up rows
(1), whatever the number of campaigns or records."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from activities.models.campaigns import Campaign, preferred_campaign
from organizations.models import Organization

from .models import Standing


@dataclass
class ArchiveRow:
    campaign: Campaign
    ended: bool
    running: bool
    standing: Standing | None

    @property
    def percent(self) -> int | None:
        """The share of the organization's requirements met, or None when none apply or
        the roll-up has no row yet."""
        if self.standing is None or not self.standing.cells:
            return None
        return round(100 * self.standing.green / self.standing.cells)


def campaign_archive(org: Organization, today: dt.date | None = None) -> list[ArchiveRow]:
    today = today or timezone.localdate()
    campaigns = list(
        Campaign.objects.for_organization(org)
        .prefetch_related("phases")
        .order_by("-starts_on", "-pk")
    )
    standings = {
        s.campaign_id: s
        for s in Standing.objects.filter(
            organization=org, campaign_id__in=[c.pk for c in campaigns]
        )
    }
    return [
        ArchiveRow(
            campaign=c,
            ended=c.has_ended(today),
            running=c.starts_on <= today <= c.ends_on,
            standing=standings.get(c.pk),
        )
        for c in campaigns
    ]


def current_campaign(rows: list[ArchiveRow]) -> Campaign | None:
    """The campaign an organization's pages open on (preferred_campaign). No query."""
    return preferred_campaign([row.campaign for row in rows])
