"""The organization list (党组织)."""

from __future__ import annotations

import datetime as dt

from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.functions import Length, Substr
from django.utils.translation import gettext_lazy as _

from ..models import (
    Organization,
)
from .columns import (
    KIND_CHOICES,
    Column,
    PortalResource,
)

# --- organizations -----------------------------------------------------------------


class OrganizationResource(PortalResource):
    full_name = Column(
        "full_name",
        "党组织全称",
        "full name",
        kind="text",
        required=True,
        aliases=("党组织名称", "组织全称", "全称", "名称"),
        example="中共示例科技有限公司支部委员会",
    )
    short_name = Column(
        "short_name",
        "简称",
        "short name",
        required=True,
        aliases=("党组织简称", "组织简称"),
        example="示例科技支部",
    )
    kind = Column(
        "kind",
        "组织类别",
        "kind",
        kind="choice",
        choices=KIND_CHOICES,
        required=True,
        aliases=("党组织类别", "类别", "组织类型", "类型"),
        example="党支部",
    )
    code = Column(
        "code",
        "组织编码",
        "code",
        kind="code",
        required=True,
        aliases=("党组织编码", "党组织代码", "组织代码", "编码"),
        example="DEMO-0001",
    )
    parent = Column(
        None,
        "上级党组织",
        "parent organization",
        kind="org",
        aliases=("隶属党组织", "上级组织", "隶属关系", "parent"),
        example="",
        note=_("full name, short name or code; needed for a new organization"),
        dehydrate_method="dehydrate_parent",
    )
    parent_code = Column(
        None,
        "上级党组织编码",
        "parent organization code",
        kind="org_code",
        aliases=("上级组织编码",),
        example="",
        dehydrate_method="dehydrate_parent_code",
    )
    founded_on = Column(
        "founded_on",
        "成立时间",
        "founded on",
        kind="date",
        aliases=("成立日期", "建立时间"),
        example=dt.date(2012, 7, 1),
    )
    founding_document = Column(
        "founding_document",
        "成立文号",
        "founding document number",
        aliases=("批复文号", "成立批复文号"),
        example="X工委〔2012〕8号",
    )
    secretary_name = Column(
        "secretary_name", "书记", "secretary", aliases=("书记姓名",), example="李明"
    )
    contact_name = Column(
        "contact_name", "联系人", "contact person", aliases=("联络员",), example="王芳"
    )
    contact_phone = Column(
        "contact_phone",
        "联系电话",
        "contact phone",
        kind="phone",
        aliases=("联系人电话",),
        example="025-84561234",
    )
    is_weak = Column(
        "is_weak",
        "软弱涣散",
        "weak and lax",
        kind="bool",
        aliases=("是否软弱涣散", "软弱涣散党组织"),
        example="否",
    )
    is_active = Column(
        "is_active", "有效", "active", kind="bool", aliases=("是否有效", "状态"), example="是"
    )

    scope_path_field = "path"
    match_field = "code"
    sheet_title = ("党组织", "Organizations")

    class Meta:
        model = Organization
        fields: tuple[str, ...] = (
            "full_name",
            "short_name",
            "kind",
            "code",
            "parent",
            "parent_code",
            "founded_on",
            "founding_document",
            "secretary_name",
            "contact_name",
            "contact_phone",
            "is_weak",
            "is_active",
        )
        import_id_fields = ("code",)

    def export_queryset(self, queryset: QuerySet) -> QuerySet:
        # The parent is the node whose path is ours minus one step: two correlated
        # subqueries instead of one query per row.
        parent = Organization.objects.filter(
            path=Substr(OuterRef("path"), 1, Length(OuterRef("path")) - Organization.steplen)
        )
        return queryset.annotate(
            parent_full_name=Subquery(parent.values("full_name")[:1]),
            parent_code_value=Subquery(parent.values("code")[:1]),
        ).order_by("path")

    def dehydrate_parent(self, org: Organization) -> str:
        return getattr(org, "parent_full_name", None) or ""

    def dehydrate_parent_code(self, org: Organization) -> str:
        return getattr(org, "parent_code_value", None) or ""
