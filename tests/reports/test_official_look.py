"""Reports that read as official documents: a Song (serif) body with bold Hei titles,
both embedded; a cover on the dossiers and the roll-up (campaign, organization, the
issuing organization, the person with their role, the date the data was taken); a
sign-off (落款) on the last page of notices and dossiers; Chinese punctuation in every
zh-hans report, page, catalogue entry and requirement reason; a totals row printed
once; an attended meeting counted with the attending organization's own figures."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import TestCase
from django.utils import formats, timezone, translation

from activities.meetings.services import Mark, participation_create
from portal.accounts.models import Role
from portal.progress.engine import evaluate
from portal.progress.scopes import scope_for_org
from reports import registry
from reports.ledgers import LEDGERS
from reports.models import ReportRequest, ReportStatus
from reports.services import report_request
from tests.activities.factories import campaign_for, meeting, members
from tests.conftest import World
from tests.reports.helpers import file_bytes, pdf_fonts, poppler
from tests.reports.test_kind_appraisal import closed_appraisal
from tests.reports.test_kind_notice import published_list
from tests.test_i18n import PO, parse_po

pytestmark = pytest.mark.django_db

# A half-width ";" or ":" right after Chinese text (a Han character or full-width
# punctuation): Chinese takes "；" and "：".
HALF_WIDTH_AFTER_CHINESE = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff01-\uff60][;:]")


def make(world: World, slug: str, language: str, actor: Any, **params: Any) -> ReportRequest:
    with TestCase.captureOnCommitCallbacks(execute=True):
        report = report_request(
            actor=actor, kind=registry.get(slug), params=params, language=language
        )
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE, report.error
    return report


def page_texts(report: ReportRequest, tmp_path: Path) -> list[str]:
    """The text of each page (pdftotext separates pages with a form feed)."""
    path = tmp_path / f"{report.pk}.pdf"
    path.write_bytes(file_bytes(report))
    pages = poppler("pdftotext", "-layout", str(path), "-").split("\f")
    return [p for p in pages if p.strip()]


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture
def attended(world: World) -> World:
    """own holds a meeting (4 members, one absent) and attends a park meeting held by
    park_a, which has no members of its own: 2 of own's members there, 1 absent."""
    campaign = campaign_for(world)
    people = members(world.own, 4)
    meeting(world.own, campaign, topic="支部党员大会", absent={people[0]: "出差在外"})
    held = meeting(world.park_a, campaign, topic="园区联合主题党日", day="2014-04-20")
    participation_create(
        actor=world.secretary,
        organization=world.own,
        meeting=held,
        attendance={people[1].pk: Mark(True, ""), people[2].pk: Mark(False, "病假")},
    )
    return world


def test_dossier_cover_names_campaign_organization_issuer_and_date(
    attended: World, tmp_path: Path
) -> None:
    world = attended
    report = make(world, "org-dossier", "zh-hans", world.reviewer, organization=world.own.pk)
    pages = page_texts(report, tmp_path)
    cover = flat(pages[0])
    for words in (
        "党组织工作档案",
        "党的群众路线教育实践活动",  # the campaign
        world.own.full_name,
        world.park_a.full_name,  # the reviewer's organization issues it
        world.reviewer.display_name,
        "上级党组织审核人",  # the reviewer's role
        "出具单位",
        "出具人",
        "数据截至",
        timezone.localdate().strftime("%Y-%m-%d"),
    ):
        assert flat(words) in cover, words
    assert "基本情况" not in cover  # the cover is a page of its own
    english = page_texts(
        make(world, "org-dossier", "en", world.office, organization=world.own.pk), tmp_path
    )[0]
    for words in ("Organization dossier", "Campaign", "Issued by", "Data as of"):
        assert words in english, words  # no letter-spacing on Latin titles
    assert world.county.full_name in english and "campaign office" in english


def test_roll_up_has_a_cover_and_prints_the_totals_row_once(
    attended: World, tmp_path: Path
) -> None:
    world = attended
    report = make(world, "rollup", "en", world.office, organization=world.county.pk)
    pages = page_texts(report, tmp_path)
    cover = pages[0]
    assert "Campaign roll-up" in cover and "Data as of" in cover
    assert world.county.full_name in cover and world.office.display_name in cover
    assert "Totals" not in cover
    text = "\n".join(pages)
    assert text.count("All requirements") == 1
    # No report repeats a footer group: a <tfoot> would print the totals on every page.
    templates = Path(settings.BASE_DIR) / "templates" / "reports"
    footers = [p.name for p in templates.glob("*.html") if re.search(r"<tfoot[\s>]", p.read_text())]
    assert not footers


def test_dossier_ends_with_the_sign_off_on_its_last_page(attended: World, tmp_path: Path) -> None:
    world = attended
    report = make(world, "org-dossier", "zh-hans", world.secretary, organization=world.own.pk)
    pages = page_texts(report, tmp_path)
    assert len(pages) == report.pages
    last = flat(pages[-1])
    with translation.override("zh-hans"):
        date = formats.date_format(timezone.localdate(), "DATE_FORMAT")
    # the issuing organization, then the date; after it only the running footer
    signoff = last.rindex(flat(world.own.full_name) + date)
    assert "审核记录" not in last[signoff:]
    # and not alone on its page: the last block (the review timeline) is with it
    assert "审核记录" in last[:signoff]


def test_public_notice_ends_with_the_sign_off_on_its_last_page(
    world: World, tmp_path: Path
) -> None:
    plist = published_list(world)
    report = make(world, "problem-notice", "zh-hans", world.secretary, problem_list=plist.pk)
    last = flat(page_texts(report, tmp_path)[-1])
    tail = last[last.rindex(flat(world.own.full_name)) :]
    assert tail.startswith(flat(world.own.full_name) + "2014年8月8日")
    assert "欢迎" in last or "监督" in last  # the block before it is on the same page


def test_serif_body_and_sans_titles_are_embedded(attended: World, tmp_path: Path) -> None:
    world = attended
    report = make(world, "org-dossier", "zh-hans", world.secretary, organization=world.own.pk)
    fonts = pdf_fonts(file_bytes(report), tmp_path)
    names = [name for name, _embedded in fonts]
    assert all(embedded for _name, embedded in fonts), fonts
    assert any("Noto-Serif-CJK-SC" in n and "Bold" not in n for n in names), names
    assert any("Noto-Sans-CJK-SC-Bold" in n for n in names), names


def test_dossier_counts_an_attended_meeting_with_the_attending_organizations_figures(
    attended: World, tmp_path: Path
) -> None:
    world = attended
    report = make(world, "org-dossier", "en", world.secretary, organization=world.own.pk)
    text = "\n".join(page_texts(report, tmp_path))
    own_row = next(line for line in text.splitlines() if "支部党员大会" in line)
    roster = world.own.members.filter(is_active=True).count()
    assert re.search(rf"\s{roster}\s+{roster - 1}\s+1\s", own_row), own_row
    park_line = next(line for line in text.splitlines() if "园区联合主题党日" in line)
    # own's figures at the park meeting (its whole roster expected, one absent), not
    # the holder's (park_a's own roster, often none at all: 0 / 0 / 0)
    held = world.park_a.meetings.get()
    ours = held.participations.get(organization=world.own)
    assert (ours.expected_count, ours.absent_count) == (roster, 1)
    assert (held.expected_count, held.present_count) != (ours.expected_count, ours.present_count)
    assert re.search(rf"\s{roster}\s+{roster - 1}\s+1\s", park_line), park_line


# --- Chinese punctuation ----------------------------------------------------------------


def test_no_catalogue_translation_has_half_width_punctuation_after_chinese() -> None:
    wrong = [
        f"{entry.label} -> {text!r}"
        for entry in parse_po(PO)
        for text in entry.msgstr.values()
        if entry.msgid and HALF_WIDTH_AFTER_CHINESE.search(text)
    ]
    assert not wrong, "\n".join(wrong)


def test_no_requirement_reason_has_half_width_punctuation_in_chinese(attended: World) -> None:
    world = attended
    campaign = campaign_for(world)
    with translation.override("zh-hans"):
        reasons = [
            result.reason
            for org in (world.county, world.park_a, world.own, world.sibling, world.child)
            for result in evaluate(scope_for_org(org, campaign)).get(org.pk, {}).values()
        ]
    assert reasons
    wrong = [r for r in reasons if HALF_WIDTH_AFTER_CHINESE.search(r)]
    assert not wrong, wrong


def test_no_report_has_half_width_punctuation_after_chinese(
    attended: World, tmp_path: Path
) -> None:
    world = attended
    from portal.accounts.services import role_assign

    role_assign(actor=None, user=world.instructor, role=Role.INSTRUCTOR, organization=world.own)
    park_meeting = world.park_a.meetings.get()
    session, _people = closed_appraisal(world)
    plist = published_list(world)
    reports = [
        make(world, "org-dossier", "zh-hans", world.reviewer, organization=world.own.pk),
        make(world, "rollup", "zh-hans", world.office, organization=world.county.pk),
        make(
            world, "instructor-dossier", "zh-hans", world.instructor, instructor=world.instructor.pk
        ),
        make(world, "meeting-record", "zh-hans", world.reviewer, meeting=park_meeting.pk),
        make(world, "problem-notice", "zh-hans", world.secretary, problem_list=plist.pk),
        make(world, "appraisal-sheet", "zh-hans", world.secretary, appraisal=session.pk),
    ]
    campaign = campaign_for(world)
    reports += [  # the ledgers (#17)
        make(
            world,
            kind.report_slug,
            "zh-hans",
            world.secretary,
            organization=world.own.pk,
            campaign=campaign.pk,
        )
        for kind in LEDGERS
    ]
    for report in reports:
        for number, page in enumerate(page_texts(report, tmp_path), 1):
            wrong = [
                line.strip() for line in page.splitlines() if HALF_WIDTH_AFTER_CHINESE.search(line)
            ]
            assert not wrong, (report.kind, number, wrong)


def _signoff_document(paragraphs: int, *, avoid: bool) -> str:
    from django.template import engines

    template = engines["django"].from_string(
        '{% extends "reports/base_print.html" %}'
        "{% block extra_style %}{% if not avoid %}.signoff { break-before: auto; }{% endif %}"
        "{% endblock %}{% block content %}{% for i in paragraphs %}"
        "<p>第{{ i }}段：整改措施已经落实到位。</p>{% endfor %}{% endblock %}"
    )
    return template.render(
        {
            "document_title": "公示",
            "issuer_name": "中共甲公司委员会",
            "signoff": True,
            "signoff_org_name": "中共甲公司委员会",
            "issuing_org_name": "",
            "issued_line": False,
            "cover": False,
            "signoff_date": timezone.localdate(),
            "paragraphs": range(1, paragraphs + 1),
            "avoid": avoid,
        }
    )


def test_the_sign_off_is_never_alone_at_the_top_of_a_page(tmp_path: Path) -> None:
    """Whatever the length of the text before it, the sign-off's page also holds the
    end of that text; without the rule, some lengths would push it alone onto a page."""
    from reports.rendering import render_pdf

    alone_without_rule = False
    for n in range(27, 37):
        for avoid in (True, False):
            pdf = render_pdf(_signoff_document(n, avoid=avoid), [])
            path = tmp_path / "signoff.pdf"
            path.write_bytes(pdf.data)
            last = [p for p in poppler("pdftotext", str(path), "-").split("\f") if p.strip()][-1]
            assert "中共甲公司委员会" in last
            with_text = f"第{n}段" in last
            if avoid:
                assert with_text, n
            elif not with_text:
                alone_without_rule = True
        if alone_without_rule:
            break
    assert alone_without_rule  # the range does reach the length that would isolate it
