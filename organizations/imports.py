"""Spreadsheet import: reading and cleaning cells, the import engine, and the services
behind the import pages (organizations/views_io.py) and the background task
(organizations/tasks.py).

Why our own engine rather than django-import-export's `import_data`: the library
imports row by row (an instance lookup, foreign-key lookups and a save with its
history row for every row), which is several queries per row. A 10,000-member roster
must import at ≥ 1,000 rows/s (SPEC §11), so the engine below reads the whole sheet,
prefetches what it needs in a fixed number of queries (organizations and enterprises
named in the file, existing members by ID number), validates in memory, and writes
with `bulk_create_with_history` / `bulk_update_with_history`, so the change history
still gets one row per changed record, attributed to the importing user. The
Resources in organizations/resources.py still define headings, accepted spellings,
exports and templates.

All or nothing: a preview runs every check and then the writes inside a transaction
that is rolled back; the confirmed import re-reads the stored file and does the same
in one transaction that is committed only when no row has an error.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import re
import unicodedata
import uuid
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from portal.accounts.models import AuditEvent
from portal.accounts.permissions import Action, grants_for

from .models import (
    Enterprise,
    ImportJob,
    Member,
    MemberStatus,
    MemberTransfer,
    Organization,
    Sex,
)
from .resources import (
    LIST_SEPARATOR,
    Column,
    EnterpriseResource,
    MemberResource,
    OrganizationResource,
    PortalResource,
    normalize_key,
)
from .validators import (
    birth_date_from_id,
    normalize_code,
    validate_citizen_id,
    validate_credit_code,
)

logger = logging.getLogger(__name__)

BATCH = 500
PREVIEW_ROWS = 200  # rows listed on the preview page; the counts cover all of them
MAX_ERRORS = 1000  # errors kept for display; the count covers all of them
HEADER_SCAN_ROWS = 10  # a title row or two often sits above the headings


class FileRejected(Exception):
    """The file as a whole cannot be read (type, size, encoding, headings)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CellError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- who may import what -------------------------------------------------------------

# Members and enterprises: a secretary or clerk (RECORD) for their organization and
# below, a reviewer (MANAGE_ACCOUNTS) for their subtree. Organizations: MANAGE_ACCOUNTS.
IMPORT_ACTIONS: dict[str, tuple[Action, ...]] = {
    "members": (Action.RECORD, Action.MANAGE_ACCOUNTS),
    "enterprises": (Action.RECORD, Action.MANAGE_ACCOUNTS),
    "organizations": (Action.MANAGE_ACCOUNTS,),
}


def may_import(user: Any, kind: str, path: str) -> bool:
    grants = grants_for(user)
    return any(grants.allows(action, path) for action in IMPORT_ACTIONS[kind])


def may_import_somewhere(user: Any, kind: str) -> bool:
    grants = grants_for(user)
    return grants.is_admin or any(grants.paths.get(a) for a in IMPORT_ACTIONS[kind])


# --- cleaning helpers ------------------------------------------------------------------

_NEUTRALIZED = re.compile(r"^'[=+\-@\t\r]")
_CJK = re.compile(r"[\u3400-\u9fff]")
_DATE_YMD = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_DATE_YM = re.compile(r"^(\d{4})[-/.年](\d{1,2})月?$")
_TIME_SUFFIX = re.compile(r"[ T]\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?$")
_SCIENTIFIC = re.compile(r"^\d(?:\.\d+)?E\+?\d+$")
# The 56 ethnic groups: "汉" and "汉族" are both written on rosters; we store "汉族".
ETHNIC_GROUPS = frozenset(
    (
        "汉",
        "蒙古",
        "回",
        "藏",
        "维吾尔",
        "苗",
        "彝",
        "壮",
        "布依",
        "朝鲜",
        "满",
        "侗",
        "瑶",
        "白",
        "土家",
        "哈尼",
        "哈萨克",
        "傣",
        "黎",
        "傈僳",
        "佤",
        "畲",
        "高山",
        "拉祜",
        "水",
        "东乡",
        "纳西",
        "景颇",
        "柯尔克孜",
        "土",
        "达斡尔",
        "仫佬",
        "羌",
        "布朗",
        "撒拉",
        "毛南",
        "仡佬",
        "锡伯",
        "阿昌",
        "普米",
        "塔吉克",
        "怒",
        "乌孜别克",
        "俄罗斯",
        "鄂温克",
        "德昂",
        "保安",
        "裕固",
        "京",
        "塔塔尔",
        "独龙",
        "鄂伦春",
        "赫哲",
        "门巴",
        "珞巴",
        "基诺",
    )
)
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_SPLIT_LIST = re.compile(r"[;；、,，\n]+")
# Control characters no text file holds (tab, newlines and form feed aside).
_BINARY = re.compile(rb"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f]")


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def clean_text(value: Any) -> str:
    """A cell as text: numbers without a trailing .0, white space (including the
    ideographic space) trimmed and collapsed, and the quote our exports put in front
    of = + - @ removed again."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    text = " ".join(str(value).split())
    if _NEUTRALIZED.match(text):
        text = text[1:]
    return text


def clean_name(value: Any) -> str:
    """Chinese names are often padded for alignment ("王  伟"): drop the spaces."""
    text = clean_text(value)
    if _CJK.search(text):
        text = text.replace(" ", "")
    return text


def parse_date(value: Any) -> dt.date | None:
    """2014-04-01, 2014/4/1, 2014.4.1, 2014年4月1日, 20140401, 2014-04 (first of the
    month), Excel serial numbers and date cells; full-width digits welcome."""
    if is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _from_serial(value)
    text = _TIME_SUFFIX.sub("", unicodedata.normalize("NFKC", clean_text(value)))
    text = text.replace(" ", "")
    match = _DATE_YMD.match(text)
    if match:
        return _make_date(*match.groups())
    match = _DATE_YM.match(text)
    if match:
        return _make_date(match.group(1), match.group(2), "1")
    if re.fullmatch(r"\d{8}", text):
        return _make_date(text[:4], text[4:6], text[6:])
    if re.fullmatch(r"\d{1,5}(?:\.0+)?", text):
        return _from_serial(float(text))
    raise CellError(_("Cannot read this as a date; write it like 2014-04-01."))


def _make_date(year: str, month: str, day: str) -> dt.date:
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        raise CellError(_("This date does not exist in the calendar.")) from None


def _from_serial(number: float) -> dt.date:
    if not 1 <= number < 2958466 or not float(number).is_integer():
        raise CellError(_("Cannot read this as a date; write it like 2014-04-01."))
    return _EXCEL_EPOCH + dt.timedelta(days=int(number))


def parse_int(value: Any) -> int | None:
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = unicodedata.normalize("NFKC", clean_text(value)).replace(",", "").rstrip("人名个")
    if re.fullmatch(r"\d+(?:\.0+)?", text):
        return int(float(text))
    raise CellError(_("Write a whole number."))


def parse_choice(column: Column, value: Any) -> str:
    code = column.lookup.get(normalize_key(clean_text(value)))
    if code is None:
        if column.kind == "bool":
            raise CellError(_("Write 是 or 否 (yes or no)."))
        labels = [label for label in column.labels(english=False) if label]
        raise CellError(
            _("“%(value)s” is not one of: %(choices)s.")
            % {"value": clean_text(value), "choices": "、".join(labels)}
        )
    return code


def org_code(value: Any) -> str:
    """Organization codes keep their case; only width and white space are normalized."""
    return "".join(unicodedata.normalize("NFKC", clean_text(value)).split())


def clean_ethnicity(value: Any) -> str:
    text = clean_name(value)
    return text + "族" if text in ETHNIC_GROUPS else text


def parse_code_cell(value: Any, *, what: str) -> str:
    """ID numbers and credit codes: refuse numbers (Excel rounds 18 digits) and masks."""
    as_number = isinstance(value, int | float) and not isinstance(value, bool)
    if as_number or _SCIENTIFIC.match(normalize_code(clean_text(value))):
        raise CellError(
            _(
                "Excel stored this %(what)s as a number and may have rounded it; format "
                "the column as text and type it again."
            )
            % {"what": what}
        )
    code = normalize_code(clean_text(value))
    if "*" in code:
        raise CellError(
            _(
                "This value is masked (it comes from an export without personal data). Use "
                "an export made by someone who may see personal data, or type the full value."
            )
        )
    return code


def parse_cell(column: Column, value: Any) -> Any:
    """The cleaned value of one cell, or CellError with a message for the user."""
    kind = column.kind
    if kind == "date":
        parsed = parse_date(value)
        if parsed is not None and parsed > timezone.localdate():
            raise CellError(_("This date is in the future."))
        return parsed
    if kind == "int":
        return parse_int(value)
    if is_blank(value):
        if kind == "bool":
            return False
        return ""
    if kind in ("choice", "bool"):
        code = parse_choice(column, value)
        return bool(code) if kind == "bool" else code
    if kind == "id_number":
        code = parse_code_cell(value, what=_("ID number"))
        _validate(validate_citizen_id, code)
        return code
    if kind == "credit_code":
        code = parse_code_cell(value, what=_("credit code"))
        _validate(validate_credit_code, code)
        return code
    if kind == "phone":
        # Full-width digits become ASCII; inner spaces stay (round trips stay exact).
        phone = clean_text(unicodedata.normalize("NFKC", clean_text(value)))
        if "*" in phone:
            raise CellError(
                _(
                    "This phone number is masked (it comes from an export without personal "
                    "data); type the full number or delete the column."
                )
            )
        return phone
    if kind in ("code", "org_code"):
        return org_code(value)
    if kind == "name":
        return clean_name(value)
    if kind == "ethnicity":
        return clean_ethnicity(value)
    if kind in ("orgs", "org_codes"):
        return [p.strip() for p in _SPLIT_LIST.split(clean_text(value)) if p.strip()]
    return clean_text(value)


def _validate(validator: Callable[[str], None], value: str) -> None:
    try:
        validator(value)
    except ValidationError as exc:
        raise CellError(" ".join(exc.messages)) from None


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


# --- the engine --------------------------------------------------------------------------


@dataclass
class Row:
    number: int
    values: dict[str, Any]
    bad: bool = False


@dataclass
class ImportReport:
    kind: str
    total_rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    transfers: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    error_count: int = 0
    preview: list[dict[str, Any]] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    header_row: int = 0
    committed: bool = False

    def add_error(self, row: int, column: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append({"row": row, "column": column, "message": str(message)})

    def summary(self) -> dict[str, Any]:
        return {
            "total_rows": self.total_rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "transfers": self.transfers,
            "preview": self.preview,
            "ignored_columns": self.ignored_columns,
            "header_row": self.header_row,
        }


Progress = Callable[[int], None]
# Columns whose values differ on every row: no point caching their parsed values.
UNIQUE_KINDS = {"id_number", "credit_code", "phone", "name", "code"}


class OrgResolver:
    """Organizations named in the file (code, full name or short name), loaded in a few
    queries; `allowed(path)` says which of them the user may import into. Unknown and
    out-of-scope names get the same message (no hint that a node exists)."""

    def __init__(self, allowed: Callable[[str], bool]) -> None:
        self.allowed = allowed
        self.by_code: dict[str, Organization] = {}
        self.by_name: dict[str, list[Organization]] = {}
        self.paths: dict[str, Organization] = {}

    def add(self, org: Organization) -> None:
        self.by_code[org.code] = org
        self.paths[org.path] = org
        for name in {normalize_key(org.full_name), normalize_key(org.short_name)}:
            bucket = self.by_name.setdefault(name, [])
            if all(o.pk != org.pk for o in bucket):
                bucket.append(org)

    def load(self, names: set[str], codes: set[str]) -> None:
        variants: set[str] = set()
        for name in names:
            variants |= {name, unicodedata.normalize("NFKC", name)}
            variants.add(name.replace("(", "（").replace(")", "）"))
        codes = {org_code(c) for c in codes | names} - {""}
        for batch in chunked(sorted(variants | codes), 300):
            for org in Organization.objects.filter(
                Q(code__in=batch) | Q(full_name__in=batch) | Q(short_name__in=batch)
            ):
                self.add(org)

    def load_paths(self, paths: set[str]) -> None:
        for batch in chunked(sorted(paths), BATCH):
            for org in Organization.objects.filter(path__in=batch):
                self.add(org)

    @staticmethod
    def matches(org: Organization, text: str) -> bool:
        key = normalize_key(text)
        return key in (normalize_key(org.full_name), normalize_key(org.short_name)) or (
            org_code(text) == org.code
        )

    def by_path(self, path: str) -> Organization | None:
        return self.paths.get(path)

    def find(self, text: str, current: Organization | None = None) -> Organization:
        if current is not None and self.matches(current, text):
            return current
        found = [o for o in self.by_name.get(normalize_key(text), []) if self.allowed(o.path)]
        if len(found) > 1:
            raise CellError(
                _(
                    "Several organizations in your scope are called “%(value)s”; "
                    "use the organization code."
                )
                % {"value": text}
            )
        if not found:
            org = self.by_code.get(org_code(text))
            if org is not None and self.allowed(org.path):
                found = [org]
        if not found:
            raise CellError(
                _("Unknown organization, or one outside your scope: “%(value)s”.") % {"value": text}
            )
        return found[0]


class Importer:
    """One import run. Subclasses implement `prepare` (checks, in memory, a fixed number
    of queries) and `apply` (bulk writes)."""

    kind = ""
    resource_class: type[PortalResource] = PortalResource

    def __init__(
        self,
        *,
        actor: Any,
        default_organization: Organization | None = None,
        file_name: str = "",
    ) -> None:
        self.actor = actor
        self.grants = grants_for(actor)
        self.default_organization = default_organization
        self.file_name = file_name
        self.resource = self.resource_class(user=actor, language=get_language())
        self.columns: dict[str, Column] = self.resource.columns
        self.headings: dict[str, str] = {n: c.column_name for n, c in self.columns.items()}
        self.present: set[str] = set()
        self.lock = False  # set by run(): lock matched rows while committing
        self.parsed: dict[str, dict[tuple[type, Any], tuple[bool, Any]]] = {
            name: {} for name, c in self.columns.items() if c.kind not in UNIQUE_KINDS
        }
        self.report = ImportReport(kind=self.kind)
        self.reason = (_("Imported from %(file)s") % {"file": file_name or "?"})[:100]

    # -- reading ----------------------------------------------------------------

    def allowed(self, path: str) -> bool:
        return may_import(self.actor, self.kind, path)

    def known_headings(self) -> dict[str, str]:
        known: dict[str, str] = {}
        for name, column in self.columns.items():
            for heading in column.headings():
                known[heading] = name
        return known

    def map_headings(self, headings: list[str]) -> dict[int, str]:
        known = self.known_headings()
        mapping: dict[int, str] = {}
        used: dict[str, str] = {}
        for index, heading in enumerate(headings):
            if not heading:
                continue
            name = known.get(normalize_key(heading))
            if name is None:
                self.report.ignored_columns.append(heading)
                continue
            if name in used:
                # Rosters often carry 手机号码 and 联系电话: the first column wins, the
                # other is listed as ignored on the preview.
                self.report.ignored_columns.append(heading)
                continue
            used[name] = heading
            mapping[index] = name
            self.headings[name] = heading
        missing = [
            self.columns[n].column_name
            for n, c in self.columns.items()
            if c.required and n not in used
        ]
        if missing:
            raise FileRejected(
                _("Required columns are missing: %(columns)s.") % {"columns": "、".join(missing)}
            )
        self.present = set(used)
        return mapping

    def read(self, fileobj: IO[bytes], fmt: str, progress: Progress | None) -> list[Row]:
        examples = "、".join(c.column_name for c in list(self.columns.values())[:5])
        sheet = read_sheet(fileobj, fmt, set(self.known_headings()), examples)
        try:
            self.report.header_row = sheet.header_row
            mapping = self.map_headings(sheet.headings)
            rows: list[Row] = []
            for number, cells in sheet.rows:
                raw = {name: cells[i] for i, name in mapping.items() if i < len(cells)}
                if all(is_blank(v) for v in raw.values()):
                    continue
                rows.append(self.parse_row(number, raw))
                if progress and len(rows) % 1000 == 0:
                    progress(min(40, 5 + len(rows) // 300))
        finally:
            sheet.close()
        if not rows:
            raise FileRejected(_("The file has no data rows under the headings."))
        self.report.total_rows = len(rows)
        return rows

    def parse_row(self, number: int, raw: dict[str, Any]) -> Row:
        row = Row(number, {})
        for name, value in raw.items():
            column = self.columns[name]
            if column.required and is_blank(value):
                self.error(row, name, _("A value is required here."))
                continue
            # Most columns repeat a few values (organization, education, dates):
            # parse each distinct value once. Unique columns are not worth caching.
            cache = self.parsed.get(name)
            key = (type(value), value)
            hit = cache.get(key) if cache is not None else None
            if hit is None:
                try:
                    hit = (True, parse_cell(column, value))
                except CellError as exc:
                    hit = (False, exc.message)
                if cache is not None and len(cache) < 5000:
                    cache[key] = hit
            if hit[0]:
                value = hit[1]
                # Lists (several organizations) are shared by the cache: copy them.
                row.values[name] = list(value) if isinstance(value, list) else value
            else:
                self.error(row, name, hit[1])
        return row

    def error(self, row: Row, column: str, message: str) -> None:
        row.bad = True
        self.report.add_error(row.number, self.headings.get(column, column), message)

    def validation_errors(self, row: Row, exc: ValidationError) -> None:
        for name, messages in exc.message_dict.items():
            column = name if name in self.columns else ""
            for message in messages:
                self.error(row, column, message)

    def preview(self, row: Row, action: str, label: str, detail: str, changes: list[str]) -> None:
        if len(self.report.preview) < PREVIEW_ROWS:
            self.report.preview.append(
                {
                    "row": row.number,
                    "action": action,
                    "label": label,
                    "detail": detail,
                    "changes": [self.headings.get(c, c) for c in changes],
                }
            )

    def first_seen(self, seen: dict[str, int], key: str, row: Row, column: str) -> bool:
        """False (with an error) when `key` already appeared on an earlier row."""
        if key in seen:
            self.error(
                row,
                column,
                _("This %(what)s also appears in row %(row)d.")
                % {"what": self.headings.get(column, column), "row": seen[key]},
            )
            return False
        seen[key] = row.number
        return True

    # -- running ----------------------------------------------------------------

    def run(
        self, fileobj: IO[bytes], fmt: str, *, commit: bool, progress: Progress | None = None
    ) -> ImportReport:
        """Check every row; when nothing is wrong, write in one transaction, committed
        only if `commit`. Raises FileRejected for an unreadable file.

        The checks and the writes share one transaction; on commit the matched rows are
        locked FOR UPDATE (PostgreSQL; SQLite's IMMEDIATE transactions hold the write
        lock anyway), so an edit made meanwhile is either seen by the checks or waits:
        never overwritten unseen. A preview takes no row locks."""
        rows = self.read(fileobj, fmt, progress)
        if progress:
            progress(45)
        self.lock = commit
        with transaction.atomic():
            self.prepare(rows)
            if progress:
                progress(75)
            if not self.report.error_count:
                self.apply()
                if commit:
                    self.audit()
            if not commit or self.report.error_count:
                transaction.set_rollback(True)
        self.report.committed = commit and not self.report.error_count
        return self.report

    def audit(self) -> None:
        AuditEvent.objects.create(
            actor=self.actor,
            action=f"import.{self.kind}",
            target=self.file_name[:200],
            detail={
                "created": self.report.created,
                "updated": self.report.updated,
                "unchanged": self.report.unchanged,
                "transfers": self.report.transfers,
            },
        )

    def locked(self, queryset: Any) -> Any:
        return queryset.select_for_update(of=("self",)) if self.lock else queryset

    def prepare(self, rows: list[Row]) -> None:
        raise NotImplementedError

    def apply(self) -> None:
        raise NotImplementedError

    @staticmethod
    def snapshot(obj: Any, names: Iterable[str]) -> dict[str, Any]:
        return {n: getattr(obj, n) for n in names}


def _changed(before: dict[str, Any], obj: Any) -> list[str]:
    return [n for n, v in before.items() if getattr(obj, n) != v]


def _fill_org_refs(rows: list[Row], name_col: str, code_col: str) -> tuple[set[str], set[str]]:
    names = {r.values[name_col] for r in rows if r.values.get(name_col)}
    codes = {r.values[code_col] for r in rows if r.values.get(code_col)}
    return names, codes


def _resolve_pair(
    importer: Importer,
    resolver: OrgResolver,
    row: Row,
    name_col: str,
    code_col: str,
    current: Organization | None,
) -> Organization | None:
    """An organization given by name and/or code columns; None when both are empty or
    wrong (errors recorded)."""
    by_code = by_name = None
    code = row.values.get(code_col) or ""
    name = row.values.get(name_col) or ""
    try:
        if code:
            by_code = resolver.find(code, current)
    except CellError as exc:
        importer.error(row, code_col, exc.message)
        return None
    try:
        if name:
            by_name = resolver.find(name, current)
    except CellError as exc:
        if by_code is None:
            importer.error(row, name_col, exc.message)
            return None
        # The code is authoritative when the name is merely ambiguous or out of date.
        if resolver.matches(by_code, name):
            return by_code
        importer.error(row, name_col, exc.message)
        return None
    if by_code and by_name and by_code.pk != by_name.pk:
        importer.error(
            row,
            name_col,
            _("The organization name and the organization code point to different organizations."),
        )
        return None
    return by_code or by_name


class EnterpriseLookup:
    """Enterprises named in a member file (name or credit code), in the user's scope."""

    def __init__(self, allowed: Callable[[str], bool]) -> None:
        self.allowed = allowed
        self.by_code: dict[str, Enterprise] = {}
        self.by_name: dict[str, list[Enterprise]] = {}
        self.paths: dict[int, list[str]] = {}

    def load(self, values: set[str]) -> None:
        codes = {normalize_code(v) for v in values}
        for batch in chunked(sorted(values | codes), 300):
            for ent in (
                Enterprise.objects.filter(Q(name__in=batch) | Q(credit_code__in=batch))
                .select_related("attached_to")
                .prefetch_related("organizations")
            ):
                self.by_code[ent.credit_code] = ent
                self.by_name.setdefault(normalize_key(ent.name), []).append(ent)
                paths = [o.path for o in ent.organizations.all()]
                if ent.attached_to_id:
                    paths.append(ent.attached_to.path)
                self.paths[ent.pk] = paths

    def in_scope(self, ent: Enterprise) -> bool:
        return any(self.allowed(p) for p in self.paths.get(ent.pk, []))

    def find(self, text: str, current_id: int | None) -> Enterprise:
        ent = self.by_code.get(normalize_code(text))
        candidates = [ent] if ent else self.by_name.get(normalize_key(text), [])
        current = [e for e in candidates if e.pk == current_id]
        if current:
            return current[0]
        found = [e for e in candidates if self.in_scope(e)]
        if len(found) > 1:
            raise CellError(
                _(
                    "Several enterprises in your scope are called “%(value)s”; "
                    "use the unified social credit code."
                )
                % {"value": text}
            )
        if not found:
            raise CellError(
                _(
                    "Unknown enterprise, or one outside your scope: “%(value)s”. Register "
                    "the enterprise first, or leave the cell empty."
                )
                % {"value": text}
            )
        return found[0]


# --- members -----------------------------------------------------------------------------

MEMBER_TRACKED = [
    f.attname
    for f in Member._meta.concrete_fields
    if f.attname not in ("id", "created_at", "updated_at", "user_id")
]
MEMBER_PLAIN = [
    "name",
    "sex",
    "ethnicity",
    "birth_date",
    "education",
    "joined_on",
    "full_member_on",
    "status",
    "post",
    "phone",
    "party_post",
    "is_investor",
    "is_pocket",
    "mobile",
    "mobile_organization",
    "lost_contact",
    "lost_contact_reason",
]


class MemberImporter(Importer):
    kind = "members"
    resource_class = MemberResource

    def prepare(self, rows: list[Row]) -> None:
        ids = {r.values["id_number"] for r in rows if r.values.get("id_number")}
        existing: dict[str, Member] = {}
        for batch in chunked(sorted(ids)):
            members = Member.objects.filter(id_number__in=batch).select_related("organization")
            for member in self.locked(members):
                existing[member.id_number] = member
        resolver = OrgResolver(self.allowed)
        resolver.load(*_fill_org_refs(rows, "organization", "organization_code"))
        enterprises = EnterpriseLookup(self.allowed)
        enterprises.load({r.values["enterprise"] for r in rows if r.values.get("enterprise")})
        self.to_create: list[Member] = []
        self.to_update: list[Member] = []
        self.update_fields: set[str] = set()
        self.transfers: list[MemberTransfer] = []
        seen: dict[str, int] = {}
        for row in rows:
            id_number = row.values.get("id_number")
            if not id_number or not self.first_seen(seen, id_number, row, "id_number"):
                continue
            member = existing.get(id_number)
            if member is not None and not self.allowed(member.organization.path):
                self.error(
                    row,
                    "id_number",
                    _(
                        "This ID number is already on the roster of an organization outside "
                        "your scope; ask that organization or a higher-level one to transfer "
                        "the member."
                    ),
                )
                continue
            self.prepare_member(row, member, resolver, enterprises)

    def prepare_member(
        self,
        row: Row,
        member: Member | None,
        resolver: OrgResolver,
        enterprises: EnterpriseLookup,
    ) -> None:
        values = row.values
        current = member.organization if member else None
        org = _resolve_pair(self, resolver, row, "organization", "organization_code", current)
        if org is None and not row.bad:
            org = current or self.default_organization
            if org is None:
                self.error(row, "organization", _("A value is required here."))
        enterprise_id = member.enterprise_id if member else None
        if values.get("enterprise"):
            try:
                enterprise_id = enterprises.find(values["enterprise"], enterprise_id).pk
            except CellError as exc:
                self.error(row, "enterprise", exc.message)
        elif "enterprise" in self.present:
            enterprise_id = None
        if row.bad:
            return
        is_new = member is None
        if member is None:
            member = Member(id_number=values["id_number"])
        before = self.snapshot(member, MEMBER_TRACKED)
        for name in MEMBER_PLAIN:
            if name in values:
                setattr(member, name, values[name])
        # Blank sex, birth date and membership are derived (ID number, 转正时间).
        if not values.get("sex") and (is_new or "sex" in self.present):
            member.sex = Sex.MALE if int(values["id_number"][16]) % 2 else Sex.FEMALE
        if not values.get("birth_date") and (is_new or "birth_date" in self.present):
            member.birth_date = birth_date_from_id(values["id_number"])
        if not values.get("status") and (is_new or "status" in self.present):
            member.status = (
                MemberStatus.FULL if member.full_member_on else MemberStatus.PROBATIONARY
            )
        member.organization = org
        member.enterprise_id = enterprise_id
        member.is_active = True
        try:
            # id_number was checked by parse_cell (check digit, length).
            member.clean_fields(exclude=["organization", "enterprise", "user", "id_number"])
            member.clean()
        except ValidationError as exc:
            self.validation_errors(row, exc)
            return
        label = f"{member.name} {member.masked_id}"
        if is_new:
            self.to_create.append(member)
            self.report.created += 1
            self.preview(row, "create", label, org.full_name, [])
            return
        changed = _changed(before, member)
        if not changed:
            self.report.unchanged += 1
            return
        self.to_update.append(member)
        self.update_fields |= set(changed)
        self.report.updated += 1
        if "organization_id" in changed:
            self.transfers.append(
                MemberTransfer(
                    member=member,
                    from_organization_id=before["organization_id"],
                    to_organization=org,
                    reason=self.reason,
                    recorded_by=self.actor,
                )
            )
            self.report.transfers += 1
        names = [_attname_column(c) for c in changed]
        self.preview(row, "update", label, org.full_name, names)

    def apply(self) -> None:
        if self.to_create:
            bulk_create_with_history(
                self.to_create,
                Member,
                batch_size=BATCH,
                default_user=self.actor,
                default_change_reason=self.reason,
            )
        if self.to_update:
            now = timezone.now()
            for member in self.to_update:
                member.updated_at = now
            bulk_update_with_history(
                self.to_update,
                Member,
                fields=sorted({_attname_field(a) for a in self.update_fields} | {"updated_at"}),
                batch_size=BATCH,
                default_user=self.actor,
                default_change_reason=self.reason,
            )
        if self.transfers:
            MemberTransfer.objects.bulk_create(self.transfers, batch_size=BATCH)


def _attname_field(attname: str) -> str:
    return attname[:-3] if attname in ("organization_id", "enterprise_id") else attname


def _attname_column(attname: str) -> str:
    return {"organization_id": "organization", "enterprise_id": "enterprise"}.get(attname, attname)


# --- organizations -------------------------------------------------------------------------

ORG_PLAIN = [
    "full_name",
    "short_name",
    "kind",
    "founded_on",
    "founding_document",
    "secretary_name",
    "contact_name",
    "contact_phone",
    "is_weak",
    "is_active",
]


class OrganizationImporter(Importer):
    """Creates child nodes under organizations where the user manages accounts and
    updates those already there (matched by code). Moving a node is not done here."""

    kind = "organizations"
    resource_class = OrganizationResource

    def prepare(self, rows: list[Row]) -> None:
        codes = {r.values["code"] for r in rows if r.values.get("code")}
        existing: dict[str, Organization] = {}
        for batch in chunked(sorted(codes)):
            for org in self.locked(Organization.objects.filter(code__in=batch)):
                existing[org.code] = org
        resolver = OrgResolver(self.allowed)
        resolver.load(*_fill_org_refs(rows, "parent", "parent_code"))
        resolver.load_paths({o.path[: -o.steplen] for o in existing.values() if o.depth > 1})
        new_by_code: dict[str, tuple[Row, Organization]] = {}
        self.parent_of: dict[str, Organization | str] = {}
        self.to_update: list[Organization] = []
        self.update_fields: set[str] = set()
        seen: dict[str, int] = {}
        for row in rows:
            code = row.values.get("code")
            if not code or not self.first_seen(seen, code, row, "code"):
                continue
            org = existing.get(code)
            if org is not None and not self.allowed(org.path):
                self.error(
                    row,
                    "code",
                    _("This code is already used by an organization outside your scope."),
                )
                continue
            if org is None:
                new = Organization(code=code)
                new_by_code[code] = (row, new)
                self.assign(new, row)
                continue
            parent = resolver.by_path(org.path[: -org.steplen]) if org.depth > 1 else None
            given = _resolve_pair(self, resolver, row, "parent", "parent_code", parent)
            if given is not None and (parent is None or given.pk != parent.pk):
                self.error(
                    row,
                    "parent",
                    _(
                        "Moving an organization to another parent is not done by import; "
                        "use the organization's page."
                    ),
                )
            if row.bad:
                continue
            before = self.snapshot(org, ORG_PLAIN)
            self.assign(org, row)
            if self.validate(org, row):
                changed = _changed(before, org)
                if changed:
                    self.to_update.append(org)
                    self.update_fields |= set(changed)
                    self.report.updated += 1
                    self.preview(row, "update", org.full_name, org.code, changed)
                else:
                    self.report.unchanged += 1
        self.prepare_new(new_by_code, resolver)

    def prepare_new(
        self, new_by_code: dict[str, tuple[Row, Organization]], resolver: OrgResolver
    ) -> None:
        in_file: dict[str, str] = {}
        for code, (_row, org) in new_by_code.items():
            for key in (normalize_key(org.full_name), normalize_key(org.short_name)):
                in_file.setdefault(key, code)
        for code in new_by_code:
            in_file[code] = code
        for code, (row, org) in new_by_code.items():
            parent: Organization | str | None = None
            for col in ("parent_code", "parent"):
                text = row.values.get(col) or ""
                local = in_file.get(org_code(text)) or in_file.get(normalize_key(text))
                if text and local and local != code:
                    parent = local
                    break
            if parent is None:
                parent = _resolve_pair(self, resolver, row, "parent", "parent_code", None)
                if parent is None and not row.bad:
                    default = self.default_organization
                    if default is not None and self.allowed(default.path):
                        parent = default
                    else:
                        self.error(
                            row, "parent", _("A new organization needs its parent organization.")
                        )
            if row.bad or parent is None:
                continue
            if not self.validate(org, row):
                continue
            self.parent_of[code] = parent
            self.report.created += 1
            label = parent if isinstance(parent, str) else parent.full_name
            self.preview(row, "create", org.full_name, f"{org.code} ← {label}", [])
        # Parents named inside the file must lead to an existing node, without loops.
        self.new_orgs = {c: o for c, (_r, o) in new_by_code.items() if c in self.parent_of}
        for code in list(self.parent_of):
            chain, step = {code}, self.parent_of[code]
            while isinstance(step, str):
                if step in chain or step not in self.parent_of:
                    row = new_by_code[code][0]
                    self.error(
                        row,
                        "parent",
                        _("The parent organization in this row cannot be created (see its row)."),
                    )
                    break
                chain.add(step)
                step = self.parent_of[step]

    def assign(self, org: Organization, row: Row) -> None:
        for name in ORG_PLAIN:
            if name in row.values:
                setattr(org, name, row.values[name])
        if "is_active" not in self.present and org.pk is None:
            org.is_active = True

    def validate(self, org: Organization, row: Row) -> bool:
        try:
            org.clean_fields(exclude=["path", "depth", "numchild"])
        except ValidationError as exc:
            self.validation_errors(row, exc)
            return False
        return True

    def apply(self) -> None:
        if self.to_update:
            bulk_update_with_history(
                self.to_update,
                Organization,
                fields=sorted(self.update_fields),
                batch_size=BATCH,
                default_user=self.actor,
                default_change_reason=self.reason,
            )
        created: dict[str, Organization] = {}
        pending = dict(self.parent_of)
        while pending:
            ready = [c for c, p in pending.items() if not isinstance(p, str) or p in created]
            if not ready:  # prepare() refuses loops; this guards against a silent hang
                raise RuntimeError("organization parents form a loop")
            for code in sorted(ready):
                parent = pending.pop(code)
                parent_node = created[parent] if isinstance(parent, str) else parent
                # Sorted insertion may shift sibling paths: always start from the row.
                parent_node = Organization.objects.get(pk=parent_node.pk)
                org = self.new_orgs[code]
                org._history_user = self.actor  # type: ignore[attr-defined]
                org._change_reason = self.reason  # type: ignore[attr-defined]
                created[code] = Organization.objects.add_child(parent_node, instance=org)


# --- enterprises ---------------------------------------------------------------------------

ENTERPRISE_PLAIN = [
    "name",
    "enterprise_type",
    "industry",
    "employee_count",
    "legal_rep_is_member",
    "investor_is_member",
    "address",
]


class EnterpriseImporter(Importer):
    kind = "enterprises"
    resource_class = EnterpriseResource

    def prepare(self, rows: list[Row]) -> None:
        codes = {r.values["credit_code"] for r in rows if r.values.get("credit_code")}
        existing: dict[str, Enterprise] = {}
        for batch in chunked(sorted(codes)):
            for ent in self.locked(
                Enterprise.objects.filter(credit_code__in=batch)
                .select_related("attached_to")
                .prefetch_related("organizations")
            ):
                existing[ent.credit_code] = ent
        resolver = OrgResolver(self.allowed)
        names: set[str] = set()
        refs: set[str] = set()
        for row in rows:
            for col in ("organizations", "organization_codes"):
                refs |= set(row.values.get(col) or [])
            for col in ("attached_to", "attached_to_code"):
                if row.values.get(col):
                    names.add(row.values[col])
        resolver.load(names | refs, set())
        self.to_create: list[Enterprise] = []
        self.to_update: list[Enterprise] = []
        self.update_fields: set[str] = set()
        self.hosts: dict[str, set[int]] = {}
        self.changed_hosts: set[str] = set()
        seen: dict[str, int] = {}
        for row in rows:
            code = row.values.get("credit_code")
            if not code or not self.first_seen(seen, code, row, "credit_code"):
                continue
            ent = existing.get(code)
            current_hosts = list(ent.organizations.all()) if ent else []
            linked = current_hosts + ([ent.attached_to] if ent and ent.attached_to_id else [])
            if ent is not None and not any(self.allowed(o.path) for o in linked):
                self.error(
                    row,
                    "credit_code",
                    _(
                        "This credit code is already registered to an enterprise outside your scope."
                    ),
                )
                continue
            self.prepare_enterprise(row, ent, current_hosts, resolver)

    def prepare_enterprise(
        self,
        row: Row,
        ent: Enterprise | None,
        current_hosts: list[Organization],
        resolver: OrgResolver,
    ) -> None:
        hosts: dict[int, Organization] = {}
        for col in ("organizations", "organization_codes"):
            for text in row.values.get(col) or []:
                match = [o for o in current_hosts if resolver.matches(o, text)]
                try:
                    org = match[0] if match else resolver.find(text)
                except CellError as exc:
                    self.error(row, col, exc.message)
                    continue
                hosts[org.pk] = org
        host_columns = {"organizations", "organization_codes"} & self.present
        if not host_columns:
            hosts = {o.pk: o for o in current_hosts}
        else:
            # Links to organizations outside the user's scope are not theirs to remove.
            for org in current_hosts:
                if not self.allowed(org.path):
                    hosts[org.pk] = org
        current_attached = ent.attached_to if ent else None
        attached = _resolve_pair(
            self, resolver, row, "attached_to", "attached_to_code", current_attached
        )
        if attached is None and not ({"attached_to", "attached_to_code"} & self.present):
            attached = current_attached
        if row.bad:
            return
        default = self.default_organization
        if ent is None and not hosts and attached is None and default is not None:
            hosts[default.pk] = default  # the page's organization (?org=) hosts it
        linked = list(hosts.values()) + ([attached] if attached else [])
        if not any(self.allowed(o.path) for o in linked):
            self.error(
                row,
                "organizations",
                _("Give the host organization, or the organization the enterprise is attached to."),
            )
            return
        is_new = ent is None
        if ent is None:
            ent = Enterprise(credit_code=row.values["credit_code"])
        before = self.snapshot(ent, [*ENTERPRISE_PLAIN, "attached_to_id"])
        for name in ENTERPRISE_PLAIN:
            if name in row.values:
                value = row.values[name]
                setattr(ent, name, 0 if value is None and name == "employee_count" else value)
        ent.attached_to = attached
        try:
            ent.clean_fields(exclude=["attached_to", "credit_code"])
            ent.clean()
        except ValidationError as exc:
            self.validation_errors(row, exc)
            return
        host_ids = set(hosts)
        code = ent.credit_code
        self.hosts[code] = host_ids
        label = ent.name
        detail = LIST_SEPARATOR.join(o.short_name for o in hosts.values())
        if is_new:
            self.to_create.append(ent)
            self.changed_hosts.add(code)
            self.report.created += 1
            self.preview(row, "create", label, detail, [])
            return
        changed = _changed(before, ent)
        if host_ids != {o.pk for o in current_hosts}:
            self.changed_hosts.add(code)
            changed.append("organizations")
        if not changed:
            self.report.unchanged += 1
            return
        fields_changed = [c for c in changed if c != "organizations"]
        if fields_changed:
            self.to_update.append(ent)
            self.update_fields |= set(fields_changed)
        elif "organizations" in changed:
            # History has no m2m fields: record the change as an update of the row.
            self.to_update.append(ent)
        self.report.updated += 1
        names = [_attname_column(c).replace("attached_to_id", "attached_to") for c in changed]
        self.preview(row, "update", label, detail, names)

    def apply(self) -> None:
        if self.to_create:
            bulk_create_with_history(
                self.to_create,
                Enterprise,
                batch_size=BATCH,
                default_user=self.actor,
                default_change_reason=self.reason,
            )
        if self.to_update:
            now = timezone.now()
            for ent in self.to_update:
                ent.updated_at = now
            fields = {("attached_to" if f == "attached_to_id" else f) for f in self.update_fields}
            bulk_update_with_history(
                self.to_update,
                Enterprise,
                fields=sorted(fields | {"updated_at"}),
                batch_size=BATCH,
                default_user=self.actor,
                default_change_reason=self.reason,
            )
        through = Organization.enterprises.through
        ids = {e.credit_code: e.pk for e in [*self.to_create, *self.to_update]}
        changed_ids = [ids[c] for c in self.changed_hosts if c in ids]
        for batch in chunked(changed_ids):
            through.objects.filter(enterprise_id__in=batch).delete()
        links = [
            through(organization_id=org_id, enterprise_id=ids[code])
            for code in sorted(self.changed_hosts)
            if code in ids
            for org_id in sorted(self.hosts[code])
        ]
        through.objects.bulk_create(links, batch_size=BATCH)


IMPORTERS: dict[str, type[Importer]] = {
    "members": MemberImporter,
    "organizations": OrganizationImporter,
    "enterprises": EnterpriseImporter,
}


# --- services behind the pages and the task ------------------------------------------------


def background_threshold() -> int:
    """Files with more rows than this are checked and imported by a background task."""
    return int(getattr(settings, "IMPORT_BACKGROUND_ROWS", 2000))


def import_jobs_expire() -> int:
    """Previews never confirmed within IMPORT_KEEP_HOURS (default 24) expire and their
    files, which hold personal data, are deleted. Run on every upload (an indexed
    query, usually finding nothing), so no schedule is needed. Returns the count."""
    hours = int(getattr(settings, "IMPORT_KEEP_HOURS", 24))
    cutoff = timezone.now() - dt.timedelta(hours=hours)
    expired = 0
    for job in ImportJob.objects.filter(status=ImportJob.Status.CHECKED, created_at__lt=cutoff):
        try:
            job.transition(ImportJob.Status.EXPIRED)
        except ValidationError:
            continue  # confirmed meanwhile
        default_storage.delete(job.stored_name)
        expired += 1
    return expired


def import_job_fail(*, job_id: int, message: str) -> None:
    """Mark a job that could not run (e.g. the broker is down) as failed, with a message
    for the user; its file is deleted. Nothing was written."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or job.status not in (ImportJob.Status.UPLOADED, ImportJob.Status.IMPORTING):
        return
    job.failure = message[:200]
    _finish(job, ImportJob.Status.FAILED, None)


@transaction.atomic
def import_job_create(
    *,
    actor: Any,
    kind: str,
    uploaded: Any,
    organization: Organization | None = None,
) -> ImportJob:
    """Check the upload (size, type by content), store it under imports/<uuid> in the
    default storage (never served by URL) and create the job. Raises FileRejected."""
    if kind not in IMPORTERS:
        raise FileRejected(_("Unknown kind of import."))
    import_jobs_expire()
    fmt = check_upload(uploaded, uploaded.size)
    rows = count_rows(uploaded, fmt)
    stored = default_storage.save(f"imports/{uuid.uuid4().hex}", uploaded)
    job = ImportJob(
        user=actor,
        kind=kind,
        organization=organization,
        file_name=(getattr(uploaded, "name", "") or "upload")[:200],
        stored_name=stored,
        file_format=fmt,
        language=(get_language() or settings.LANGUAGE_CODE)[:10],
        total_rows=rows,
    )
    job.full_clean()
    job.save()
    return job


def import_job_start(*, job: ImportJob) -> None:
    """Run the job's next step (check, or import after confirmation): in this process for
    small files, as a background task for large ones (progress on the job row)."""
    from .tasks import enqueue_import_job

    commit = job.status == ImportJob.Status.IMPORTING
    if job.total_rows > background_threshold():
        enqueue_import_job(job.pk, commit=commit)
    else:
        import_job_run(job=job, commit=commit)


def import_job_confirm(*, actor: Any, job: ImportJob) -> None:
    """The user confirmed a clean preview: import for real."""
    if job.user_id != actor.pk:
        raise ValidationError(_("This import belongs to someone else."))
    job.transition(ImportJob.Status.IMPORTING)
    import_job_start(job=job)


def import_job_run(*, job: ImportJob, commit: bool) -> ImportJob:
    """Check (commit=False) or import (commit=True) the job's stored file and record the
    outcome on the job. Idempotent: a job already past this step is left alone.
    Queries: a fixed number for reading plus batched writes (see the importers)."""
    job.refresh_from_db()
    if not commit and job.status == ImportJob.Status.UPLOADED:
        job.transition(ImportJob.Status.CHECKING)
    expected = ImportJob.Status.IMPORTING if commit else ImportJob.Status.CHECKING
    if job.status != expected:
        return job

    def progress(percent: int) -> None:
        # Outside a transaction only: inside one, pollers would not see it anyway.
        if not transaction.get_connection().in_atomic_block:
            ImportJob.objects.filter(pk=job.pk).update(progress=percent)

    with translation.override(job.language or settings.LANGUAGE_CODE):
        importer = IMPORTERS[job.kind](
            actor=job.user, default_organization=job.organization, file_name=job.file_name
        )
        try:
            with default_storage.open(job.stored_name, "rb") as fileobj:
                report = importer.run(fileobj, job.file_format, commit=commit, progress=progress)
        except FileRejected as exc:
            report = importer.report
            report.add_error(0, "", exc.message)
        except Exception:
            logger.exception("import job %s failed", job.pk)
            job.failure = _("The import stopped because of an internal error; nothing was saved.")
            _finish(job, ImportJob.Status.FAILED, None)
            return job
    if report.error_count:
        status = ImportJob.Status.REJECTED
    else:
        status = ImportJob.Status.DONE if commit else ImportJob.Status.CHECKED
    _finish(job, status, report)
    return job


def _finish(job: ImportJob, status: str, report: ImportReport | None) -> None:
    if report is not None:
        job.summary = report.summary()
        job.errors = report.errors
        job.error_count = report.error_count
    job.progress = 100
    job.finished_at = timezone.now()
    job.transition(
        status,
        save_fields=["summary", "errors", "error_count", "progress", "failure", "finished_at"],
    )
    if status != ImportJob.Status.CHECKED:
        # The file holds personal data: keep it no longer than the job needs it.
        default_storage.delete(job.stored_name)
