"""Recording a meeting on a phone, in a browser: the roster is a checklist with everyone
present, unticking someone asks for a reason and the live count follows; the special
meeting's fields appear only for that kind. Pages fit 375 px and pass axe."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from activities.models import Meeting
from tests.activities.factories import campaign_for, members
from tests.e2e.conftest import (  # noqa: F401  (new_page: a fixture)
    CHROMIUM,
    CHROMIUM_ARGS,
    assert_fits_phone,
    axe_violations,
    login,
    new_page,
    screenshot,
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """The browser for this module only. Module-scoped on purpose: a second Playwright
    instance cannot start while another is open in the same thread, and the session-
    scoped one in tests/e2e/conftest.py, borrowed here, would stay open for the rest of
    the run and break the next module that starts its own."""
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"Chromium not found at {CHROMIUM}: browser tests cannot run in CI")
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_secretary_records_a_meeting_with_an_absentee_on_a_phone(
    world: Any,
    live_server: Any,
    new_page: Any,  # noqa: F811
) -> None:
    campaign_for(world)
    b = members(world.child, 3)[1]
    phone = new_page(width=375, height=800)
    login(phone, live_server, "secretary")
    phone.goto(f"{live_server.url}/campaign/org/{world.child.pk}/meetings/new/")
    count = phone.locator("[data-present-count]")
    assert count.inner_text() == "3"
    assert not phone.locator("[data-special-only]").is_visible()
    reason_b = phone.locator(f"#id_roll-reason_{b.pk}")
    assert not reason_b.is_visible()
    assert_fits_phone(phone)
    assert axe_violations(phone) == []

    phone.get_by_label(b.name, exact=True).uncheck()
    assert count.inner_text() == "2"
    assert reason_b.is_visible()
    screenshot(phone, "meeting-form-phone")
    phone.locator("#id_kind").select_option("special")
    assert phone.locator("[data-special-only]").is_visible()
    phone.locator("#id_kind").select_option("mobilization")
    phone.get_by_label("Topic").fill("支部动员大会")
    phone.get_by_label("Starts at").fill("2014-04-10T09:00")
    phone.get_by_label("Ends at").fill("2014-04-10T10:30")
    phone.get_by_role("button", name="Save").click()
    phone.wait_for_load_state("domcontentloaded")
    assert phone.get_by_text("Give the reason for the absence.", exact=True).is_visible()
    assert not Meeting.objects.exists()

    phone.locator(f"#id_roll-reason_{b.pk}").fill("出差")
    phone.get_by_role("button", name="Save").click()
    phone.wait_for_load_state("domcontentloaded")
    meeting = Meeting.objects.get()
    assert (meeting.expected_count, meeting.present_count) == (3, 2)
    assert phone.get_by_text("Present 2 of 3 expected; 1 absent.").is_visible()
    assert_fits_phone(phone)
    assert axe_violations(phone) == []
    screenshot(phone, "meeting-detail-phone")
