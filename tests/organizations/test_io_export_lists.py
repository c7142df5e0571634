"""Every list exported (docs/product.md §10, issue #17 part 2): each export of the
registry (organizations.resources.EXPORTS) added for phases 1 to 3 and the visit log
goes through the same rules as the first ones — scope, no personal data for a role
that may not see it, formulas neutralized after control characters are dropped,
headings in the user's language, the list page's filters and link, and a number of
queries that does not grow with the rows.

The tests are parametrized over CASES; a kind registered without a case here (or in
COVERED_ELSEWHERE) fails test_every_registered_export_has_its_tests."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.models import (
    AppraisalGrade,
    AppraisalResult,
    AppraisalSession,
    Campaign,
    CounselingRecord,
    Invitation,
    MeetingAnnouncement,
    MeetingKind,
    Reply,
    SelfExamination,
    StudyMode,
)
from activities.seed import ensure_campaign_2014
from bulletins.models import Bulletin, UpwardReport
from guidance.models import GuidanceVisit
from organizations.models import Organization
from organizations.resources import EXPORTS, XLSX_MIME
from rectification.models import (
    Commendation,
    CommendationKind,
    FundingReceipt,
    FundingSource,
    Mechanism,
    Pledge,
    SatisfactionAnswer,
    SatisfactionBallot,
    SatisfactionQuestion,
    SatisfactionSurvey,
    StandardAssessment,
    StandardTemplate,
    SurveyMode,
)
from rectification.seed import ensure_standard_templates
from rectification.seed_satisfaction import ensure_satisfaction_questions
from tests.activities.phase2_factories import later_campaign, make_talk
from tests.conftest import World
from tests.factories import MemberFactory, add_org
from tests.organizations.test_io_support import body, read_csv, read_xlsx
from tests.utils import assert_constant_queries, check_matrix, client_for
from upgrading.models import Demonstration, Grade, Grading, LeadershipTerm, UpgradePlan
from upgrading.seed import ensure_grading_template

pytestmark = pytest.mark.django_db

# Exports whose tests live elsewhere (the first ones, before issue #17).
COVERED_ELSEWHERE = {
    "members": "tests/organizations/test_io_export.py",
    "organizations": "tests/organizations/test_io_export.py",
    "enterprises": "tests/organizations/test_io_export.py",
    "meetings": "tests/organizations/test_io_export_records.py",
    "opinions": "tests/organizations/test_io_export_records.py",
    "problem-items": "tests/organizations/test_io_export_records.py",
}

PAYLOAD = '\x01=HYPERLINK("http://evil.example","点我")'
NEUTRALIZED = '\'=HYPERLINK("http://evil.example","点我")'


def campaign(world: World) -> Campaign:
    """The 2014 campaign of the test county, with its standards and ballot questions."""
    found = ensure_campaign_2014(world.county)
    ensure_standard_templates(found)
    ensure_satisfaction_questions(found)
    return found


# --- one row of each kind -------------------------------------------------------------
# make(world, org, text, campaign): one record of `org` whose exported text column holds
# `text` (kinds without free text show the organization's name instead).


def make_counseling(world: World, org: Organization, text: str, camp: Campaign) -> Any:
    member = MemberFactory(organization=org, name=text)
    return CounselingRecord.objects.create(
        member=member,
        organization=org,
        campaign=camp,
        date=dt.date(2014, 5, 6),
        mode=StudyMode.CONCENTRATED,
        topic="党章学习",
        hours=Decimal("2"),
    )


def make_talk_row(world: World, org: Organization, text: str, camp: Campaign) -> Any:
    return make_talk(org, camp, summary=text)


def make_statement(world: World, org: Organization, text: str, camp: Campaign) -> Any:
    taken = set(
        SelfExamination.objects.filter(organization=org, campaign=camp).values_list(
            "subject", flat=True
        )
    )
    subject = "team" if "team" not in taken else "secretary"
    return SelfExamination.objects.create(organization=org, campaign=camp, subject=subject)


def make_appraisal_result(world: World, org: Organization, text: str, camp: Campaign) -> Any:
    session, _created = AppraisalSession.objects.get_or_create(
        organization=org,
        campaign=camp,
        defaults={
            "starts_on": dt.date(2014, 6, 20),
            "ends_on": dt.date(2014, 6, 21),
            "expected": 10,
            "present": 9,
        },
    )
    grade = AppraisalGrade.objects.filter(campaign=camp).order_by("order").first()
    return AppraisalResult.objects.create(
        session=session,
        member=MemberFactory(organization=org),
        votes={grade.code: 9},
        determination=grade,
        handling=text,
    )


def make_pledge(world: World, org: Organization, text: str, camp: Campaign) -> Any:
    return Pledge.objects.create(
        member=MemberFactory(organization=org), organization=org, campaign=camp, commitments=text
    )


def make_mechanism(world: World, org: Organization, text: str, camp: Campaign) -> Any:
    return Mechanism.objects.create(
        organization=org, campaign=camp, title=text, established_on=dt.date(2014, 8, 1)
    )


def make_receipt(world: World, org: Organization, text: str, camp: Campaign) -> Any:
    return FundingReceipt.objects.create(
        organization=org,
        campaign=camp,
        source=FundingSource.RETAINED_DUES,
        amount=Decimal("1200.50"),
        received_on=dt.date(2014, 8, 20),
        note=text,
    )


def make_commendation(world: World, org: Organization, text: str, camp: Campaign) -> Any:
    return Commendation.objects.create(
        organization=org,
        campaign=camp,
        kind=CommendationKind.MODEL_ORGANIZATION,
        title=text,
        commended_on=dt.date(2014, 7, 1),
        commended_by="中共测试县委",
    )


def make_assessment(world: World, org: Organization, text: str, camp: Campaign) -> Any:
    taken = StandardAssessment.objects.filter(organization=org, campaign=camp).values("template")
    template = StandardTemplate.objects.exclude(pk__in=taken).order_by("code").first()
    return StandardAssessment.objects.create(organization=org, campaign=camp, template=template)


def make_survey(world: World, org: Organization, text: str, camp: Campaign) -> Any:
    survey, _created = SatisfactionSurvey.objects.get_or_create(
        organization=org, campaign=camp, defaults={"mode": SurveyMode.DEVICE}
    )
    overall = SatisfactionQuestion.objects.get(campaign=camp, is_overall=True)
    for choice in ("satisfied", "satisfied", "basic", "unsatisfied"):
        ballot = SatisfactionBallot.objects.create(survey=survey, organization=org, campaign=camp)
        SatisfactionAnswer.objects.create(ballot=ballot, question=overall, choice=choice)
    return survey


def make_visit(world: World, org: Organization, text: str, camp: Campaign) -> Any:
    return GuidanceVisit.objects.create(
        organization=org,
        instructor=world.instructor,
        visited_on=dt.date(2014, 9, 1),
        checked="查看了三会一课记录。",
        advice=text,
    )


def make_answer(world: World, org: Organization, text: str, camp: Campaign) -> Any:
    starts = timezone.make_aware(dt.datetime(2014, 6, 3, 14, 30))
    announcement = MeetingAnnouncement.objects.create(
        organization=org,
        campaign=camp,
        kind=MeetingKind.BRANCH_GENERAL,
        topic="支部党员大会",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        place="三楼会议室",
    )
    return Invitation.objects.create(
        announcement=announcement,
        member=MemberFactory(organization=org),
        reply=Reply.ABSENT,
        reason=text,
        replied_at=starts - dt.timedelta(days=1),
    )


def make_upward_report(world: World, org: Organization, text: str, camp: Campaign) -> Any:
    report = UpwardReport(organization=org, campaign=camp, title="学习党章情况", body=text)
    report.set_tags(["学习"])
    report.save()
    return report


def make_bulletin(world: World, org: Organization, text: str, camp: Campaign) -> Any:
    number = Bulletin.objects.filter(organization=org, campaign=camp).count() + 1
    return Bulletin.objects.create(
        organization=org,
        campaign=camp,
        number=number,
        title=text,
        issuer="活动领导小组办公室",
        issued_on=dt.date(2014, 7, number),
    )


def _next_year(model: Any, org: Organization) -> int:
    return 2014 + model.objects.filter(organization=org).count()


def make_grading(world: World, org: Organization, text: str, camp: Campaign) -> Any:
    return Grading.objects.create(
        organization=org,
        year=_next_year(Grading, org),
        template=ensure_grading_template(),
        grade=Grade.MIDDLE,
        score=75,
        max_score=100,
        note=text,
    )


def make_term(world: World, org: Organization, text: str, camp: Campaign) -> Any:
    elected_on = dt.date(2012, 3, 1) + dt.timedelta(
        days=LeadershipTerm.objects.filter(organization=org).count()
    )
    return LeadershipTerm.objects.create(
        organization=org, elected_on=elected_on, term_years=3, note=text
    )


def make_plan(world: World, org: Organization, text: str, camp: Campaign) -> Any:
    return UpgradePlan.objects.create(
        organization=org,
        year=_next_year(UpgradePlan, org),
        reason="lagging",
        causes="班子不健全。",
        measures=text,
        contact_cadre="王县长",
        deadline=dt.date(2015, 6, 30),
    )


def make_demonstration(world: World, org: Organization, text: str, camp: Campaign) -> Any:
    return Demonstration.objects.create(
        organization=org, year=_next_year(Demonstration, org), reasons=text
    )


@dataclass(frozen=True)
class Case:
    make: Callable[[World, Organization, str, Campaign], Any]
    # Heading (Chinese) of the column showing `text`; "组织名称" for kinds without free text.
    column: str
    # The first headings, in Chinese and in English.
    zh: tuple[str, ...]
    en: tuple[str, ...]
    # The list page of world.own (after one row was made) and what its link carries.
    page: Callable[[World], str]
    carried: tuple[str, ...]
    # Queries of the export with ?org= and without, pinned (constant in the rows).
    queries: tuple[int, int]

    @property
    def text_is_org(self) -> bool:
        return self.column == "组织名称"


def _page(name: str, query: str = "") -> Callable[[World], str]:
    return lambda world: reverse(name, args=[world.own.pk]) + query


def _appraisal_page(world: World) -> str:
    session = AppraisalSession.objects.get(organization=world.own)
    return reverse("activities:appraisal_detail", args=[session.pk])


CASES: dict[str, Case] = {
    "counseling": Case(
        make_counseling,
        "党员姓名",
        ("组织名称", "党员姓名", "辅导次数", "学时", "是否达到要求"),
        ("organization", "member", "sessions", "hours", "covered"),
        _page("activities:counseling_list"),
        ("campaign=",),
        (7, 5),
    ),
    "talks": Case(
        make_talk_row,
        "谈话要点",
        ("组织名称", "谈话日期", "谈话人", "谈话对象", "谈话形式"),
        ("organization", "date", "who talked", "with whom", "form"),
        _page("activities:talk_list", "?date_from=2014-06-01"),
        ("date_from=2014-06-01", "campaign="),
        (7, 5),
    ),
    "statements": Case(
        make_statement,
        "组织名称",
        ("组织名称", "活动", "对照检查对象", "审核状态", "提交日期"),
        ("organization", "campaign", "whose statement", "review status", "submitted on"),
        _page("activities:statement_list"),
        ("campaign=",),
        (7, 5),
    ),
    "appraisal-results": Case(
        make_appraisal_result,
        "处理情况",
        ("组织名称", "活动", "党员姓名", "评议结果", "未参加评议"),
        ("organization", "campaign", "member", "determination", "not appraised"),
        _appraisal_page,
        ("campaign=",),
        (7, 5),
    ),
    "meeting-answers": Case(
        make_answer,
        "不能参加原因",
        ("组织名称", "会议时间", "会议类型", "会议主题", "地点", "党员姓名", "回复"),
        ("organization", "starts at", "kind", "topic", "place", "member", "answer"),
        _page("activities:announcement_list"),
        (),
        (6, 5),
    ),
    "upward-reports": Case(
        make_upward_report,
        "正文",
        ("组织名称", "报送时间", "活动", "阶段", "标题", "正文", "标签"),
        ("organization", "sent at", "campaign", "phase", "title", "text", "tags"),
        _page("bulletins:feed", "?tag=学习"),
        ("tag=",),
        (6, 5),
    ),
    "bulletins": Case(
        make_bulletin,
        "标题",
        ("编印组织", "活动", "期数", "标题", "印发单位", "印发日期", "采用信息条数"),
        ("compiled by", "campaign", "number", "title", "issuing office", "date of issue"),
        _page("bulletins:bulletin_list"),
        (),
        (6, 5),
    ),
    "pledges": Case(
        make_pledge,
        "比作风、亮承诺",
        ("组织名称", "活动", "党员姓名", "比思想、亮身份", "比作风、亮承诺"),
        ("organization", "campaign", "member", "compare thinking, show identity"),
        _page("rectification:pledge_list"),
        ("campaign=",),
        (7, 5),
    ),
    "mechanisms": Case(
        make_mechanism,
        "制度名称",
        ("组织名称", "活动", "制度名称", "制度类别", "建立日期"),
        ("organization", "campaign", "mechanism", "kind", "established on"),
        _page("rectification:mechanism_register"),
        ("campaign=",),
        (7, 5),
    ),
    "funding": Case(
        make_receipt,
        "备注",
        ("组织名称", "活动", "到账日期", "经费来源", "金额（元）"),
        ("organization", "campaign", "received on", "source", "amount (yuan)"),
        _page("rectification:funding_overview"),
        ("campaign=",),
        (7, 5),
    ),
    "commendations": Case(
        make_commendation,
        "荣誉称号",
        ("组织名称", "活动", "表彰类别", "表彰对象", "荣誉称号"),
        ("organization", "campaign", "kind", "commended", "honour"),
        _page("rectification:commendation_list"),
        ("campaign=",),
        (7, 5),
    ),
    "standards": Case(
        make_assessment,
        "组织名称",
        ("组织名称", "活动", "标准", "审核状态", "是否达标"),
        ("organization", "campaign", "standard", "review status", "met"),
        _page("rectification:standard_overview"),
        (),
        (6, 5),
    ),
    "satisfaction": Case(
        make_survey,
        "组织名称",
        ("组织名称", "活动", "测评票数", "满意", "基本满意", "不满意", "满意率(%)"),
        ("organization", "campaign", "ballots", "satisfied", "basically satisfied"),
        _page("rectification:satisfaction"),
        ("campaign=",),
        (7, 5),
    ),
    "visits": Case(
        make_visit,
        "指导意见",
        ("走访日期", "组织名称", "指导员", "检查内容", "指导意见"),
        ("visited on", "organization", "instructor", "what was checked", "advice given"),
        _page("guidance:org_visits"),
        (),
        (6, 5),
    ),
    "gradings": Case(
        make_grading,
        "备注",
        ("组织名称", "年度", "类别", "得分", "满分", "备注"),
        ("organization", "year", "class", "score", "out of", "remarks"),
        _page("upgrading:org"),
        (),
        (6, 5),
    ),
    "terms": Case(
        make_term,
        "备注",
        ("组织名称", "选举日期", "任期（年）", "应换届日期", "备注"),
        ("organization", "elected on", "term (years)", "re-election due on", "remarks"),
        _page("upgrading:org"),
        (),
        (6, 5),
    ),
    "upgrade-plans": Case(
        make_plan,
        "整改措施",
        ("组织名称", "年度", "列入原因", "原因分析", "整改措施", "联系领导干部"),
        ("organization", "year", "listed as", "causes", "measures"),
        _page("upgrading:org"),
        (),
        (6, 5),
    ),
    "demonstrations": Case(
        make_demonstration,
        "推荐理由",
        ("组织名称", "年度", "推荐理由", "审核状态"),
        ("organization", "year", "reasons", "review status"),
        _page("upgrading:org"),
        (),
        (6, 5),
    ),
}

KINDS = sorted(CASES)


def download(client: Any, url: str, lang: str = "zh-hans") -> list[list]:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=lang)
    assert response.status_code == 200, (url, response.status_code)
    data = body(response)
    return read_xlsx(data) if url.split("?")[0].endswith(".xlsx") else read_csv(data)


def column(rows: list[list], heading: str) -> list:
    index = rows[0].index(heading)
    return [row[index] for row in rows[1:]]


def marker(case: Case, org: Organization, name: str) -> str:
    return org.full_name if case.text_is_org else f"标记-{name}"


def make(case: Case, world: World, name: str, camp: Campaign) -> Any:
    org = getattr(world, name)
    return case.make(world, org, marker(case, org, name), camp)


# --- the registry ---------------------------------------------------------------------


def test_every_registered_export_has_its_tests() -> None:
    untested = set(EXPORTS) - set(CASES) - set(COVERED_ELSEWHERE)
    assert not untested, f"exports without tests: {sorted(untested)}"
    assert set(CASES) <= set(EXPORTS)


# --- permissions and scope ------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_permission_matrix(world: World, kind: str) -> None:
    make(CASES[kind], world, "own", campaign(world))
    for query in ("", f"?org={world.own.code}"):
        check_matrix(
            world,
            f"/io/export/{kind}.csv{query}",
            {
                "anonymous": 302,  # to the login page
                "nobody": 404,  # no role: nothing to export
                "member_user": 404,
                "accounts": 403,  # a role with no right on the records
                # Another subtree: its own scope without a filter, 404 for this one.
                "outsider": 404 if query else 200,
                "secretary": 200,
                "clerk": 200,
                "office": 200,
                "reviewer": 200,
                "instructor": 200,
                "admin": 200,
            },
        )


@pytest.mark.parametrize("kind", KINDS)
def test_each_export_holds_only_the_users_scope(world: World, kind: str) -> None:
    case = CASES[kind]
    camp = campaign(world)
    names = ("own", "child", "sibling", "other")
    for name in names:
        make(case, world, name, camp)
    expected = {
        "secretary": ("own", "child"),
        "reviewer": ("own", "child", "sibling"),  # the reviewer's subtree (park_a)
        "outsider": ("other",),
        "admin": names,
    }
    everything = {marker(case, getattr(world, n), n) for n in names}
    for persona, visible in expected.items():
        rows = download(client_for(world, persona), f"/io/export/{kind}.csv")
        seen = set(column(rows, case.column)) & everything
        assert seen == {marker(case, getattr(world, n), n) for n in visible}, persona


@pytest.mark.parametrize("kind", KINDS)
def test_the_org_filter_keeps_the_pages_rows(world: World, kind: str) -> None:
    case = CASES[kind]
    camp = campaign(world)
    for name in ("own", "child"):
        make(case, world, name, camp)
    rows = download(client_for(world, "secretary"), f"/io/export/{kind}.csv?org={world.child.code}")
    texts = set(column(rows, case.column))
    assert marker(case, world.child, "child") in texts
    assert marker(case, world.own, "own") not in texts


@pytest.mark.parametrize("kind", KINDS)
def test_no_personal_data_for_a_clerk(world: World, kind: str) -> None:
    """None of these lists has an ID number or phone column: a clerk (no PERSONAL_DATA)
    finds neither in any file, even for members named in it."""
    case = CASES[kind]
    camp = campaign(world)
    make(case, world, "own", camp)
    member = MemberFactory(organization=world.own, name="有号码的党员")
    CounselingRecord.objects.create(
        member=member,
        organization=world.own,
        campaign=camp,
        date=dt.date(2014, 5, 6),
        mode=StudyMode.SELF_STUDY,
        topic="自学",
        hours=Decimal("1"),
    )
    for fmt in ("csv", "xlsx"):
        rows = download(client_for(world, "clerk"), f"/io/export/{kind}.{fmt}?org={world.own.code}")
        cells = {str(v) for row in rows for v in row}
        assert len(rows) > 1, kind
        assert not any(member.id_number in c or member.phone in c for c in cells), kind
        assert not any(re.search(r"\d{17}[\dX]", c) for c in cells), kind


@pytest.mark.parametrize("kind", KINDS)
def test_each_download_is_audited(world: World, kind: str) -> None:
    from portal.accounts.models import AuditEvent

    make(CASES[kind], world, "own", campaign(world))
    url = f"/io/export/{kind}.xlsx?org={world.own.code}"
    download(client_for(world, "clerk"), url)
    event = AuditEvent.objects.get(action="file.download")
    assert event.actor == world.clerk
    assert event.target == url
    assert f"{kind}" in event.detail["path"] and "attachment" in event.detail["disposition"]


# --- cells, headings, formats ---------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_a_formula_after_a_control_character_is_neutralized(world: World, kind: str) -> None:
    case = CASES[kind]
    if case.text_is_org:
        # No free text of its own: the organization's name carries the payload.
        Organization.objects.filter(pk=world.own.pk).update(full_name=PAYLOAD)
        world.own.refresh_from_db()
        case.make(world, world.own, PAYLOAD, campaign(world))
    else:
        case.make(world, world.own, PAYLOAD, campaign(world))
    client = client_for(world, "secretary")
    for fmt in ("xlsx", "csv"):
        rows = download(client, f"/io/export/{kind}.{fmt}?org={world.own.code}")
        assert NEUTRALIZED in column(rows, case.column), (kind, fmt)
        assert not any(isinstance(v, str) and v.startswith("=") for row in rows for v in row)


@pytest.mark.parametrize("kind", KINDS)
def test_headings_follow_the_language(world: World, kind: str) -> None:
    case = CASES[kind]
    make(case, world, "own", campaign(world))
    client = client_for(world, "secretary")
    zh = download(client, f"/io/export/{kind}.xlsx")[0]
    en = download(client, f"/io/export/{kind}.csv", lang="en")[0]
    assert tuple(zh[: len(case.zh)]) == case.zh
    assert tuple(en[: len(case.en)]) == case.en
    assert len(zh) == len(en)
    assert all(re.search(r"[\u4e00-\u9fff]", h) for h in zh), zh
    assert all(h.isascii() for h in en), en


@pytest.mark.parametrize("kind", KINDS)
def test_content_types(world: World, kind: str) -> None:
    client = client_for(world, "secretary")
    response = client.get(f"/io/export/{kind}.xlsx")
    assert response["Content-Type"] == XLSX_MIME
    assert "attachment" in response["Content-Disposition"]
    response = client.get(f"/io/export/{kind}.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert body(response).startswith(b"\xef\xbb\xbf")
    assert client.get(f"/io/export/{kind}.pdf").status_code == 404


# --- the list pages' links ------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_the_list_page_links_its_export_with_its_filters(world: World, kind: str) -> None:
    case = CASES[kind]
    make(case, world, "own", campaign(world))
    page = case.page(world)
    response = client_for(world, "secretary").get(page)
    assert response.status_code == 200, page
    html = response.content.decode()
    links = re.findall(rf'href="(/io/export/{kind}\.(?:xlsx|csv)\?[^"]*)"', html)
    assert len(links) == 2, (page, links)
    for link in links:
        assert f"org={world.own.code}" in link, link
        for part in case.carried:
            assert part in link, (part, link)
    # The link downloads what the page shows: the own row.
    rows = download(client_for(world, "secretary"), links[1].replace("&amp;", "&"))
    assert marker(case, world.own, "own") in column(rows, case.column)


def test_the_scope_pages_link_their_exports(world: World) -> None:
    camp = campaign(world)
    make_commendation(world, world.own, "模范", camp)
    make_visit(world, world.own, "建议", camp)
    secretary = client_for(world, "secretary")
    html = secretary.get(reverse("rectification:commendation_scope_list") + "?kind=model_org")
    assert "/io/export/commendations.csv?kind=model_org" in html.content.decode()
    html = secretary.get(reverse("guidance:visit_list") + "?overdue=1")
    assert "/io/export/visits.xlsx?overdue=1" in html.content.decode()


# --- each page's own filters ----------------------------------------------------------


def test_counseling_uncovered_filter(world: World) -> None:
    camp = campaign(world)
    covered = MemberFactory(organization=world.own, name="已达标")
    for day in range(1, camp.min_counseling_per_member + 1):
        CounselingRecord.objects.create(
            member=covered,
            organization=world.own,
            campaign=camp,
            date=dt.date(2014, 5, day),
            mode=StudyMode.SELF_STUDY,
            topic="自学",
            hours=Decimal("1"),
        )
    MemberFactory(organization=world.own, name="未达标")  # no session yet
    client = client_for(world, "secretary")
    url = f"/io/export/counseling.csv?org={world.own.code}&campaign={camp.pk}"
    rows = download(client, url)
    by_name = {row[1]: row for row in rows[1:]}
    assert by_name["已达标"][4] == "是" and by_name["未达标"][4] == "否"
    names = set(column(download(client, url + "&uncovered=on"), "党员姓名"))
    assert "未达标" in names and "已达标" not in names
    # The page's link carries the filter.
    page = reverse("activities:counseling_list", args=[world.own.pk]) + "?uncovered=on"
    html = client.get(page).content.decode()
    link = re.search(r'href="(/io/export/counseling\.csv\?[^"]*)"', html).group(1)
    assert "uncovered=on" in link
    names = set(column(download(client, link.replace("&amp;", "&")), "党员姓名"))
    assert "未达标" in names and "已达标" not in names


def test_talk_filters(world: World) -> None:
    camp = campaign(world)
    make_talk(world.own, camp, summary="五月", talked_on=dt.date(2014, 5, 10))
    make_talk(world.own, camp, summary="六月", talked_on=dt.date(2014, 6, 10))
    url = f"/io/export/talks.csv?org={world.own.code}&date_from=2014-06-01"
    summaries = column(download(client_for(world, "secretary"), url), "谈话要点")
    assert summaries == ["六月"]
    # A bad date is ignored as on the page, never a 500.
    url = f"/io/export/talks.csv?org={world.own.code}&date_from=not-a-date"
    assert len(download(client_for(world, "secretary"), url)) == 3


def test_a_filter_applied_in_place_updates_the_links(world: World) -> None:
    """The talk and counseling lists refresh their results in place (htmx) when a filter
    changes: the links are part of what is refreshed, so they carry the new filter."""
    camp = campaign(world)
    make_talk(world.own, camp)
    client = client_for(world, "secretary")
    for name, query in (
        ("activities:talk_list", "date_from=2014-06-01"),
        ("activities:counseling_list", "uncovered=on"),
    ):
        url = reverse(name, args=[world.own.pk]) + f"?campaign={camp.pk}&{query}"
        html = client.get(url, HTTP_HX_REQUEST="true").content.decode()
        links = re.findall(r'href="(/io/export/[^"]*)"', html)
        assert len(links) == 2 and all(query in link for link in links), (name, links)


def test_the_campaign_filter(world: World) -> None:
    camp = campaign(world)
    later = later_campaign(world.county)
    make_pledge(world, world.own, "二〇一四年承诺", camp)
    make_pledge(world, world.own, "后续活动承诺", later)
    client = client_for(world, "secretary")
    for pk, text in ((camp.pk, "二〇一四年承诺"), (later.pk, "后续活动承诺")):
        url = f"/io/export/pledges.csv?org={world.own.code}&campaign={pk}"
        assert column(download(client, url), "比作风、亮承诺") == [text]


def test_commendation_kind_filter(world: World) -> None:
    camp = campaign(world)
    make_commendation(world, world.own, "先进基层党组织", camp)
    investor = MemberFactory(organization=world.own, name="出资人", is_investor=True)
    Commendation.objects.create(
        organization=world.own,
        campaign=camp,
        kind=CommendationKind.TYPICAL_INVESTOR,
        member=investor,
        title="优秀出资人党员",
        commended_on=dt.date(2014, 7, 1),
        commended_by="中共测试县委",
    )
    client = client_for(world, "secretary")
    rows = download(client, "/io/export/commendations.csv?kind=investor")
    assert column(rows, "荣誉称号") == ["优秀出资人党员"]
    assert column(rows, "表彰对象") == ["出资人"]
    assert len(download(client, "/io/export/commendations.csv?kind=nonsense")) == 3


def test_visit_filters(world: World) -> None:
    camp = campaign(world)
    today = timezone.localdate()
    make_visit(world, world.own, "无回访", camp)
    GuidanceVisit.objects.create(
        organization=world.own,
        instructor=world.instructor,
        visited_on=today - dt.timedelta(days=30),
        checked="查看台账。",
        advice="逾期回访",
        follow_up_due=today - dt.timedelta(days=20),
    )
    rows = download(client_for(world, "secretary"), "/io/export/visits.csv?overdue=1")
    assert column(rows, "指导意见") == ["逾期回访"]
    rows = download(client_for(world, "secretary"), "/io/export/visits.csv?mine=1")
    assert column(rows, "指导意见") == []  # the secretary logged none
    rows = download(client_for(world, "instructor"), "/io/export/visits.csv?mine=1")
    assert set(column(rows, "指导意见")) == {"无回访", "逾期回访"}


def test_satisfaction_rates(world: World) -> None:
    camp = campaign(world)
    make_survey(world, world.own, "", camp)  # 2 satisfied, 1 basic, 1 unsatisfied
    make_survey(world, world.child, "", camp)
    rows = download(
        client_for(world, "secretary"), f"/io/export/satisfaction.xlsx?org={world.own.code}"
    )
    by_org = {row[0]: row for row in rows[1:]}
    own = by_org[world.own.full_name]
    # ballots, satisfied, basic, unsatisfied, rate, threshold, meets, subtree ballots, rate
    assert own[2:7] == [4, 2, 1, 1, 75]
    assert own[9] == 8 and by_org[world.child.full_name][9] == 4


# --- queries --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_export_queries_do_not_grow_with_the_rows(world: World, kind: str) -> None:
    case = CASES[kind]
    camp = campaign(world)
    make(case, world, "own", camp)

    def grow() -> None:
        for i in range(4):
            org = add_org(world.own)
            for j in range(2):
                case.make(world, org, f"行{i}-{j}", camp)
            if not case.text_is_org:
                case.make(world, world.own, f"本级{i}", camp)

    # With ?org=: session, user, grants, the organization, its campaigns, the rows with
    # their joins (one query), the audit row of the download (portal/accounts/audit.py);
    # the standards, the visits, the meeting answers and the reports sent upward read no
    # campaign. Without: session, user, grants,
    # the rows, the audit row.
    with_org, without = case.queries
    client = client_for(world, "reviewer")
    # Warm the per-process caches (the content types the attachment counts join on).
    client.get(f"/io/export/{kind}.csv?org={world.own.code}")
    assert_constant_queries(
        client, f"/io/export/{kind}.xlsx?org={world.own.code}", grow, expected=with_org
    )
    assert_constant_queries(client, f"/io/export/{kind}.csv", grow, expected=without)


def test_an_announcements_page_downloads_its_own_answers(world: World) -> None:
    """The announcement's page links the answers of that meeting only; the list page
    links every announcement of the organization."""
    camp = campaign(world)
    first = make_answer(world, world.own, "出差", camp)
    make_answer(world, world.own, "住院", camp)
    client = client_for(world, "secretary")
    html = client.get(first.announcement.get_absolute_url()).content.decode()
    links = re.findall(r'href="(/io/export/meeting-answers\.(?:xlsx|csv)\?[^"]*)"', html)
    assert len(links) == 2, links
    assert all(f"announcement={first.announcement_id}" in link for link in links)
    rows = download(client, links[1].replace("&amp;", "&"))
    assert column(rows, "不能参加原因") == ["出差"]
    assert column(rows, "回复") == ["不能参加"]
    rows = download(client, f"/io/export/meeting-answers.csv?org={world.own.code}")
    assert sorted(column(rows, "不能参加原因")) == ["住院", "出差"]
    # A bad announcement number is ignored, never a 500; another subtree's is empty.
    url = f"/io/export/meeting-answers.csv?org={world.own.code}&announcement=x"
    assert len(download(client, url)) == 3
    other = make_answer(world, world.other, "外地", camp)
    url = f"/io/export/meeting-answers.csv?announcement={other.announcement_id}"
    assert len(download(client, url)) == 1


def test_the_feeds_download_keeps_its_filters(world: World) -> None:
    """The feed's tag and sender filters; "selected only" counts for a user who
    compiles bulletins at that level and is ignored for the others."""
    from bulletins.models import Selection

    camp = campaign(world)
    mine = make_upward_report(world, world.own, "本级报送", camp)
    below = make_upward_report(world, world.child, "下级报送", camp)
    below.set_tags(["整改"])
    below.save()
    Selection.objects.create(report=mine, organization=world.park_a, selected_by=world.office)
    secretary = client_for(world, "secretary")
    base = f"/io/export/upward-reports.csv?org={world.own.code}"
    assert sorted(column(download(secretary, base), "正文")) == ["下级报送", "本级报送"]
    assert column(download(secretary, base + "&tag=整改"), "正文") == ["下级报送"]
    url = base + f"&organization={world.own.pk}"
    assert column(download(secretary, url), "正文") == ["本级报送"]
    assert len(download(secretary, base + "&campaign=x&phase=&organization=y")) == 3
    park = f"/io/export/upward-reports.csv?org={world.park_a.code}&selected=on"
    assert column(download(client_for(world, "reviewer"), park), "正文") == ["本级报送"]
    assert (
        len(download(secretary, f"/io/export/upward-reports.csv?org={world.own.code}&selected=on"))
        == 3
    )
