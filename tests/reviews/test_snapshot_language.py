"""Review snapshots are written in the site's language whoever acts, so a reviewer
reading the other language sees no false "changed" fields (portal.reviews.models.
site_language_snapshot, used by services.review_transition and
selectors.changes_since_last_return)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from portal.reviews.models import ReviewAction, ReviewEvent, ReviewStatus
from portal.reviews.selectors import review_panel
from portal.reviews.services import review_transition
from tests.activities.phase2_factories import campaign_2014, make_statement
from tests.activities.plans_factories import plan_at
from tests.utils import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _site_in_chinese(settings: Any) -> None:
    """The portal's real site language (tests default to English)."""
    settings.LANGUAGE_CODE = "zh-hans"


def _round_trip_in_two_languages(world: Any, record: Any) -> None:
    """Submitted and returned by users reading English, resubmitted unchanged by one
    reading Chinese."""
    with translation.override("en"):
        review_transition(record, action=ReviewAction.SUBMIT, actor=world.secretary)
        review_transition(
            record, action=ReviewAction.RETURN, actor=world.reviewer, comment="Say more."
        )
    with translation.override("zh-hans"):
        review_transition(record, action=ReviewAction.RESUBMIT, actor=world.secretary)
    record.refresh_from_db()
    assert record.review_status == ReviewStatus.SUBMITTED


def test_statement_resubmitted_unchanged_in_the_other_language_shows_no_change(world):
    statement = make_statement(world.own, campaign_2014(world))  # a choice and methods
    _round_trip_in_two_languages(world, statement)

    for language in ("en", "zh-hans"):
        with translation.override(language):
            panel = review_panel(world.reviewer, statement)
        assert panel.changes, language  # the diff is shown: it was returned
        assert panel.changed == [], (language, [c.key for c in panel.changed])

    # The snapshots themselves are equal, in the site's language (Chinese labels).
    events = list(ReviewEvent.objects.for_record(statement).order_by("at", "pk"))
    assert events[0].snapshot == events[-1].snapshot
    assert events[0].snapshot["subject"] == "党组织班子"


def test_statement_page_read_in_chinese_shows_nothing_changed(world):
    statement = make_statement(world.own, campaign_2014(world))
    _round_trip_in_two_languages(world, statement)
    page = (
        client_for(world, "reviewer")
        .get(statement.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-hans")
        .content.decode()
    )
    assert "review-diff-field changed" not in page


def test_plan_resubmitted_unchanged_in_the_other_language_shows_no_change(world):
    plan = plan_at(world, world.own)
    _round_trip_in_two_languages(world, plan)
    for language in ("en", "zh-hans"):
        with translation.override(language):
            panel = review_panel(world.reviewer, plan)
        assert panel.changes and panel.changed == [], language
