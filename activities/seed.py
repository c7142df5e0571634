"""The 2014 campaign as data (its phases, grade scale and settings) and the preset grade
scales a campaign picks from: used by campaign set-up, seed_demo (whose running campaign of
the same shape is demo/activities/campaign.py), seed_scale and tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TypedDict

from django.db import transaction

from .models import AppraisalGrade, Campaign, GradeScale, Phase, ProblemCategory


class CampaignShape(TypedDict):
    name_zh: str
    name_en: str
    starts_on: dt.date
    ends_on: dt.date


CAMPAIGN_2014: CampaignShape = {
    "name_zh": "党的群众路线教育实践活动",
    "name_en": "Mass line education practice campaign",
    "starts_on": dt.date(2014, 4, 1),
    "ends_on": dt.date(2014, 9, 30),
}

PHASES_2014 = [
    (
        1,
        "学习教育、听取意见",
        "Study and education, listening to opinions",
        dt.date(2014, 4, 1),
        dt.date(2014, 5, 31),
    ),
    (
        2,
        "查摆问题、开展批评",
        "Finding problems and carrying out criticism",
        dt.date(2014, 6, 1),
        dt.date(2014, 7, 31),
    ),
    (
        3,
        "整改落实、建章立制",
        "Rectification and establishing rules",
        dt.date(2014, 8, 1),
        dt.date(2014, 9, 30),
    ),
]

# The 2014 ballot: 好 / 一般 / 差; the top and the bottom grade go up for approval.
# (code, Chinese, English, order, largest share or None, needs approval)
GradeRow = tuple[str, str, str, int, Decimal | None, bool]

GRADES_2014: list[GradeRow] = [
    ("good", "好", "good", 1, None, True),
    ("fair", "一般", "fair", 2, None, False),
    ("poor", "差", "poor", 3, None, True),
]

# The standing rules' four grades, 优秀 capped at one third of those appraised.
GRADES_LATER: list[GradeRow] = [
    ("excellent", "优秀", "excellent", 1, Decimal("0.333"), True),
    ("qualified", "合格", "qualified", 2, None, False),
    ("basic", "基本合格", "basically qualified", 3, None, True),
    ("unqualified", "不合格", "unqualified", 4, None, True),
]

# What each preset scale of GradeScale puts in the campaign's grades.
GRADE_PRESETS: dict[str, list[GradeRow]] = {
    GradeScale.BALLOT_2014: GRADES_2014,
    GradeScale.STANDING: GRADES_LATER,
}


def preset_grades(campaign: Campaign, scale: str) -> list[AppraisalGrade]:
    """The unsaved grade rows of a preset scale for `campaign`."""
    return [
        AppraisalGrade(
            campaign=campaign,
            code=code,
            name_zh=zh,
            name_en=en,
            order=order,
            max_share=cap,
            needs_approval=approval,
        )
        for code, zh, en, order, cap, approval in GRADE_PRESETS[scale]
    ]


CATEGORIES_2014 = [
    ("cohesion", "领导班子凝聚力", "leading-body cohesion"),
    ("two_roles", "发挥\u201c两个作用\u201d", "the \u201ctwo roles\u201d"),
    ("mechanisms", "运行机制", "operating mechanisms"),
    ("consciousness", "党员意识", "members' consciousness"),
    ("discipline", "纪律观念", "discipline"),
    ("dedication", "奉献精神", "dedication"),
    ("secretary", "书记自身问题", "secretary-specific"),
    ("investor", "出资人党员问题", "investor-specific"),
    ("other", "其他", "other"),
]


def add_grades_and_categories(campaign: Campaign) -> None:
    AppraisalGrade.objects.bulk_create(preset_grades(campaign, GradeScale.BALLOT_2014))
    ProblemCategory.objects.bulk_create(
        ProblemCategory(campaign=campaign, code=code, name_zh=zh, name_en=en, order=i)
        for i, (code, zh, en) in enumerate(CATEGORIES_2014)
    )


@transaction.atomic
def ensure_campaign_2014(lead_organization: object) -> Campaign:
    """Create the 2014 campaign for `lead_organization` unless it exists. Idempotent."""
    campaign, created = Campaign.objects.get_or_create(
        lead_organization=lead_organization,
        name_zh=CAMPAIGN_2014["name_zh"],
        defaults={
            **CAMPAIGN_2014,
            "funding_standard": Decimal("50.00"),
            "grade_scale": GradeScale.BALLOT_2014,
        },
    )
    if created:
        Phase.objects.bulk_create(
            Phase(campaign=campaign, number=n, name_zh=zh, name_en=en, starts_on=s, ends_on=e)
            for n, zh, en, s, e in PHASES_2014
        )
        add_grades_and_categories(campaign)
    return campaign
