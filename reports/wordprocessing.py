"""Word (.docx) documents in the house look: ledgers, meeting records, bulletins
(docs/reports.md "Word documents", docs/product.md §9).

A small, stable API over python-docx, shared by every Word download:

    doc = new_document(_("Study ledger"), org.full_name, timezone.localdate(), "zh-hans")
    doc.add_heading(_("Study sessions"), level=2)
    add_table(doc, [_("Date"), _("Topic")], [["2026-03-01", "…"]], widths=[30, 144])
    add_signature_lines(doc, [_("Secretary"), _("Recorder")])
    return docx_response(doc, download_name(_("Study ledger"), org.short_name))

- A4 portrait with the PDFs' margins (22 / 18 / 20 / 18 mm).
- Body text in Song (宋体, "SimSun"), set for East-Asian text through w:eastAsia, Latin
  text in Times New Roman; headings and the title in Hei ("SimHei"). The font table
  names a fallback for each (w:altName: "Noto Serif CJK SC" / "Noto Sans CJK SC"), the
  fonts of a machine without Microsoft's; whatever is missing, Word, WPS and
  LibreOffice substitute a CJK font of the same family (roman / swiss).
- A title block: the organization, a rule, the title, an optional subtitle, the date.
- Tables with a grid, whose first row repeats at the top of every page (w:tblHeader)
  and is never split across pages.
- Signature lines: "<role>（签字）：______  日期：____年__月__日".
- The response: the Word content type and "<title>-<subject>-<yyyymmdd>.docx", RFC
  5987 UTF-8 with an ASCII fallback, never cached.

Only what python-docx has no API for is written as XML here: the East-Asian font
(w:eastAsia), the font table's fallbacks and the repeating header row.
"""

from __future__ import annotations

import datetime
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpResponse
from django.utils import formats, translation
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext as _
from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.table import Table

__all__ = [
    "CONTENT_TYPE",
    "add_facts",
    "add_signature_lines",
    "add_table",
    "docx_bytes",
    "docx_response",
    "download_name",
    "new_document",
    "xml_safe",
]

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# Fonts: (name in the document, fallback named in the font table, family).
SONG = ("SimSun", "Noto Serif CJK SC", "roman")
HEI = ("SimHei", "Noto Sans CJK SC", "swiss")
LATIN = "Times New Roman"
BODY_SIZE = Pt(10.5)  # 五号
TABLE_SIZE = Pt(9)  # 小五 and a little
RED = RGBColor(0xBB, 0x00, 0x00)

# The PDFs' margins (templates/reports/base_print.html: 22mm 18mm 20mm 18mm).
MARGINS_MM = {"top": 22, "right": 18, "bottom": 20, "left": 18}
# The text width of A4 portrait with those margins, for column widths.
TEXT_WIDTH_MM = 210 - MARGINS_MM["left"] - MARGINS_MM["right"]


# Characters XML 1.0 does not allow (python-docx refuses them with ValueError): user
# text pasted from elsewhere may carry them; they are dropped, never a 500.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_safe(text: Any) -> str:
    """`text` as a string without the characters a Word file cannot hold."""
    return _NOT_XML.sub("", "" if text is None else str(text))


def _set_fonts(rpr: Any, east_asian: str) -> None:
    """Latin text in Times New Roman, East-Asian text in `east_asian`; the theme's
    fonts (which would win over these) removed."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attribute in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        fonts.attrib.pop(qn(f"w:{attribute}"), None)
    fonts.set(qn("w:ascii"), LATIN)
    fonts.set(qn("w:hAnsi"), LATIN)
    fonts.set(qn("w:cs"), LATIN)
    fonts.set(qn("w:eastAsia"), east_asian)


def _style_fonts(doc: DocumentObject, language: str) -> None:
    styles = doc.styles
    # Document defaults: every run without a style of its own.
    defaults = styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_fonts(rpr, SONG[0])
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "zh-CN" if language.startswith("zh") else "en-GB")
    lang.set(qn("w:eastAsia"), "zh-CN")

    normal = styles["Normal"]
    normal.font.size = BODY_SIZE
    _set_fonts(normal.element.get_or_add_rPr(), SONG[0])
    normal.paragraph_format.space_after = Pt(3)
    for name, size in (("Title", 18), ("Heading 1", 15), ("Heading 2", 12.5), ("Heading 3", 11)):
        style = styles[name]
        style.font.size = Pt(size)
        style.font.bold = True
        style.font.italic = False
        style.font.color.rgb = RGBColor(0, 0, 0)
        _set_fonts(style.element.get_or_add_rPr(), HEI[0])
        style.paragraph_format.space_before = Pt(10 if name != "Title" else 0)
        style.paragraph_format.space_after = Pt(4)
        style.paragraph_format.keep_with_next = True
    title = styles["Title"]
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    # The template's Title has a bottom border; the title block draws its own rule.
    ppr = title.element.get_or_add_pPr()
    for border in ppr.findall(qn("w:pBdr")):
        ppr.remove(border)


def _declare_fallbacks(doc: DocumentObject) -> None:
    """Name SimSun and SimHei in the font table with their family, GB2312 charset and a
    fallback (w:altName), so that a machine without them substitutes a CJK face of
    the same family instead of a Latin one."""
    from lxml import etree

    for part in doc.part.package.iter_parts():
        if str(part.partname) == "/word/fontTable.xml":
            break
    else:  # pragma: no cover - python-docx's template always has one
        return
    root = etree.fromstring(part.blob)
    for name, fallback, family in (SONG, HEI):
        for old in root.findall(qn("w:font")):
            if old.get(qn("w:name")) == name:
                root.remove(old)
        font = etree.SubElement(root, qn("w:font"))
        font.set(qn("w:name"), name)
        alt = etree.SubElement(font, qn("w:altName"))
        alt.set(qn("w:val"), fallback)
        charset = etree.SubElement(font, qn("w:charset"))
        charset.set(qn("w:val"), "86")  # GB2312
        fam = etree.SubElement(font, qn("w:family"))
        fam.set(qn("w:val"), family)
        pitch = etree.SubElement(font, qn("w:pitch"))
        pitch.set(qn("w:val"), "variable")
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def new_document(
    title: str,
    organization_name: str,
    date: datetime.date | None,
    language: str,
    *,
    subtitle: str = "",
) -> DocumentObject:
    """An empty A4 portrait document with the house styles and the title block: the
    organization (red, centred), a rule, the title, the subtitle (e.g. the campaign)
    and the date, formatted in `language`. The document's properties carry the title
    and the organization. Add content with python-docx (`doc.add_heading(text, 2)`,
    `doc.add_paragraph`) and the helpers of this module."""
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = Mm(MARGINS_MM["top"])
    section.right_margin = Mm(MARGINS_MM["right"])
    section.bottom_margin = Mm(MARGINS_MM["bottom"])
    section.left_margin = Mm(MARGINS_MM["left"])
    section.header_distance = Mm(10)
    section.footer_distance = Mm(10)
    _style_fonts(doc, language)
    _declare_fallbacks(doc)

    doc.core_properties.title = xml_safe(title)
    doc.core_properties.subject = xml_safe(organization_name)
    doc.core_properties.author = xml_safe(organization_name)
    doc.core_properties.language = "zh-CN" if language.startswith("zh") else "en"

    issuer = doc.add_paragraph()
    issuer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = issuer.add_run(xml_safe(organization_name))
    run.font.size = Pt(13)
    run.font.color.rgb = RED
    _set_fonts(run._element.get_or_add_rPr(), HEI[0])
    _bottom_rule(issuer)
    doc.add_paragraph(xml_safe(title), style="Title")
    if subtitle:
        line = doc.add_paragraph(xml_safe(subtitle))
        line.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if date is not None:
        with translation.override(language):
            shown = formats.date_format(date, "DATE_FORMAT")
        line = doc.add_paragraph(shown)
        line.alignment = WD_ALIGN_PARAGRAPH.CENTER
    return doc


def _bottom_rule(paragraph: Any) -> None:
    """A red rule under the paragraph (the title block's 红线)."""
    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    bottom.set(qn("w:val"), "single")
    bottom.set(qn("w:sz"), "12")  # eighths of a point
    bottom.set(qn("w:space"), "4")
    bottom.set(qn("w:color"), "BB0000")
    borders.append(bottom)
    ppr.append(borders)


def add_table(
    doc: DocumentObject,
    headings: Sequence[str],
    rows: Iterable[Sequence[Any]],
    widths: Sequence[float] | None = None,
) -> Table:
    """A grid table: `headings` as its first row, bold, repeated at the top of every
    page; then one row per item of `rows` (each cell's value as text, None as empty;
    line breaks kept). `widths` in millimetres, one per column (default: equal shares
    of the text width). Rows never split across pages when they fit on one."""
    columns = len(headings)
    table: Table = doc.add_table(rows=1, cols=columns)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    if widths is None:
        widths = [TEXT_WIDTH_MM / columns] * columns
    header = table.rows[0]
    trpr = header._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    trpr.append(repeat)
    for cell, text in zip(header.cells, headings, strict=True):
        _fill(cell, str(text), bold=True)
    for values in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, values, strict=True):
            _fill(cell, "" if value is None else str(value))
    for row in table.rows:
        trpr = row._tr.get_or_add_trPr()
        cant = OxmlElement("w:cantSplit")
        cant.set(qn("w:val"), "true")
        trpr.insert(0, cant)
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Mm(width)
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Mm(width)
    return table


def _fill(cell: Any, text: str, *, bold: bool = False) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.paragraph_format.space_after = Pt(0)
    lines = xml_safe(text).split("\n")
    for index, line in enumerate(lines):
        run = paragraph.add_run(line)
        run.font.size = TABLE_SIZE
        if bold:
            run.bold = True
            _set_fonts(run._element.get_or_add_rPr(), HEI[0])
        if index < len(lines) - 1:
            run.add_break()


def add_facts(doc: DocumentObject, facts: Iterable[tuple[str, Any]]) -> Table:
    """A two-column table of label → value (the meeting's time, place, chair …),
    labels bold, no header row."""
    pairs = [(str(label), "" if value is None else str(value)) for label, value in facts]
    table: Table = doc.add_table(rows=0, cols=2)
    table.style = doc.styles["Table Grid"]
    table.autofit = False
    for label, value in pairs:
        cells = table.add_row().cells
        _fill(cells[0], label, bold=True)
        _fill(cells[1], value)
        cells[0].width, cells[1].width = Mm(32), Mm(TEXT_WIDTH_MM - 32)
    table.columns[0].width, table.columns[1].width = Mm(32), Mm(TEXT_WIDTH_MM - 32)
    return table


def add_signature_lines(doc: DocumentObject, roles: Iterable[str], *, dated: bool = True) -> None:
    """One line per role to sign by hand: "<role> (signature): ______" and, when
    `dated`, "Date: ____-__-__" — in Chinese "主持人（签字）：______  日期：____年__月__日".
    Kept together with what precedes them."""
    for role in roles:
        paragraph = doc.add_paragraph()
        paragraph.paragraph_format.space_before = Pt(12)
        paragraph.paragraph_format.keep_together = True
        text = _("%(role)s (signature): ") % {"role": xml_safe(role)} + "_" * 18
        if dated:
            text += "    " + _("Date: ____ (year) __ (month) __ (day)")
        paragraph.add_run(text)


def docx_bytes(doc: DocumentObject) -> bytes:
    """The document as .docx bytes."""
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def download_name(title: str, subject: str = "") -> str:
    """ "<title>-<subject>-<yyyymmdd>.docx", the PDFs' naming (reports.rendering)."""
    from .rendering import _file_stem

    return _file_stem(str(title), str(subject)) + ".docx"


def docx_response(doc: DocumentObject, file_name: str) -> HttpResponse:
    """The document as a download: the Word content type, `file_name` RFC 5987 UTF-8
    with an ASCII fallback, never stored by caches (the ledgers hold personal data)."""
    from portal.attachments.views import _content_disposition

    response = HttpResponse(docx_bytes(doc), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = _content_disposition("attachment", file_name)
    response["X-Content-Type-Options"] = "nosniff"
    add_never_cache_headers(response)
    patch_cache_control(response, private=True, no_store=True)
    return response
