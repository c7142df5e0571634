"""The two standards checklists of docs/product.md §6.3 as data: "eight haves" (八有) and "two
strong, eight good" (两强八好). Used by seed_demo, by campaign set-up and by tests.

`ensure_standard_templates(campaign)` creates what is missing (templates by code and
version 1, items by order) and never overwrites what an administrator changed; with a
campaign it also lists both templates on that campaign.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from activities.models import Campaign

from .models import (
    EIGHT_HAVES,
    TWO_STRONG_EIGHT_GOOD,
    CheckMethod,
    PassRule,
    StandardItem,
    StandardTemplate,
)

SITE, WALL, RECORDS = CheckMethod.SITE, CheckMethod.WALL, CheckMethod.RECORDS

# (name_zh, name_en, points, check method, evidence (zh), evidence (en))
EIGHT_HAVES_ITEMS = [
    (
        "有场所",
        "a place",
        10,
        SITE,
        "活动场所照片（门牌和室内全景）；共用场所的使用协议。",
        "Photos of the activity room (its sign and the whole room); the agreement for a shared room.",
    ),
    (
        "有设施",
        "facilities",
        10,
        SITE,
        "桌椅、电教设备等设施照片。",
        "Photos of the tables, chairs and audio-visual equipment.",
    ),
    (
        "有经费",
        "funds",
        10,
        RECORDS,
        "经费来源凭证（留存党费、企业支持等）和开支记录。",
        "Receipts of the funds (retained Party dues, enterprise support…) and the spending record.",
    ),
    (
        "有书报",
        "books and newspapers",
        10,
        SITE,
        "订阅党报党刊的凭证；书报架照片。",
        "Subscription receipts of Party newspapers and journals; a photo of the bookshelf.",
    ),
    (
        "有制度",
        "rules",
        10,
        WALL,
        "上墙制度照片（“三会一课”等）。",
        "Photos of the rules on the wall (“three meetings and one lesson” and others).",
    ),
    (
        "有标识",
        "signs",
        10,
        WALL,
        "党组织牌子、党员示范岗等标识照片。",
        "Photos of the organization's nameplate and of the members' model-post signs.",
    ),
    (
        "有党旗",
        "a Party flag",
        10,
        SITE,
        "活动场所内党旗的照片。",
        "A photo of the Party flag in the activity room.",
    ),
    (
        "有档案",
        "files",
        10,
        RECORDS,
        "工作计划、活动记录、会议记录等档案（照片或文件）。",
        "Work plans, activity records and minutes (photos or files).",
    ),
]

TWO_STRONG_EIGHT_GOOD_ITEMS = [
    (
        "党建强",
        "strong Party building",
        10,
        RECORDS,
        "组织设置、“三会一课”和党建工作制度落实的材料。",
        "Records of the organization's set-up, of “three meetings and one lesson” and of its rules at work.",
    ),
    (
        "发展强",
        "strong development",
        10,
        RECORDS,
        "企业近年产值、税收、职工人数等发展情况。",
        "The enterprise's output, taxes and workforce over recent years.",
    ),
    (
        "生产经营好",
        "good production and operation",
        10,
        RECORDS,
        "安全生产、质量管理、诚信经营的材料。",
        "Records of safe production, quality management and honest business.",
    ),
    (
        "企业文化好",
        "good corporate culture",
        10,
        SITE,
        "企业文化阵地和文体活动的照片。",
        "Photos of the corporate-culture corner and of cultural and sports activities.",
    ),
    (
        "劳动关系好",
        "good labor relations",
        10,
        RECORDS,
        "劳动合同签订、工资按时支付、社会保险缴纳的材料。",
        "Records of labour contracts, wages paid on time and social insurance.",
    ),
    (
        "党组织班子好",
        "good Party organization team",
        10,
        RECORDS,
        "班子成员名单、分工和履职情况。",
        "The team's members, their division of work and how they carry it out.",
    ),
    (
        "党员队伍好",
        "good member team",
        10,
        RECORDS,
        "党员名册、发展党员和教育培训记录。",
        "The member roster, recruitment and the education and training record.",
    ),
    (
        "作用发挥好",
        "good role played",
        10,
        RECORDS,
        "党员示范岗、先锋岗和攻坚项目的材料。",
        "Records of members' model posts, vanguard posts and key projects.",
    ),
    (
        "活动阵地好",
        "good activity place",
        10,
        SITE,
        "党员活动室、党建阵地照片。",
        "Photos of the members' activity room and the Party-building corner.",
    ),
    (
        "社会评价好",
        "good social evaluation",
        10,
        RECORDS,
        "表彰奖励、群众和职工评议结果。",
        "Commendations and the results of employees' and the public's appraisals.",
    ),
]

TEMPLATES: dict[str, dict[str, Any]] = {
    EIGHT_HAVES: {
        "name_zh": "“八有”标准",
        "name_en": "“Eight haves”",
        "description_zh": "非公企业党组织规范化建设“八有”：有场所、有设施、有经费、有书报、有制度、有标识、有党旗、有档案。八项全部达到为合格。",
        "description_en": "Standardization of Party organizations in non-public enterprises: a place, facilities, funds, books and newspapers, rules, signs, a Party flag and files. Met when every item is met.",
        "pass_rule": PassRule.ALL_ITEMS,
        "items": EIGHT_HAVES_ITEMS,
    },
    TWO_STRONG_EIGHT_GOOD: {
        "name_zh": "“两强八好”服务型党组织",
        "name_en": "Service-oriented organization: “two strong, eight good”",
        "description_zh": "党建强、发展强，生产经营好、企业文化好、劳动关系好、党组织班子好、党员队伍好、作用发挥好、活动阵地好、社会评价好。满分100分，90分以上为三星，75分以上为二星，60分以上为一星。",
        "description_en": "Strong Party building and strong development; good production and operation, corporate culture, labour relations, Party organization team, member team, role played, activity place and social evaluation. 100 points: three stars from 90, two from 75, one from 60.",
        "pass_rule": PassRule.STARS,
        "star_thresholds": {"3": 90, "2": 75, "1": 60},
        "items": TWO_STRONG_EIGHT_GOOD_ITEMS,
    },
}


@transaction.atomic
def ensure_standard_templates(campaign: Campaign | None = None) -> dict[str, StandardTemplate]:
    """The two seeded templates by code, created (with their items) when missing;
    with `campaign`, both are listed on it. Idempotent; edits made since are kept.
    Queries: a handful per template (get-or-create of the template and its items)."""
    templates: dict[str, StandardTemplate] = {}
    for code, spec in TEMPLATES.items():
        fields = {k: v for k, v in spec.items() if k != "items"}
        template, _created = StandardTemplate.objects.get_or_create(
            code=code, version=1, defaults=fields
        )
        have = set(template.items.values_list("order", flat=True))
        missing = [
            StandardItem(
                template=template,
                order=order,
                name_zh=zh,
                name_en=en,
                points=points,
                check_method=method,
                evidence_required_zh=ev_zh,
                evidence_required_en=ev_en,
            )
            for order, (zh, en, points, method, ev_zh, ev_en) in enumerate(spec["items"], 1)
            if order not in have
        ]
        if missing:
            StandardItem.objects.bulk_create(missing)
        if campaign is not None:
            template.campaigns.add(campaign)
        templates[code] = template
    return templates
