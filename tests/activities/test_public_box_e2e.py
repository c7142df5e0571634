"""Browser tests of the public suggestion box and its QR page, acting like a person on a
phone: read the labels, type, wait, send, keep the code, read the reply."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.urls import reverse

from activities.models import Opinion
from activities.opinions import services as services
from tests.activities.opinions_factories import campaigns_for, first_category, make_box
from tests.e2e import conftest as e2e
from tests.e2e.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    assert_fits_phone,
    axe_violations,
    login,
    screenshot,
)

# Borrowed from tests/e2e/conftest.py so these tests can sit beside the other
# suggestion-box tests; it uses the `browser` fixture below.
new_page = e2e.new_page


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A browser for this module only. Not the session-scoped one of tests/e2e: a second
    Playwright instance cannot start in the same thread while another is open, so a
    borrowed session-wide browser would break the next module that starts its own."""
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


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


def test_a_person_leaves_an_opinion_on_a_phone_and_reads_the_reply(world, live_server, new_page):
    campaigns_for(world)
    box = make_box(world.own, intro="书记每周五查看意见")
    page = new_page(width=375, height=800)
    page.goto(live_server.url + reverse("public:box", args=[box.token]))
    assert page.get_by_text("书记每周五查看意见").is_visible()
    assert_fits_phone(page)
    assert axe_violations(page) == []
    # The honeypot is out of sight.
    assert not page.locator(".hp-field input").is_visible()
    screenshot(page, "public-box-form-375")

    page.get_by_label("Your opinion or suggestion").fill("希望食堂晚上也开门")
    page.get_by_label("Addressed to").select_option(label="the secretary")
    page.wait_for_timeout(3200)  # a person takes a few seconds; the form insists on it
    page.get_by_role("button", name="Send").click()
    code = page.locator(".receipt-code").inner_text()
    assert re.fullmatch(r"[0-9A-Z]{5}-[0-9A-Z]{5}", code)
    assert_fits_phone(page)
    assert axe_violations(page) == []
    screenshot(page, "public-box-receipt-375")

    opinion = Opinion.objects.get()
    services.opinion_sort(opinion, actor=world.clerk, category=first_category(opinion.campaign))
    services.opinion_answer(opinion, actor=world.secretary, text="从下周起晚上开放到八点")

    page.get_by_role("link", name="Read a reply with a receipt code").click()
    page.get_by_label("Receipt code").fill(code.lower())
    page.get_by_role("button", name="Show the reply").click()
    assert page.get_by_text("从下周起晚上开放到八点").is_visible()
    assert page.get_by_text("希望食堂晚上也开门").is_visible()
    assert_fits_phone(page)
    assert axe_violations(page) == []


def test_the_secretary_prints_the_qr_code_without_the_portal_chrome(world, live_server, new_page):
    campaigns_for(world)
    make_box(world.own)
    page = new_page()
    login(page, live_server, "secretary")
    page.goto(live_server.url + reverse("activities:opinion_list", args=[world.own.pk]))
    page.get_by_role("link", name="Printable QR code").first.click()
    assert page.locator("svg.qr-code").is_visible()
    assert axe_violations(page) == []
    page.emulate_media(media="print")
    assert not page.locator(".topbar").is_visible()
    assert page.locator("svg.qr-code").is_visible()
    assert page.get_by_text(world.own.full_name).is_visible()
    screenshot(page, "box-qr-print")


def test_the_secretary_sorts_and_answers_on_a_phone(world, live_server, new_page):
    from tests.activities.opinions_factories import OpinionFactory

    campaign, _other = campaigns_for(world)
    make_box(world.own)
    opinion = OpinionFactory(organization=world.own, campaign=campaign, content="宿舍热水不稳定")
    page = new_page(width=375, height=800)
    login(page, live_server, "secretary")
    page.goto(live_server.url + reverse("activities:opinion_list", args=[world.own.pk]))
    assert_fits_phone(page)
    assert axe_violations(page) == []
    page.get_by_role("link", name="宿舍热水不稳定").click()
    page.get_by_label("Category").select_option(index=1)
    page.get_by_role("button", name="Sort").click()
    page.get_by_role("textbox", name="Answer").fill("已联系物业，本周修好")
    page.get_by_role("button", name="Save the answer").click()
    assert page.get_by_text("已联系物业，本周修好").is_visible()
    assert_fits_phone(page)
    assert axe_violations(page) == []
    screenshot(page, "opinion-detail-375")
    opinion.refresh_from_db()
    assert opinion.status == "answered"
