"""Ledgers in Word and PDF (issue #17, docs/product.md §9.1): who may download which
ledger (the pages' VIEW for Word, DOWNLOAD_REPORTS for the PDF), personal data masked
for those without PERSONAL_DATA exactly as on the pages, what each Word file says,
the campaign parameter, and query counts that do not grow with the records."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import TestCase
from django.urls import reverse

from activities.models import AddressedTo, MeetingKind, Opinion, OpinionChannel, OpinionSource
from activities.opinions.services import opinion_create
from organizations.models import Member
from portal.reviews.models import ReviewStatus
from rectification.models import ProblemList
from reports import registry
from reports.models import ReportStatus
from reports.services import report_request
from tests.activities.factories import VIEW_MATRIX, campaign_for, counseling, meeting, members
from tests.activities.phase2_factories import make_talk
from tests.conftest import World
from tests.docx_helpers import docx_text, libreoffice_text
from tests.rectification.problems_factories import (
    force_list_status,
    make_item,
    make_list,
    request_closure,
)
from tests.reports.helpers import file_bytes, pdf_text
from tests.utils import assert_constant_queries, check_matrix, client_for

pytestmark = pytest.mark.django_db

SLUGS = ("study", "meetings", "opinions", "talks", "rectification")
TITLES = {
    "study": "学习台账",
    "meetings": "会议记录",
    "opinions": "征求意见台账",
    "talks": "谈心谈话记录",
    "rectification": "整改台账",
}
# The PDF: DOWNLOAD_REPORTS (the clerk sees the pages but does not issue PDFs: 403).
PDF_OWN = {**VIEW_MATRIX["own"], "clerk": 403}
PDF_MATRIX = {
    "own": PDF_OWN,
    "park_a": {**PDF_OWN, "instructor": 404, "secretary": 404, "clerk": 404},
    "far": VIEW_MATRIX["far"],
}
WORD_MATRIX = {
    "own": VIEW_MATRIX["own"],
    "park_a": VIEW_MATRIX["parent"],
    "far": VIEW_MATRIX["far"],
}


@dataclass
class Records:
    campaign: Any
    people: list[Member]
    opinion: Opinion


def fill(world: World, org: Any = None, *, n: int = 1, suffix: str = "") -> Records:
    """`n` of every record a ledger shows, for `org` (default: own)."""
    org = org or world.own
    campaign = campaign_for(world)
    people = members(org, 3)
    # One problem list per organization and campaign: reopened to add items.
    plist = ProblemList.objects.filter(organization=org, campaign=campaign).first()
    if plist is None:
        plist = make_list(world, org, title="问题清单")
    force_list_status(plist, ReviewStatus.DRAFT)
    items = []
    for i in range(n):
        meeting(org, campaign, kind=MeetingKind.STUDY_SESSION, topic=f"集中学习党章{suffix}{i}",
                place="三楼会议室", absent={people[0]: "出差在外"}, chair=people[1],
                minute_taker=people[2], agenda="一、学习党章", content="书记领学。",
                resolutions="每月学习一次。")  # fmt: skip
        meeting(org, campaign, kind=MeetingKind.STUDY_EXCHANGE, topic=f"学习交流{suffix}{i}")
        counseling(people, campaign)
        make_talk(org, campaign, initiator_member=people[1], partner_name=f"职工{i}",
                  place="办公室", summary="谈思想与工作。")  # fmt: skip
        opinion = opinion_create(
            actor=None, organization=org, campaign=campaign, source=OpinionSource.FRONTLINE,
            channel=OpinionChannel.FORM, addressed_to=AddressedTo.TEAM,
            content=f"希望多组织学习{suffix}{i}", submitter_name="王小明",
            submitter_contact="13912345678", received_on=dt.date(2014, 5, 6),
        )  # fmt: skip
        items.append(make_item(plist, description=f"学习不够深入{suffix}{i}"))
    force_list_status(plist, ReviewStatus.APPROVED)
    for item in items:
        request_closure(world, item)
    return Records(campaign, people, opinion)


def word_url(org: Any, slug: str, campaign: Any) -> str:
    return f"/reports/org/{org.pk}/ledgers/{slug}.docx?campaign={campaign.pk}"


# --- who may download ------------------------------------------------------------------


@pytest.mark.parametrize("slug", SLUGS)
@pytest.mark.parametrize("position", sorted(WORD_MATRIX))
def test_word_ledger_follows_the_pages_matrix(world: World, slug: str, position: str) -> None:
    org = getattr(world, position)
    campaign = campaign_for(world) if position != "far" else None
    if campaign is None:
        from tests.rectification.problems_factories import campaign_for as county_campaign

        campaign = county_campaign(world, org)
    check_matrix(world, word_url(org, slug, campaign), WORD_MATRIX[position])


@pytest.mark.parametrize("slug", SLUGS)
@pytest.mark.parametrize("position", sorted(PDF_MATRIX))
def test_pdf_ledger_follows_the_reports_matrix(world: World, slug: str, position: str) -> None:
    from tests.rectification.problems_factories import campaign_for as county_campaign

    org = getattr(world, position)
    campaign = county_campaign(world, org)
    url = f"/reports/new/ledger-{slug}/?organization={org.pk}&campaign={campaign.pk}"
    check_matrix(world, url, PDF_MATRIX[position])


def test_a_campaign_that_does_not_reach_the_organization_is_404(world: World) -> None:
    from tests.rectification.problems_factories import campaign_for as county_campaign

    theirs = county_campaign(world, world.far)  # the other county's campaign
    client = client_for(world, "secretary")
    assert client.get(word_url(world.own, "study", theirs)).status_code == 404
    for bad in ("", "abc", "-1", "0", "99999999"):
        url = f"/reports/org/{world.own.pk}/ledgers/study.docx?campaign={bad}"
        assert client.get(url).status_code == 404, bad
    assert client.get(word_url(world.own, "nonsense", campaign_for(world))).status_code == 404
    url = f"/reports/new/ledger-study/?organization={world.own.pk}&campaign={theirs.pk}"
    assert client.get(url).status_code == 404


# --- what they say ---------------------------------------------------------------------


def word(world: World, persona: str, slug: str, campaign: Any, org: Any = None) -> str:
    response = client_for(world, persona).get(
        word_url(org or world.own, slug, campaign), HTTP_ACCEPT_LANGUAGE="zh-CN"
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return docx_text(
        b"".join(response.streaming_content) if response.streaming else response.content
    )


@pytest.mark.parametrize("slug", SLUGS)
def test_each_word_ledger_names_title_organization_campaign_and_records(
    world: World, media_root: Any, slug: str
) -> None:
    records = fill(world)
    text = word(world, "secretary", slug, records.campaign)
    lines = text.splitlines()
    assert lines[0] == world.own.full_name
    assert lines[1] == TITLES[slug]
    assert lines[2] == records.campaign.name
    expected = {
        "study": ["集中学习", "学习交流活动", "党员学习辅导情况", records.people[0].name, "党章学习"],
        "meetings": ["集中学习党章0", "三楼会议室", "出差在外", "一、学习党章", "书记领学。",
                     "每月学习一次。", "主持人（签字）：", "记录人（签字）："],
        "opinions": ["希望多组织学习0", "一线职工"],
        "talks": [records.people[1].name, "职工0", "谈思想与工作。"],
        "rectification": ["问题清单", "学习不够深入0", "每月集中学习一次", "张书记", "整改照片.png"],
    }[slug]  # fmt: skip
    for snippet in expected:
        assert snippet in text, (slug, snippet)


def test_a_clerks_ledger_masks_id_numbers_and_phones_as_the_pages_do(
    world: World, media_root: Any
) -> None:
    records = fill(world)
    person = records.people[0]
    clerk = word(world, "clerk", "study", records.campaign)
    assert person.name in clerk
    assert person.id_number not in clerk and person.masked_id in clerk
    assert person.phone not in clerk and person.masked_phone in clerk
    secretary = word(world, "secretary", "study", records.campaign)
    assert person.id_number in secretary and person.phone in secretary


def test_a_clerks_opinions_ledger_masks_the_submitter(world: World, media_root: Any) -> None:
    records = fill(world)
    clerk = word(world, "clerk", "opinions", records.campaign)
    assert "王小明" not in clerk and "13912345678" not in clerk
    assert records.opinion.masked_submitter_name in clerk
    secretary = word(world, "secretary", "opinions", records.campaign)
    assert "王小明" in secretary and "13912345678" in secretary


def test_the_pdf_is_masked_without_personal_data(
    world: World, media_root: Any, tmp_path: Any
) -> None:
    records = fill(world)
    person = records.people[0]
    texts = {}
    for persona in ("instructor", "secretary"):
        with TestCase.captureOnCommitCallbacks(execute=True):
            report = report_request(
                actor=getattr(world, persona),
                kind=registry.get("ledger-study"),
                params={"organization": world.own.pk, "campaign": records.campaign.pk},
                language="zh-hans",
            )
        report.refresh_from_db()
        assert report.status == ReportStatus.DONE, report.error
        texts[persona] = pdf_text(file_bytes(report), tmp_path).replace(" ", "")
    assert "学习台账" in texts["secretary"] and person.name in texts["secretary"]
    assert person.id_number in texts["secretary"]
    assert person.id_number not in texts["instructor"]
    assert person.masked_id in texts["instructor"]


# --- queries ---------------------------------------------------------------------------

# session, user, organization, grants, campaign, the ledger's own reads, and the audit
# log's row for the download (file.download). The ledger's reads: study: meetings,
# participations, members with their counts, counseling records, notes; meetings:
# meetings, attendance, participations, criticism entries; opinions and talks: one;
# rectification: items, closure requests, evidence.
QUERIES = {"study": 11, "meetings": 10, "opinions": 7, "talks": 7, "rectification": 9}


@pytest.mark.parametrize("slug", SLUGS)
def test_word_ledger_queries_do_not_grow_with_the_records(
    world: World, media_root: Any, slug: str
) -> None:
    records = fill(world)
    assert_constant_queries(
        client_for(world, "secretary"),
        word_url(world.own, slug, records.campaign),
        lambda: fill(world, n=8, suffix="x"),
        expected=QUERIES[slug],
    )


# --- one meeting's record and the appraisal sheet in Word ------------------------------


def _content(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize("position", sorted(WORD_MATRIX))
def test_a_meetings_word_record_follows_the_pages_matrix(world: World, position: str) -> None:
    from tests.rectification.problems_factories import campaign_for as county_campaign

    org = getattr(world, position)
    m = meeting(org, county_campaign(world, org), topic="支部大会")
    check_matrix(world, f"/reports/meeting/{m.pk}/record.docx", WORD_MATRIX[position])
    assert (
        client_for(world, "secretary").get("/reports/meeting/999999/record.docx").status_code == 404
    )


def test_a_meetings_word_record_is_the_paper_record(world: World) -> None:
    campaign = campaign_for(world)
    people = members(world.own, 3)
    m = meeting(world.own, campaign, topic="支部大会：学习党章", place="公司三楼会议室",
                absent={people[0]: "出差在外"}, chair=people[1], minute_taker=people[2],
                agenda="一、学习党章\n二、讨论", content="书记领学。", resolutions="每月学习一次。")  # fmt: skip
    response = client_for(world, "clerk").get(
        f"/reports/meeting/{m.pk}/record.docx", HTTP_ACCEPT_LANGUAGE="zh-CN"
    )
    assert response.status_code == 200
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    text = docx_text(_content(response))
    for snippet in (world.own.full_name, "会议纪实", "支部大会：学习党章", "2014-04-10 09:00 – 11:00",
                    "公司三楼会议室", people[1].name, people[2].name, "出差在外",
                    f"应到 {m.expected_count} 人，实到 {m.present_count} 人，缺席 1 人", "一、学习党章\n二、讨论", "书记领学。",
                    "每月学习一次。", "主持人（签字）：", "记录人（签字）："):  # fmt: skip
        assert snippet in text, snippet


def test_a_meetings_word_record_runs_a_fixed_number_of_queries(world: World) -> None:
    campaign = campaign_for(world)
    people = members(world.own, 2)
    m = meeting(world.own, campaign, absent={people[0]: "病假"})

    def grow() -> None:
        from activities.models import Attendance

        Attendance.objects.bulk_create(
            Attendance(meeting=m, member=p, present=False, absence_reason="出差")
            for p in members(world.own, 20)
        )

    # session, user, the meeting, grants, attendance, participations, criticism
    # entries, the audit row
    assert_constant_queries(
        client_for(world, "secretary"), f"/reports/meeting/{m.pk}/record.docx", grow, expected=8
    )


@pytest.mark.parametrize("position", sorted(WORD_MATRIX))
def test_the_appraisal_sheet_in_word_follows_the_pages_matrix(world: World, position: str) -> None:
    from activities.seed import ensure_campaign_2014
    from tests.activities.phase2_factories import make_session

    org = getattr(world, position)
    lead = world.other_county if position == "far" else world.county
    session = make_session(org, ensure_campaign_2014(lead))
    check_matrix(world, f"/reports/appraisal/{session.pk}/sheet.docx", WORD_MATRIX[position])


def test_the_appraisal_sheet_in_word_names_grades_and_members(world: World) -> None:
    from activities.seed import ensure_campaign_2014
    from tests.activities.phase2_factories import closed_session

    people = members(world.own, 3)
    session = closed_session(world.own, ensure_campaign_2014(world.county), ["good", "fair"])
    response = client_for(world, "secretary").get(
        f"/reports/appraisal/{session.pk}/sheet.docx", HTTP_ACCEPT_LANGUAGE="zh-CN"
    )
    assert response.status_code == 200
    text = docx_text(_content(response))
    assert text.splitlines()[1] == "民主评议党员结果表"
    for snippet in (world.own.full_name, "党员得票情况", "评定结果", people[0].name, "（盖章）"):
        assert snippet in text, snippet
    assert people[0].id_number not in text


# --- the ledgers page and the links on the records' pages ------------------------------


@pytest.mark.parametrize("position", sorted(WORD_MATRIX))
def test_the_ledgers_page_follows_the_pages_matrix(world: World, position: str) -> None:
    org = getattr(world, position)
    check_matrix(world, f"/reports/org/{org.pk}/ledgers/", WORD_MATRIX[position])


def test_the_ledgers_page_offers_word_to_viewers_and_pdf_to_those_who_print(
    world: World,
) -> None:
    campaign = campaign_for(world)
    url = f"/reports/org/{world.own.pk}/ledgers/"
    secretary = client_for(world, "secretary").get(url, HTTP_ACCEPT_LANGUAGE="zh-CN")
    page = secretary.content.decode()
    for slug in SLUGS:
        assert f"/ledgers/{slug}.docx?campaign={campaign.pk}" in page
        assert f'action="/reports/new/ledger-{slug}/"' in page
        assert TITLES[slug] in page
    assert "下载 Word" in page and "下载 PDF" in page
    clerk = client_for(world, "clerk").get(url, HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "/ledgers/study.docx" in clerk and "/reports/new/ledger-" not in clerk
    assert "已按页面规则隐去" in clerk and "已按页面规则隐去" not in page


def test_the_ledgers_page_runs_a_fixed_number_of_queries(world: World) -> None:
    from activities.seed import ensure_campaign_2014
    from tests.activities.phase2_factories import make_session

    campaign = ensure_campaign_2014(world.county)
    make_session(world.own, campaign)

    def grow() -> None:
        from tests.activities.phase2_factories import later_campaign

        for _i in range(3):
            later_campaign(world.county)

    # session, user, organization, grants, campaigns, appraisal sessions, the
    # navigation's unread count and roles
    assert_constant_queries(
        client_for(world, "secretary"), f"/reports/org/{world.own.pk}/ledgers/", grow, expected=8
    )


def test_records_pages_link_to_their_ledger(world: World, media_root: Any) -> None:
    records = fill(world)
    client = client_for(world, "secretary")
    c = records.campaign.pk
    own = world.own.pk

    def url(name: str) -> str:
        return reverse(f"activities:{name}", args=[own])

    plist = ProblemList.objects.get(organization=world.own)
    pages = {
        url("counseling_list") + f"?campaign={c}": f"/ledgers/study.docx?campaign={c}",
        url("opinion_list") + f"?campaign={c}": f"/ledgers/opinions.docx?campaign={c}",
        url("talk_list") + f"?campaign={c}": f"/ledgers/talks.docx?campaign={c}",
        plist.get_absolute_url(): f"/ledgers/rectification.docx?campaign={c}",
        url("meeting_list"): f"/reports/org/{own}/ledgers/",
    }
    for page, link in pages.items():
        response = client.get(page)
        assert response.status_code == 200, page
        assert link in response.content.decode(), page


# --- opened by LibreOffice ---------------------------------------------------------------


@pytest.mark.single_pass  # LibreOffice takes 2-4 s a file; the file does not depend on the database
def test_libreoffice_opens_every_word_ledger(world: World, media_root: Any) -> None:
    """Each Word file, converted by LibreOffice headless, reads back with its title,
    organization, a member's name and a heading."""
    from activities.seed import ensure_campaign_2014
    from tests.activities.phase2_factories import closed_session

    records = fill(world)
    person = records.people[1].name
    client = client_for(world, "secretary")
    expected = {
        "study": ["学习辅导记录", person],
        "meetings": ["集中学习党章0", person],
        "opinions": ["收到日期", "希望多组织学习0"],
        "talks": ["谈话对象", person],
        "rectification": ["整改措施", "学习不够深入0"],
    }
    for slug in SLUGS:
        response = client.get(
            word_url(world.own, slug, records.campaign), HTTP_ACCEPT_LANGUAGE="zh-CN"
        )
        text = libreoffice_text(_content(response))
        for snippet in [world.own.full_name, TITLES[slug], *expected[slug]]:
            assert snippet in text, (slug, snippet)
    session = closed_session(world.own, ensure_campaign_2014(world.county), ["good"])
    response = client.get(
        f"/reports/appraisal/{session.pk}/sheet.docx", HTTP_ACCEPT_LANGUAGE="zh-CN"
    )
    text = libreoffice_text(_content(response))
    for snippet in (world.own.full_name, "民主评议党员结果表", "党员得票情况", person):
        assert snippet in text, snippet


def test_hostile_text_in_a_meeting_is_written_as_text(world: World) -> None:
    m = meeting(world.own, campaign_for(world), topic="<b>会议</b>\x0b",
                content="<script>alert(1)</script>\x0c\n第二行")  # fmt: skip
    response = client_for(world, "secretary").get(f"/reports/meeting/{m.pk}/record.docx")
    assert response.status_code == 200
    text = docx_text(_content(response))
    assert "<b>会议</b>" in text and "<script>alert(1)</script>\n第二行" in text
