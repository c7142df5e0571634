"""The printable public notice of a problem list (reports/kinds/notice.py): who may print
it (404 / 403 over own, child, parent, sibling and other-county lists; a list not
approved has no notice yet), what its PDF says in Chinese and English with an embedded
CJK font, nothing personal beyond names and posts, hostile text printed as text, where
to send opinions, and the link from the problem list's page."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.test import TestCase

from activities.models import SuggestionBox
from rectification import services_problems
from rectification.models import ProblemList
from reports import registry
from reports.models import ReportRequest, ReportStatus
from reports.rendering import render_html
from reports.services import report_request
from tests.conftest import World
from tests.factories import MemberFactory
from tests.rectification.problems_factories import approved_list, make_item, make_list
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


def make(world: World, plist: ProblemList, language: str) -> ReportRequest:
    with TestCase.captureOnCommitCallbacks(execute=True):
        report = report_request(
            actor=world.secretary,
            kind=registry.get("problem-notice"),
            params={"problem_list": plist.pk},
            language=language,
        )
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE, report.error
    return report


def published_list(world: World, **item: Any) -> ProblemList:
    plist = approved_list(world, world.own, **item)
    return services_problems.problem_list_publish(
        actor=world.secretary,
        problem_list=plist,
        published_on=dt.date(2014, 8, 8),
        notice_ends_on=dt.date(2014, 8, 14),
        audience="全体党员和职工",
    )


@pytest.mark.parametrize("position", sorted(MATRIX))
def test_who_may_print_a_notice_follows_the_matrix(world: World, position: str) -> None:
    plist = approved_list(world, getattr(world, position))
    check_matrix(world, f"/reports/new/problem-notice/?problem_list={plist.pk}", MATRIX[position])


def test_a_list_not_approved_has_no_notice_to_print(world: World) -> None:
    """403 for those who may print the organization's reports (the list is there, the
    notice is not yet); 404 still for those who cannot see the list at all."""
    plist = make_list(world)
    make_item(plist)
    url = f"/reports/new/problem-notice/?problem_list={plist.pk}"
    check_matrix(world, url, {"secretary": 403, "reviewer": 403, "outsider": 404, "nobody": 404})
    response = client_for(world, "secretary").post(
        "/reports/new/problem-notice/", {"problem_list": plist.pk}
    )
    assert response.status_code == 403
    assert not ReportRequest.objects.exists()


def test_a_list_that_does_not_exist_is_404(world: World) -> None:
    response = client_for(world, "secretary").get(
        "/reports/new/problem-notice/?problem_list=999999"
    )
    assert response.status_code == 404


def test_notice_reads_right_in_chinese_with_names_and_posts_only(
    world: World, media_root: Any, tmp_path: Path
) -> None:
    owner = MemberFactory(organization=world.own, name="张建国")
    plist = published_list(
        world,
        description="理论学习不够深入，学习制度落实不到位。",
        measures="每月集中学习一次，书记带头讲党课。",
        responsible_member=owner,
        responsible_name="张建国",
        responsible_post="党委书记",
        deadline=dt.date(2014, 9, 20),
    )
    report = make(world, plist, "zh-hans")
    data = file_bytes(report)
    text = pdf_text(data, tmp_path)
    flat = text.replace(" ", "")
    assert "中共甲公司委员会" in text  # the issuer, and the signature
    assert "公示" in text
    assert plist.title in text
    assert "公示范围：全体党员和职工" in flat
    assert "公示期：2014-08-08至2014-08-14" in flat  # the notice period, from and to
    assert "理论学习不够深入" in text
    assert "每月集中学习一次" in text
    assert "张建国" in text and "党委书记" in text
    assert "2014-09-20" in text
    assert "整改时限" in text and "责任人" in text
    assert "欢迎党员和职工群众对整改工作提出意见并进行监督" in flat
    assert owner.phone not in text and owner.id_number not in text
    assert owner.id_number[-4:] not in text  # not even masked
    assert "第1页共1页" in flat
    fonts = pdf_fonts(data, tmp_path)
    assert any(("WenQuanYi" in n or "CJK" in n) and embedded for n, embedded in fonts), fonts


def test_notice_reads_right_in_english(world: World, media_root: Any, tmp_path: Path) -> None:
    plist = published_list(world)
    text = pdf_text(file_bytes(make(world, plist, "en")), tmp_path)
    assert "Public notice" in text
    assert "Measures" in text and "Responsible" in text and "Deadline" in text
    assert "Notice period: 2014-08-08 to 2014-08-14" in text
    assert "Page 1 of 1" in text


def test_an_approved_list_not_yet_published_prints_as_a_draft(
    world: World, media_root: Any, tmp_path: Path
) -> None:
    plist = approved_list(world, world.own)
    text = pdf_text(file_bytes(make(world, plist, "en")), tmp_path)
    assert "Not published yet: this is a draft of the notice." in text


def test_notice_tells_where_to_send_opinions(world: World, media_root: Any, tmp_path: Path) -> None:
    box = SuggestionBox.objects.create(organization=world.own)
    world.own.contact_name = "李联络"
    world.own.contact_phone = "13900001111"
    world.own.save()
    plist = published_list(world)
    context = registry.get("problem-notice").build_context({"problem_list": plist.pk}, "en")
    assert context["box_url"] == box.get_public_url()
    assert context["box_qr"].startswith("data:image/png;base64,")
    text = pdf_text(file_bytes(make(world, plist, "en")), tmp_path)
    assert box.token in text.replace("\n", "")
    assert "李联络" in text
    assert "13900001111" not in text  # no phone number on a public notice


def test_hostile_item_text_is_printed_as_text(
    world: World, media_root: Any, tmp_path: Path
) -> None:
    plist = published_list(
        world,
        description='<img src="file:///etc/passwd">',
        measures="<script>alert('x')</script>",
    )
    html = render_html(
        registry.get("problem-notice"), {"problem_list": plist.pk}, "en", world.own
    ).html
    assert '<img src="file:' not in html and "<script" not in html
    path = tmp_path / "notice.pdf"
    path.write_bytes(file_bytes(make(world, plist, "en")))
    # Reading order (no -layout), so that the table's cells do not interleave.
    compact = poppler("pdftotext", str(path), "-").replace(" ", "").replace("\n", "")
    assert '<imgsrc="file:///etc/passwd">' in compact
    assert "<script>alert('x')</script>" in compact


def test_problem_list_page_links_to_the_notice_only_for_who_may_print(world: World) -> None:
    plist = approved_list(world, world.own)
    # The button asks for the PDF at once: a POST with the parameter, to the request view.
    link = '<form method="post" action="/reports/new/problem-notice/" class="inline print-form">'
    param = f'<input type="hidden" name="problem_list" value="{plist.pk}"><button type="submit"'
    for persona, shown in (("secretary", True), ("reviewer", True), ("clerk", False)):
        page = client_for(world, persona).get(plist.get_absolute_url())
        assert page.status_code == 200
        html = page.content.decode()
        assert (link in html and param in html) is shown, persona
    draft = make_list(world, world.child)
    page = client_for(world, "secretary").get(draft.get_absolute_url()).content.decode()
    assert "/reports/new/problem-notice/" not in page
