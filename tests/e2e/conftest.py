"""Browser tests: Playwright (sync API) driving Debian's Chromium against live_server.

Every test in this folder is marked `e2e`. Helpers:
- `page`: a fresh browser context and page (English UI unless `locale` is passed to
  `new_page`), closed after the test;
- `login(page, live_server, username)`: logs in through the real form;
- `axe_violations(page)`: runs axe-core (vendored under tests/e2e/vendor, never served
  by the portal) and returns WCAG 2 A/AA violations;
- `assert_fits_phone(page)`: no sideways scrolling at 375 px.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PASSWORD

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
AXE_JS = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    here = str(Path(__file__).parent)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.e2e)


# Module scope: Playwright's sync API runs an event loop, and two instances alive at
# once (this one and a test module's own) fail with "Sync API inside the asyncio loop".
# One browser per module, closed before the next module starts, is always safe.
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"Chromium not found at {CHROMIUM}: browser tests cannot run in CI")
        pytest.skip(f"Chromium not found at {CHROMIUM} (run scripts/install-system-deps.sh)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser: Any) -> Iterator[Callable[..., Any]]:
    contexts: list[Any] = []

    def make(locale: str = "en-US", width: int = 1280, height: int = 900) -> Any:
        context = browser.new_context(
            locale=locale,
            viewport={"width": width, "height": height},
            extra_http_headers={"Accept-Language": locale},
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[..., Any]) -> Any:
    return new_page()


def login(page: Any, live_server: Any, username: str, password: str = PASSWORD) -> None:
    """Log in through the real form; a second factor asked for is given like a person
    would: the code of their authenticator, or (not enrolled yet, and required) the
    enrolment page's key typed into an authenticator (pass_two_factor)."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.locator("form button[type=submit]").click()
    pass_two_factor(page, username)


def pass_two_factor(page: Any, username: str) -> None:
    from base64 import b32decode

    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.two_factor import code_for

    if "/accounts/two-factor/code/" in page.url:
        device = TOTPDevice.objects.get(user__username=username, confirmed=True)
        page.locator("#id_code").fill(code_for(device))
        with page.expect_navigation(wait_until="domcontentloaded"):
            page.locator("form.stacked button[type=submit]").click()
    elif "/accounts/two-factor/" in page.url and page.locator("[data-otp-secret]").count():
        secret = page.locator("[data-otp-secret]").inner_text().replace(" ", "")
        page.locator("#id_code").fill(code_for(b32decode(secret)))
        page.locator("form.stacked button[type=submit]").click()
        page.wait_for_load_state("domcontentloaded")
        page.locator(".backup-codes").wait_for()
        page.locator(".card .actions a.button").first.click()
        page.wait_for_load_state("domcontentloaded")


def axe_violations(
    page: Any, *, impacts: tuple[str, ...] = ("serious", "critical")
) -> list[dict[str, Any]]:
    """WCAG 2.0/2.1 A and AA violations of the current page, at the given impacts."""
    page.evaluate(AXE_JS)
    result = page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"""
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
        if v["impact"] in impacts
    ]


def assert_fits_phone(page: Any) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    viewport = page.evaluate("() => window.innerWidth")
    assert width <= viewport, (
        f"page is {width}px wide in a {viewport}px viewport (scrolls sideways)"
    )


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
