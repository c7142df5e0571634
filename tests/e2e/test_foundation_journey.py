"""Issue #2's journey: a secretary logs in, opens their organization from the tree and
sees its members; an outsider (the secretary of another park's branch) cannot open it.
Also: the language switcher, and the pages on a phone."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import assert_fits_phone, axe_violations, login, screenshot
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_secretary_opens_their_organization_and_sees_its_members(
    world: Any, live_server: Any, new_page: Any
) -> None:
    MemberFactory(organization=world.own, name="王建国")
    page = new_page(width=375, height=800)
    login(page, live_server, "secretary")
    assert page.get_by_role("heading", level=1).is_visible()
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("link", name="Organizations").click()
    page.get_by_role("link", name=world.own.short_name).click()
    assert page.get_by_role("heading", name=world.own.full_name).is_visible()
    assert page.get_by_role("link", name="王建国").is_visible()
    assert_fits_phone(page)
    assert axe_violations(page) == []
    screenshot(page, "foundation-organization-phone")

    page.get_by_role("link", name="王建国").click()
    # The secretary may see personal data of their own members: the ID is not masked.
    member = world.own.members.get(name="王建国")
    assert page.get_by_text(member.id_number).is_visible()


def test_outsider_gets_not_found_for_another_subtree(
    world: Any, live_server: Any, new_page: Any
) -> None:
    page = new_page()
    login(page, live_server, "outsider")
    response = page.goto(f"{live_server.url}/org/{world.own.pk}/")
    assert response is not None and response.status == 404
    assert page.get_by_role("heading", name="Page not found").is_visible()
    page.goto(f"{live_server.url}/org/members/")
    assert page.get_by_text(world.own.short_name).count() == 0


def test_language_switcher_and_browser_language(
    world: Any, live_server: Any, new_page: Any
) -> None:
    page = new_page(locale="zh-CN")
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.get_by_role("heading", name="登录").is_visible()
    with page.expect_navigation():
        page.get_by_label("语言").select_option("en")
    assert page.get_by_role("heading", name="Log in").is_visible()
