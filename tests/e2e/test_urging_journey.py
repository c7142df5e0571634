"""Issue #13 points 7-9 and issue #12 point 2 in a browser: the campaign office filters
the grid by a failing requirement, urges those organizations (催办) and sees "已催办";
the secretary submits the special-meeting record on a 375-px phone and the done count
of the checklist does not drop; an instructor guiding several organizations sees them
side by side."""

from __future__ import annotations

import re
from typing import Any

import pytest

from activities.models import MeetingKind
from portal.accounts.models import Role
from portal.accounts.services import role_assign
from portal.progress.models import Urge
from tests.activities import factories as af
from tests.activities.test_special_review import special_meeting_of
from tests.e2e.conftest import assert_fits_phone, axe_violations, login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def test_office_urges_the_organizations_failing_a_requirement_and_sees_urged(
    world: Any, live_server: Any, new_page: Any
) -> None:
    campaign = af.campaign_for(world)
    af.meeting(world.sibling, campaign, kind=MeetingKind.MOBILIZATION)
    page = new_page(locale="zh-CN", width=1366, height=768)
    login(page, live_server, "office")
    page.goto(f"{live_server.url}/progress/grid/{world.park_a.pk}/")
    screenshot(page, "h13b-grid-1366")
    # One symbol per requirement, each with words for screen readers.
    first = page.locator("td.cell").first
    assert first.locator("[aria-hidden=true]").inner_text() in {"✓", "◔", "○", "✗"}
    assert axe_violations(page) == []
    # The reason shows on keyboard focus.
    first.focus()
    assert first.locator(".cell-tip").is_visible()
    # The expanded row lists every requirement in words.
    page.locator(".row-toggle").first.click()
    detail = page.locator("tr.grid-detail").first
    assert detail.is_visible()
    items = detail.locator("li")
    assert items.count() == page.locator("thead th.req-head").count()
    assert "：" in items.first.inner_text()
    page.locator("#f-failing").select_option("mobilization")
    page.get_by_role("button", name="应用").click()
    page.wait_for_load_state("domcontentloaded")
    rows = page.locator("table.grid-table tbody th[scope=row]")
    names = [n.strip() for n in rows.locator("a").all_inner_texts()]
    assert world.sibling.short_name not in names and world.own.short_name in names
    page.get_by_role("button", name="勾选本页全部").click()
    page.locator("#urge-note").fill("请本周内召开动员大会")
    page.get_by_role("button", name="催办勾选的组织").click()
    page.wait_for_load_state("domcontentloaded")
    assert "已向 2 个组织发出催办" in page.locator(".messages").inner_text()
    assert page.locator(".badge-urged").count() == 2
    assert "已催办" in page.locator(".badge-urged").first.inner_text()
    assert set(Urge.objects.values_list("organization", flat=True)) == {
        world.own.pk,
        world.child.pk,
    }
    # Again at once: refused, with the time of the first reminder.
    page.get_by_role("button", name="勾选本页全部").click()
    page.get_by_role("button", name="催办勾选的组织").click()
    page.wait_for_load_state("domcontentloaded")
    assert "每天最多催办一次" in page.locator(".messages").inner_text()
    assert Urge.objects.count() == 2
    screenshot(page, "h13b-grid-urged-1366")

    phone = new_page(locale="zh-CN", width=375, height=812)
    login(phone, live_server, "office")
    phone.goto(f"{live_server.url}/progress/grid/{world.park_a.pk}/?failing=mobilization")
    assert_fits_phone(phone)
    screenshot(phone, "h13b-grid-375")
    # The secretary sees the reminder on the organization's home.
    home = new_page(locale="zh-CN", width=375, height=812)
    login(home, live_server, "secretary")
    assert "已催办" in home.locator(".campaign-panel").inner_text()
    assert_fits_phone(home)
    screenshot(home, "h13b-secretary-home-urged-375")


def test_submitting_the_special_meeting_record_keeps_the_done_count_on_a_phone(
    world: Any, live_server: Any, new_page: Any
) -> None:
    meeting, _people = special_meeting_of(world)
    campaign = af.campaign_for(world)
    page = new_page(locale="zh-CN", width=375, height=812)
    login(page, live_server, "secretary")
    checklist = f"{live_server.url}/progress/org/{world.own.pk}/campaign/{campaign.pk}/"
    page.goto(checklist)
    before = int(re.search(r"(\d+) 项已完成", page.locator(".checklist-done").inner_text())[1])
    page.goto(f"{live_server.url}{meeting.get_absolute_url()}")
    page.get_by_role("button", name="提交审核").click()
    page.wait_for_load_state("domcontentloaded")
    page.goto(checklist)
    summary = page.locator(".checklist-done").inner_text()
    assert f"{before} 项已完成，其中 1 项待审核" in summary, summary
    assert page.locator(".check-waiting").count() == 1
    assert "已提交，待审核" in page.locator(".check-waiting").inner_text()
    assert_fits_phone(page)
    assert axe_violations(page) == []
    screenshot(page, "h13b-checklist-waiting-375")


def test_instructor_sees_every_guided_organization_side_by_side(
    world: Any, live_server: Any, new_page: Any
) -> None:
    af.campaign_for(world)
    role_assign(actor=None, user=world.instructor, role=Role.INSTRUCTOR, organization=world.sibling)
    role_assign(actor=None, user=world.instructor, role=Role.INSTRUCTOR, organization=world.other)
    page = new_page(locale="zh-CN", width=1366, height=768)
    login(page, live_server, "instructor")
    page.goto(f"{live_server.url}/progress/dashboard/")
    cards = page.locator(".overview-card h2")
    assert cards.all_inner_texts() == [
        world.own.short_name,
        world.sibling.short_name,
        world.other.short_name,
    ]
    assert axe_violations(page) == []
    screenshot(page, "h13b-overview-1366")
    phone = new_page(locale="zh-CN", width=375, height=812)
    login(phone, live_server, "instructor")
    phone.goto(f"{live_server.url}/progress/dashboard/")
    assert_fits_phone(phone)
    screenshot(phone, "h13b-overview-375")
