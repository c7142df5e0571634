"""Recording on a phone (375 × 812, zh-hans): a rejected form shows its errors at the
top and keeps the chosen files; the suggestion box's receipt survives a refresh; the
pages pass axe."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from activities.models import Meeting, MeetingKind
from portal.attachments.models import Attachment, PendingUpload
from tests.activities.factories import campaign_for, members
from tests.attachments.files import jpeg_bytes
from tests.e2e.conftest import ARTIFACTS, assert_fits_phone, axe_violations, login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"locale": "zh-CN", "width": 375, "height": 812}


def _in_viewport(page: Any, selector: str) -> bool:
    return page.evaluate(
        """(sel) => { const r = document.querySelector(sel).getBoundingClientRect();
                      return r.top >= -1 && r.top < window.innerHeight && r.bottom > 0; }""",
        selector,
    )


def test_a_rejected_meeting_shows_its_error_at_the_top_and_keeps_the_photo(
    world: Any, live_server: Any, new_page: Any, media_root: Path, tmp_path: Path
) -> None:
    campaign = campaign_for(world)
    roster = members(world.child, 40)  # a long attendance list: a page of several screens
    absent = roster[-1]
    photo = tmp_path / "IMG_0412.jpg"
    photo.write_bytes(jpeg_bytes())
    page = new_page(**PHONE)
    login(page, live_server, "secretary")
    page.goto(live_server.url + reverse("activities:meeting_create", args=[world.child.pk]))
    page.locator("#id_kind").select_option(MeetingKind.MOBILIZATION)
    page.locator("#id_campaign").select_option(str(campaign.pk))
    page.locator("#id_topic").fill("动员大会")
    page.locator("#id_starts_at").fill("2014-04-10T09:00")
    page.locator("#id_ends_at").fill("2014-04-10T11:00")
    page.locator("#id_place").fill("三楼会议室")
    page.locator(f"#id_roll-present_{absent.pk}").uncheck()  # absent, no reason given
    page.locator("#id_att-files").set_input_files(str(photo))
    assert page.locator("[data-file-choices] li").count() == 1
    assert page.locator("[data-file-choices] select").input_value() == "photo"
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state("domcontentloaded")

    summary = page.locator("[data-error-summary]")
    assert summary.is_visible()
    assert page.evaluate("() => document.activeElement.hasAttribute('data-error-summary')")
    page.wait_for_load_state("load")
    where = page.evaluate(
        """() => { const r = document.querySelector('[data-error-summary]').getBoundingClientRect();
                   return [r.top, r.bottom, window.scrollY, window.innerHeight,
                           document.documentElement.scrollHeight]; }"""
    )
    assert _in_viewport(page, "[data-error-summary]"), where
    assert where[4] > 2 * where[3]  # a page of several screens
    assert "请填写缺席原因" in summary.inner_text() or "缺席" in summary.inner_text()
    chip = page.locator("[data-pending-chip]")
    assert "已选择：IMG_0412.jpg" in chip.inner_text()
    assert_fits_phone(page)
    assert axe_violations(page) == []
    screenshot(page, "phone-meeting-error-summary")
    page.screenshot(path=str(screenshot(page, "phone-meeting-error-summary-viewport")))

    chip.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "phone-pending-chip.png"))

    # The summary's link takes the secretary to the missing reason.
    summary.get_by_role("link").first.click()
    reason = page.locator(f"#id_roll-reason_{absent.pk}")
    assert page.evaluate("() => document.activeElement.id") == f"id_roll-reason_{absent.pk}"
    reason.fill("出差")
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state("domcontentloaded")

    meeting = Meeting.objects.get()
    saved = Attachment.objects.for_record(meeting).get()
    assert saved.original_name == "IMG_0412.jpg" and saved.kind == "photo"
    assert not PendingUpload.objects.exists()


def test_refreshing_the_suggestion_box_receipt_files_no_second_opinion(
    world: Any, live_server: Any, new_page: Any
) -> None:
    from django.core.cache import cache

    from activities.models import Opinion
    from tests.activities.opinions_factories import campaigns_for, make_box

    cache.clear()
    campaigns_for(world)
    box = make_box(world.own, intro="书记每周五查看意见并答复")
    page = new_page(**PHONE)
    # The short address from the poster, typed in lower case.
    page.goto(f"{live_server.url}/b/{box.short_code.lower()}")
    assert page.url.endswith(box.get_public_path())
    assert axe_violations(page) == []
    assert "党组织班子是否团结" in page.locator("#id_category").inner_text()
    page.locator("#id_content").fill("食堂饭菜太贵，希望改进")
    page.wait_for_timeout(3500)  # a person's pace: the form refuses instant submissions
    page.get_by_role("button", name="提交").click()
    page.wait_for_load_state("domcontentloaded")
    assert page.url.endswith(f"{box.get_public_path()}thanks/")
    code = page.locator(".receipt-code").inner_text().strip()
    assert Opinion.objects.count() == 1
    copy = page.get_by_role("button", name="复制回执码")
    assert copy.is_visible()
    copy.click()
    # The status is written when the clipboard's promise settles: wait for it.
    expect(page.locator("[data-copy-status]")).to_have_text("已复制")
    assert_fits_phone(page)
    assert axe_violations(page) == []
    screenshot(page, "phone-box-receipt")
    page.reload()
    page.wait_for_load_state("domcontentloaded")
    assert page.locator(".receipt-code").inner_text().strip() == code
    assert Opinion.objects.count() == 1


def test_print_asks_for_the_pdf_at_once_and_a_returned_plan_shows_why(
    world: Any, live_server: Any, new_page: Any, media_root: Path
) -> None:
    from activities.models import MeetingKind as Kind
    from portal.reviews.services import review_transition
    from tests.activities.factories import meeting
    from tests.activities.plans_factories import plan_at

    held = meeting(world.own, campaign_for(world), kind=Kind.BRANCH_GENERAL)
    page = new_page(**PHONE)
    login(page, live_server, "secretary")
    page.goto(live_server.url + held.get_absolute_url())
    # What the button says while the request is sent, kept across the navigation.
    page.evaluate(
        """() => document.addEventListener('submit', (e) => setTimeout(() => {
             const b = e.submitter;
             sessionStorage.setItem('busy', b.textContent + '|' + b.getAttribute('aria-disabled'));
           }, 0))"""
    )
    page.get_by_role("button", name="打印（PDF）").click()
    page.wait_for_url("**/reports/*/")
    assert page.evaluate("() => sessionStorage.getItem('busy')") == "正在生成…|true"
    assert page.locator("h1").count() == 1  # the request's progress page, no second button

    plan = plan_at(world, world.own, title="甲公司党委活动实施方案")
    review_transition(plan, action="submit", actor=world.secretary)
    review_transition(plan, action="return", actor=world.reviewer, comment="工作措施要具体到每月。")
    page.goto(live_server.url + reverse("activities:plan_edit", args=[plan.pk]))
    reason = page.locator(".return-reason")
    assert "工作措施要具体到每月。" in reason.inner_text()
    assert _in_viewport(page, ".return-reason")
    assert_fits_phone(page)
    assert axe_violations(page) == []
    screenshot(page, "phone-returned-plan-edit")


def test_a_meeting_without_quorum_says_so_within_the_phones_width(
    world: Any, live_server: Any, new_page: Any
) -> None:
    """The warning badges that say a whole sentence ("未达到应到人数的半数…") wrap
    instead of pushing the page sideways (they were one line 508 px long)."""
    from tests.activities.factories import meeting

    campaign = campaign_for(world)
    roster = members(world.child, 5)
    held = meeting(world.child, campaign, absent={m: "出差" for m in roster[:4]})
    assert not held.quorum_met
    page = new_page(**PHONE)
    login(page, live_server, "secretary")
    page.goto(live_server.url + held.get_absolute_url())
    warning = page.locator(".badge-warn").first
    assert warning.is_visible()
    box = warning.bounding_box()
    assert box["x"] + box["width"] <= 375, box
    assert_fits_phone(page)
