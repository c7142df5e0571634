"""The democratic appraisal result sheet (reports/kinds/appraisal.py): who may print it
(404 / 403 over own, child, parent, sibling and other-county appraisals), what its PDF
says in Chinese and English with an embedded CJK font (the campaign's scale with its
cap, counts, each member's votes and determination, the approval), no ID numbers
unless the requester may see personal data, hostile text printed as text, and the link
from the appraisal's page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import TestCase

from activities.models import AppraisalSession
from activities.phase2 import services as services
from activities.seed import ensure_campaign_2014
from organizations.models import Member
from reports import registry
from reports.models import ReportRequest, ReportStatus
from reports.rendering import render_html
from reports.services import report_request
from tests.activities.phase2_factories import grades, later_campaign, make_session
from tests.conftest import World
from tests.factories import MemberFactory
from tests.reports.helpers import file_bytes, pdf_fonts, pdf_text, poppler
from tests.utils import check_matrix, client_for

pytestmark = pytest.mark.django_db

OWN = {
    "anonymous": 302, "nobody": 404, "outsider": 404, "office": 200, "reviewer": 200,
    "instructor": 200, "secretary": 200, "clerk": 403, "member_user": 404, "admin": 200,
}  # fmt: skip
PARENT = {**OWN, "instructor": 404, "secretary": 404, "clerk": 404}
FAR = {**{p: 404 for p in OWN}, "anonymous": 302, "admin": 200}
MATRIX = {"own": OWN, "child": OWN, "park_a": PARENT, "sibling": PARENT, "far": FAR}

HANDLING = "<script>alert('x')</script>"


def make(
    world: World, session: AppraisalSession, language: str, actor: Any = None
) -> ReportRequest:
    with TestCase.captureOnCommitCallbacks(execute=True):
        report = report_request(
            actor=actor or world.secretary,
            kind=registry.get("appraisal-sheet"),
            params={"appraisal": session.pk},
            language=language,
        )
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE, report.error
    return report


def closed_appraisal(world: World) -> tuple[AppraisalSession, list[Member]]:
    """own's four members on the later four-grade scale ('excellent' capped at one
    third): one excellent, two qualified (one with hostile handling text), one absent."""
    Member.objects.filter(organization=world.own).update(is_active=False)
    people = [
        MemberFactory(organization=world.own, name=n)
        for n in ("王优秀", "李合格", "赵合格", "钱缺席")
    ]
    campaign = later_campaign(world.county)
    scale = grades(campaign)
    session = make_session(world.own, campaign, present=3, expected=4)
    entry = services.TallyEntry
    services.appraisal_tallies_save(
        actor=world.admin,
        session=session,
        entries={
            people[0].pk: entry({"excellent": 3}, scale["excellent"], feedback_given=True),
            people[1].pk: entry({"qualified": 3}, scale["qualified"]),
            people[2].pk: entry(
                {"qualified": 2, "excellent": 1}, scale["qualified"], handling=HANDLING
            ),
            people[3].pk: entry(absent=True),
        },
    )
    session = services.appraisal_session_close(actor=world.admin, session=session)
    return session, people


@pytest.mark.parametrize("position", sorted(MATRIX))
def test_who_may_print_an_appraisal_sheet_follows_the_matrix(world: World, position: str) -> None:
    org = getattr(world, position)
    lead = world.other_county if position == "far" else world.county
    session = make_session(org, ensure_campaign_2014(lead))
    check_matrix(world, f"/reports/new/appraisal-sheet/?appraisal={session.pk}", MATRIX[position])


def test_an_appraisal_that_does_not_exist_is_404(world: World) -> None:
    response = client_for(world, "secretary").get("/reports/new/appraisal-sheet/?appraisal=999999")
    assert response.status_code == 404


def test_appraisal_sheet_reads_right_in_chinese(
    world: World, media_root: Any, tmp_path: Path
) -> None:
    session, people = closed_appraisal(world)
    report = make(world, session, "zh-hans")
    data = file_bytes(report)
    text = pdf_text(data, tmp_path)
    flat = text.replace(" ", "")
    assert "中共甲公司委员会" in text
    for grade in ("优秀", "合格", "基本合格", "不合格"):
        assert grade in text
    for person in people:
        assert person.name in text
    assert "最高比例" in text  # the cap column ("maximum share")
    assert "0.333" in text
    assert "评定结果" in text and "党员得票情况" in text
    assert "未参评（缺席）" in text
    assert "上级审批" in text
    assert "第1页共" in flat
    fonts = pdf_fonts(data, tmp_path)
    assert any(("WenQuanYi" in n or "CJK" in n) and embedded for n, embedded in fonts), fonts


def test_appraisal_sheet_reads_right_in_english(
    world: World, media_root: Any, tmp_path: Path
) -> None:
    session, _people = closed_appraisal(world)
    text = pdf_text(file_bytes(make(world, session, "en")), tmp_path)
    assert "Democratic appraisal result sheet" in text
    for grade in ("excellent", "qualified", "basically qualified", "unqualified"):
        assert grade in text
    assert "3 members appraised." in text
    assert "Round 1" in text  # the determinations that went up for approval
    assert "Page 1 of" in text


def test_counts_and_cap_per_grade(world: World) -> None:
    session, _people = closed_appraisal(world)
    context = registry.get("appraisal-sheet").build_context({"appraisal": session.pk}, "en")
    by_code = {s["grade"].code: s for s in context["scale"]}
    assert by_code["excellent"]["count"] == 1
    assert by_code["excellent"]["cap"] == 1  # one third of three appraised
    assert not by_code["excellent"]["over_cap"]
    assert by_code["qualified"]["count"] == 2 and by_code["qualified"]["cap"] is None
    assert context["appraised"] == 3 and context["absent_count"] == 1
    assert context["approval_groups"] == [("excellent", ["王优秀"])]


def test_the_sheet_prints_no_id_numbers_even_for_a_secretary_with_personal_data(
    world: World, media_root: Any, tmp_path: Path
) -> None:
    """A result sheet is read out and may be posted: names are all it needs, so no
    ID number appears on it, not even masked, whoever prints it."""
    session, people = closed_appraisal(world)
    for actor in (world.secretary, world.office):
        text = pdf_text(file_bytes(make(world, session, "en", actor=actor)), tmp_path)
        assert people[0].name in text
        assert people[0].id_number not in text
        assert people[0].masked_id not in text
        assert people[0].id_number[-4:] not in text
        assert "ID number" not in text


def test_hostile_handling_text_is_printed_as_text(
    world: World, media_root: Any, tmp_path: Path
) -> None:
    session, _people = closed_appraisal(world)
    html = render_html(
        registry.get("appraisal-sheet"),
        {"appraisal": session.pk, "unmasked": False},
        "en",
        world.own,
    ).html
    assert "<script" not in html
    path = tmp_path / "sheet.pdf"
    path.write_bytes(file_bytes(make(world, session, "en")))
    compact = poppler("pdftotext", str(path), "-").replace(" ", "").replace("\n", "")
    # Printed as text: the tag's characters are on the page. (pdftotext drops some of the
    # punctuation of the wrapped line set in Noto Serif CJK, so only its start and end are
    # compared; the escaping itself is proven on the HTML above.)
    assert "<script>alert('x" in compact and "script>" in compact


def test_appraisal_page_links_to_the_sheet_only_for_who_may_print(world: World) -> None:
    session = make_session(world.own, ensure_campaign_2014(world.county))
    # The button asks for the PDF at once: a POST with the parameter, to the request view.
    link = '<form method="post" action="/reports/new/appraisal-sheet/" class="inline print-form">'
    param = f'<input type="hidden" name="appraisal" value="{session.pk}"><button type="submit"'
    for persona, shown in (("secretary", True), ("instructor", True), ("clerk", False)):
        page = client_for(world, persona).get(session.get_absolute_url())
        assert page.status_code == 200
        html = page.content.decode()
        assert (link in html and param in html) is shown, persona
