"""A ledger as plain blocks (headings, tables, facts, text, signature lines, page
breaks) that two renderers share: `to_docx` below (Word, reports.wordprocessing) and
templates/reports/ledger.html (PDF, through the report pipeline). A builder gathers
the records once; the two formats cannot drift apart (docs/reports.md "Ledgers")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from docx.document import Document as DocumentObject
from docx.enum.text import WD_BREAK
from docx.shared import Pt

from reports import wordprocessing as wp


@dataclass
class Heading:
    text: str
    level: int = 2  # 2: a section; 3: a record inside it (one meeting)
    kind: str = "heading"


@dataclass
class Table:
    headings: Sequence[str]
    rows: list[list[Any]]
    widths: Sequence[int]  # percent of the text width, one per column (4 to 60)
    empty: str = ""  # said instead of the table when there are no rows
    kind: str = "table"


@dataclass
class Facts:
    pairs: list[tuple[str, Any]]
    kind: str = "facts"


@dataclass
class Text:
    label: str
    text: str  # user text: line breaks kept
    kind: str = "text"


@dataclass
class Signatures:
    roles: list[str]
    kind: str = "signatures"


@dataclass
class PageBreak:
    kind: str = "break"


Block = Heading | Table | Facts | Text | Signatures | PageBreak


@dataclass
class Ledger:
    title: str  # the document's title, e.g. 学习台账
    organization: Any  # the Organization whose ledger it is
    subtitle: str  # the campaign's name
    date: Any  # the day the data was taken (datetime.date)
    blocks: list[Block] = field(default_factory=list)

    def add(self, *blocks: Block) -> None:
        self.blocks.extend(blocks)


def _gap(doc: DocumentObject) -> None:
    """A small empty paragraph after a table: two tables in a row would otherwise be
    joined into one by Word and LibreOffice."""
    gap = doc.add_paragraph()
    gap.paragraph_format.space_after = Pt(2)
    gap.paragraph_format.line_spacing = Pt(6)


def to_docx(ledger: Ledger, language: str) -> DocumentObject:
    """The ledger as a Word document (reports.wordprocessing's look)."""
    doc = wp.new_document(
        ledger.title,
        ledger.organization.full_name,
        ledger.date,
        language,
        subtitle=ledger.subtitle,
    )
    for block in ledger.blocks:
        if isinstance(block, Heading):
            doc.add_heading(wp.xml_safe(block.text), level=block.level)
        elif isinstance(block, Table):
            if block.rows or not block.empty:
                widths = [wp.TEXT_WIDTH_MM * share / 100 for share in block.widths]
                wp.add_table(doc, block.headings, block.rows, widths=widths)
                _gap(doc)
            else:
                doc.add_paragraph(wp.xml_safe(block.empty))
        elif isinstance(block, Facts):
            wp.add_facts(doc, block.pairs)
            _gap(doc)
        elif isinstance(block, Text):
            if block.label:
                label = doc.add_paragraph()
                label.add_run(wp.xml_safe(block.label)).bold = True
                label.paragraph_format.keep_with_next = True
            doc.add_paragraph(wp.xml_safe(block.text) or "—")
        elif isinstance(block, Signatures):
            wp.add_signature_lines(doc, block.roles)
        elif isinstance(block, PageBreak):
            doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    return doc
