"""Issue #16 journey (c) in a browser: the secretary starts the satisfaction evaluation and
prints twenty ballot codes; twenty people vote through the public link on their phones;
the rate shows on the organization's page and in the county roll-up report (PDF)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

from portal.core import public_guard
from rectification.models import SatisfactionBallot, SatisfactionSurvey
from tests.e2e.conftest import assert_fits_phone, axe_violations, login, screenshot
from tests.rectification.records_factories import campaign_for
from tests.reports.helpers import pdf_text

pytestmark = pytest.mark.django_db(transaction=True)

ZH = "zh-hans"
QUESTIONS = [
    "Overall, how satisfied are you with the organization's campaign?",
    "Study and listening to opinions",
    "Finding problems and criticism",
    "Rectification and rules",
    "Change in work style",
]
# 20 ballots: 12 satisfied, 4 basically satisfied, 4 unsatisfied on the overall question.
OVERALL = ["satisfied"] * 12 + ["basically satisfied"] * 4 + ["unsatisfied"] * 4


@pytest.fixture(autouse=True)
def _empty_cache() -> Any:
    cache.clear()
    yield
    cache.clear()


def vote(page: Any, url: str, code: str, overall: str, *, load: bool = True) -> None:
    if load:
        page.goto(url)
    for question in QUESTIONS:
        answer = overall if question == QUESTIONS[0] else "satisfied"
        page.get_by_role("group", name=question).get_by_label(answer, exact=True).check()
    page.get_by_label("Your ballot code").fill(code)
    page.get_by_role("button", name="Send my ballot").click()
    page.get_by_text("Your ballot has been received").wait_for()


def test_twenty_ballots_through_the_public_link_show_on_the_page_and_the_roll_up(
    world: Any, live_server: Any, new_page: Any, media_root: Any, monkeypatch: Any, tmp_path: Path
) -> None:
    campaign_for(world)
    secretary = new_page(width=375, height=800)
    login(secretary, live_server, "secretary")
    secretary.goto(f"{live_server.url}{world.own.get_absolute_url()}")
    secretary.get_by_role("link", name="Satisfaction evaluation").first.click()
    secretary.get_by_role("button", name="Start the evaluation").click()
    secretary.get_by_label("Codes for").fill("党员职工大会")
    secretary.get_by_label("Number of codes").fill("20")
    secretary.get_by_role("button", name="Generate the codes").click()
    codes = secretary.locator(".ballot-code").all_inner_texts()
    assert len(codes) == 20 and len(set(codes)) == 20
    assert secretary.locator("svg.qr-code").is_visible()
    assert_fits_phone(secretary)
    assert axe_violations(secretary) == []
    screenshot(secretary, "satisfaction-codes-375")

    survey = SatisfactionSurvey.objects.get(organization=world.own)
    url = f"{live_server.url}{survey.get_public_path()}"
    voter = new_page(width=375, height=800)
    # The first person takes the time a person takes; the form insists on it.
    voter.goto(url)
    assert not voter.locator(".hp-field input").is_visible()
    assert_fits_phone(voter)
    assert axe_violations(voter) == []
    screenshot(voter, "satisfaction-ballot-375")
    voter.wait_for_timeout(3200)
    vote(voter, url, codes[0].lower(), OVERALL[0], load=False)
    # The other nineteen, without waiting three seconds each.
    monkeypatch.setattr(public_guard, "MIN_FILL_SECONDS", 0)
    for code, overall in zip(codes[1:], OVERALL[1:], strict=True):
        vote(voter, url, code, overall)
    # A used code is refused and nothing is shown of anyone's answers.
    voter.goto(url)
    for question in QUESTIONS:
        voter.get_by_role("group", name=question).get_by_label("satisfied", exact=True).check()
    voter.get_by_label("Your ballot code").fill(codes[0])
    voter.get_by_role("button", name="Send my ballot").click()
    assert voter.get_by_text("not valid or has already been used").first.is_visible()
    assert SatisfactionBallot.objects.filter(organization=world.own).count() == 20

    # The organization's page: 16 of 20 satisfied or basically satisfied.
    secretary.goto(f"{live_server.url}{world.own.get_absolute_url()}")
    summary = secretary.locator("#satisfaction-summary")
    summary.wait_for()
    assert "80.0%" in summary.inner_text()
    assert "threshold reached" in summary.inner_text()
    assert_fits_phone(secretary)

    # The same page in Chinese on a phone.
    zh = new_page(locale=ZH, width=375, height=800)
    login(zh, live_server, "secretary")
    zh.goto(f"{live_server.url}/rectification/org/{world.own.pk}/satisfaction/")
    assert zh.get_by_role("heading", name="群众满意度测评").is_visible()
    assert "80.0%" in zh.locator("#own-rate").inner_text()
    assert_fits_phone(zh)
    assert axe_violations(zh) == []
    screenshot(zh, "satisfaction-page-zh-375")

    # The county roll-up, made by the office: the rate per level.
    office = new_page()
    login(office, live_server, "office")
    office.goto(f"{live_server.url}{world.county.get_absolute_url()}")
    office.get_by_role("link", name="PDF reports").click()
    office.get_by_role("button", name="Make “Campaign roll-up”").click()
    download_link = office.get_by_role("link", name="Download PDF")
    download_link.wait_for(timeout=120_000)
    with office.expect_download() as info:
        download_link.click()
    saved = tmp_path / "rollup.pdf"
    info.value.save_as(str(saved))
    text = pdf_text(saved.read_bytes(), tmp_path)
    assert "Satisfaction of the masses by level" in text
    assert text.count("80.0%") >= 4  # the county, the working committee, the park, the company
