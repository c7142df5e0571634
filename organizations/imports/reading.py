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

from portal.core.text import strip_control_characters

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


# --- .xlsx archives: limits checked before any XML is parsed ------------------------------
#
# An .xlsx is a zip of XML parts. A small upload can expand enormously (a 415 KB file
# whose shared strings part expands to 400 MiB took a web process from 295 MB to 1.4 GB
# inside openpyxl), so every member's declared AND actual uncompressed size and its
# compression ratio are checked first, by streaming it through zlib without keeping
# it. Limits (settings, documented in docs/operations.md): IMPORT_XLSX_MAX_PART_MB,
# IMPORT_XLSX_MAX_TOTAL_MB, IMPORT_XLSX_MAX_RATIO.

RATIO_FREE_BYTES = 1024 * 1024  # small parts (styles, an empty sheet) compress very well


def xlsx_limits() -> tuple[int, int, int]:
    mib = 1024 * 1024
    return (
        int(getattr(settings, "IMPORT_XLSX_MAX_PART_MB", 64)) * mib,
        int(getattr(settings, "IMPORT_XLSX_MAX_TOTAL_MB", 128)) * mib,
        int(getattr(settings, "IMPORT_XLSX_MAX_RATIO", 100)),
    )


def _too_large() -> FileRejected:
    part, total, ratio = xlsx_limits()
    return FileRejected(
        _(
            "This .xlsx file expands to more than the portal accepts (%(part)d MB per part, "
            "%(total)d MB in all, at most %(ratio)d times its compressed size). Split it "
            "into smaller files, or save it again from Excel or WPS."
        )
        % {"part": part // (1024 * 1024), "total": total // (1024 * 1024), "ratio": ratio}
    )


def check_xlsx_archive(fileobj: IO[bytes]) -> int:
    """Refuse an archive whose parts expand past the limits; return the total
    uncompressed size. Declared sizes are checked first (no decompression), then each
    part is decompressed in chunks and counted, stopping as soon as it passes its
    declared size or a limit: a forged header does not help. Raises FileRejected."""
    part_limit, total_limit, ratio_limit = xlsx_limits()
    fileobj.seek(0)
    try:
        with zipfile.ZipFile(fileobj) as archive:
            members = archive.infolist()
            names = {m.filename for m in members}
            if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
                raise FileRejected(_("This is not an .xlsx or .csv file."))
            declared = 0
            for m in members:
                declared += m.file_size
                if m.file_size > part_limit or declared > total_limit:
                    raise _too_large()
                if m.file_size > RATIO_FREE_BYTES and m.file_size > ratio_limit * max(
                    m.compress_size, 1
                ):
                    raise _too_large()
            actual = 0
            for m in members:
                seen = 0
                with archive.open(m) as part:
                    while chunk := part.read(1024 * 1024):
                        seen += len(chunk)
                        if seen > m.file_size or seen > part_limit:
                            raise _too_large()
                actual += seen
                if actual > total_limit:
                    raise _too_large()
    # NotImplementedError: a compression method zipfile cannot read (a damaged or
    # hand-made archive), refused like any other unreadable file.
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError):
        raise FileRejected(_("This .xlsx file cannot be opened; is it damaged?")) from None
    finally:
        fileobj.seek(0)
    return actual


def xlsx_expanded_size(fileobj: IO[bytes]) -> int:
    """The declared uncompressed size of an archive already checked by
    check_xlsx_archive (central directory only, nothing decompressed)."""
    fileobj.seek(0)
    try:
        with zipfile.ZipFile(fileobj) as archive:
            return sum(m.file_size for m in archive.infolist())
    except zipfile.BadZipFile:
        return 0
    finally:
        fileobj.seek(0)


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
        if not zipfile.is_zipfile(fileobj):
            raise FileRejected(_("This is not an .xlsx or .csv file."))
        check_xlsx_archive(fileobj)
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


def _without_control_characters(
    rows: Iterator[tuple[int, tuple[Any, ...]]],
) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """Every text cell without control characters, whichever column cleaner reads it
    (a name starting with \\x01 before "=HYPERLINK(" must not survive to an export)."""
    for number, cells in rows:
        yield number, tuple(strip_control_characters(c) if isinstance(c, str) else c for c in cells)


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

        # Again here: this runs on the worker too, on the stored file.
        check_xlsx_archive(fileobj)
        try:
            book = openpyxl.load_workbook(fileobj, read_only=True, data_only=True)
        except Exception:  # openpyxl raises many types for a damaged file
            raise FileRejected(_("This .xlsx file cannot be opened; is it damaged?")) from None
        for sheet in book.worksheets:
            rows = _without_control_characters(
                enumerate(sheet.iter_rows(values_only=True), start=1)
            )
            found = _find_header(rows, known)
            if found:
                return Sheet(found[0], found[1], rows, book.close)
        book.close()
    else:
        text = decode_csv(fileobj.read())
        first_line = text.split("\n", 1)[0]
        delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        rows = _without_control_characters((reader.line_num, tuple(cells)) for cells in reader)
        found = _find_header(rows, known)
        if found:
            return Sheet(found[0], found[1], rows, lambda: None)
    raise FileRejected(
        _("No heading row found: one of the first rows must hold headings such as %(examples)s.")
        % {"examples": examples}
    )


def count_rows(fileobj: IO[bytes], fmt: str) -> int:
    """Rough row count, to decide between preview in the request and a background task.
    For an .xlsx the worksheets' row elements are counted in the raw XML, streamed:
    no workbook is loaded (openpyxl would read every shared string first), so this is
    safe in the request for any archive check_xlsx_archive let through."""
    fileobj.seek(0)
    count = 0
    if fmt == "xlsx":
        try:
            with zipfile.ZipFile(fileobj) as archive:
                for m in archive.infolist():
                    if not (
                        m.filename.startswith("xl/worksheets/") and m.filename.endswith(".xml")
                    ):
                        continue
                    tail = b""
                    with archive.open(m) as part:
                        while chunk := part.read(1024 * 1024):
                            data = tail + chunk
                            count += data.count(b"<row ") + data.count(b"<row>")
                            # Keep the last bytes that cannot hold a whole "<row " (no
                            # match is counted twice: a match needs 5 bytes).
                            tail = data[-4:]
        except (zipfile.BadZipFile, OSError, EOFError):
            count = 0
    else:
        count = fileobj.read().count(b"\n")
    fileobj.seek(0)
    return count


def chunked(values: Iterable[Any], size: int = BATCH) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for value in values:
        batch.append(value)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
