"""Enterprises: matched by credit code; host links outside the scope are kept."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from ..models import (
    Enterprise,
    Organization,
)
from ..resources import (
    LIST_SEPARATOR,
    EnterpriseResource,
)
from .cleaning import (
    CellError,
)
from .engine import (
    Importer,
    OrgResolver,
    Row,
    _attname_column,
    _changed,
    _resolve_pair,
)
from .reading import (
    BATCH,
    chunked,
)

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
            linked = current_hosts + (
                [ent.attached_to] if ent and ent.attached_to is not None else []
            )
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
