"""The six working mechanisms the 2014 plan names (docs/product.md §6.3), as data.

`ensure_mechanism_kinds()` creates the kinds that are missing (by code) and never
overwrites what an administrator changed since. The migration that creates the table
runs it with the historical model, so every deployment has the six without seed_demo;
tests and seed_demo may call it again safely.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

# (code, order, name_zh, name_en)
MECHANISM_KINDS_2014: list[tuple[str, int, str, str]] = [
    ("org_life", 10, "组织生活制度", "organizational-life rules"),
    (
        "two_way",
        20,
        "党组织与管理层双向进入、交叉任职和协调沟通机制",
        "two-way appointment and coordination between the Party organization and management",
    ),
    ("joint_activities", 30, "党群活动联办机制", "joint Party and mass activities"),
    ("volunteer_service", 40, "党员志愿服务制度", "member volunteer service"),
    ("volunteer_day", 50, "党员志愿服务日制度", "member volunteer day"),
    (
        "member_management",
        60,
        "党员发展、教育、管理和流动党员服务制度",
        "development, education, management and mobile-member service of members",
    ),
]

SEEDED_KIND_CODES = tuple(code for code, *_ in MECHANISM_KINDS_2014)


@transaction.atomic
def ensure_mechanism_kinds(model: Any = None) -> int:
    """Create the seeded kinds that do not exist yet; returns how many were created.
    `model` is the MechanismKind class to use (a migration passes its historical
    model). Queries: one read, one bulk insert when something is missing."""
    if model is None:
        from .models import MechanismKind as model
    existing = set(model.objects.filter(code__in=SEEDED_KIND_CODES).values_list("code", flat=True))
    missing = [
        model(code=code, order=order, name_zh=name_zh, name_en=name_en)
        for code, order, name_zh, name_en in MECHANISM_KINDS_2014
        if code not in existing
    ]
    if missing:
        model.objects.bulk_create(missing)
    return len(missing)
