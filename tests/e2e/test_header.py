"""The header fits the screen for the users with the most navigation: the reviewer on a
desktop (1280 px) and on a phone (375 px, menu open), in English and in Chinese, with
room for two more items than today (navigation grows: the test adds two)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import assert_fits_phone, login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

# Two more links like the ones being added (import and export, reports), so the header
# is checked with room to grow, not only with today's items.
ADD_TWO_ITEMS = """() => {
  const list = document.querySelector('#main-nav ul');
  for (const label of ['Import and export', 'Reports']) {
    const li = document.createElement('li');
    const a = document.createElement('a');
    a.href = '#'; a.textContent = label;
    li.appendChild(a); list.appendChild(li);
  }
}"""

# Everything in the header that sticks out of the viewport or of the header's own box.
OVERFLOWING = """() => {
  const width = window.innerWidth;
  const header = document.querySelector('header.topbar');
  const inner = header.querySelector('.topbar-inner');
  const out = [];
  if (inner.scrollWidth > inner.clientWidth) out.push(`topbar-inner ${inner.scrollWidth}>${inner.clientWidth}`);
  for (const el of header.querySelectorAll('a, button, select, .who')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;  // hidden
    if (box.left < 0 || box.right > width + 0.5) out.push(`${el.textContent.trim()} ${Math.round(box.left)}-${Math.round(box.right)}`);
  }
  return out;
}"""


def _open_and_check(page: Any, *, phone: bool) -> None:
    page.evaluate(ADD_TWO_ITEMS)
    if phone:
        page.locator("[data-toggle-nav]").click()
    nav = page.locator("#main-nav")
    assert nav.is_visible()
    assert nav.locator("a", has_text="Import and export").last.is_visible()
    assert page.evaluate(OVERFLOWING) == []
    assert_fits_phone(page)  # no sideways scrolling at this width either


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
@pytest.mark.parametrize("width", [1280, 375])
def test_reviewer_header_fits_desktop_and_phone(
    world: Any, live_server: Any, new_page: Any, width: int, locale: str
) -> None:
    page = new_page(locale=locale, width=width, height=800)
    login(page, live_server, "reviewer")
    assert page.locator("#main-nav a[href='/reviews/inbox/']").count() == 1  # the inbox
    _open_and_check(page, phone=width == 375)
    screenshot(page, f"header-reviewer-{width}-{locale}")


def test_administrator_header_with_every_item_fits_at_1280(
    world: Any, live_server: Any, new_page: Any
) -> None:
    """The site administrator has the most items of all (accounts, campaigns,
    administration)."""
    page = new_page(width=1280, height=800)
    login(page, live_server, "admin")
    _open_and_check(page, phone=False)
    screenshot(page, "header-admin-1280")
