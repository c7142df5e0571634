"""In a browser: an account a manager created must choose its own password first (the
message, the password page at phone width in Chinese), and htmx requests keep working
with the HttpOnly CSRF cookie (the token comes from hx-headers on <body>)."""

from __future__ import annotations

import pytest

from portal.accounts.models import Role
from portal.accounts.services import user_create
from tests.conftest import World
from tests.e2e.conftest import assert_fits_phone, axe_violations, login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_new_account_chooses_its_own_password_first(world: World, live_server, new_page) -> None:
    user_create(
        actor=world.accounts,
        username="xinwenshu",
        password="Given-by-manager-2026",
        full_name="新文书",
        role=Role.CLERK,
        organization=world.child,
    )
    page = new_page(locale="zh-CN", width=375, height=812)
    page.set_default_timeout(60_000)  # the first page of a cold live server, on a busy machine
    login(page, live_server, "xinwenshu", "Given-by-manager-2026")
    assert page.url.endswith("/accounts/password/")
    assert "请先设置您自己的密码" in page.content()
    assert_fits_phone(page)
    assert axe_violations(page) == []
    screenshot(page, "security-forced-password-change-phone-zh")
    # Any other page leads back here until the password is changed.
    page.goto(f"{live_server.url}/")
    assert page.url.endswith("/accounts/password/")
    page.locator("#id_old_password").fill("Given-by-manager-2026")
    page.locator("#id_new_password1").fill("xinwenshu-2026")  # contains the username
    page.locator("#id_new_password2").fill("xinwenshu-2026")
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_load_state("domcontentloaded")
    assert "不能包含您的用户名" in page.content()
    screenshot(page, "security-password-policy-error-phone-zh")
    page.locator("#id_old_password").fill("Given-by-manager-2026")
    page.locator("#id_new_password1").fill("Qingshan-Lake-7421")
    page.locator("#id_new_password2").fill("Qingshan-Lake-7421")
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_load_state("domcontentloaded")
    page.goto(f"{live_server.url}/")
    assert not page.url.endswith("/accounts/password/")


def test_htmx_search_and_logout_work_with_the_http_only_csrf_cookie(
    world: World, live_server, new_page
) -> None:
    page = new_page(width=1366, height=768)
    page.set_default_timeout(60_000)
    login(page, live_server, "accounts")
    page.goto(f"{live_server.url}/accounts/users/")
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["csrftoken"]["httpOnly"]
    assert page.evaluate("() => document.cookie").find("csrftoken") == -1
    with page.expect_response(lambda r: "/accounts/users/" in r.url and r.status == 200):
        page.locator("input[name=q]").fill("clerk")
    screenshot(page, "security-user-list-desktop-en")
    page.locator("form[action$='/accounts/logout/'] button").click()
    page.wait_for_load_state("domcontentloaded")
    assert "/accounts/login/" in page.url
