"""Helpers shared by the import/export tests (tests/organizations/test_io_*.py): build
spreadsheets in memory and run the import engine directly. No tests in here."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from typing import Any

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished
from django.db import close_old_connections

from organizations.imports import IMPORTERS, ImportReport
from organizations.models import Organization
from organizations.validators import make_citizen_id, make_credit_code

MEMBER_HEADINGS = [
    "姓名",
    "性别",
    "民族",
    "出生日期",
    "身份证号",
    "学历",
    "入党时间",
    "转正时间",
    "预/正",
    "所在党支部",
    "工作单位",
    "手机号码",
]


def citizen_id(n: int, birth: dt.date = dt.date(1980, 1, 1)) -> str:
    """A valid ID number, unique for n < 1000 per birth date."""
    return make_citizen_id("320115", birth + dt.timedelta(days=n // 1000), n % 1000)


def credit_code(n: int) -> str:
    return make_credit_code(900_000 + n)


def member_values(n: int, org: Organization | str, **overrides: Any) -> dict[str, Any]:
    birth = dt.date(1980, 1, 1) + dt.timedelta(days=n // 1000)
    values: dict[str, Any] = {
        "姓名": f"党员{n}",
        "性别": "男" if (n % 1000) % 2 else "女",
        "民族": "汉族",
        "出生日期": birth.isoformat(),
        "身份证号": citizen_id(n),
        "学历": "大学本科",
        "入党时间": "2010-07-01",
        "转正时间": "2011-07-01",
        "预/正": "正式党员",
        "所在党支部": org if isinstance(org, str) else org.full_name,
        "工作单位": "",
        "手机号码": f"139{n:08d}",
    }
    values.update(overrides)
    return values


def table(records: Iterable[dict[str, Any]], headings: Sequence[str] | None = None) -> list[list]:
    records = list(records)
    headings = list(headings or (records[0].keys() if records else MEMBER_HEADINGS))
    return [headings, *[[r.get(h, "") for h in headings] for r in records]]


def xlsx_bytes(rows: list[list], *, above: list[list] = ()) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in [*above, *rows]:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list], encoding: str = "utf-8-sig") -> bytes:
    text = io.StringIO(newline="")
    csv.writer(text).writerows(rows)
    return text.getvalue().encode(encoding)


def uploaded(data: bytes, name: str = "roster.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def run_import(
    kind: str,
    user: Any,
    data: bytes,
    *,
    commit: bool,
    fmt: str = "xlsx",
    org: Organization | None = None,
) -> ImportReport:
    importer = IMPORTERS[kind](actor=user, default_organization=org, file_name="test.xlsx")
    return importer.run(io.BytesIO(data), fmt, commit=commit)


def errors_by_cell(report: ImportReport) -> dict[tuple[int, str], str]:
    return {(e["row"], e["column"]): e["message"] for e in report.errors}


def body(response: Any) -> bytes:
    """The bytes of a download, small (in memory) or streamed from a file (then closed,
    as a server would, without the request_finished handler that closes the database
    connection: Django's test client does the same)."""
    if not response.streaming:
        return response.content
    data = b"".join(response.streaming_content)
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)
    return data


def read_xlsx(content: bytes) -> list[list[Any]]:
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    book.close()
    return rows


def read_csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
