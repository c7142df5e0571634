"""django-import-export Resources for organizations, enterprises and members.

A Resource here is the one description of a spreadsheet layout: the headings users
already know (Chinese, as on the paper rosters) and their English equivalents, the
other headings accepted on import (`aliases`), which columns are required, how coded
values are written (男/女, 预备党员/正式党员, …), and an example row for the template.

Who relies on it:
- exports (`export_response` in organizations/imports.py) call the Resource's own
  `get_export_headers()` / `export_resource()`; values are rendered by the widgets
  below in the resource's language, personal data masked per row (`MemberResource`);
- imports (organizations/imports.py) read headings, `required`, `kind` and choices
  from the `Column`s; the import engine itself is ours (bulk writes, see there);
- the downloadable templates (`build_template`) use headings, examples and choices.

The Chinese headings are literal, not translations: they are the words printed on the
rosters people already keep, whatever the UI language.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.functions import Length, Substr
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets

from portal.accounts.permissions import Action, filter_by_scope, grants_for, scope_paths

from .models import (
    Education,
    Enterprise,
    EnterpriseType,
    Member,
    MemberStatus,
    MobileDirection,
    Organization,
    OrgKind,
    PartyPost,
    Sex,
)
from .validators import make_citizen_id, make_credit_code, mask_id, mask_phone

# --- coded values: (code, Chinese label, English label, other accepted spellings) ----

Choice = tuple[str, str, str, tuple[str, ...]]

SEX_CHOICES: list[Choice] = [
    (Sex.MALE, "男", "male", ("男性", "m", "男士")),
    (Sex.FEMALE, "女", "female", ("女性", "f", "女士")),
]
STATUS_CHOICES: list[Choice] = [
    (MemberStatus.PROBATIONARY, "预备党员", "probationary member", ("预备", "预", "probationary")),
    (MemberStatus.FULL, "正式党员", "full member", ("正式", "正", "full")),
]
EDUCATION_CHOICES: list[Choice] = [
    (Education.PRIMARY, "小学", "primary school", ("小学及以下", "primary")),
    (Education.JUNIOR, "初中", "junior secondary", ("初级中学", "junior")),
    (
        Education.SENIOR,
        "高中/中专",
        "senior secondary / technical",
        ("高中", "中专", "中技", "职高", "技校", "高中及中专", "中等专科", "senior"),
    ),
    (Education.COLLEGE, "大专", "junior college", ("专科", "大学专科", "高职", "college")),
    (Education.BACHELOR, "大学本科", "bachelor's degree", ("本科", "大学", "学士", "bachelor")),
    (
        Education.MASTER,
        "研究生",
        "master's degree or above",
        ("硕士", "博士", "硕士研究生", "博士研究生", "研究生及以上", "master", "doctorate"),
    ),
]
PARTY_POST_CHOICES: list[Choice] = [
    (PartyPost.NONE, "", "", ("无", "none", "-")),
    (PartyPost.SECRETARY, "书记", "secretary", ("支部书记", "党委书记", "党总支书记")),
    (PartyPost.DEPUTY, "副书记", "deputy secretary", ("deputy",)),
    (PartyPost.COMMITTEE, "委员", "committee member", ("支委", "支部委员", "党委委员")),
]
MOBILE_CHOICES: list[Choice] = [
    (MobileDirection.NONE, "否", "no", ("无", "不是", "not mobile", "n")),
    (MobileDirection.OUTFLOW, "流出", "outflow", ("流出党员",)),
    (MobileDirection.INFLOW, "流入", "inflow", ("流入党员",)),
]
KIND_CHOICES: list[Choice] = [
    (OrgKind.COUNTY_COMMITTEE, "县(区)委", "county (district) Party committee", ("县委", "区委")),
    (
        OrgKind.WORKING_COMMITTEE,
        "两新组织党工委",
        "working committee for new economic and social organizations",
        ('"两新"组织党工委', "两新工委", "党工委", "working committee"),
    ),
    (OrgKind.INDUSTRY_COMMITTEE, "行业党委", "industry Party committee", ()),
    (OrgKind.PARK_COMMITTEE, "园区党委", "industrial park Party committee", ()),
    (
        OrgKind.COMMUNITY,
        "村(社区)党组织",
        "village (community) Party organization",
        ("村党组织", "社区党组织", "村党支部", "社区党委"),
    ),
    (OrgKind.COMMITTEE, "党委", "Party committee", ("企业党委",)),
    (OrgKind.GENERAL_BRANCH, "党总支", "general branch", ("总支",)),
    (OrgKind.BRANCH, "党支部", "branch", ("支部",)),
    (OrgKind.JOINT_BRANCH, "联合党支部", "joint branch", ("联合支部",)),
]
ENTERPRISE_TYPE_CHOICES: list[Choice] = [
    (
        EnterpriseType.COMPANY,
        "公司",
        "legal-person company",
        ("法人公司", "企业法人", "有限责任公司", "股份有限公司", "有限公司", "company"),
    ),
    (EnterpriseType.PARTNERSHIP, "合伙企业", "partnership", ("合伙",)),
    (EnterpriseType.SOLE, "个人独资企业", "sole proprietorship", ("独资企业", "个人独资")),
    (EnterpriseType.INDIVIDUAL, "个体工商户", "individual business", ("个体户", "个体")),
    (
        EnterpriseType.COOPERATIVE,
        "农民专业合作社",
        "farmers' cooperative",
        ("合作社", "专业合作社", "cooperative"),
    ),
]
YES, NO = ("是", "yes"), ("否", "no")
YES_WORDS = ("是", "yes", "y", "true", "1", "√", "✓", "✔", "有", "对")
NO_WORDS = ("否", "no", "n", "false", "0", "×", "✗", "无", "不是")


def is_english(language: str | None) -> bool:
    return not (language or "zh-hans").lower().startswith("zh")


def normalize_key(text: Any) -> str:
    """Comparison form of a heading, coded value or name: full-width to ASCII, no white
    space at all, lower case, required-markers dropped."""
    value = unicodedata.normalize("NFKC", str(text or ""))
    value = "".join(value.split()).lower()
    for marker in ("(必填)", "(选填)", "(required)", "(optional)", "*"):
        value = value.replace(marker, "")
    return value


def choice_lookup(choices: Iterable[Choice]) -> dict[str, str]:
    """Every accepted spelling (normalized) → code."""
    lookup: dict[str, str] = {}
    for code, zh, en, others in choices:
        for word in (code, zh, en, *others):
            if word or code == "":
                lookup[normalize_key(word)] = code
    return lookup


# --- widgets: render for export in the resource's language -------------------------


class ChoiceWidget(widgets.Widget):
    """Renders a stored code as its Chinese (or English) label."""

    def __init__(self, choices: list[Choice]) -> None:
        super().__init__()
        self.choices = choices
        self.english = False

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        for code, zh, en, _others in self.choices:
            if code == (value or ""):
                return en if self.english else zh
        return str(value or "")


class YesNoWidget(widgets.Widget):
    def __init__(self) -> None:
        super().__init__()
        self.english = False

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        pair = YES if value else NO
        return pair[1] if self.english else pair[0]


class NativeDateWidget(widgets.Widget):
    """Dates stay `date` objects: the xlsx writer makes real date cells, the CSV writer
    writes ISO 8601 (which every reader, ours included, parses)."""

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> dt.date | str:
        return value if isinstance(value, dt.date) else ""


class TextWidget(widgets.Widget):
    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return "" if value is None else str(value)


class IntWidget(widgets.Widget):
    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> int | str:
        return value if isinstance(value, int) else ""


# --- columns -----------------------------------------------------------------------

# How the import engine parses a column (organizations/imports.py `parse_cell`).
KINDS = {
    "text",
    "ethnicity",
    "name",
    "code",
    "id_number",
    "credit_code",
    "phone",
    "date",
    "int",
    "bool",
    "choice",
    "org",
    "org_code",
    "orgs",
    "org_codes",
    "enterprise",
}


class Column(fields.Field):
    """A django-import-export Field that also knows its Chinese and English headings,
    other accepted headings, whether it is required, how to parse it and an example."""

    def __init__(
        self,
        attribute: str | None,
        zh: str,
        en: str,
        *,
        kind: str = "text",
        aliases: Iterable[str] = (),
        required: bool = False,
        choices: list[Choice] | None = None,
        example: Any = "",
        note: str = "",
        dehydrate_method: str | None = None,
    ) -> None:
        assert kind in KINDS, kind
        if choices is not None:
            widget: widgets.Widget = ChoiceWidget(choices)
        elif kind == "bool":
            widget = YesNoWidget()
        elif kind == "date":
            widget = NativeDateWidget()
        elif kind == "int":
            widget = IntWidget()
        else:
            widget = TextWidget()
        super().__init__(
            attribute=attribute, column_name=zh, widget=widget, dehydrate_method=dehydrate_method
        )
        self.zh = zh
        self.en = en
        self.kind = kind
        self.aliases = tuple(aliases)
        self.required = required
        self.choices = choices
        self.lookup = choice_lookup(choices) if choices is not None else {}
        if kind == "bool":
            self.lookup = {normalize_key(w): "1" for w in YES_WORDS} | {
                normalize_key(w): "" for w in NO_WORDS
            }
        self.example = example
        self.note = note

    def headings(self) -> set[str]:
        return {normalize_key(h) for h in (self.zh, self.en, *self.aliases)}

    def labels(self, english: bool) -> list[str]:
        """Values offered in the template's drop-down list."""
        if self.kind == "bool":
            return [YES[1], NO[1]] if english else [YES[0], NO[0]]
        return [(en if english else zh) for _c, zh, en, _o in self.choices or () if zh]


class PortalResource(resources.ModelResource):
    """Base: language-dependent headings, the user's grants for per-row decisions, and
    the scope every export is limited to."""

    # Lookup from the exported model to its organization's path (filter_by_scope).
    scope_path_field = "organization__path"
    # django-import-export's admin would need `id`; our importer matches on this field.
    match_field = "id"
    sheet_title = ("数据", "Data")

    def __init__(self, *, user: Any = None, language: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.user = user
        self.english = is_english(language or get_language())
        self.grants = grants_for(user) if user is not None else None
        for field in self.fields.values():
            if isinstance(field, Column):
                field.column_name = field.en if self.english else field.zh
            if hasattr(field.widget, "english"):
                field.widget.english = self.english

    @property
    def columns(self) -> dict[str, Column]:
        return {name: f for name, f in self.fields.items() if isinstance(f, Column)}

    def title(self) -> str:
        return self.sheet_title[1] if self.english else self.sheet_title[0]

    def scope(self, queryset: QuerySet, user: Any) -> QuerySet:
        """Rows of `queryset` the user may see. Every export goes through this."""
        return filter_by_scope(queryset, user, path_field=self.scope_path_field)

    def export_queryset(self, queryset: QuerySet) -> QuerySet:
        """Joins the export needs (a fixed number of queries whatever the row count)."""
        return queryset

    def may_see_personal_data(self, path: str) -> bool:
        return self.grants is not None and self.grants.allows(Action.PERSONAL_DATA, path)

    def example_row(self) -> list[Any]:
        return [c.example for c in self.columns.values()]

    def iter_queryset(self, queryset: QuerySet) -> Any:
        # One query per 2,000 rows (plus one per prefetch), whatever the row count.
        yield from queryset.iterator(chunk_size=2000)


# --- members -----------------------------------------------------------------------


class MemberResource(PortalResource):
    name = Column(
        "name", "姓名", "name", kind="name", required=True, aliases=("党员姓名",), example="张伟"
    )
    sex = Column(
        "sex",
        "性别",
        "sex",
        kind="choice",
        choices=SEX_CHOICES,
        aliases=("gender",),
        example="男",
        note=_("blank: taken from the ID number"),
    )
    ethnicity = Column(
        "ethnicity",
        "民族",
        "ethnicity",
        kind="ethnicity",
        aliases=("nationality", "nation"),
        example="汉族",
    )
    birth_date = Column(
        "birth_date",
        "出生日期",
        "birth date",
        kind="date",
        aliases=("出生年月", "出生年月日", "date of birth"),
        example=dt.date(1985, 6, 15),
        note=_("blank: taken from the ID number"),
    )
    id_number = Column(
        "id_number",
        "身份证号",
        "citizen ID number",
        kind="id_number",
        required=True,
        aliases=("身份证号码", "公民身份号码", "身份证", "id number"),
        example=make_citizen_id("320115", dt.date(1985, 6, 15), 31),
    )
    education = Column(
        "education",
        "学历",
        "education",
        kind="choice",
        choices=EDUCATION_CHOICES,
        aliases=("文化程度", "全日制学历", "最高学历"),
        example="大学本科",
    )
    joined_on = Column(
        "joined_on",
        "入党时间",
        "joined the Party on",
        kind="date",
        aliases=("入党日期", "入党年月", "joined on"),
        example=dt.date(2010, 7, 1),
    )
    full_member_on = Column(
        "full_member_on",
        "转正时间",
        "made full member on",
        kind="date",
        aliases=("转正日期", "转正年月", "full member on"),
        example=dt.date(2011, 7, 1),
    )
    status = Column(
        "status",
        "预/正",
        "membership",
        kind="choice",
        choices=STATUS_CHOICES,
        aliases=("预备/正式", "党员类别", "党籍状态", "正式/预备", "status"),
        example="正式党员",
        note=_("blank: full member when 转正时间 is given, else probationary"),
    )
    organization = Column(
        None,
        "所在党支部",
        "organization",
        kind="org",
        aliases=("所在党组织", "党组织", "所在支部", "党支部", "党组织名称", "organisation"),
        example="",
        note=_("full name, short name or code of an organization in your scope"),
        dehydrate_method="dehydrate_organization",
    )
    organization_code = Column(
        None,
        "党组织编码",
        "organization code",
        kind="org_code",
        aliases=("党组织代码", "组织编码"),
        example="",
        dehydrate_method="dehydrate_organization_code",
    )
    enterprise = Column(
        None,
        "工作单位",
        "enterprise",
        kind="enterprise",
        aliases=("所在企业", "单位", "employer"),
        example="",
        note=_("name or credit code of an enterprise registered in your scope"),
        dehydrate_method="dehydrate_enterprise",
    )
    post = Column(
        "post", "职务", "job post", aliases=("岗位", "现任职务", "post"), example="技术员"
    )
    phone = Column(
        "phone",
        "手机号码",
        "phone",
        kind="phone",
        aliases=("手机号", "手机", "联系电话", "电话", "联系方式", "mobile phone"),
        example="13912345678",
        dehydrate_method="dehydrate_phone",
    )
    party_post = Column(
        "party_post",
        "党内职务",
        "Party post",
        kind="choice",
        choices=PARTY_POST_CHOICES,
        aliases=("党内任职",),
        example="",
    )
    is_investor = Column(
        "is_investor",
        "出资人党员",
        "investor member",
        kind="bool",
        aliases=("是否出资人", "是否出资人党员", "investor"),
        example="否",
    )
    is_pocket = Column(
        "is_pocket",
        "口袋党员",
        '"pocket" member',
        kind="bool",
        aliases=("是否口袋党员", "pocket member"),
        example="否",
    )
    mobile = Column(
        "mobile",
        "流动党员",
        "mobile member",
        kind="choice",
        choices=MOBILE_CHOICES,
        aliases=("是否流动党员", "流动情况"),
        example="否",
    )
    mobile_organization = Column(
        "mobile_organization",
        "流出/流入党组织",
        "outflow / inflow organization",
        aliases=("流动去向", "流出地党组织", "流入地党组织", "流入/流出党组织"),
        example="",
    )
    lost_contact = Column(
        "lost_contact",
        "失联党员",
        "lost contact",
        kind="bool",
        aliases=("是否失联", "失去联系"),
        example="否",
    )
    lost_contact_reason = Column(
        "lost_contact_reason",
        "失联原因",
        "reason for lost contact",
        aliases=("失去联系原因",),
        example="",
    )

    match_field = "id_number"
    sheet_title = ("党员名册", "Members")

    class Meta:
        model = Member
        fields: tuple[str, ...] = (
            "name",
            "sex",
            "ethnicity",
            "birth_date",
            "id_number",
            "education",
            "joined_on",
            "full_member_on",
            "status",
            "organization",
            "organization_code",
            "enterprise",
            "post",
            "phone",
            "party_post",
            "is_investor",
            "is_pocket",
            "mobile",
            "mobile_organization",
            "lost_contact",
            "lost_contact_reason",
        )
        import_id_fields = ("id_number",)

    def export_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("organization", "enterprise").order_by(
            "organization__path", "name", "pk"
        )

    def dehydrate_id_number(self, member: Member) -> str:
        if self.may_see_personal_data(member.organization.path):
            return member.id_number
        return mask_id(member.id_number)

    def dehydrate_phone(self, member: Member) -> str:
        if self.may_see_personal_data(member.organization.path):
            return member.phone
        return mask_phone(member.phone)

    def dehydrate_organization(self, member: Member) -> str:
        return member.organization.full_name

    def dehydrate_organization_code(self, member: Member) -> str:
        return member.organization.code

    def dehydrate_enterprise(self, member: Member) -> str:
        return member.enterprise.name if member.enterprise_id else ""


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


# The kinds that can be imported (organizations/imports.py IMPORTERS) and exported.
RESOURCES: Mapping[str, type[PortalResource]] = {
    "members": MemberResource,
    "organizations": OrganizationResource,
    "enterprises": EnterpriseResource,
}


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


def neutralize(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
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
) -> FileResponse:
    """The download of any list: `resource` decides columns, scope and masking.

    The file is written to a temporary file (spooled to disk past 1 MB), so memory stays
    bounded whatever the row count, and every query runs before the response starts.
    Later record types (meetings, opinions, problem items, the requirement grid) plug in
    with their own PortalResource subclass."""
    headers, rows = export_rows(resource, queryset, user)
    stamp = timezone.localdate().strftime("%Y%m%d")
    if fmt == "xlsx":
        handle = _write_xlsx(resource.title(), headers, rows)
        content_type = XLSX_MIME
    elif fmt == "csv":
        handle = _write_csv(headers, rows)
        content_type = "text/csv; charset=utf-8"
    else:
        raise ValueError(fmt)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"{filename}-{stamp}.{fmt}",
        content_type=content_type,
    )


def _write_xlsx(title: str, headers: list[str], rows: Iterable[list[Any]]) -> IO[bytes]:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
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
                out.append(ILLEGAL_CHARACTERS_RE.sub("", value))
            else:
                out.append(value)
        sheet.append(out)
    # Returned open: FileResponse streams it and closes it.
    handle = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)  # noqa: SIM115
    book.save(handle)
    handle.seek(0)
    return handle


def _write_csv(headers: list[str], rows: Iterable[list[Any]]) -> IO[bytes]:
    handle = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)  # noqa: SIM115
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


# --- templates -------------------------------------------------------------------

TEMPLATE_ROWS = 2000  # rows that get drop-down lists


def build_template(resource: PortalResource, *, example: Mapping[str, Any] | None = None) -> bytes:
    """An .xlsx with the headings, one example row (fictional but valid), drop-down
    lists on coded columns, text format on ID/code/phone columns (so Excel does not
    round 18 digits), and a second sheet explaining every column."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    english = resource.english
    book = Workbook()
    sheet = book.active
    sheet.title = resource.title()[:31]
    columns = list(resource.columns.items())
    fill = PatternFill("solid", fgColor="F2DCDB")
    values = dict(example or {})
    for index, (name, column) in enumerate(columns, start=1):
        letter = get_column_letter(index)
        head = sheet.cell(row=1, column=index, value=column.column_name)
        head.font = Font(bold=True)
        if column.required:
            head.fill = fill
        sample = values.get(name, column.example)
        if column.choices is not None and isinstance(sample, str) and english:
            sample = _english_label(column, sample)
        elif column.kind == "bool" and english and sample:
            sample = YES[1] if sample == YES[0] else NO[1]
        cell = sheet.cell(row=2, column=index, value=sample)
        if column.kind == "date":
            cell.number_format = "yyyy-mm-dd"
        if column.kind in ("id_number", "credit_code", "phone", "code", "org_code"):
            # Text, for the whole column: a column style adds no cells, so the sheet's
            # size (which decides preview in the request or in a task) stays honest.
            cell.number_format = "@"
            sheet.column_dimensions[letter].number_format = "@"
        widest = max(len(str(sample or "")), len(str(column.column_name)))
        sheet.column_dimensions[letter].width = max(10, min(40, widest * 1.8))
        labels = column.labels(english)
        if labels:
            check = DataValidation(
                type="list",
                formula1='"' + ",".join(labels) + '"',
                allow_blank=True,
                errorStyle="warning",
                showErrorMessage=True,
            )
            check.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
            sheet.add_data_validation(check)
    sheet.freeze_panes = "A2"

    guide = book.create_sheet("Instructions" if english else "填写说明")
    guide.append(
        ["Column", "Required", "Accepted values", "Note"]
        if english
        else ["列名", "是否必填", "可填写的值", "说明"]
    )
    for cell in guide[1]:
        cell.font = Font(bold=True)
    for _name, column in columns:
        guide.append(
            [
                column.column_name,
                (YES[1] if english else YES[0]) if column.required else "",
                _accepted(column, english),
                str(column.note or ""),
            ]
        )
    for letter, width in (("A", 22), ("B", 10), ("C", 50), ("D", 50)):
        guide.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _english_label(column: Column, zh_label: str) -> str:
    for _code, zh, en, _others in column.choices or ():
        if zh == zh_label:
            return en
    return zh_label


def _accepted(column: Column, english: bool) -> str:
    if column.kind == "date":
        return "2014-04-01, 2014/4/1, 2014.4.1, 2014年4月1日"
    if column.kind == "bool":
        return "是 / 否 (yes / no)"
    if column.choices is not None:
        return " / ".join((en if english else zh) for _c, zh, en, _o in column.choices if zh)
    if column.kind == "id_number":
        return "18 位 / 18 characters"
    if column.kind == "credit_code":
        return "18 位 / 18 characters"
    return ""


def table_response(
    *, title: str, headers: list[str], rows: Iterable[list[Any]], fmt: str, filename: str
) -> FileResponse:
    """Download of a computed table that is not a queryset (the requirement grid):
    same formats, formula neutralizing and file handling as export_response."""
    stamp = timezone.localdate().strftime("%Y%m%d")
    safe_rows = ([neutralize(v) for v in row] for row in rows)
    if fmt == "xlsx":
        handle, content_type = _write_xlsx(title, headers, safe_rows), XLSX_MIME
    elif fmt == "csv":
        handle, content_type = _write_csv(headers, safe_rows), "text/csv; charset=utf-8"
    else:
        raise ValueError(fmt)
    return FileResponse(
        handle, as_attachment=True, filename=f"{filename}-{stamp}.{fmt}", content_type=content_type
    )
