"""Data builders for activity plans and the review workflow tests
(tests/activities/test_plans.py, tests/reviews/*)."""

from __future__ import annotations

from typing import Any

import factory
from factory.django import DjangoModelFactory

from activities.models import ActivityPlan, Campaign
from activities.seed import ensure_campaign_2014
from portal.reviews.models import ReviewStatus
from portal.reviews.services import review_transition
from tests.conftest import World


def campaign_for(world: World) -> Campaign:
    """The 2014 campaign led by the test county (every org but other_county/far)."""
    return ensure_campaign_2014(world.county)


class ActivityPlanFactory(DjangoModelFactory):
    """A complete draft plan (every section written, so it may be submitted)."""

    class Meta:
        model = ActivityPlan

    title = factory.Sequence(lambda n: f"活动实施方案{n}")
    goals = "深入学习，查找问题，整改落实。\n每名党员至少参加一次学习辅导。"
    arrangements = "第一阶段：学习教育、听取意见。\n第二阶段：查摆问题、开展批评。\n第三阶段：整改落实、建章立制。"
    leadership = "书记任组长，委员分工负责。"
    measures = "每月检查一次进度。"


def plan_at(world: World, org: Any, **kwargs: Any) -> ActivityPlan:
    kwargs.setdefault("campaign", campaign_for(world))
    return ActivityPlanFactory(organization=org, **kwargs)


def submitted_plan(world: World, org: Any = None, *, by: Any = None, **kwargs: Any) -> ActivityPlan:
    """A plan at `org` (default: own) submitted by `by` (default: the secretary)."""
    plan = plan_at(world, org or world.own, **kwargs)
    review_transition(plan, action="submit", actor=by or world.secretary)
    return plan


def force_status(plan: ActivityPlan, status: str, submitted_by: Any = None) -> None:
    """Put a plan in a status without going through the workflow (test setup only)."""
    ActivityPlan.objects.filter(pk=plan.pk).update(review_status=status, submitted_by=submitted_by)
    plan.refresh_from_db()


__all__ = [
    "ActivityPlanFactory",
    "ReviewStatus",
    "campaign_for",
    "force_status",
    "plan_at",
    "submitted_plan",
]
