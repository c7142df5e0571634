"""Issue #7 in a browser: a county reviewer opens the dashboard from the navigation and
drills down county → working committee → park → enterprise committee → branch through
the children table, and climbs back through the breadcrumbs, on a desktop and on a
375-px phone, in English and in Chinese; an instructor logs a visit from their page
(a bad date first) and sees it on their home page's follow-up list."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from activities.models import MeetingKind
from guidance.models import GuidanceVisit
from portal.accounts.models import Role
from portal.accounts.services import role_assign
from tests.activities import factories as af
from tests.activities.plans_factories import submitted_plan
from tests.e2e.conftest import assert_fits_phone, axe_violations, login, screenshot
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _campaign_world(world: Any) -> None:
    campaign = af.campaign_for(world)
    world.sibling.is_weak = True
    world.sibling.save()
    af.members(world.sibling, 2)
    af.meeting(world.sibling, campaign, kind=MeetingKind.MOBILIZATION)
    people = af.members(world.child, 3)
    af.counseling(people, campaign)
    submitted_plan(world, world.own)
    chief = UserFactory(username="chief", full_name="县委审核人")
    role_assign(actor=None, user=chief, role=Role.REVIEWER, organization=world.county)


def _children(page: Any, name: str) -> Any:
    return page.locator("table.children-table").get_by_role("link", name=name, exact=True)


def _drill_down(page: Any, world: Any, *, phone: bool, prefix: str) -> None:
    """From the county's dashboard down to the branch's checklist, checking each level."""
    for step, name in enumerate(
        [world.working.short_name, world.park_a.short_name, world.own.short_name]
    ):
        _children(page, name).click()
        page.wait_for_load_state("domcontentloaded")
        assert page.locator(".breadcrumbs [aria-current=page]").inner_text() == name
        if phone:
            assert_fits_phone(page)
        assert axe_violations(page) == [], name
        screenshot(page, f"{prefix}-{step + 1}")
    # The enterprise committee's branch has nothing below it: its checklist opens.
    _children(page, world.child.short_name).click()
    page.wait_for_load_state("domcontentloaded")
    assert world.child.short_name in page.get_by_role("heading", level=1).inner_text()
    page.go_back()
    page.wait_for_load_state("domcontentloaded")
    # Back up through the breadcrumbs to the park, then to the county.
    page.locator(".breadcrumbs").get_by_role("link", name=world.park_a.short_name).click()
    page.wait_for_load_state("domcontentloaded")
    assert page.locator(".breadcrumbs [aria-current=page]").inner_text() == world.park_a.short_name
    page.locator(".breadcrumbs").get_by_role("link", name=world.county.short_name).click()
    page.wait_for_load_state("domcontentloaded")
    assert page.locator(".breadcrumbs [aria-current=page]").inner_text() == world.county.short_name


def test_reviewer_drills_down_the_dashboard_on_a_desktop(
    world: Any, live_server: Any, new_page: Any
) -> None:
    _campaign_world(world)
    page = new_page()
    login(page, live_server, "chief")
    page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name="Dashboard", exact=True
    ).click()
    page.wait_for_load_state("domcontentloaded")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Dashboard")
    chart = page.locator("svg.bar-chart")
    assert chart.get_attribute("role") == "img"
    assert "met" in (chart.locator("desc").text_content() or "")
    # The record waiting for review is counted and links to the inbox.
    assert page.locator(".dash-stats").get_by_role("link", name="1", exact=True).count() >= 1
    assert axe_violations(page) == []
    screenshot(page, "dashboard-county-desktop")
    _drill_down(page, world, phone=False, prefix="dashboard-desktop")


def test_reviewer_drills_down_the_dashboard_on_a_phone(
    world: Any, live_server: Any, new_page: Any
) -> None:
    _campaign_world(world)
    page = new_page(width=375, height=800)
    login(page, live_server, "chief")
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name="Dashboard", exact=True
    ).click()
    page.wait_for_load_state("domcontentloaded")
    assert_fits_phone(page)
    assert axe_violations(page) == []
    screenshot(page, "dashboard-county-phone")
    _drill_down(page, world, phone=True, prefix="dashboard-phone")


def test_dashboard_in_chinese_on_a_phone(world: Any, live_server: Any, new_page: Any) -> None:
    _campaign_world(world)
    page = new_page(locale="zh-CN", width=375, height=800)
    login(page, live_server, "chief")
    page.goto(f"{live_server.url}/progress/dashboard/{world.park_a.pk}/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert_fits_phone(page)
    assert axe_violations(page) == []
    screenshot(page, "dashboard-park-phone-zh")
    # The language switcher brings the same page back in English.
    with page.expect_navigation():
        page.get_by_label("语言").select_option("en")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Dashboard")


def test_instructor_logs_a_visit(world: Any, live_server: Any, new_page: Any) -> None:
    af.campaign_for(world)
    page = new_page(width=375, height=800)
    login(page, live_server, "instructor")
    page.get_by_role("link", name="My organizations and visits").click()
    page.wait_for_load_state("domcontentloaded")
    assert_fits_phone(page)
    assert axe_violations(page) == []
    screenshot(page, "guidance-instructor-page-phone")
    row = page.locator(".assigned-list > li", has_text=world.own.short_name)
    row.get_by_role("link", name="Log a visit").click()
    page.wait_for_load_state("domcontentloaded")

    today = timezone.localdate()
    page.get_by_label("Visited on").fill((today - dt.timedelta(days=1)).isoformat())
    page.get_by_label("What was checked").fill("查看了三会一课记录。")
    page.get_by_label("Advice given").fill("每月开展一次主题党日。")
    # A follow-up due before the visit is refused beside the field.
    page.get_by_label("Follow-up due").fill((today - dt.timedelta(days=5)).isoformat())
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state("domcontentloaded")
    assert page.get_by_text(
        "The follow-up cannot be due before the visit.", exact=True
    ).is_visible()
    assert_fits_phone(page)
    assert axe_violations(page) == []
    screenshot(page, "guidance-visit-form-error-phone")
    page.get_by_label("Follow-up due").fill((today + dt.timedelta(days=14)).isoformat())
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state("domcontentloaded")
    assert page.get_by_text("The visit was logged.").is_visible()
    assert page.get_by_text("每月开展一次主题党日。").is_visible()
    assert GuidanceVisit.objects.get().instructor == world.instructor

    # The organization's page links to its visit log, which lists the visit.
    page.goto(f"{live_server.url}{world.own.get_absolute_url()}")
    page.get_by_role("link", name="Guidance visits").click()
    page.wait_for_load_state("domcontentloaded")
    visited = (today - dt.timedelta(days=1)).isoformat()
    assert page.get_by_role("link", name=visited, exact=True).is_visible()
    assert_fits_phone(page)
    screenshot(page, "guidance-visit-log-phone")


def test_instructor_page_in_chinese(world: Any, live_server: Any, new_page: Any) -> None:
    af.campaign_for(world)
    visited = timezone.localdate() - dt.timedelta(days=30)
    GuidanceVisit.objects.create(
        organization=world.own,
        instructor=world.instructor,
        visited_on=visited,
        checked="查看了学习台账。",
        advice="补齐学习记录。",
        follow_up_due=visited + dt.timedelta(days=10),
    )
    page = new_page(locale="zh-CN", width=375, height=800)
    login(page, live_server, "instructor")
    screenshot(page, "guidance-instructor-home-phone-zh")
    page.goto(f"{live_server.url}/guidance/")
    assert_fits_phone(page)
    assert axe_violations(page) == []
    screenshot(page, "guidance-instructor-page-phone-zh")
