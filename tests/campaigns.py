"""Campaigns of any shape for the tests: phases are data (docs/product.md §5.1), so a
campaign may have two phases or four, with names of its own."""

from __future__ import annotations

import datetime as dt
from typing import Any

from activities.models import Campaign, Phase
from activities.seed import add_grades_and_categories
from portal.progress.engine import requirements
from portal.progress.instances import requirements_changed
from portal.progress.models import RequirementInstance

# (Chinese, English) names of up to four phases.
NAMES = [
    ("学习动员", "Study and mobilization"),
    ("对照检查", "Checking against the standards"),
    ("整改提高", "Rectifying and improving"),
    ("总结回头看", "Summing up and looking back"),
]


def make_campaign(
    lead: Any,
    *,
    phases: int,
    starts_on: dt.date = dt.date(2016, 3, 1),
    days: int = 30,
    name: str = "两学一做学习教育",
) -> Campaign:
    """A campaign led by `lead` with `phases` phases of `days` days each, one after the
    other, named from NAMES. It keeps the 2014 template's requirements, their phases
    folded into the campaign's: with fewer phases the later requirements go to the last
    phase; with four, the appraisal moves to phase 4 (so the fourth phase has work)."""
    ends_on = starts_on + dt.timedelta(days=days * phases - 1)
    campaign = Campaign.objects.create(
        lead_organization=lead,
        name_zh=name,
        name_en=f"{name} ({phases} phases)",
        starts_on=starts_on,
        ends_on=ends_on,
    )
    Phase.objects.bulk_create(
        Phase(
            campaign=campaign,
            number=n + 1,
            name_zh=NAMES[n][0],
            name_en=NAMES[n][1],
            starts_on=starts_on + dt.timedelta(days=days * n),
            ends_on=starts_on + dt.timedelta(days=days * (n + 1) - 1),
        )
        for n in range(phases)
    )
    add_grades_and_categories(campaign)
    instances = RequirementInstance.objects.filter(campaign=campaign)
    if phases < 3:
        instances.filter(phase__gt=phases).update(phase=phases)
    if phases > 3:
        instances.filter(code="appraisal").update(phase=4)
    requirements_changed(campaign)
    campaign.refresh_from_db()
    requirements(campaign)  # this process has them (as after any write of instances)
    return campaign
