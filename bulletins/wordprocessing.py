"""The bulletin as a Word file, through the shared helpers of reports/wordprocessing.py:
the title block (issuing office in red over a rule, 《title》, 第 N 期, the date), then
each selected report — its title, its organization, its text and its photos (80 mm
wide, two to a row as space allows)."""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpResponse
from django.utils.translation import get_language
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt

from reports.wordprocessing import docx_response, download_name, new_document, xml_safe

from .models import Bulletin

log = logging.getLogger(__name__)

PHOTO_WIDTH = Mm(80)


def _add_photo(run: Any, attachment: Any) -> bool:
    """The photo itself, else its thumbnail (a type Word cannot show, e.g. WebP, has a
    JPEG or PNG thumbnail); False when neither can be read."""
    for field in (attachment.file, attachment.thumbnail):
        if not field:
            continue
        try:
            with field.open("rb") as handle:
                run.add_picture(handle, width=PHOTO_WIDTH)
            return True
        except Exception:  # an unreadable or unsupported image: try the next one
            log.warning("photo %s not added to the bulletin", attachment.pk, exc_info=True)
    return False


def bulletin_document(bulletin: Bulletin, items: list[tuple[Any, list[Any]]]) -> Any:
    doc = new_document(
        bulletin.heading,
        bulletin.issuer,
        bulletin.issued_on,
        get_language() or "zh-hans",
        subtitle=bulletin.number_label,
    )
    for report, photos in items:
        doc.add_heading(xml_safe(report.title), level=2)
        source = doc.add_paragraph(xml_safe(report.organization.full_name))
        source.alignment = WD_ALIGN_PARAGRAPH.CENTER
        for line in report.body.split("\n"):
            if line.strip():
                paragraph = doc.add_paragraph(xml_safe(line.strip()))
                paragraph.paragraph_format.first_line_indent = Pt(21)
        if photos:
            paragraph = doc.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            for attachment in photos:
                run = paragraph.add_run()
                if _add_photo(run, attachment):
                    run.add_text(" ")
    return doc


def bulletin_response(bulletin: Bulletin, items: list[tuple[Any, list[Any]]]) -> HttpResponse:
    doc = bulletin_document(bulletin, items)
    return docx_response(doc, download_name(bulletin.title, bulletin.number_label))
