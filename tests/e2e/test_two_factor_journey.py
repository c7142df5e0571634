"""In a browser: an account manager must set up two-factor authentication at the first
log-in (the QR code and the key, confirmed with a code; backup codes shown once), and
from then on logs in with the password and a code from the authenticator."""

from __future__ import annotations

import time
from base64 import b32decode

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.accounts.models import AuditEvent
from tests.conftest import PASSWORD, World
from tests.e2e.conftest import assert_fits_phone, axe_violations, screenshot
from tests.two_factor import code_for

pytestmark = pytest.mark.django_db(transaction=True)


def _password(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.locator("form button[type=submit]").click()


def test_an_account_manager_enrols_then_logs_in_with_a_code(
    world: World, live_server, new_page
) -> None:
    page = new_page(width=375, height=812)
    page.set_default_timeout(60_000)  # a cold live server on a busy machine
    _password(page, live_server, "accounts")
    # Required: the enrolment page, and nothing else.
    assert page.url.endswith("/accounts/two-factor/")
    assert page.locator("svg.qr-code").is_visible()
    assert_fits_phone(page)
    assert axe_violations(page) == []
    screenshot(page, "two-factor-enrolment-phone")
    page.goto(f"{live_server.url}/accounts/users/")
    assert page.url.endswith("/accounts/two-factor/")
    # The authenticator app: the key typed in from the page.
    secret = page.locator("[data-otp-secret]").inner_text().replace(" ", "")
    key = b32decode(secret)
    page.locator("#id_code").fill("000000" if code_for(key) != "000000" else "111111")
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_load_state("domcontentloaded")
    assert "The code is wrong" in page.content()
    page.locator("#id_code").fill(code_for(key))
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_load_state("domcontentloaded")
    codes = page.locator(".backup-codes code").all_inner_texts()
    assert len(codes) == 10
    assert_fits_phone(page)
    page.locator(".card .actions a.button").click()
    page.wait_for_load_state("domcontentloaded")
    page.goto(f"{live_server.url}/accounts/users/")
    assert page.url.endswith("/accounts/users/")
    page.locator("[data-toggle-nav]").click()  # the menu is folded at phone width
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.locator("form[action$='/accounts/logout/'] button").first.click()

    # Next time: password, then the code the authenticator shows then. Each code is
    # accepted once, so, like a person, wait for the next one if the enrolment's is
    # still showing (a code from the future is no answer: the enrolment may have
    # synchronized the device's clock a step back).
    device = TOTPDevice.objects.get(user__username="accounts", confirmed=True)
    while int(time.time()) // device.step <= device.last_t:
        time.sleep(0.5)
    _password(page, live_server, "accounts")
    assert page.url.endswith("/accounts/two-factor/code/")
    assert_fits_phone(page)
    assert axe_violations(page) == []
    screenshot(page, "two-factor-code-phone")
    page.locator("#id_code").fill(code_for(key))
    # Wait for the answer to the code itself (a bare click does not wait for the
    # navigation it starts: a page.goto right after it could overtake the POST).
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.locator("form.stacked button[type=submit]").click()
    assert "/accounts/two-factor/code/" not in page.url
    page.goto(f"{live_server.url}/accounts/users/")
    assert page.url.endswith("/accounts/users/")
    actions = list(
        AuditEvent.objects.filter(target="accounts", action__startswith="otp.")
        .order_by("at", "pk")
        .values_list("action", flat=True)
    )
    assert actions == ["otp.failed", "otp.enrolled", "otp.verified"]
