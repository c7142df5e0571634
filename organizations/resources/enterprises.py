"""The enterprise list (企业)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from portal.accounts.permissions import Action, scope_paths

from ..models import (
    Enterprise,
    Organization,
)
from ..validators import make_credit_code
from .columns import (
    ENTERPRISE_TYPE_CHOICES,
    Column,
    PortalResource,
)

# --- enterprises -------------------------------------------------------------------

LIST_SEPARATOR = "；"


class EnterpriseResource(PortalResource):
    name = Column(
        "name",
        "企业名称",
        "name",
        required=True,
        aliases=("单位名称", "企业全称", "名称"),
        example="示例科技有限公司",
    )
    credit_code = Column(
        "credit_code",
        "统一社会信用代码",
        "unified social credit code",
        kind="credit_code",
        required=True,
        aliases=("信用代码", "社会信用代码", "credit code"),
        example=make_credit_code(4242),
    )
    enterprise_type = Column(
        "enterprise_type",
        "企业类型",
        "enterprise type",
        kind="choice",
        choices=ENTERPRISE_TYPE_CHOICES,
        required=True,
        aliases=("类型", "经济类型", "type"),
        example="公司",
    )
    industry = Column("industry", "所属行业", "industry", aliases=("行业",), example="制造业")
    employee_count = Column(
        "employee_count",
        "职工人数",
        "employees",
        kind="int",
        aliases=("从业人员数", "员工人数", "职工数", "employee count"),
        example=120,
    )
    legal_rep_is_member = Column(
        "legal_rep_is_member",
        "法定代表人是党员",
        "legal representative is a member",
        kind="bool",
        aliases=("法定代表人是否党员", "法人是否党员"),
        example="否",
    )
    investor_is_member = Column(
        "investor_is_member",
        "出资人是党员",
        "an investor is a member",
        kind="bool",
        aliases=("出资人是否党员", "出资人中有党员"),
        example="是",
    )
    address = Column(
        "address", "地址", "address", aliases=("企业地址", "住所"), example="示例路1号"
    )
    organizations = Column(
        None,
        "所在党组织",
        "host organizations",
        kind="orgs",
        aliases=("企业党组织", "党组织", "党组织名称"),
        example="",
        note=_("one or more organizations, separated by ；"),
        dehydrate_method="dehydrate_organizations",
    )
    organization_codes = Column(
        None,
        "所在党组织编码",
        "host organization codes",
        kind="org_codes",
        aliases=("党组织编码",),
        example="",
        dehydrate_method="dehydrate_organization_codes",
    )
    attached_to = Column(
        None,
        "挂靠党组织",
        "attached to",
        kind="org",
        aliases=("所属党组织", "兼管党组织"),
        example="",
        note=_("for an enterprise without its own organization"),
        dehydrate_method="dehydrate_attached_to",
    )
    attached_to_code = Column(
        None,
        "挂靠党组织编码",
        "attached to (code)",
        kind="org_code",
        example="",
        dehydrate_method="dehydrate_attached_to_code",
    )

    match_field = "credit_code"
    sheet_title = ("企业", "Enterprises")

    class Meta:
        model = Enterprise
        fields: tuple[str, ...] = (
            "name",
            "credit_code",
            "enterprise_type",
            "industry",
            "employee_count",
            "legal_rep_is_member",
            "investor_is_member",
            "address",
            "organizations",
            "organization_codes",
            "attached_to",
            "attached_to_code",
        )
        import_id_fields = ("credit_code",)

    def scope(self, queryset: QuerySet, user: Any) -> QuerySet:
        paths = scope_paths(user, Action.VIEW)
        if paths is None:
            return queryset
        return queryset.filter(pk__in=Enterprise.objects.under_paths(paths).values("pk"))

    def export_queryset(self, queryset: QuerySet) -> QuerySet:
        return (
            queryset.select_related("attached_to")
            .prefetch_related("organizations")
            .order_by("name", "pk")
        )

    def _visible_hosts(self, enterprise: Enterprise) -> list[Organization]:
        """Host organizations the user may see (a joint enterprise may also be hosted
        outside their scope; those names are not theirs to read)."""
        hosts = sorted(enterprise.organizations.all(), key=lambda o: o.path)
        if self.grants is None:
            return []
        return [o for o in hosts if self.grants.allows(Action.VIEW, o.path)]

    def dehydrate_organizations(self, enterprise: Enterprise) -> str:
        return LIST_SEPARATOR.join(o.full_name for o in self._visible_hosts(enterprise))

    def dehydrate_organization_codes(self, enterprise: Enterprise) -> str:
        return LIST_SEPARATOR.join(o.code for o in self._visible_hosts(enterprise))

    def _visible_attached(self, enterprise: Enterprise) -> Organization | None:
        org = enterprise.attached_to
        if org is None or self.grants is None or not self.grants.allows(Action.VIEW, org.path):
            return None
        return org

    def dehydrate_attached_to(self, enterprise: Enterprise) -> str:
        org = self._visible_attached(enterprise)
        return org.full_name if org else ""

    def dehydrate_attached_to_code(self, enterprise: Enterprise) -> str:
        org = self._visible_attached(enterprise)
        return org.code if org else ""
