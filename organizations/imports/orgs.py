"""Organizations: new nodes under parents the user manages; updates by code."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from ..models import (
    Organization,
)
from ..resources import (
    OrganizationResource,
    normalize_key,
)
from .cleaning import (
    org_code,
)
from .engine import (
    Importer,
    OrgResolver,
    Row,
    _changed,
    _fill_org_refs,
    _resolve_pair,
)
from .reading import (
    BATCH,
    chunked,
)

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
            # Bulk writes send no signals: a changed kind or weak-and-lax standing
            # changes the organization's checklist (the requirement roll-up).
            from portal.progress.rollup import mark_changed

            mark_changed(org.pk for org in self.to_update)
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
