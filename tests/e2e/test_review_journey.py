"""The review workflow in a browser: a secretary submits the activity plan, the reviewer
returns it with a comment, the secretary revises and resubmits, the reviewer sees what
changed and approves. Also: pages fit a phone and pass axe."""

from __future__ import annotations

from typing import Any

import pytest

from activities.models import ActivityPlan
from tests.activities.plans_factories import plan_at
from tests.e2e.conftest import assert_fits_phone, axe_violations, login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def test_plan_goes_up_comes_back_and_is_approved(
    world: Any, live_server: Any, new_page: Any
) -> None:
    plan = plan_at(world, world.own, title="甲公司党委活动实施方案")
    secretary = new_page(width=375, height=800)
    login(secretary, live_server, "secretary")
    secretary.goto(f"{live_server.url}{plan.get_absolute_url()}")
    secretary.get_by_role("button", name="Submit").click()
    secretary.wait_for_load_state("domcontentloaded")
    assert secretary.get_by_text("Submitted for review.").is_visible()

    reviewer = new_page(width=375, height=800)
    login(reviewer, live_server, "reviewer")
    reviewer.goto(f"{live_server.url}/reviews/inbox/")
    assert_fits_phone(reviewer)
    assert axe_violations(reviewer) == []
    reviewer.get_by_role("link", name="甲公司党委活动实施方案").click()
    reviewer.get_by_label("Comment").fill("工作措施要具体到每月。")
    reviewer.get_by_role("button", name="Return for revision").click()
    reviewer.wait_for_load_state("domcontentloaded")
    assert ActivityPlan.objects.get().review_status == "returned"

    secretary.goto(f"{live_server.url}/notifications/")
    secretary.get_by_role("button", name="Returned for revision", exact=False).first.click()
    secretary.wait_for_load_state("domcontentloaded")
    secretary.get_by_role("link", name="Edit").click()
    secretary.get_by_label("Measures and requirements", exact=False).fill("每周检查一次进度。")
    secretary.get_by_role("button", name="Save").click()
    secretary.wait_for_load_state("domcontentloaded")
    secretary.get_by_role("button", name="Resubmit").click()
    secretary.wait_for_load_state("domcontentloaded")

    reviewer.goto(f"{live_server.url}{plan.get_absolute_url()}")
    assert reviewer.get_by_text("What changed since it was returned").is_visible()
    assert reviewer.locator(".review-diff-field.changed").count() == 1
    # Shown above the comparison and in the timeline.
    assert (
        reviewer.locator(".review-last-return").get_by_text("工作措施要具体到每月。").is_visible()
    )
    assert_fits_phone(reviewer)
    assert axe_violations(reviewer) == []
    screenshot(reviewer, "review-resubmitted-plan-phone")
    reviewer.get_by_role("button", name="Approve").click()
    reviewer.wait_for_load_state("domcontentloaded")
    assert ActivityPlan.objects.get().review_status == "approved"
