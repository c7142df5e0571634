"""The 2014 campaign of the demo county (demo/organizations.py), phases 1 and 2, with
records in every state: `build_campaign_demo(county, users)`, called by
`manage.py seed_demo`.

Everything is written through the services the pages use (activities.services_*,
portal.reviews.services.review_transition), so counts, attendance lists, opinion and
appraisal timelines, review events, inbox rows, notifications and history rows are what
the portal itself would have written, by people who had the right to write them. Two
things the services cannot do are done here, in the demo builder only, with
`queryset.update()` (kit.py):

* 2014 dates: each step runs inside `demo.step(day)`; at the end every datetime the
  step wrote (records, events, inbox rows, notifications, history) is moved to that
  day (`DemoClock`). Date fields a service fills with today (an online-box opinion's
  `received_on`) are set beside the call.
* notifications about decisions long past are marked read; those about records still
  waiting for someone stay unread.

The package:
    kit.py     the tools: DemoClock, the Cast (who acts for each organization, with the
               accounts it needs), Demo (cast + seeded random + clock for one build)
    story.py   the table of what each organization has done (STORIES)
    phase1.py  plans, mobilization, study, counseling, opinions, the online box
    phase2.py  talks, statements, special meetings, appraisals
    texts.py   what people write, in Chinese

Deterministic: one random generator seeded with kit.SEED, organizations in tree order
(receipt codes and the suggestion box's address stay random: they are secrets).
Idempotent: when the campaign already has records in the county, nothing is written.

Phase 3 (problem lists, rectification) is left to demo/rectification, which can
follow the same pattern: `demo = Demo(demo_cast(county, users), ["rectification",
...])`, its own story table and one function per record type, `demo.finish()`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import translation

from activities.models import ActivityPlan, Campaign, CounselingRecord, Meeting, Opinion
from activities.seed import ensure_campaign_2014
from demo.activities.campaign import CURRENT_DAYS_LEFT, current_shift
from organizations.models import Organization
from portal.accounts.models import User
from portal.reviews.models import ReviewTask

from . import phase1, phase2
from .kit import Cast, Demo, DemoClock, demo_cast, shifted

# Apps whose datetimes the demo's steps write (records, review events and inbox rows,
# notifications).
DATED_APPS = ["activities", "reviews", "notifications"]


@dataclass
class Report:
    """What the build wrote, for the console."""

    created: bool
    counts: dict[str, int] = field(default_factory=dict)
    which: str = "2014"

    def lines(self) -> list[str]:
        if not self.created:
            return [
                f"The {self.which} campaign of the demo county has records already: left as it is."
            ]
        parts = ", ".join(f"{n} {label}" for label, n in self.counts.items())
        return [f"Campaign demo ({self.which}, phases 1-2): {parts}."]


def campaign_demo_exists(county: Organization, campaign: Campaign) -> bool:
    """Has the campaign any plan, meeting or opinion in the county? Three queries."""
    in_county = Q(organization__path__startswith=county.path, campaign=campaign)
    return (
        ActivityPlan.objects.filter(in_county).exists()
        or Meeting.objects.filter(in_county).exists()
        or Opinion.objects.filter(in_county).exists()
    )


def build_campaign_demo(
    county: Organization, users: dict[str, User], current: Campaign | None = None
) -> Report:
    """Write the 2014 campaign's phase 1 and 2 records of the demo county, unless the
    campaign already has records there; with `current` (campaign.ensure_current_campaign),
    the same story in that running campaign, its dates moved to end yesterday
    (kit.shifted). `users`: the demo logins by username (secretary, clerk, member,
    secretary2, reviewer, instructor); the accounts the demo adds are described in
    kit.demo_cast. One transaction; a few thousand queries, a few seconds on SQLite."""
    campaign = current or ensure_campaign_2014(county)
    which = "running" if current else "2014"
    if campaign_demo_exists(county, campaign):
        return Report(created=False, which=which)
    # In the site's language, as the county's users would write: review snapshots and
    # notifications store labels in the language active when they are written.
    days = current_shift(campaign.ends_on - dt.timedelta(days=CURRENT_DAYS_LEFT)) if current else 0
    with (
        transaction.atomic(),
        translation.override(settings.LANGUAGE_CODE),
        shifted(days),
    ):
        demo = Demo(demo_cast(county, users, campaign), DATED_APPS, current=bool(current))
        orgs = demo.cast.participating()
        phase1.build(demo, orgs)
        phase2.build(demo, orgs)
        demo.finish()
    return Report(
        which=which,
        created=True,
        counts={
            "activity plans": ActivityPlan.objects.filter(campaign=campaign).count(),
            "meetings": Meeting.objects.filter(campaign=campaign).count(),
            "counseling records": CounselingRecord.objects.filter(campaign=campaign).count(),
            "opinions": Opinion.objects.filter(campaign=campaign).count(),
            "records waiting for review": ReviewTask.objects.waiting()
            .filter(organization__path__startswith=county.path)
            .count(),
        },
    )


__all__ = ["Cast", "Demo", "DemoClock", "Report", "build_campaign_demo", "demo_cast"]
