"""Export: one function for every list, a registry of downloadable lists, and the
file writers (bounded memory: rows go to a temporary file spooled to disk)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.db.models import QuerySet
from django.http import FileResponse, HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header

from portal.core.text import strip_control_characters

from .columns import (
    PortalResource,
)


@dataclass(frozen=True)
class ExportSpec:
    """One downloadable list (/io/export/<kind>.<fmt>, organizations/views_io.py).

    `queryset(request)` returns the rows the list page would show for the request's
    GET filters, and raises Http404 for a filter naming something the user cannot
    see. Scope and masking are the resource's business: export_response() applies
    `resource.scope()` whatever the queryset."""

    label: Any
    resource: type[PortalResource]
    queryset: Callable[[Any], QuerySet]


EXPORTS: dict[str, ExportSpec] = {}


def register_export(
    kind: str, *, label: Any, resource: type[PortalResource], queryset: Callable[[Any], QuerySet]
) -> None:
    """Make a list downloadable. Later record types (meetings, opinions, problem items,
    the requirement grid) call this from their app's AppConfig.ready() with their own
    PortalResource subclass; the organizations app registers its three lists in
    organizations/views_io.py."""
    EXPORTS[kind] = ExportSpec(label=label, resource=resource, queryset=queryset)


# --- export: one function for every list ------------------------------------------

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A cell starting with one of these is run as a formula by Excel, WPS or LibreOffice
# (CSV injection). Our import strips the quote again (imports.clean_text).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
SPOOL_BYTES = 1024 * 1024  # larger files go to disk and stream from there


def neutralize(value: Any) -> Any:
    """A text cell made safe for a spreadsheet: characters a workbook cannot store
    (control characters) are dropped FIRST, then a formula start is quoted. The other
    way round, "\\x01=HYPERLINK(...)" passed the check and became a live formula once
    the control character was dropped."""
    if not isinstance(value, str):
        return value
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    value = strip_control_characters(ILLEGAL_CHARACTERS_RE.sub("", value))
    if value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def export_rows(
    resource: PortalResource, queryset: QuerySet, user: Any
) -> tuple[list[str], Iterator[list[Any]]]:
    """Headings and rows of `queryset`, limited to what `user` may see (the resource's
    `scope`), personal data masked by the resource, formulas neutralized."""
    queryset = resource.export_queryset(resource.scope(queryset, user))
    headers = resource.get_export_headers()

    def rows() -> Iterator[list[Any]]:
        for obj in resource.iter_queryset(queryset):
            yield [neutralize(v) for v in resource.export_resource(obj)]

    return headers, rows()


def export_response(
    resource: PortalResource, queryset: QuerySet, *, user: Any, fmt: str, filename: str
) -> HttpResponse | FileResponse:
    """The download of any list: `resource` decides columns, scope and masking.

    The file is written to a temporary file (spooled to disk past SPOOL_BYTES), so
    memory stays bounded whatever the row count, and every query runs before the
    response starts. A file that stayed in memory is sent as bytes (the spool closed
    at once); a larger one streams from disk. Later record types (meetings, opinions,
    problem items) plug in with their own PortalResource subclass (register_export)."""
    headers, rows = export_rows(resource, queryset, user)
    stamp = timezone.localdate().strftime("%Y%m%d")
    if fmt == "xlsx":
        handle = write_xlsx(resource.title(), headers, rows)
        content_type = XLSX_MIME
    elif fmt == "csv":
        handle = write_csv(headers, rows)
        content_type = "text/csv; charset=utf-8"
    else:
        raise ValueError(fmt)
    name = f"{filename}-{stamp}.{fmt}"
    size = handle.seek(0, io.SEEK_END)
    handle.seek(0)
    if size > SPOOL_BYTES:
        return FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)
    with handle:
        response = HttpResponse(handle.read(), content_type=content_type)
    # Never None for an attachment (None only for an inline response without a name).
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=True, filename=name) or "attachment"
    )
    return response


def write_xlsx(title: str, headers: list[str], rows: Iterable[list[Any]]) -> IO[bytes]:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    bold = Font(bold=True)
    head = []
    for text in headers:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        head.append(cell)
    sheet.append(head)
    for row in rows:
        out: list[Any] = []
        for value in row:
            if isinstance(value, dt.date):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "yyyy-mm-dd"
                out.append(cell)
            elif isinstance(value, str):
                # Neutralized last, after every other cleaning (whoever called us), and
                # stored as a string cell: openpyxl would write "=..." as a formula.
                cell = WriteOnlyCell(sheet, value=neutralize(value))
                cell.data_type = "s"
                out.append(cell)
            else:
                out.append(value)
        sheet.append(out)
    # Returned open: FileResponse streams it and closes it.
    handle = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
    book.save(handle)
    handle.seek(0)
    return handle


def write_csv(headers: list[str], rows: Iterable[list[Any]]) -> IO[bytes]:
    handle = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
    # UTF-8 with a byte-order mark: Excel then opens Chinese text correctly.
    text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
    writer = csv.writer(text)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([v.isoformat() if isinstance(v, dt.date) else v for v in row])
    text.flush()
    text.detach()
    handle.seek(0)
    return handle


def table_response(
    *, title: str, headers: list[str], rows: Iterable[list[Any]], fmt: str, filename: str
) -> FileResponse:
    """Download of a computed table that is not a queryset (the requirement grid):
    same formats, formula neutralizing and file handling as export_response."""
    stamp = timezone.localdate().strftime("%Y%m%d")
    safe_rows = ([neutralize(v) for v in row] for row in rows)
    if fmt == "xlsx":
        handle, content_type = write_xlsx(title, headers, safe_rows), XLSX_MIME
    elif fmt == "csv":
        handle, content_type = write_csv(headers, safe_rows), "text/csv; charset=utf-8"
    else:
        raise ValueError(fmt)
    return FileResponse(
        handle, as_attachment=True, filename=f"{filename}-{stamp}.{fmt}", content_type=content_type
    )
