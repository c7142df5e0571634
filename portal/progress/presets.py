"""Campaign templates: the requirement instances a campaign starts with
(docs/product.md §8). The 2014 mass-line campaign's template reproduces the fourteen-odd
requirements the portal had in code before campaigns became data (#18): same codes (the
roll-up rows, reminders and cached figures keep their keys), labels, phases, order and
organizations. Parameters left None take the campaign's own setting (its minimum
counseling sessions and study exchanges, funding standard, satisfaction threshold:
docs/product.md §5), as they did then."""

from __future__ import annotations

from typing import Any

from django.db import transaction

# The grass-roots kinds and the village (community) organizations: "participates".
PARTICIPATING = ["committee", "general_branch", "branch", "joint_branch", "community"]
# Park and industry committees with members of enterprises without an organization on
# their own roster also get the per-member requirements (docs/product.md §3).
HOSTING = ["park", "community", "industry"]

TEMPLATE_2014: list[dict[str, Any]] = [
    {
        "code": "plan_approved",
        "kind": "plan_approved",
        "params": {},
        "phase": 1,
        "order": 10,
        "label_zh": "活动方案审核通过",
        "label_en": "Activity plan approved",
    },
    {
        "code": "mobilization",
        "kind": "meetings",
        "params": {"meeting_kinds": ["mobilization"], "minimum": 1},
        "phase": 1,
        "order": 20,
        "label_zh": "召开或参加动员大会",
        "label_en": "Mobilization meeting held or attended",
    },
    {
        "code": "counseling",
        "kind": "members_counseled",
        "params": {"minimum": None},
        "phase": 1,
        "order": 30,
        "label_zh": "党员学习辅导全覆盖",
        "label_en": "Every member counseled",
        "org_kinds_with_members": HOSTING,
    },
    {
        "code": "study_exchanges",
        "kind": "meetings",
        "params": {"meeting_kinds": ["study_exchange"], "minimum": None},
        "phase": 1,
        "order": 40,
        "label_zh": "开展学习交流",
        "label_en": "Study exchanges held",
    },
    {
        "code": "opinions",
        "kind": "opinions_answered",
        "params": {},
        "phase": 1,
        "order": 50,
        "label_zh": "征求意见并逐条答复或列入问题清单",
        "label_en": "Opinions solicited and every opinion answered or adopted",
    },
    {
        "code": "statements_approved",
        "kind": "statements_approved",
        "params": {"subjects": ["team", "secretary"]},
        "phase": 2,
        "order": 10,
        "label_zh": "对照检查材料审核通过",
        "label_en": "Self-examination statements approved",
    },
    {
        "code": "special_meeting",
        "kind": "special_meeting",
        "params": {},
        "phase": 2,
        "order": 20,
        "label_zh": "召开专题组织生活会并有上级党组织人员到会指导",
        "label_en": "Special organizational-life meeting held with a higher-level guide",
    },
    {
        "code": "appraisal",
        "kind": "members_appraised",
        "params": {},
        "phase": 2,
        "order": 30,
        "label_zh": "党员全部参加民主评议",
        "label_en": "Every member appraised",
        "org_kinds_with_members": HOSTING,
    },
    {
        "code": "problem_list_published",
        "kind": "problem_list_published",
        "params": {},
        "phase": 3,
        "order": 10,
        "label_zh": "问题清单审核通过并公示",
        "label_en": "Problem list approved and published",
    },
    {
        "code": "no_overdue",
        "kind": "no_overdue",
        "params": {},
        "phase": 3,
        "order": 20,
        "label_zh": "无逾期事项",
        "label_en": "No overdue item",
    },
    {
        "code": "items_closed",
        "kind": "items_closed",
        "params": {},
        "phase": 3,
        "order": 30,
        "label_zh": "活动结束前所有事项全部销号",
        "label_en": "All items closed by the campaign's end",
    },
    {
        "code": "eight_haves",
        "kind": "standards_accepted",
        "params": {"template": "eight_haves"},
        "phase": 3,
        "order": 40,
        "label_zh": "“八有”验收通过",
        "label_en": "“Eight haves” accepted",
    },
    {
        "code": "mechanisms",
        "kind": "mechanisms",
        "params": {},
        "phase": 3,
        "order": 50,
        "label_zh": "六项工作机制落实到位",
        "label_en": "The six working mechanisms in place",
    },
    {
        "code": "funding",
        "kind": "funding",
        "params": {"standard": None},
        "phase": 3,
        "order": 60,
        "label_zh": "活动经费达到标准",
        "label_en": "Funding at least the standard",
    },
    {
        "code": "satisfaction",
        "kind": "satisfaction",
        "params": {"threshold": None},
        "phase": 3,
        "order": 70,
        "label_zh": "群众满意率达到标准",
        "label_en": "Satisfaction of the masses at least the threshold",
    },
]


def template_rows(template: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The template's instances with their organization kinds filled in."""
    return [
        {
            **row,
            "params": dict(row["params"]),
            "org_kinds": list(row.get("org_kinds", PARTICIPATING)),
            "org_kinds_with_members": list(row.get("org_kinds_with_members", [])),
        }
        for row in template
    ]


@transaction.atomic
def apply_template(
    campaign: Any, template: list[dict[str, Any]] | None = None, *, new: bool = False
) -> int:
    """Give a campaign without requirements the instances of a template (the 2014 one by
    default): one INSERT for a `new` campaign (just created: it has none). A campaign
    that has some keeps them. Returns the instances written."""
    from .engine import remember
    from .instances import requirements_changed
    from .models import RequirementInstance

    db = campaign._state.db or "default"
    if not new and RequirementInstance.objects.using(db).filter(campaign_id=campaign.pk).exists():
        return 0
    rows = [
        RequirementInstance(campaign_id=campaign.pk, **row)
        for row in template_rows(template if template is not None else TEMPLATE_2014)
    ]
    RequirementInstance.objects.using(db).bulk_create(rows)
    if not new:  # a new campaign's token is its own already
        requirements_changed(campaign)
    # This process reads them back without a query.
    remember(campaign, rows)
    return len(rows)
