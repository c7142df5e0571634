"""Issue #12, recording on a phone: every list page a branch secretary, a reviewer and
the campaign office reach from their menus (and from the secretary's new home tiles and organization
page) fits a 375 x 812 screen in Chinese: no sideways scrolling, lists shown as
stacked cards, touch targets of 44 px, no serious or critical accessibility violation.
The data is the demo county (`manage.py seed_demo`), whose names and texts are real
length."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from activities.seed import ensure_campaign_2014
from tests.e2e.conftest import (
    assert_fits_phone,
    axe_violations,
    login,
    pass_two_factor,
    screenshot,
)
from tests.factories import MemberFactory
from tests.seeding import seed_demo_as_tests_run

pytestmark = pytest.mark.django_db(transaction=True)

DEMO_PASSWORD = "demo-Portal-2014"  # demo/management/commands/seed_demo.py
PHONE = {"locale": "zh-CN", "width": 375, "height": 812}

# Every link of the menu (with the bell) and of the home tiles.
MENU_LINKS = """() => [...document.querySelectorAll(
  '#main-nav a[href^="/"], .record-tiles a.tile')].map(a => a.getAttribute('href'))"""
# The organization page's "Campaign work" links and the first link into each list.
WORK_LINKS = """() => [...document.querySelectorAll('.work-links a[href^="/"]')]
  .map(a => a.getAttribute('href'))"""
# Interactive things in the main content smaller than 44 x 44 px (WCAG 2.5.5): links in
# lists, buttons, and check boxes and radio buttons measured with their label.
SMALL_TARGETS = """(selector) => {
  const out = [];
  for (const el of document.querySelectorAll(selector)) {
    const target = (el.matches('input[type=checkbox], input[type=radio]')
      && (el.closest('label') || (el.id && document.querySelector(`label[for="${el.id}"]`)))) || el;
    const box = target.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;  // not shown
    if (box.height < 44 || box.width < 44) {
      out.push(`${el.tagName.toLowerCase()} "${(el.textContent || el.name || '').trim().slice(0, 20)}" ${Math.round(box.width)}x${Math.round(box.height)}`);
    }
  }
  return out;
}"""
LIST_TARGETS = "main table.cards a, main table.cards button, main ul.plain-list a, main .tiles a"
FORM_TARGETS = (
    "main form input[type=checkbox], main form input[type=radio], main form button, "
    "main form input[type=submit], main form select, main form textarea, "
    "main form input:not([type=hidden]):not([type=checkbox]):not([type=radio])"
)


def _login(page: Any, live_server: Any, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_load_state("domcontentloaded")
    pass_two_factor(page, username)


def _check(page: Any, url: str, problems: list[str]) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, (url, response and response.status)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    if width > 375:
        problems.append(f"{url}: {width}px wide")
    # A list is a stack of cards, not a table cut off in a scrolling box: only a
    # cross-table of figures (the requirement grid, the three classes) scrolls sideways,
    # by design, in a named region the keyboard can scroll.
    cut = page.evaluate(
        """() => [...document.querySelectorAll('main table:not(.cards):not(.grid-table)')]
             .filter(t => !t.closest('[role=region][tabindex]'))
             .filter(t => t.getBoundingClientRect().width > window.innerWidth)
             .map(t => t.rows[0] && t.rows[0].innerText.slice(0, 40))"""
    )
    if cut:
        problems.append(f"{url}: tables wider than the phone {cut}")
    for violation in axe_violations(page):
        problems.append(f"{url}: axe {violation['id']} {violation['nodes']}")


def _visit_all(page: Any, live_server: Any, username: str, problems: list[str]) -> list[str]:
    """Log in, then check the home page, every menu and tile link, and the pages one
    level further that list records: returns the paths checked."""
    _login(page, live_server, username)
    base = live_server.url
    page.goto(f"{base}/")
    links = list(dict.fromkeys(page.evaluate(MENU_LINKS)))
    links.append(page.locator("a.bell").get_attribute("href"))
    seen: list[str] = []
    queue = ["/", *links]
    while queue:
        href = queue.pop(0)
        path = urlsplit(href).path + (f"?{urlsplit(href).query}" if urlsplit(href).query else "")
        if path in seen or path.startswith("/admin/") or path.startswith("/io/export"):
            continue
        seen.append(path)
        _check(page, base + path, problems)
        # The organization page (tree → own organization) and its record pages.
        if path.startswith("/org/") and path.rstrip("/").split("/")[-1].isdigit():
            queue.extend(page.evaluate(WORK_LINKS))
        # A problem list's items (from the problem lists page).
        if path.endswith("/problems/"):
            first = page.locator("main table a[href^='/rectification/problems/']").first
            if first.count():
                queue.append(first.get_attribute("href"))
    return seen


def test_every_list_page_of_the_secretary_and_the_reviewer_fits_a_phone(
    live_server: Any, new_page: Any, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    seed_demo_as_tests_run()

    problems: list[str] = []
    page = new_page(**PHONE)
    secretary = _visit_all(page, live_server, "secretary", problems)
    # The organization page of their own branch comes from the home page's button.
    page.goto(f"{live_server.url}/")
    own_org = page.locator("a.button", has_text="党组织页面").first.get_attribute("href")
    _check(page, live_server.url + own_org, problems)
    secretary.append(own_org)
    for href in page.evaluate(WORK_LINKS):
        if href not in secretary:
            _check(page, live_server.url + href, problems)
            secretary.append(href)

    reviewer_page = new_page(**PHONE)
    reviewer = _visit_all(reviewer_page, live_server, "reviewer", problems)
    # The county's campaign office: the dashboard, the grid and the campaigns it composes.
    office_page = new_page(**PHONE)
    office = _visit_all(office_page, live_server, "office", problems)
    assert problems == [], "\n".join(problems)

    pages = set(secretary) | set(reviewer) | set(office)
    print(
        f"\nphone width 375 px: {len(pages)} pages checked "
        f"(secretary {len(secretary)}, reviewer {len(reviewer)}, office {len(office)})"
    )
    assert "/campaign/campaigns/" in office
    # The record pages the tiles open, the inbox and the notifications are among them.
    for must in (
        "/meetings/",
        "/study/",
        "/opinions/",
        "/talks/",
        "/problems/",
        "/reviews/inbox/",
        "/notifications/",
    ):
        assert any(must in path for path in pages), must
    assert len(pages) >= 25

    page.goto(f"{live_server.url}/")
    screenshot(page, "phone-secretary-home-375")


def test_touch_targets_in_a_list_and_a_form_are_44_px(
    world: Any, live_server: Any, new_page: Any
) -> None:
    ensure_campaign_2014(world.county)
    MemberFactory.create_batch(4, organization=world.own)
    page = new_page(**PHONE)
    login(page, live_server, "secretary")
    # The menu's links, once opened; then the study counseling list from the menu.
    page.locator("[data-toggle-nav]").click()
    assert page.evaluate(SMALL_TARGETS, "#main-nav li a") == []
    page.locator("#main-nav a", has_text="学习").click()
    page.wait_for_load_state("domcontentloaded")
    # A list: names and "add a session" links per member.
    assert page.locator("main table.cards a").count() > 3
    assert page.evaluate(SMALL_TARGETS, LIST_TARGETS) == []
    # A form with check boxes: recording a meeting (attendance ticks) and its buttons.
    page.goto(f"{live_server.url}{reverse('activities:meeting_create', args=[world.own.pk])}")
    assert page.locator("main form input[type=checkbox]").count() > 3
    assert page.evaluate(SMALL_TARGETS, FORM_TARGETS) == []
    assert_fits_phone(page)
