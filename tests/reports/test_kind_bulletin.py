"""The bulletin (reports/kinds/bulletin.py, bulletins/wordprocessing.py): who may print
it, its PDF in Chinese (简报, 第 1 期, the issuing office, the reports and their photos)
and its Word file read back by python-docx and by LibreOffice (docs/product.md §6.6)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import docx
import pytest
from django.test import TestCase
from django.urls import reverse

from reports import registry
from reports.models import ReportRequest, ReportStatus
from reports.services import report_request
from tests.bulletins.factories import compile_from, make_report
from tests.conftest import World
from tests.docx_helpers import docx_text, libreoffice_text
from tests.reports.helpers import file_bytes, pdf_image_count, pdf_text
from tests.utils import check_matrix, client_for

pytestmark = pytest.mark.django_db

HALF_WIDTH_AFTER_CHINESE = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff01-\uff60][;:]")


def bulletin_of_three(world: World):
    reports = [
        make_report(world, world.own, title="甲公司开展集中学习", body="全体党员参加集中学习。", photos=2),
        make_report(world, world.child, title="一支部召开动员会", body="支部书记作动员讲话。"),
        make_report(world, world.sibling, title="乙公司征求群众意见", body="发放征求意见表五十份。", photos=1),
    ]  # fmt: skip
    return compile_from(
        world,
        world.county,
        reports,
        title="测试县非公企业党组织教育实践活动简报",
        issuer="测试县活动办",
    )


def make(world: World, bulletin, language: str) -> ReportRequest:
    with TestCase.captureOnCommitCallbacks(execute=True):
        report = report_request(
            actor=world.office,
            kind=registry.get("bulletin"),
            params={"bulletin": bulletin.pk},
            language=language,
        )
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE, report.error
    return report


def test_who_may_print_a_bulletin(world, media_root):
    """DOWNLOAD_REPORTS on the compiling level: a bulletin of `own` (compiled by the
    park's reviewer) for its secretary, not its clerk."""
    bulletin = compile_from(
        world, world.own, [make_report(world, world.child)], actor=world.reviewer
    )
    url = reverse("reports:request", args=["bulletin"]) + f"?bulletin={bulletin.pk}"
    check_matrix(
        world,
        url,
        {
            "anonymous": 302, "nobody": 404, "outsider": 404, "office": 200, "reviewer": 200,
            "instructor": 200, "secretary": 200, "clerk": 403, "member_user": 404, "admin": 200,
        },
    )  # fmt: skip
    county = compile_from(world, world.county, [make_report(world)])
    url = reverse("reports:request", args=["bulletin"]) + f"?bulletin={county.pk}"
    check_matrix(world, url, {"reviewer": 404, "secretary": 404, "office": 200})


def test_the_pdf_reads_as_the_bulletin(world, media_root, tmp_path: Path):
    bulletin = bulletin_of_three(world)
    data = file_bytes(make(world, bulletin, "zh-hans"))
    text = pdf_text(data, tmp_path)
    flat = re.sub(r"\s+", "", text)
    assert "《测试县非公企业党组织教育实践活动简报》" in flat
    assert "第1期" in flat
    assert "测试县活动办" in flat
    for title in ("甲公司开展集中学习", "一支部召开动员会", "乙公司征求群众意见"):
        assert title in flat
    # The reports in the order they were sent, each with its organization.
    assert flat.index("甲公司开展集中学习") < flat.index("乙公司征求群众意见")
    assert "中共乙公司支部委员会" in flat
    assert pdf_image_count(data, tmp_path) == 3
    assert not [ln for ln in text.splitlines() if HALF_WIDTH_AFTER_CHINESE.search(ln)]


def test_the_pdf_in_english(world, media_root, tmp_path: Path):
    bulletin = bulletin_of_three(world)
    text = pdf_text(file_bytes(make(world, bulletin, "en")), tmp_path)
    assert "No. 1" in text


def test_the_word_file(world, media_root):
    bulletin = bulletin_of_three(world)
    response = client_for(world, "office").get(
        reverse("bulletins:bulletin_docx", args=[bulletin.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml"
    )
    assert "attachment" in response["Content-Disposition"]
    data = response.content
    text = docx_text(data)
    for expected in ("测试县活动办", "第 1 期", "甲公司开展集中学习", "发放征求意见表五十份。"):
        assert expected in text
    document = docx.Document(io.BytesIO(data))
    assert len(document.inline_shapes) == 3
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    # As LibreOffice (and so WPS or Word) opens it.
    read = re.sub(r"\s+", "", libreoffice_text(data))
    assert "《测试县非公企业党组织教育实践活动简报》" in read
    assert "第1期" in read
    assert "一支部召开动员会" in read
