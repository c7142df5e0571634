"""The demo's running campaign: the 2014 campaign's shape (activities/seed.py) with its
dates relative to today, so that `make run` opens on a campaign under way."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from activities.models import Campaign, GradeScale, Phase
from activities.seed import CAMPAIGN_2014, PHASES_2014, add_grades_and_categories
from organizations.models import Organization

# The running demo campaign replays the 2014 story up to this story date (its last
# record is of the day before), moved to end yesterday: phases 1 and 2 are over and
# phase 3 is under way, CURRENT_DAYS_LEFT days before the campaign ends.
CURRENT_STORY_TODAY = dt.date(2014, 9, 28)
CURRENT_DAYS_LEFT = 30
CURRENT_NAME_ZH = "党的群众路线教育实践活动（演示，{start:%Y年%m月}起）"
CURRENT_NAME_EN = "Mass line education practice campaign (demo, from {start:%Y-%m})"
CURRENT_PREFIX = "党的群众路线教育实践活动（演示"


def current_shift(today: dt.date) -> int:
    """Days between a story date of the running demo campaign and its real date."""
    return (today - CURRENT_STORY_TODAY).days


def running_demo_campaign(
    lead_organization: Organization, today: dt.date | None = None
) -> Campaign | None:
    """The demo's running campaign of the lead organization, if one runs today."""
    today = today or timezone.localdate()
    return (
        Campaign.objects.filter(
            lead_organization=lead_organization, name_zh__startswith=CURRENT_PREFIX
        )
        .current(today)
        .order_by("-starts_on", "-pk")
        .first()
    )


@transaction.atomic
def ensure_current_campaign(
    lead_organization: Organization, today: dt.date | None = None
) -> Campaign:
    """The demo's running campaign: the 2014 campaign's shape (phases, grades,
    categories) with its dates moved so that phases 1 and 2 are over and phase 3 ends
    CURRENT_DAYS_LEFT days after `today`. The one running today is kept; when the last
    one has ended, a new one starts (the old one stays, a finished campaign)."""
    today = today or timezone.localdate()
    existing = running_demo_campaign(lead_organization, today)
    if existing is not None:
        return existing
    moved = dt.timedelta(days=current_shift(today))
    ends = today + dt.timedelta(days=CURRENT_DAYS_LEFT)
    starts = CAMPAIGN_2014["starts_on"] + moved
    campaign = Campaign.objects.create(
        lead_organization=lead_organization,
        name_zh=CURRENT_NAME_ZH.format(start=starts),
        name_en=CURRENT_NAME_EN.format(start=starts),
        starts_on=starts,
        ends_on=ends,
        funding_standard=Decimal("50.00"),
        grade_scale=GradeScale.BALLOT_2014,
    )
    Phase.objects.bulk_create(
        Phase(
            campaign=campaign,
            number=n,
            name_zh=zh,
            name_en=en,
            starts_on=s + moved,
            ends_on=ends if n == 3 else e + moved,
        )
        for n, zh, en, s, e in PHASES_2014
    )
    add_grades_and_categories(campaign)
    return campaign
