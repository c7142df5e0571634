"""Phase 3 of the demo county's 2014 campaign (rectification and rules), with records
in every state: `build_rectification_demo(county, users)`, called by
`manage.py seed_demo` after the phase 1-2 records (demo/activities).

It follows demo/activities: one `Demo` (the same cast: the secretaries, clerks and
reviewers of each organization), a story table (story.py) and one function per record
type, everything written through the services the pages use (services_problems,
services_standards, services_pledges, services_mechanisms, services_funding,
services_commendations, portal.reviews.services.review_transition) by people who had
the right to write it, then `demo.finish()` gives each step its 2014 date. The only
demo-builder update besides the clock: the day public pledges were made public (the
service stamps today).

The package:
    story.py      what each organization has done in phase 3 (STORIES)
    problems.py   problem lists, items and their closure and extension requests
    comments.py   lists open to comment, with comments in each state; revised lists
    standards.py  "eight haves" and "two strong, eight good" assessments
    rules.py      pledges, mechanisms, funding, commendations
    satisfaction.py  the satisfaction evaluations (above / below the threshold, none)
    files.py      evidence files (PNG photos, PDF scans) drawn in memory
    texts.py      what people write, in Chinese

Idempotent: when the campaign already has phase 3 records in the county, nothing is
written. Prints nothing (seed_demo's console output stays as it was).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import translation

from activities.models import Campaign, Opinion, OpinionEvent
from activities.seed import ensure_campaign_2014
from demo.activities.campaign import CURRENT_DAYS_LEFT, current_shift
from demo.activities.kit import Demo, demo_cast, shifted
from organizations.models import Organization
from portal.accounts.models import User
from rectification.models import FundingReceipt, Mechanism, ProblemList, StandardAssessment
from rectification.seed import ensure_standard_templates

from . import comments, problems, rules, satisfaction, standards

# Apps whose datetimes the steps write: this app's records, history and item events;
# review events and inbox rows; notifications; evidence files; adopted opinions.
DATED_APPS = ["rectification", "reviews", "notifications", "attachments", "activities"]


def rectification_demo_exists(county: Organization, campaign: Campaign) -> bool:
    """Has the campaign any phase 3 record in the county? At most four queries."""
    in_county = Q(organization__path__startswith=county.path, campaign=campaign)
    return any(
        model.objects.filter(in_county).exists()
        for model in (ProblemList, StandardAssessment, Mechanism, FundingReceipt)
    )


def build_rectification_demo(
    county: Organization, users: dict[str, User], current: Campaign | None = None
) -> bool:
    """Write the 2014 campaign's phase 3 records of the demo county, unless it has some
    already; True when written. With `current`: the same story in the running demo
    campaign, its dates moved to end yesterday (no commendations yet: they come at the
    close). `users`: the demo logins by username (see demo.activities.kit.demo_cast).
    One transaction."""
    campaign = current or ensure_campaign_2014(county)
    ensure_standard_templates(campaign)
    if rectification_demo_exists(county, campaign):
        return False
    days = current_shift(campaign.ends_on - dt.timedelta(days=CURRENT_DAYS_LEFT)) if current else 0
    with (
        transaction.atomic(),
        translation.override(settings.LANGUAGE_CODE),
        shifted(days),
    ):
        demo = Demo(demo_cast(county, users, campaign), DATED_APPS, current=bool(current))
        # Of the activities app only opinions are written here (adopted as items): the
        # clock leaves its other tables alone instead of scanning them for nothing.
        opinions = {Opinion, OpinionEvent, Opinion.history.model}
        demo.clock.columns = [
            (model, f)
            for model, f in demo.clock.columns
            if model._meta.app_label != "activities" or model in opinions
        ]
        orgs = demo.cast.participating()
        problems.build(demo, orgs)
        comments.build(demo, orgs)
        standards.build(demo, orgs)
        rules.build(demo, orgs)
        satisfaction.build(demo, orgs)
        demo.finish()
    return True


__all__ = ["build_rectification_demo", "rectification_demo_exists"]
