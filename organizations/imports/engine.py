"""The import engine shared by every kind: permissions, the report, organization
and enterprise lookups in a fixed number of queries, and the Importer base class."""

from __future__ import annotations

import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from portal.accounts.models import AuditEvent
from portal.accounts.permissions import Action, grants_for

from ..models import (
    Enterprise,
    Organization,
)
from ..resources import (
    Column,
    PortalResource,
    normalize_key,
)
from ..validators import (
    normalize_code,
)
from .cleaning import (
    CellError,
    is_blank,
    org_code,
    parse_cell,
)
from .reading import (
    BATCH,
    FileRejected,
    chunked,
    read_sheet,
)

PREVIEW_ROWS = 200  # rows listed on the preview page; the counts cover all of them
MAX_ERRORS = 1000  # errors kept for display; the count covers all of them


# --- who may import what -------------------------------------------------------------

# Members and enterprises: a secretary or clerk (RECORD) for their organization and
# below, a reviewer (MANAGE_ORGANIZATIONS) for their subtree. Organizations: MANAGE_ORGANIZATIONS.
IMPORT_ACTIONS: dict[str, tuple[Action, ...]] = {
    "members": (Action.RECORD, Action.MANAGE_ORGANIZATIONS),
    "enterprises": (Action.RECORD, Action.MANAGE_ORGANIZATIONS),
    "organizations": (Action.MANAGE_ORGANIZATIONS,),
}


def may_import(user: Any, kind: str, path: str) -> bool:
    grants = grants_for(user)
    return any(grants.allows(action, path) for action in IMPORT_ACTIONS[kind])


def may_import_somewhere(user: Any, kind: str) -> bool:
    grants = grants_for(user)
    return grants.is_admin or any(grants.paths.get(a) for a in IMPORT_ACTIONS[kind])


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
        self.errors.append({"row": row, "column": column, "message": str(message)})

    def sort_errors(self) -> None:
        """Errors in row order (file-level ones, row 0, first), as a person reads the
        file, whichever check found them; then only the first MAX_ERRORS are kept."""
        self.errors.sort(key=lambda e: e["row"])  # stable: a row keeps its column order
        del self.errors[MAX_ERRORS:]

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


class Importer(ABC):
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
        self._examples: dict[str, Any] | None = None  # the template's example row, parsed
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
        # The Chinese heading always (the roster's own words), the English one beside
        # it in the English UI.
        missing = [
            f"{c.zh} ({c.en})" if self.resource.english else c.zh
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

    def is_example_row(self, raw: dict[str, Any]) -> bool:
        """Is this the template's example row, uploaded unchanged? Every column that
        has an example value holds exactly it (compared as parsed)."""
        if self._examples is None:
            self._examples = {}
            for name, column in self.columns.items():
                if column.example not in (None, ""):
                    try:
                        self._examples[name] = parse_cell(column, column.example)
                    except CellError:
                        continue
        compared = 0
        for name, example in self._examples.items():
            if name not in raw:
                continue
            try:
                if parse_cell(self.columns[name], raw[name]) != example:
                    return False  # most rows stop at the first column
            except CellError:
                return False
            compared += 1
        return compared >= 3

    def parse_row(self, number: int, raw: dict[str, Any]) -> Row:
        row = Row(number, {})
        if self.is_example_row(raw):
            self.error(
                row,
                "",
                _("This is the template's example row; replace it with real data or delete it."),
            )
            return row
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
            self.report.sort_errors()
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

    @abstractmethod
    def prepare(self, rows: list[Row]) -> None:
        """Validate the rows and work out what each would create or change."""

    @abstractmethod
    def apply(self) -> None:
        """Write what prepare() worked out (inside the import's transaction)."""

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
                if ent.attached_to is not None:
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


def _attname_field(attname: str) -> str:
    return attname[:-3] if attname in ("organization_id", "enterprise_id") else attname


def _attname_column(attname: str) -> str:
    return {"organization_id": "organization", "enterprise_id": "enterprise"}.get(attname, attname)
