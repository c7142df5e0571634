"""The criteria of the annual classification (docs/product.md §6.4) as a standards
checklist template (rectification's StandardTemplate, code GRADING_TEMPLATE): items with
points and the star levels that make the class (2 stars advanced, 1 middle, 0 lagging).
Created by this app's data migration, by seed_demo and by tests; never overwrites what
an administrator changed. The template is listed on no campaign, so the campaign's
standards checklists do not show it."""

from __future__ import annotations

from django.db import transaction

from rectification.models import CheckMethod, PassRule, StandardItem, StandardTemplate

from .models import GRADING_TEMPLATE

SITE, RECORDS = CheckMethod.SITE, CheckMethod.RECORDS

# (name_zh, name_en, points, check method, evidence (zh), evidence (en)); the wording
# follows the campaign plan's "outstanding problems of leading bodies" and its goals.
GRADING_ITEMS = [
    (
        "班子健全，书记选优配强",
        "A complete leading body; a strong secretary selected",
        20,
        RECORDS,
        "委员会成员名单、换届选举材料。",
        "The committee's members; the records of the last election.",
    ),
    (
        "组织生活规范（“三会一课”）",
        'Standard organizational life ("three meetings and one lesson")',
        20,
        RECORDS,
        "会议记录、党课记录。",
        "Minutes of meetings and Party lectures.",
    ),
    (
        "党员教育管理严格",
        "Strict education and management of Party members",
        15,
        RECORDS,
        "学习记录、党费收缴记录、民主评议结果。",
        "Study records, dues paid, the democratic appraisal.",
    ),
    (
        "发挥政治核心和政治引领作用，促进企业发展",
        "Plays the political core and guiding role; promotes the enterprise's development",
        15,
        SITE,
        "企业发展情况、党员先锋岗等。",
        "How the enterprise developed; members' vanguard posts.",
    ),
    (
        "党建工作保障有力（“八有”）",
        'Party building well supported ("eight haves")',
        15,
        SITE,
        "活动场所、经费、制度等实地查看。",
        "The place, funds and rules, inspected on site.",
    ),
    (
        "职工群众评价好",
        "Good evaluation by the workers and the masses",
        15,
        RECORDS,
        "群众满意度测评、征求意见情况。",
        "The satisfaction evaluation; the opinions solicited.",
    ),
]


@transaction.atomic
def ensure_grading_template() -> StandardTemplate:
    """The grading template (version 1) with its items, created when missing."""
    template, _created = StandardTemplate.objects.get_or_create(
        code=GRADING_TEMPLATE,
        version=1,
        defaults={
            "name_zh": "三分类三升级评定标准",
            "name_en": "Three classifications: grading criteria",
            "description_zh": "85分以上为先进，60分以上为中间，60分以下为后进。",
            "description_en": "85 or more: advanced; 60 or more: middle; below 60: lagging.",
            "pass_rule": PassRule.STARS,
            "star_thresholds": {"2": 85, "1": 60},
        },
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
        for order, (zh, en, points, method, ev_zh, ev_en) in enumerate(GRADING_ITEMS, 1)
        if order not in have
    ]
    if missing:
        StandardItem.objects.bulk_create(missing)
    return template
