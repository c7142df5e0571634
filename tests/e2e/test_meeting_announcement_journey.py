"""A meeting announced and answered on phones (375 px, zh-hans; docs/product.md §6.1):
the secretary announces it, a member answers "cannot attend" with a reason from their
home page, the attendance form shows that answer as the member's own, the meeting is
recorded with the recorder's decision, and its Word record (docs/product.md §9.1),
downloaded from the meeting's page, carries the member's absence reason."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.models import Attendance, MeetingAnnouncement
from organizations.models import Member
from tests.activities.announcement_factories import running_campaign
from tests.docx_helpers import docx_text
from tests.e2e.conftest import assert_fits_phone, axe_violations, login, screenshot
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"locale": "zh-CN", "width": 375, "height": 812}
FMT = "%Y-%m-%dT%H:%M"


def test_announce_answer_record_and_download_a_meeting(
    world: Any, live_server: Any, new_page: Any, tmp_path: Path
) -> None:
    campaign = running_campaign(world)
    me = Member.objects.get(user=world.member_user)
    colleague = MemberFactory(organization=world.own, name="李同志")
    starts = timezone.localtime() + dt.timedelta(days=2)
    starts = starts.replace(hour=14, minute=30, second=0, microsecond=0)

    # 1. The secretary announces the meeting from the meeting list.
    secretary = new_page(**PHONE)
    login(secretary, live_server, "secretary")
    secretary.goto(live_server.url + reverse("activities:meeting_list", args=[world.own.pk]))
    secretary.get_by_role("link", name="发布会议通知").click()
    secretary.locator("#id_kind").select_option("branch_general")
    secretary.locator("#id_topic").fill("支部党员大会：学习党章")
    secretary.locator("#id_campaign").select_option(str(campaign.pk))
    secretary.locator("#id_starts_at").fill(starts.strftime(FMT))
    secretary.locator("#id_ends_at").fill((starts + dt.timedelta(hours=2)).strftime(FMT))
    secretary.locator("#id_place").fill("公司三楼会议室")
    secretary.locator("#id_agenda").fill("一、学习党章\n二、讨论整改措施")
    assert_fits_phone(secretary)
    assert axe_violations(secretary) == []
    secretary.get_by_role("button", name="发布通知").click()
    secretary.wait_for_load_state("domcontentloaded")
    announcement = MeetingAnnouncement.objects.get()
    assert secretary.url.endswith(announcement.get_absolute_url())
    assert "会议通知已发给应到党员" in secretary.content()

    # 2. The member sees it on their home page and answers that they cannot attend.
    member = new_page(**PHONE)
    login(member, live_server, "member")
    home = member.locator("#h-meetings").locator("..")
    assert "支部党员大会：学习党章" in home.inner_text()
    assert "尚未回复" in home.inner_text()
    assert_fits_phone(member)
    assert axe_violations(member) == []
    screenshot(member, "phone-member-home")
    home.get_by_role("link", name="回复是否参加").click()
    member.wait_for_load_state("domcontentloaded")
    assert "公司三楼会议室" in member.content()
    member.get_by_label("不能参加", exact=True).check()
    member.get_by_role("button", name="发送回复").click()  # no reason: refused
    member.wait_for_load_state("domcontentloaded")
    assert "请说明不能参加的原因" in member.content()
    member.get_by_label("不能参加", exact=True).check()
    member.locator("#id_reason").fill("出差")
    member.get_by_role("button", name="发送回复").click()
    member.wait_for_load_state("domcontentloaded")
    assert "本人回复：不能参加（出差）" in member.locator("[data-own-answer]").inner_text()
    assert_fits_phone(member)
    assert axe_violations(member) == []
    screenshot(member, "phone-member-answers-meeting")

    # 3. The secretary reads the answer and records the meeting from the announcement.
    secretary.reload()
    assert "出差" in secretary.locator("#h-answers").locator("..").inner_text()
    screenshot(secretary, "phone-announcement-answers")
    secretary.get_by_role("link", name="登记本次会议").click()
    secretary.wait_for_load_state("domcontentloaded")
    assert secretary.locator("#id_topic").input_value() == "支部党员大会：学习党章"
    row = secretary.locator(".roll-row", has_text=me.name)
    assert "本人回复：不能参加（出差）" in row.locator("[data-own-answer]").inner_text()
    assert not row.locator("input[type=checkbox]").is_checked()
    assert row.locator("input[data-reason]").input_value() == "出差"
    colleague_row = secretary.locator(".roll-row", has_text=colleague.name)
    assert colleague_row.locator("input[type=checkbox]").is_checked()
    assert colleague_row.locator("[data-own-answer]").count() == 0
    assert_fits_phone(secretary)
    assert axe_violations(secretary) == []
    screenshot(secretary, "phone-attendance-with-answers")
    secretary.get_by_role("button", name="保存").click()
    secretary.wait_for_load_state("domcontentloaded")

    announcement.refresh_from_db()
    assert announcement.meeting is not None
    assert secretary.url.endswith(announcement.meeting.get_absolute_url())
    mine = Attendance.objects.get(meeting=announcement.meeting, member=me)
    assert (mine.present, mine.absence_reason) == (False, "出差")
    assert Attendance.objects.get(meeting=announcement.meeting, member=colleague).present

    # 4. From the recorded meeting's page the secretary downloads its Word record:
    # the paper record lists the member as absent with the reason they gave.
    assert_fits_phone(secretary)
    with secretary.expect_download() as info:
        secretary.get_by_role("link", name="下载 Word").click()
    download = info.value
    assert download.suggested_filename.startswith("会议纪实-支部党员大会：学习党章-")
    assert download.suggested_filename.endswith(".docx")
    saved = tmp_path / "record.docx"
    download.save_as(str(saved))
    text = docx_text(saved.read_bytes())
    assert "支部党员大会：学习党章" in text and "公司三楼会议室" in text
    absent = next(line for line in text.splitlines() if me.name in line and "出差" in line)
    assert colleague.name not in absent
