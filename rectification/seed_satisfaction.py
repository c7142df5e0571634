"""The default questions of the satisfaction evaluation (docs/product.md §6.5): the overall
question and one per aspect the plan judges (study, finding problems, rectification,
work style). Idempotent; editable afterwards in the admin."""

from __future__ import annotations

from typing import Any

from .models import SatisfactionQuestion

# (code, order, overall, Chinese, English)
DEFAULT_QUESTIONS = [
    (
        "overall",
        10,
        True,
        "对本单位党组织开展教育实践活动的总体评价",
        "Overall, how satisfied are you with the organization's campaign?",
    ),
    ("study", 20, False, "学习教育、听取意见", "Study and listening to opinions"),
    ("finding_problems", 30, False, "查摆问题、开展批评", "Finding problems and criticism"),
    ("rectification", 40, False, "整改落实、建章立制", "Rectification and rules"),
    ("work_style", 50, False, "作风转变", "Change in work style"),
]


def ensure_satisfaction_questions(campaign: Any) -> list[SatisfactionQuestion]:
    """The campaign's questions, the defaults created when it has none."""
    existing = list(SatisfactionQuestion.objects.filter(campaign=campaign))
    if existing:
        return existing
    SatisfactionQuestion.objects.bulk_create(
        SatisfactionQuestion(
            campaign=campaign,
            code=code,
            order=order,
            is_overall=overall,
            name_zh=zh,
            name_en=en,
        )
        for code, order, overall, zh, en in DEFAULT_QUESTIONS
    )
    return list(SatisfactionQuestion.objects.filter(campaign=campaign))
