"""Nothing typed is lost (docs/product.md §13), on a phone in Chinese: a secretary
whose session timed out while she wrote up a meeting logs in again and finds it all
back in the form; a form sent from a page that had expired leads back to it, filled
in; a draft can be thrown away; log-out forgets this user's drafts; another account on
the same phone never sees them; an edit form changed by someone else since is not
filled with the old draft."""

from __future__ import annotations

import time
from importlib import import_module
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse

from activities.models import Meeting, MeetingKind
from portal.accounts.middleware import LAST_SEEN_KEY
from tests.activities.factories import campaign_for, meeting, members
from tests.conftest import PASSWORD
from tests.e2e.conftest import assert_fits_phone, axe_violations, login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"locale": "zh-CN", "width": 375, "height": 812}
MINUTES = "会议传达了活动实施方案，大家逐条对照“四风”问题查找不足，提出整改意见三条。"


def _drafts(page: Any) -> list[str]:
    return page.evaluate(
        "() => Object.keys(localStorage).filter(k => k.startsWith('portal-draft:'))"
    )


def _idle_out(page: Any) -> None:
    """The session is left unused past the idle timeout, as if she had put the phone
    down for an hour."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    key = next(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")
    session = store(session_key=key)
    session[LAST_SEEN_KEY] = int(time.time()) - 2 * 3600
    session.save()


def _fill_meeting(page: Any, campaign: Any, absent: Any) -> None:
    page.locator("#id_kind").select_option(MeetingKind.MOBILIZATION)
    page.locator("#id_campaign").select_option(str(campaign.pk))
    page.locator("#id_topic").fill("动员大会")
    page.locator("#id_starts_at").fill("2014-04-10T09:00")
    page.locator("#id_ends_at").fill("2014-04-10T11:00")
    page.locator("#id_place").fill("三楼会议室")
    page.locator("#id_content").fill(MINUTES)
    page.locator(f"#id_roll-present_{absent.pk}").uncheck()
    page.locator(f"#id_roll-reason_{absent.pk}").fill("出差")
    page.wait_for_function(
        "() => Object.keys(localStorage).some(k => k.startsWith('portal-draft:'))"
    )
    page.wait_for_timeout(600)  # the last keystroke's save (drafts.js waits 400 ms)


def _secretary_types_a_meeting(world: Any, live_server: Any, new_page: Any) -> Any:
    """Logged in on a phone, the secretary fills in a new meeting, not yet saved: the
    page, its address and the member she marked absent."""
    campaign = campaign_for(world)
    absent = members(world.child, 3)[-1]
    page = new_page(**PHONE)
    login(page, live_server, "secretary")
    url = live_server.url + reverse("activities:meeting_create", args=[world.child.pk])
    page.goto(url)
    _fill_meeting(page, campaign, absent)
    return page, url, absent


def _log_in_again(page: Any, username: str = "secretary") -> None:
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.locator("form button[type=submit]").click()
    page.wait_for_load_state("load")


def test_a_meeting_typed_before_the_session_timed_out_comes_back_after_logging_in(
    world: Any, live_server: Any, new_page: Any
) -> None:
    campaign = campaign_for(world)
    roster = members(world.child, 6)
    absent = roster[-1]
    page = new_page(**PHONE)
    login(page, live_server, "secretary")
    url = live_server.url + reverse("activities:meeting_create", args=[world.child.pk])
    page.goto(url)
    _fill_meeting(page, campaign, absent)
    _idle_out(page)

    with page.expect_navigation(wait_until="domcontentloaded"):
        page.get_by_role("button", name="保存").click()
    assert "/accounts/login/" in page.url
    notes = page.locator(".messages").inner_text()
    assert "长时间未操作" in notes
    assert "已保存在本机" in notes
    assert not Meeting.objects.exists()

    _log_in_again(page)
    assert page.url == url  # back on the form, not the home page
    notice = page.locator(".draft-notice")
    assert "已恢复您在" in notice.inner_text()
    assert page.locator("#id_topic").input_value() == "动员大会"
    assert page.locator("#id_kind").input_value() == MeetingKind.MOBILIZATION
    assert page.locator("#id_starts_at").input_value() == "2014-04-10T09:00"
    assert page.locator("#id_content").input_value() == MINUTES
    assert not page.locator(f"#id_roll-present_{absent.pk}").is_checked()
    assert page.locator(f"#id_roll-present_{roster[0].pk}").is_checked()
    assert page.locator(f"#id_roll-reason_{absent.pk}").input_value() == "出差"
    assert_fits_phone(page)
    assert axe_violations(page) == []
    screenshot(page, "phone-draft-restored")

    with page.expect_navigation(wait_until="domcontentloaded"):
        page.get_by_role("button", name="保存").click()
    saved = Meeting.objects.get()
    assert saved.topic == "动员大会" and saved.content == MINUTES
    assert saved.attendances.get(member=absent).present is False
    assert _drafts(page) == []  # saved: the draft is gone
    page.goto(url)
    assert page.locator(".draft-notice").count() == 0
    assert page.locator("#id_topic").input_value() == ""


def test_a_form_sent_from_an_expired_page_leads_back_to_it_filled_in(
    world: Any, live_server: Any, new_page: Any
) -> None:
    page, url, _ = _secretary_types_a_meeting(world, live_server, new_page)
    # Meanwhile the browser lost its cookies and she logged in again in another tab:
    # this page's security token is old.
    page.context.clear_cookies()
    other = page.context.new_page()
    other.goto(live_server.url + "/accounts/login/")
    other.locator("#id_username").fill("secretary")
    other.locator("#id_password").fill(PASSWORD)
    with other.expect_navigation(wait_until="domcontentloaded"):
        other.locator("form button[type=submit]").click()
    other.close()

    with page.expect_navigation(wait_until="domcontentloaded"):
        page.get_by_role("button", name="保存").click()
    assert page.locator("h1").inner_text() == "页面已失效"
    assert "已保存在本机" in page.locator(".error-page").inner_text()
    assert not Meeting.objects.exists()
    assert axe_violations(page) == []
    screenshot(page, "phone-expired-page")
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.get_by_role("link", name="返回原页面").click()
    page.wait_for_load_state("load")
    assert page.url == url
    assert page.locator("#id_content").input_value() == MINUTES
    assert page.locator(".draft-notice").is_visible()


def test_a_draft_is_thrown_away_on_request_and_forgotten_at_log_out(
    world: Any, live_server: Any, new_page: Any
) -> None:
    page, _, absent = _secretary_types_a_meeting(world, live_server, new_page)
    page.reload()
    assert page.locator("#id_content").input_value() == MINUTES
    page.get_by_role("button", name="不要这些内容").click()
    assert page.locator(".draft-notice").count() == 0
    assert page.locator("#id_content").input_value() == ""
    assert page.locator("#id_topic").input_value() == ""
    assert page.locator(f"#id_roll-present_{absent.pk}").is_checked()
    assert _drafts(page) == []

    _fill_meeting(page, campaign_for(world), absent)
    page.locator("[data-toggle-nav]").click()
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.get_by_role("button", name="退出登录").click()
    assert _drafts(page) == []


def test_another_account_on_the_same_phone_never_sees_the_draft(
    world: Any, live_server: Any, new_page: Any
) -> None:
    page, url, _ = _secretary_types_a_meeting(world, live_server, new_page)
    _idle_out(page)
    page.goto(live_server.url + "/")  # timed out: the log-in page
    _log_in_again(page, "clerk")
    page.goto(url)
    assert page.locator(".draft-notice").count() == 0
    assert page.locator("#id_content").input_value() == ""
    assert len(_drafts(page)) == 1  # the secretary's, kept for her


def test_an_edit_changed_by_someone_else_since_is_not_filled_with_the_old_draft(
    world: Any, live_server: Any, new_page: Any
) -> None:
    campaign = campaign_for(world)
    held = meeting(world.child, campaign, topic="支部大会")
    page = new_page(**PHONE)
    login(page, live_server, "secretary")
    url = live_server.url + reverse("activities:meeting_edit", args=[held.pk])
    page.goto(url)
    page.locator("#id_content").fill(MINUTES)
    page.wait_for_timeout(600)
    page.reload()
    assert page.locator("#id_content").input_value() == MINUTES  # same version: put back

    Meeting.objects.filter(pk=held.pk).update(
        topic="支部大会（改）", updated_at=held.updated_at.replace(year=2015)
    )
    page.reload()
    assert page.locator(".draft-notice").count() == 0
    assert page.locator("#id_topic").input_value() == "支部大会（改）"
    assert page.locator("#id_content").input_value() != MINUTES
