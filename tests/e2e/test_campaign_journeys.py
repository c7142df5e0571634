"""Issue #3 in a browser, acting like the people who use it:

(a) a secretary records the mobilization meeting with its attendance and a photo, then
    a study session for every member, and watches the two rows of the campaign
    checklist turn green;
(b) a secretary writes and submits the self-examination statement, the reviewer
    returns it with a comment, the secretary revises and resubmits, the reviewer sees
    the change beside the earlier comment and approves;
(c) the secretary's home, the checklist and the meeting form at phone width (375 px):
    no sideways scrolling, no serious or critical accessibility violation.

The world's campaign is the 2014 one (activities.seed.ensure_campaign_2014), so
meetings and sessions are dated in 2014; the checklist judges it as it stood at its end.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from PIL import Image

from activities.models import Meeting, SelfExamination
from activities.seed import ensure_campaign_2014
from portal.attachments.models import Attachment
from tests.e2e.conftest import assert_fits_phone, axe_violations, login, screenshot
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db(transaction=True)

MOBILIZATION = "Mobilization meeting held or attended"
COUNSELING = "Every member counseled"


def checklist_level(page: Any, label: str) -> str:
    """The level a checklist row shows ("Met", "In progress", "Not met")."""
    row = page.locator("li.check").filter(has=page.locator(".check-label", has_text=label))
    return row.locator(".level").inner_text().strip()


def labelled(page: Any, label: str) -> Any:
    """The field labelled exactly `label` (a required field's label ends with " *")."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}( \*)?$"))


def png(path: Path) -> Path:
    Image.new("RGB", (96, 64), (180, 30, 30)).save(path, format="PNG")
    return path


def test_secretary_records_mobilization_and_counseling_and_the_checklist_turns_green(
    world: Any, live_server: Any, new_page: Any, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    ensure_campaign_2014(world.county)
    away, *_others = MemberFactory.create_batch(3, organization=world.own)
    photo = png(tmp_path / "mobilization.png")
    page = new_page()
    login(page, live_server, "secretary")
    checklist = f"{live_server.url}{reverse('progress:checklist', args=[world.own.pk])}"
    page.goto(checklist)
    assert checklist_level(page, MOBILIZATION) == "Not met"
    assert checklist_level(page, COUNSELING) == "Not met"

    # The mobilization meeting: everyone present but one, with a photo.
    row = page.locator("li.check").filter(has=page.locator(".check-label", has_text=MOBILIZATION))
    row.get_by_role("link", name="Fix this").click()
    page.get_by_role("link", name="Record a meeting").click()
    labelled(page, "Kind").select_option(label="mobilization meeting")
    page.get_by_label("Topic").fill("甲公司党委党的群众路线教育实践活动动员大会")
    page.get_by_label("Starts at").fill("2014-04-10T09:00")
    page.get_by_label("Ends at").fill("2014-04-10T11:00")
    page.get_by_label("Place").fill("公司三楼会议室")
    assert page.locator("[data-present-count]").inner_text() == "4"
    page.get_by_label(away.name, exact=True).uncheck()
    assert page.locator("[data-present-count]").inner_text() == "3"
    page.get_by_label(f"Reason {away.name} was absent").fill("出差在外")
    page.get_by_label("Kind of file").select_option(label="photo")
    page.get_by_label("Files").set_input_files(str(photo))
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state("domcontentloaded")
    assert page.get_by_text("The meeting was recorded.").is_visible()
    assert page.get_by_role("img", name="mobilization.png").is_visible()  # the photo
    meeting = Meeting.objects.get()
    assert (meeting.expected_count, meeting.present_count, meeting.absent_count) == (4, 3, 1)
    assert Attachment.objects.get().kind == "photo"

    page.goto(checklist)
    assert checklist_level(page, MOBILIZATION) == "Met"
    assert checklist_level(page, COUNSELING) == "Not met"

    # One study session for every member of the roster.
    row = page.locator("li.check").filter(has=page.locator(".check-label", has_text=COUNSELING))
    row.get_by_role("link", name="Fix this").click()
    page.get_by_role("link", name="Record a session").click()
    page.get_by_role("button", name="Tick everyone", exact=True).click()
    page.get_by_label("Date").fill("2014-04-18")
    labelled(page, "Form").select_option(label="concentrated presentation")
    page.get_by_label("Topic").fill("集中学习《论群众路线——重要论述摘编》")
    page.get_by_label("Hours").fill("3")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state("domcontentloaded")
    assert page.get_by_text("4 / 4").is_visible()

    page.goto(checklist)
    assert checklist_level(page, MOBILIZATION) == "Met"
    assert checklist_level(page, COUNSELING) == "Met"
    screenshot(page, "campaign-checklist-after-meeting-and-counseling")


def test_statement_goes_up_comes_back_with_a_comment_and_is_approved(
    world: Any, live_server: Any, new_page: Any
) -> None:
    ensure_campaign_2014(world.county)
    secretary = new_page()
    login(secretary, live_server, "secretary")
    secretary.goto(f"{live_server.url}{reverse('activities:statement_list', args=[world.own.pk])}")
    team = secretary.locator("section").filter(has_text="Statement of the organization's team")
    team.get_by_role("link", name="Write it").click()
    secretary.get_by_label("Problems found").fill("一是理论学习不够深入；\n二是联系职工不够紧密。")
    secretary.get_by_label("Causes").fill("宗旨意识有所淡化。")
    secretary.get_by_label("Direction of rectification").fill("每月集中学习一次。")
    secretary.get_by_label("self-finding").check()
    secretary.get_by_label("raised by the masses").check()
    secretary.get_by_role("button", name="Save as draft").click()
    secretary.wait_for_load_state("domcontentloaded")
    assert secretary.get_by_text("The statement was saved as a draft.").is_visible()
    secretary.get_by_role("button", name="Submit").click()
    secretary.wait_for_load_state("domcontentloaded")
    assert secretary.get_by_text("Submitted for review.").is_visible()

    reviewer = new_page()
    login(reviewer, live_server, "reviewer")
    reviewer.goto(f"{live_server.url}/")
    reviewer.get_by_role("link", name="Open the review inbox").click()
    reviewer.get_by_role(
        "link", name="Self-examination statement of the organization's team"
    ).click()
    comment = "问题查摆不够具体，请结合职工意见逐条列出。"
    reviewer.get_by_label("Comment").fill(comment)
    reviewer.get_by_role("button", name="Return for revision").click()
    reviewer.wait_for_load_state("domcontentloaded")
    assert SelfExamination.objects.get().review_status == "returned"

    # The secretary finds it on the home page, under what came back from review.
    secretary.goto(f"{live_server.url}/")
    assert secretary.get_by_text(comment).is_visible()
    secretary.get_by_role(
        "link", name="Self-examination statement of the organization's team"
    ).first.click()
    secretary.get_by_role("link", name="Edit").click()
    secretary.get_by_label("Problems found").fill(
        "一是理论学习不够深入；\n二是联系职工不够紧密；\n三是食堂、培训等职工反映的问题解决不及时。"
    )
    secretary.get_by_role("button", name="Save as draft").click()
    secretary.wait_for_load_state("domcontentloaded")
    secretary.get_by_role("button", name="Resubmit").click()
    secretary.wait_for_load_state("domcontentloaded")
    assert SelfExamination.objects.get().review_status == "submitted"

    reviewer.goto(f"{live_server.url}{SelfExamination.objects.get().get_absolute_url()}")
    assert reviewer.get_by_text("What changed since it was returned").is_visible()
    changed = reviewer.locator(".review-diff-field.changed")
    assert changed.count() == 1
    assert "三是食堂、培训等职工反映的问题解决不及时" in changed.inner_text()
    assert reviewer.locator(".review-comment", has_text=comment).first.is_visible()
    screenshot(reviewer, "statement-resubmitted-with-diff")
    reviewer.get_by_role("button", name="Approve").click()
    reviewer.wait_for_load_state("domcontentloaded")

    secretary.reload()
    assert secretary.locator(".review-panel .badge", has_text="approved").is_visible()
    assert SelfExamination.objects.get().review_status == "approved"


def test_secretarys_pages_fit_a_phone_and_pass_axe(
    world: Any, live_server: Any, new_page: Any
) -> None:
    ensure_campaign_2014(world.county)
    MemberFactory.create_batch(3, organization=world.own)
    phone = new_page(width=375, height=800)
    login(phone, live_server, "secretary")
    for name, path in (
        ("home", "/"),
        ("checklist", reverse("progress:checklist", args=[world.own.pk])),
        ("meeting-form", reverse("activities:meeting_create", args=[world.own.pk])),
    ):
        phone.goto(f"{live_server.url}{path}")
        assert_fits_phone(phone)
        assert axe_violations(phone) == [], name
        screenshot(phone, f"campaign-{name}-phone")
