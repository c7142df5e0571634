"""reports/wordprocessing.py: the Word documents' page, fonts, title block, repeating
table header, signature lines and the download response (issue #17)."""

from __future__ import annotations

import datetime
import io

import docx
import pytest
from django.utils import translation
from docx.oxml.ns import qn

from reports.wordprocessing import (
    CONTENT_TYPE,
    add_facts,
    add_signature_lines,
    add_table,
    docx_bytes,
    docx_response,
    download_name,
    new_document,
)
from tests.docx_helpers import docx_text, libreoffice_text

TITLE = "学习台账"
ORG = "中共测试科技有限公司支部委员会"


def _sample() -> bytes:
    with translation.override("zh-hans"):
        doc = new_document(TITLE, ORG, datetime.date(2026, 3, 1), "zh-hans", subtitle="主题教育")
        doc.add_heading("集中学习", level=2)
        add_table(
            doc, ["日期", "主题"], [["2026-03-01", f"第{i}次学习\n第二行"] for i in range(40)]
        )
        add_facts(doc, [("地点", "三楼会议室"), ("主持人", "张红")])
        add_signature_lines(doc, ["主持人"])
        return docx_bytes(doc)


def test_a4_portrait_with_the_pdf_margins_and_song_for_chinese() -> None:
    doc = docx.Document(io.BytesIO(_sample()))
    section = doc.sections[0]
    size = (round(section.page_width.mm), round(section.page_height.mm))
    assert size == (210, 297)  # stored in twentieths of a point
    assert (round(section.top_margin.mm), round(section.left_margin.mm)) == (22, 18)
    defaults = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))
    fonts = defaults.find(qn("w:rPr")).find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == "SimSun"
    assert fonts.get(qn("w:eastAsiaTheme")) is None
    table_xml = next(
        p.blob for p in doc.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml"
    ).decode()
    assert 'w:name="SimSun"' in table_xml and 'w:val="Noto Serif CJK SC"' in table_xml


def test_title_block_table_header_repeats_and_signature_line() -> None:
    data = _sample()
    doc = docx.Document(io.BytesIO(data))
    first_row = doc.tables[0].rows[0]._tr
    assert first_row.trPr.find(qn("w:tblHeader")) is not None
    assert doc.tables[0].rows[1]._tr.trPr.find(qn("w:tblHeader")) is None
    text = docx_text(data)
    assert text.splitlines()[:4] == [ORG, TITLE, "主题教育", "2026年3月1日"]
    assert "第1次学习\n第二行" in text
    assert "主持人（签字）：" in text and "日期：____年__月__日" in text


def test_download_response_names_the_file_in_utf8() -> None:
    with translation.override("zh-hans"):
        name = download_name(TITLE, "测试支部")
        response = docx_response(new_document(TITLE, ORG, None, "zh-hans"), name)
    assert response["Content-Type"] == CONTENT_TYPE
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="')
    assert "filename*=UTF-8''%E5%AD%A6%E4%B9%A0%E5%8F%B0%E8%B4%A6-" in disposition
    assert name.endswith(".docx")
    assert "no-store" in response["Cache-Control"]


@pytest.mark.single_pass
def test_libreoffice_opens_it() -> None:
    text = libreoffice_text(_sample())
    for expected in (ORG, TITLE, "集中学习", "第39次学习", "三楼会议室"):
        assert expected in text


def test_characters_a_word_file_cannot_hold_are_dropped_not_a_500() -> None:
    with translation.override("zh-hans"):
        doc = new_document("标题\x0b", "组织\x00", None, "zh-hans")
        add_table(doc, ["列\x01"], [["内容\x0c<script>\n第二行"]])
        add_facts(doc, [("标签\x1f", "值\x08")])
        text = docx_text(docx_bytes(doc))
    assert "<script>" in text and "内容<script>\n第二行" in text
    assert "\x0b" not in text and "\x0c" not in text
