"""Browser journey (c): on a phone, a branch secretary self-assesses the "eight haves"
item by item with a photo of evidence each, is told what is missing when submitting too
early, submits; the reviewer finds it in the inbox, checks the items, notes one, saves
the scores and accepts it; the secretary reads the result. Pages fit a phone and pass
axe."""

from __future__ import annotations

import re
from typing import Any

import pytest

from portal.attachments.models import Attachment
from rectification.models import StandardAssessment
from tests.e2e.conftest import assert_fits_phone, axe_violations, login, screenshot
from tests.rectification.standards_factories import campaign_for, png_bytes

pytestmark = pytest.mark.django_db(transaction=True)

EVIDENCE = ["活动室", "桌椅设备", "经费凭证", "书报架", "制度上墙", "党组织牌子", "党旗", "档案柜"]


def _assess_item(page: Any, n: int) -> None:
    page.get_by_role("link", name=f"Assess item {n}").click()
    page.wait_for_load_state("domcontentloaded")
    page.get_by_label("This item is met").check()
    page.get_by_label("Note").fill(f"{EVIDENCE[n - 1]}，已拍照。")
    page.get_by_label("Evidence files").set_input_files(
        files=[
            {
                "name": f"{EVIDENCE[n - 1]}.png",
                "mimeType": "image/png",
                "buffer": png_bytes(color=(20 * n, 40, 200 - 20 * n)),
            }
        ]
    )
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state("domcontentloaded")
    assert page.get_by_text(f"Item {n} is saved.").is_visible()


def test_secretary_self_assesses_the_eight_haves_and_the_reviewer_accepts(
    world: Any, live_server: Any, new_page: Any, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    campaign_for(world)

    secretary = new_page(width=375, height=800)
    login(secretary, live_server, "secretary")
    secretary.goto(f"{live_server.url}/rectification/org/{world.own.pk}/standards/")
    assert_fits_phone(secretary)
    assert axe_violations(secretary) == []
    secretary.get_by_role("button", name=re.compile("Start: “Eight haves”")).click()
    secretary.wait_for_load_state("domcontentloaded")
    assert secretary.get_by_role("heading", name="“Eight haves”").is_visible()

    for n in range(1, 8):
        _assess_item(secretary, n)

    # Item 8 forgotten: the submission is refused and says which item.
    secretary.get_by_role("button", name="Submit").click()
    secretary.wait_for_load_state("domcontentloaded")
    assert secretary.get_by_text("8. files: assess this item.", exact=False).is_visible()
    assert StandardAssessment.objects.get().review_status == "draft"

    _assess_item(secretary, 8)
    assert secretary.locator(".attachment-list img").count() == 8
    assert_fits_phone(secretary)
    assert axe_violations(secretary) == []
    secretary.get_by_role("button", name="Submit").click()
    secretary.wait_for_load_state("domcontentloaded")
    assert secretary.get_by_text("Submitted for review.").is_visible()
    assert secretary.get_by_role("link", name=re.compile("Assess item")).count() == 0
    assessment = StandardAssessment.objects.get()
    assert assessment.review_status == "submitted"
    assert Attachment.objects.filter(kind="evidence").count() == 8

    reviewer = new_page(width=375, height=800)
    login(reviewer, live_server, "reviewer")
    reviewer.goto(f"{live_server.url}/reviews/inbox/")
    reviewer.get_by_role("link", name="“Eight haves” self-assessment").click()
    reviewer.wait_for_load_state("domcontentloaded")
    item6 = reviewer.locator("#item-6")
    assert item6.get_by_role("img").count() == 1  # the photo of the nameplate
    item6.get_by_label("Reviewer's note").fill("牌子已核实，位置醒目。")
    assert_fits_phone(reviewer)
    assert axe_violations(reviewer) == []
    screenshot(reviewer, "eight-haves-reviewer-phone")
    reviewer.get_by_role("button", name="Save the scores").click()
    reviewer.wait_for_load_state("domcontentloaded")
    assert reviewer.get_by_text("The scores are saved.", exact=False).is_visible()
    assert reviewer.get_by_text("牌子已核实，位置醒目。").first.is_visible()
    reviewer.get_by_role("button", name="Approve").click()
    reviewer.wait_for_load_state("domcontentloaded")
    assert reviewer.get_by_text("Approved.", exact=True).is_visible()

    assessment.refresh_from_db()
    assert (assessment.review_status, assessment.result_met, assessment.result_score) == (
        "approved",
        True,
        80,
    )

    secretary.goto(f"{live_server.url}/rectification/org/{world.own.pk}/standards/")
    row = secretary.get_by_role("row", name=re.compile("Eight haves"))
    assert row.get_by_text("accepted").is_visible()
    assert row.get_by_text("80 of 80 points").is_visible()
    secretary.goto(f"{live_server.url}/rectification/org/{world.own.pk}/standards/results/")
    assert secretary.get_by_text("80 of 80 points").is_visible()
