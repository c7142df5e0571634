"""Builders for the guidance tests: visits written through the service, as the
instructor who made them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from guidance.models import GuidanceVisit
from guidance.services import visit_create


def visit(
    actor: Any,
    organization: Any,
    *,
    days_ago: int = 10,
    follow_up_in: int | None = None,
    **fields: Any,
) -> GuidanceVisit:
    """A visit `days_ago` days back; with `follow_up_in`, a follow-up due that many
    days after the visit (negative `days_ago - follow_up_in` = overdue)."""
    visited_on = timezone.localdate() - dt.timedelta(days=days_ago)
    values: dict[str, Any] = {
        "visited_on": visited_on,
        "checked": "查看了三会一课记录和党员学习台账。",
        "advice": "按月开展主题党日，补齐学习记录。",
        "follow_up_due": visited_on + dt.timedelta(days=follow_up_in)
        if follow_up_in is not None
        else None,
    }
    values.update(fields)
    return visit_create(actor=actor, organization=organization, fields=values)


def overdue_visit(actor: Any, organization: Any) -> GuidanceVisit:
    """Visited 30 days ago, follow-up due 10 days after the visit, not done."""
    return visit(actor, organization, days_ago=30, follow_up_in=10)
