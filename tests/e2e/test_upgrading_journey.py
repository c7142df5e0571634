"""Lifting a weak organization in a browser (docs/product.md §6.4): the reviewer above
grades it lagging, its secretary writes an upgrade plan and submits it, the reviewer
approves it; the secretary notes progress and requests de-listing; the reviewer approves
the de-listing, which closes the plan and clears the weak-and-lax flag. Also: the
pages fit a phone, pass axe, and the organization's page in Chinese."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from tests.e2e.conftest import assert_fits_phone, axe_violations, login, screenshot
from upgrading.models import Delisting, Grade, Grading, LeadershipTerm, UpgradePlan
from upgrading.seed import ensure_grading_template

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_weak_organization_is_lifted_and_de_listed(
    world: Any, live_server: Any, new_page: Any
) -> None:
    ensure_grading_template()
    world.own.is_weak = True
    world.own.save()
    today = timezone.localdate()

    # The reviewer above grades the organization: lagging.
    reviewer = new_page(width=375, height=800)
    login(reviewer, live_server, "reviewer")
    reviewer.goto(f"{live_server.url}/upgrading/org/{world.own.pk}/")
    reviewer.get_by_role("link", name="Grade this organization").click()
    for field in reviewer.locator("input[name^=item_]").all():
        field.fill("8")
    reviewer.get_by_role("button", name="Save").click()
    reviewer.wait_for_load_state("domcontentloaded")
    assert Grading.objects.get(organization=world.own).grade == Grade.LAGGING
    assert reviewer.locator(".grade-lagging").first.is_visible()

    # The secretary writes the plan and submits it.
    secretary = new_page(width=375, height=800)
    login(secretary, live_server, "secretary")
    secretary.goto(f"{live_server.url}/upgrading/org/{world.own.pk}/")
    secretary.get_by_role("link", name="Write an upgrade plan").click()
    secretary.get_by_label("Listed as").select_option("weak")
    secretary.get_by_label("Causes").fill("书记长期外出，组织生活不经常。")
    secretary.get_by_label("Measures").fill("选优配强书记；按月召开党员大会。")
    secretary.get_by_label("Responsible leading cadre").fill("王县长")
    secretary.get_by_label("Cadre's post").fill("副县长")
    secretary.get_by_label("Deadline").fill((today + dt.timedelta(days=90)).isoformat())
    assert_fits_phone(secretary)
    secretary.get_by_role("button", name="Save").click()
    secretary.wait_for_load_state("domcontentloaded")
    secretary.get_by_role("button", name="Submit").click()
    secretary.wait_for_load_state("domcontentloaded")
    plan = UpgradePlan.objects.get()
    assert plan.review_status == "submitted"

    # The reviewer approves it.
    reviewer.goto(f"{live_server.url}/reviews/inbox/")
    reviewer.get_by_role("link", name=str(plan)).click()
    assert_fits_phone(reviewer)
    assert axe_violations(reviewer) == []
    reviewer.get_by_role("button", name="Approve").click()
    reviewer.wait_for_load_state("domcontentloaded")
    plan.refresh_from_db()
    assert plan.review_status == "approved"

    # Progress, then the de-listing request.
    secretary.goto(f"{live_server.url}{plan.get_absolute_url()}")
    secretary.get_by_role("textbox", name="Progress").fill("新书记到位，恢复“三会一课”。")
    secretary.get_by_role("button", name="Add the progress note").click()
    secretary.wait_for_load_state("domcontentloaded")
    assert secretary.get_by_text("新书记到位").is_visible()
    secretary.get_by_role("link", name="Request de-listing").click()
    secretary.get_by_label("Results achieved").fill("整改措施全部落实，班子健全。")
    secretary.get_by_role("button", name="Save").click()
    secretary.wait_for_load_state("domcontentloaded")
    secretary.get_by_role("button", name="Submit").click()
    secretary.wait_for_load_state("domcontentloaded")
    delisting = Delisting.objects.get()
    assert delisting.review_status == "submitted"

    # The higher level de-lists it.
    reviewer.goto(f"{live_server.url}{delisting.get_absolute_url()}")
    reviewer.get_by_role("button", name="Approve").click()
    reviewer.wait_for_load_state("domcontentloaded")
    plan.refresh_from_db()
    world.own.refresh_from_db()
    assert plan.delisted_on == today
    assert not world.own.is_weak
    reviewer.goto(f"{live_server.url}{plan.get_absolute_url()}")
    assert reviewer.get_by_text(f"de-listed {today.isoformat()}").is_visible()
    assert_fits_phone(reviewer)
    screenshot(reviewer, "upgrading-plan-delisted-phone")


def test_the_organization_page_in_chinese_on_a_phone(
    world: Any, live_server: Any, new_page: Any
) -> None:
    ensure_grading_template()
    from tests.upgrading.helpers import grade

    grade(world, world.own, 2025, 90)
    grade(world, world.own, 2026, 70)
    LeadershipTerm.objects.create(
        organization=world.own, elected_on=dt.date(2021, 1, 5), term_years=5
    )
    page = new_page(locale="zh-CN", width=375, height=800)
    login(page, live_server, "secretary")
    page.goto(f"{live_server.url}/upgrading/org/{world.own.pk}/")
    assert page.get_by_text("中间").first.is_visible()
    assert page.get_by_text("换届").first.is_visible()
    assert_fits_phone(page)
    assert axe_violations(page) == []
    screenshot(page, "upgrading-org-phone-zh")

    office = new_page(locale="zh-CN", width=375, height=800)
    login(office, live_server, "office")
    office.goto(f"{live_server.url}/upgrading/org/{world.county.pk}/board/?year=2026")
    assert office.get_by_text("先进").first.is_visible()
    assert_fits_phone(office)
    assert axe_violations(office) == []
    screenshot(office, "upgrading-board-phone-zh")
