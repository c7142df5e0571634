"""Members: matched by ID number; a new organization records a transfer."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from ..models import (
    Member,
    MemberStatus,
    MemberTransfer,
    Sex,
    age_on,
)
from ..resources import (
    MemberResource,
)
from ..validators import (
    birth_date_from_id,
)
from .cleaning import (
    CellError,
)
from .engine import (
    EnterpriseLookup,
    Importer,
    OrgResolver,
    Row,
    _attname_column,
    _attname_field,
    _changed,
    _fill_org_refs,
    _resolve_pair,
)
from .reading import (
    BATCH,
    chunked,
)

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
    "native_place",
    "started_work_on",
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
    "lost_contact_kind",
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
        self.check_contradictions(row, member)
        if row.bad or org is None:  # no organization is reported as an error (row.bad)
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

    def check_contradictions(self, row: Row, member: Member | None) -> None:
        """Fields of one row that contradict each other or the ID number: the sex and
        the birth date the ID number encodes, joining before 18, full membership before
        joining. Each is an error of the row naming both values."""
        values = row.values
        id_number = values.get("id_number") or ""
        if len(id_number) != 18:
            return
        head = self.headings
        id_sex = Sex.MALE if int(id_number[16]) % 2 else Sex.FEMALE
        if values.get("sex") and values["sex"] != id_sex:
            self.error(
                row,
                "sex",
                _("%(column)s says %(given)s, but the ID number says %(id)s.")
                % {
                    "column": head.get("sex", "sex"),
                    "given": Sex(values["sex"]).label,
                    "id": Sex(id_sex).label,
                },
            )
        born = birth_date_from_id(id_number)
        if values.get("birth_date") and born and values["birth_date"] != born:
            self.error(
                row,
                "birth_date",
                _("%(column)s says %(given)s, but the ID number says %(id)s.")
                % {
                    "column": head.get("birth_date", "birth date"),
                    "given": values["birth_date"].isoformat(),
                    "id": born.isoformat(),
                },
            )
        joined = values.get("joined_on", member.joined_on if member else None)
        if born and joined and age_on(born, joined) < 18:
            self.error(
                row,
                "joined_on",
                _("%(column)s %(joined)s is before the member turned 18 (born %(born)s).")
                % {
                    "column": head.get("joined_on", "joined on"),
                    "joined": joined.isoformat(),
                    "born": born.isoformat(),
                },
            )
        full = values.get("full_member_on", member.full_member_on if member else None)
        if joined and full and full < joined:
            self.error(
                row,
                "full_member_on",
                _("%(full_column)s %(full)s is before %(joined_column)s %(joined)s.")
                % {
                    "full_column": head.get("full_member_on", "full member on"),
                    "full": full.isoformat(),
                    "joined_column": head.get("joined_on", "joined on"),
                    "joined": joined.isoformat(),
                },
            )

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
        # Bulk writes send no model signals: the requirement roll-up is told here.
        from portal.progress.rollup import mark_changed

        mark_changed(
            {m.organization_id for m in self.to_create}
            | {m.organization_id for m in self.to_update}
            | {t.from_organization_id for t in self.transfers}
        )
