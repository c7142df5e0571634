"""Helpers for the tests of announced meetings: a campaign running today (announcements
are of meetings to come) and announcements made through the service."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from activities.announcements.services import announcement_create
from activities.models import Campaign, MeetingAnnouncement, MeetingKind
from organizations.models import Organization
from tests.conftest import World


def running_campaign(world: World, lead: Organization | None = None) -> Campaign:
    """A campaign running today, led by the county (or `lead`)."""
    today = timezone.localdate()
    campaign, _created = Campaign.objects.get_or_create(
        lead_organization=lead or world.county,
        name_zh="当前活动",
        defaults={
            "name_en": "The running campaign",
            "starts_on": today - dt.timedelta(days=60),
            "ends_on": today + dt.timedelta(days=120),
        },
    )
    return campaign


def later(days: int = 3, hour: int = 14) -> dt.datetime:
    """`days` from today at `hour` o'clock, local time."""
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def announce(
    world: World,
    org: Organization | None = None,
    *,
    actor: Any = None,
    days: int = 3,
    **values: Any,
) -> MeetingAnnouncement:
    org = org or world.own
    starts = values.pop("starts_at", later(days))
    lead = world.other_county if org.path.startswith(world.other_county.path) else None
    data = {
        "campaign": running_campaign(world, lead),
        "kind": MeetingKind.BRANCH_GENERAL,
        "topic": "学习党章,讨论整改措施",
        "starts_at": starts,
        "ends_at": starts + dt.timedelta(hours=2),
        "place": "公司三楼会议室",
        "agenda": "一、学习党章\n二、讨论整改措施",
        **values,
    }
    return announcement_create(actor=actor or world.secretary, organization=org, values=data)
