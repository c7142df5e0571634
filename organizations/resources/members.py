"""The member roster (党员名册)."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from ..models import (
    Member,
)
from ..validators import make_citizen_id, mask_id, mask_phone
from .columns import (
    EDUCATION_CHOICES,
    LOST_CONTACT_CHOICES,
    MOBILE_CHOICES,
    PARTY_POST_CHOICES,
    SEX_CHOICES,
    STATUS_CHOICES,
    Column,
    PortalResource,
)

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
    native_place = Column(
        "native_place", "籍贯", "native place", aliases=("native place",), example="江苏南京"
    )
    started_work_on = Column(
        "started_work_on",
        "参加工作时间",
        "started work on",
        kind="date",
        aliases=("参加工作日期", "参加工作年月", "工作时间", "started work"),
        example=dt.date(2007, 7, 1),
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
    lost_contact_kind = Column(
        "lost_contact_kind",
        "失联情形",
        "how contact was lost",
        kind="choice",
        choices=LOST_CONTACT_CHOICES,
        aliases=("失去联系情形", "失联类型"),
        example="",
        note=_("one of the standard codes; 其他 needs the reason in words"),
    )
    lost_contact_reason = Column(
        "lost_contact_reason",
        "失联原因",
        "reason for lost contact",
        aliases=("失去联系原因", "失联原因说明"),
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
            "native_place",
            "started_work_on",
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
            "lost_contact_kind",
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
        return member.enterprise.name if member.enterprise is not None else ""
