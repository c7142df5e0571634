"""Issue #17 in a browser, on a phone in Chinese: a clerk opens the organization's
ledgers and downloads the study ledger as Word (masked, as the pages are); the
secretary downloads a meeting's record as Word from the meeting's page and asks for
a ledger's PDF. Every page fits 375 px with no serious accessibility violation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from activities.models import MeetingKind
from tests.activities.factories import campaign_for, counseling, meeting, members
from tests.docx_helpers import docx_text
from tests.e2e.conftest import assert_fits_phone, axe_violations, login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"locale": "zh-CN", "width": 375, "height": 812}


def _save(info: Any, tmp_path: Path) -> tuple[str, bytes]:
    download = info.value
    saved = tmp_path / "download.bin"
    download.save_as(str(saved))
    return download.suggested_filename, saved.read_bytes()


def test_a_clerk_and_a_secretary_download_ledgers_on_a_phone(
    world: Any, live_server: Any, new_page: Any, media_root: Any, tmp_path: Path
) -> None:
    campaign = campaign_for(world)
    people = members(world.own, 3)
    counseling(people, campaign)
    m = meeting(world.own, campaign, kind=MeetingKind.STUDY_SESSION, topic="集中学习党章",
                place="三楼会议室", absent={people[0]: "出差在外"}, chair=people[1],
                minute_taker=people[2])  # fmt: skip

    clerk = new_page(**PHONE)
    login(clerk, live_server, "clerk")
    clerk.goto(f"{live_server.url}{world.own.get_absolute_url()}")
    clerk.get_by_role("link", name="台账（Word 和 PDF）").click()
    clerk.wait_for_load_state("domcontentloaded")
    assert clerk.get_by_role("heading", name="学习台账").is_visible()
    assert clerk.get_by_role("button", name="下载 PDF").count() == 0  # the clerk issues no PDF
    assert_fits_phone(clerk)
    assert axe_violations(clerk) == []
    screenshot(clerk, "ledgers-clerk-phone-375")
    card = clerk.locator("section.ledger", has=clerk.get_by_role("heading", name="学习台账"))
    with clerk.expect_download() as info:
        card.get_by_role("link", name="下载 Word").click()
    name, data = _save(info, tmp_path)
    assert name.startswith("学习台账-") and name.endswith(".docx")
    text = docx_text(data)
    assert "学习台账" in text and people[0].name in text
    assert people[0].id_number not in text and people[0].masked_id in text

    secretary = new_page(**PHONE)
    login(secretary, live_server, "secretary")
    secretary.goto(f"{live_server.url}{m.get_absolute_url()}")
    assert_fits_phone(secretary)
    with secretary.expect_download() as info:
        secretary.get_by_role("link", name="下载 Word").click()
    name, data = _save(info, tmp_path)
    assert name.startswith("会议纪实-集中学习党章-")
    text = docx_text(data)
    assert "三楼会议室" in text and "出差在外" in text and "主持人（签字）：" in text

    # The study page offers its ledger; the PDF is asked for and made in-process.
    secretary.goto(
        f"{live_server.url}{reverse('activities:counseling_list', args=[world.own.pk])}"
        f"?campaign={campaign.pk}"
    )
    assert_fits_phone(secretary)
    screenshot(secretary, "ledger-links-study-phone-375")
    secretary.locator(".ledger-links").get_by_role("button", name="下载 PDF").click()
    secretary.wait_for_load_state("domcontentloaded")
    assert "/reports/" in secretary.url
