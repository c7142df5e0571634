"""The vocabulary of every spreadsheet: coded values with their Chinese and English
labels and other accepted spellings, the export widgets, `Column` and `PortalResource`."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import get_language
from import_export import fields, resources, widgets

from portal.accounts.permissions import Action, filter_by_scope, grants_for

from ..models import (
    Education,
    EnterpriseType,
    LostContactKind,
    MemberStatus,
    MobileDirection,
    OrgKind,
    PartyPost,
    Sex,
)

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
LOST_CONTACT_CHOICES: list[Choice] = [
    (LostContactKind.NONE, "", "", ("无", "none", "-")),
    (LostContactKind.MIGRANT_WORK, "外出务工经商", "went away for work or business", ("1", "①")),
    (
        LostContactKind.RESTRUCTURED,
        "单位改制或破产",
        "employer restructured or bankrupt",
        ("2", "②", "企业改制", "单位改制", "破产"),
    ),
    (
        LostContactKind.AFTER_GRADUATION,
        "毕业后去向不明",
        "whereabouts unknown after graduation",
        ("3", "③"),
    ),
    (LostContactKind.CHANGED_EMPLOYER, "工作单位改变", "changed employer", ("4", "④")),
    (LostContactKind.ABROAD, "出国（境）", "went abroad", ("5", "⑤", "出国", "出境", "出国(境)")),
    (LostContactKind.MOVED, "居住地改变", "moved house", ("6", "⑥", "搬迁")),
    (LostContactKind.OTHER, "其他", "other", ("7", "⑦", "其它")),
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

# How the import engine parses a column (organizations/imports/cleaning.py `parse_cell`).
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
        note: str | Promise = "",
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
