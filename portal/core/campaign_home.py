"""The campaign section of a secretary's or clerk's home page (docs/product.md §8 and issue #3):
what to do next (the requirements not yet met, with links), the phase deadlines, and
what came back from review.

Cost: campaigns with their phases (2 queries), the checklist of all the user's
organizations at once (1 + the requirements' grouped queries), the latest review
decisions (1), the latest reminders from above (1) — whatever the number of records.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from activities.models import Campaign, Phase
from activities.models.campaigns import preferred_campaign, takes_part
from organizations.models import Organization
from portal.progress.engine import DONE_LEVELS, Level, Requirement, Result, requirements
from portal.progress.rollup import checklists
from portal.progress.urging import latest_urges_by_requirement
from portal.reviews.models import ReviewTask

RECENT_DECISIONS = 5


@dataclass
class PhaseRow:
    phase: Phase
    current: bool
    days_left: int | None


@dataclass
class CampaignPanel:
    organization: Organization
    campaign: Campaign
    phases: list[PhaseRow]
    todo: list[tuple[Requirement, Result]]
    met: int  # done: met, or submitted and waiting for review (a submit never lowers it)
    total: int
    as_of: dt.date | None = None  # the day the checklist is judged on (Campaign.as_of)
    decisions: list[ReviewTask] = field(default_factory=list)
    waiting: list[tuple[Requirement, Result]] = field(default_factory=list)
    # {requirement code: the latest reminder (催办) from above}
    urges: dict[str, Any] = field(default_factory=dict)

    @property
    def todo_shown(self) -> list[tuple[Requirement, Result, Any]]:
        """The first open requirements with their latest reminder (or None)."""
        return [(req, result, self.urges.get(req.code)) for req, result in self.todo[:6]]


def _latest_campaign(
    org: Organization, campaigns: list[Campaign], today: dt.date
) -> Campaign | None:
    """The running campaign the organization takes part in, else its latest."""
    mine = [c for c in campaigns if takes_part(c, org)]
    return preferred_campaign(mine, today)


def _phase_rows(campaign: Campaign, today: dt.date) -> list[PhaseRow]:
    rows = []
    for phase in campaign.phases.all():
        current = phase.starts_on <= today <= phase.ends_on
        rows.append(PhaseRow(phase, current, (phase.ends_on - today).days if current else None))
    return rows


def campaign_panels(orgs: list[Organization], today: dt.date | None = None) -> list[CampaignPanel]:
    if not orgs:
        return []
    today = today or timezone.localdate()
    campaigns = list(
        Campaign.objects.reaching(orgs)
        .filter(is_active=True)
        .select_related("lead_organization")
        .prefetch_related("phases")
    )
    by_campaign: dict[int, tuple[Campaign, list[Organization]]] = {}
    for org in orgs:
        latest = _latest_campaign(org, campaigns, today)
        if latest is not None:
            by_campaign.setdefault(latest.pk, (latest, []))[1].append(org)

    panels: list[CampaignPanel] = []
    for campaign, members in by_campaign.values():
        reqs = {r.code: r for r in requirements(campaign)}
        grid = checklists(campaign, members, today=today)
        for org in members:
            results = {c: r for c, r in grid.get(org.pk, {}).items() if c in reqs}
            todo = [
                (reqs[code], result)
                for code, result in results.items()
                if result.level not in DONE_LEVELS
            ]
            waiting = [
                (reqs[code], result)
                for code, result in results.items()
                if result.level == Level.WAITING
            ]
            waiting.sort(key=lambda pair: (pair[0].phase, pair[0].order))
            # Red before amber, then in the campaign's order.
            todo.sort(key=lambda pair: (pair[1].level != Level.RED, pair[0].phase, pair[0].order))
            panels.append(
                CampaignPanel(
                    organization=org,
                    campaign=campaign,
                    phases=_phase_rows(campaign, today),
                    todo=todo,
                    met=len(results) - len(todo),
                    total=len(results),
                    as_of=campaign.as_of(today),
                    waiting=waiting,
                )
            )
    decisions = list(
        ReviewTask.objects.filter(
            organization_id__in=[p.organization.pk for p in panels], decided_at__isnull=False
        )
        .select_related("content_type", "decided_by")
        .order_by("-decided_at", "-pk")[: RECENT_DECISIONS * max(len(panels), 1)]
    )
    urges = latest_urges_by_requirement([(p.campaign, p.organization.pk) for p in panels])
    for panel in panels:
        panel.urges = {
            code: urge for (org_id, code), urge in urges.items() if org_id == panel.organization.pk
        }
        panel.decisions = [d for d in decisions if d.organization_id == panel.organization.pk][
            :RECENT_DECISIONS
        ]
    return panels


__all__ = ["CampaignPanel", "campaign_panels"]
