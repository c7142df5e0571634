"""Shared set-up for the upgrading tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from portal.reviews.services import review_transition
from upgrading import services
from upgrading.models import Grading, PlanReason, UpgradePlan
from upgrading.seed import ensure_grading_template


def scores_for(total: int) -> dict[int, int]:
    """Item scores of the grading template adding up to `total` (filled in order)."""
    template = ensure_grading_template()
    scores: dict[int, int] = {}
    left = total
    for item in template.items.order_by("order"):
        take = min(item.points, left)
        scores[item.pk] = take
        left -= take
    return scores


def grade(world: Any, org: Any, year: int, total: int, actor: Any = None) -> Grading:
    return services.grading_save(
        actor=actor or world.reviewer,
        organization=org,
        year=year,
        template=ensure_grading_template(),
        scores=scores_for(total),
    )


def plan_fields(year: int | None = None, **extra: Any) -> dict[str, Any]:
    today = timezone.localdate()
    fields = {
        "year": year or today.year,
        "reason": PlanReason.LAGGING,
        "causes": "班子不健全，组织生活不经常。",
        "measures": "选优配强书记，落实“三会一课”。",
        "contact_cadre": "王县长",
        "contact_post": "副县长",
        "deadline": today + dt.timedelta(days=180),
    }
    fields.update(extra)
    return fields


def lagging_plan(world: Any, *, approve: bool = False, org: Any = None) -> UpgradePlan:
    org = org or world.own
    year = timezone.localdate().year
    grade(world, org, year, 40)
    plan = services.plan_create(actor=world.secretary, organization=org, fields=plan_fields(year))
    if approve:
        review_transition(plan, action="submit", actor=world.secretary)
        review_transition(plan, action="approve", actor=world.reviewer)
    return plan
