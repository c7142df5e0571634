"""The demo of classes, upgrade plans, demonstration organizations and terms: every
state shows in the demo county, and a second run writes nothing."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from django.utils import timezone

from demo.management.commands.seed_demo import ensure_logins
from demo.organizations import demo_plan, write_plan
from demo.upgrading import build_upgrading_demo
from portal.accounts.models import User
from upgrading.models import Delisting, Demonstration, Grading, LeadershipTerm, UpgradePlan
from upgrading.selectors import class_board, terms_due_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def county() -> Any:
    plan = demo_plan()
    county = write_plan(plan)
    ensure_logins(plan, "demo-pass-123")
    users = {u.username: u for u in User.objects.all()}
    assert build_upgrading_demo(county, users)
    assert not build_upgrading_demo(county, users)  # built once
    return county


def test_the_demo_shows_every_state(county: Any) -> None:
    year = timezone.localdate().year
    total, _rows = class_board(county, year)
    assert total.advanced and total.middle and total.lagging
    assert total.up and total.down and total.same
    assert (
        Grading.objects.filter(year=year - 1).count() == Grading.objects.filter(year=year).count()
    )
    states = Counter(UpgradePlan.objects.values_list("review_status", flat=True))
    assert set(states) == {"draft", "submitted", "returned", "approved"}
    assert UpgradePlan.objects.filter(delisted_on__isnull=False).count() == 1
    assert UpgradePlan.objects.filter(notes__new_secretary__isnull=False).exists()
    assert set(Delisting.objects.values_list("review_status", flat=True)) == {
        "submitted",
        "approved",
    }
    assert set(Demonstration.objects.values_list("review_status", flat=True)) == {
        "draft",
        "submitted",
        "approved",
    }
    due = Counter(org.term_state for org in terms_due_in(county, timezone.localdate()))
    assert due["overdue"] >= 2 and due["due"] >= 2
    assert LeadershipTerm.objects.count() > sum(due.values())
    # The weak organization is still flagged: its de-listing waits for the reviewer.
    weak = UpgradePlan.objects.get(delisting__review_status="submitted").organization
    assert weak.is_weak
