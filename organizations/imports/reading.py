"""Reading an uploaded file: type by content, size, encoding, the heading row."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _

from ..resources import (
    normalize_key,
)
from .cleaning import (
    clean_text,
)

BATCH = 500
HEADER_SCAN_ROWS = 10  # a title row or two often sits above the headings
# Control characters no text file holds (tab, newlines and form feed aside).
_BINARY = re.compile(rb"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f]")


class FileRejected(Exception):
    """The file as a whole cannot be read (type, size, encoding, headings)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- reading files ---------------------------------------------------------------------


def sniff_format(head: bytes) -> str:
    """'xlsx' or 'csv' judged by content, never by the file name."""
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRejected(
            _("This is an old .xls workbook; open it in Excel or WPS and save it as .xlsx.")
        )
    if _BINARY.search(head):
        raise FileRejected(_("This is not an .xlsx or .csv file."))
    return "csv"


def check_upload(fileobj: IO[bytes], size: int) -> str:
    """Size limit and type by content. Returns the format."""
    limit = settings.UPLOAD_MAX_BYTES
    if size > limit:
        raise FileRejected(
            _("The file is larger than %(size)d MB.") % {"size": limit // (1024 * 1024)}
        )
    if size == 0:
        raise FileRejected(_("The file is empty."))
    fileobj.seek(0)
    fmt = sniff_format(fileobj.read(8192))
    fileobj.seek(0)
    if fmt == "xlsx":
        try:
            with zipfile.ZipFile(fileobj) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            raise FileRejected(_("This is not an .xlsx or .csv file.")) from None
        if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
            raise FileRejected(_("This is not an .xlsx or .csv file."))
    else:
        decode_csv(fileobj.read())
    fileobj.seek(0)
    return fmt


def decode_csv(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileRejected(_("The CSV file is neither UTF-8 nor GB18030 (GBK) text."))


@dataclass
class Sheet:
    header_row: int
    headings: list[str]
    rows: Iterator[tuple[int, tuple[Any, ...]]]
    close: Callable[[], None]


def _find_header(
    rows: Iterator[tuple[int, tuple[Any, ...]]], known: set[str]
) -> tuple[int, list[str]] | None:
    """The first row (within HEADER_SCAN_ROWS) with at least two known headings. The
    iterator is left just below it, at the first data row."""
    for scanned, (number, cells) in enumerate(rows, start=1):
        if sum(1 for c in cells if normalize_key(c) in known) >= 2:
            return number, [clean_text(c) for c in cells]
        if scanned >= HEADER_SCAN_ROWS:
            break
    return None


def read_sheet(fileobj: IO[bytes], fmt: str, known: set[str], examples: str) -> Sheet:
    """Open the first worksheet (or CSV) whose top rows hold the headings."""
    if fmt == "xlsx":
        import openpyxl

        try:
            book = openpyxl.load_workbook(fileobj, read_only=True, data_only=True)
        except Exception:  # openpyxl raises many types for a damaged file
            raise FileRejected(_("This .xlsx file cannot be opened; is it damaged?")) from None
        for sheet in book.worksheets:
            rows = enumerate(sheet.iter_rows(values_only=True), start=1)
            found = _find_header(rows, known)
            if found:
                return Sheet(found[0], found[1], rows, book.close)
        book.close()
    else:
        text = decode_csv(fileobj.read())
        first_line = text.split("\n", 1)[0]
        delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        rows = ((reader.line_num, tuple(cells)) for cells in reader)
        found = _find_header(rows, known)
        if found:
            return Sheet(found[0], found[1], rows, lambda: None)
    raise FileRejected(
        _("No heading row found: one of the first rows must hold headings such as %(examples)s.")
        % {"examples": examples}
    )


def count_rows(fileobj: IO[bytes], fmt: str) -> int:
    """Rough row count, to decide between preview in the request and a background task."""
    fileobj.seek(0)
    if fmt == "xlsx":
        import openpyxl

        try:
            book = openpyxl.load_workbook(fileobj, read_only=True)
            sheet = book.worksheets[0]
            count = sheet.max_row if sheet.max_row else sum(1 for _r in sheet.iter_rows())
            book.close()
        except Exception:
            count = 0
    else:
        count = fileobj.read().count(b"\n")
    fileobj.seek(0)
    return count or 0


def chunked(values: Iterable[Any], size: int = BATCH) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for value in values:
        batch.append(value)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
