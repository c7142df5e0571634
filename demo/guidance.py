"""Demo data of the guidance app (`manage.py seed_demo`): the community's instructor
(login instructor2) assigned to two of the four enterprises without a Party
organization attached to 东门社区党委; the other two have none yet (docs/product.md §4).
Idempotent: a second run finds the assignments made by the first."""

from __future__ import annotations

from typing import Any

from demo.organizations import ATTACHED
from guidance.models import EnterpriseAssignment
from guidance.services_enterprises import enterprise_instructor_assign
from organizations.models import Enterprise

ASSIGNED = [name for name, *_rest in ATTACHED[:2]]


def build_enterprise_instructors(users: dict[str, Any]) -> int:
    """Assign the instructor; returns how many assignments were added."""
    instructor, admin = users.get("instructor2"), users.get("admin")
    if instructor is None or admin is None:
        return 0
    added = 0
    for enterprise in Enterprise.objects.filter(name__in=ASSIGNED).select_related("attached_to"):
        if EnterpriseAssignment.objects.filter(
            enterprise=enterprise, instructor=instructor
        ).exists():
            continue
        enterprise_instructor_assign(actor=admin, enterprise=enterprise, instructor=instructor)
        added += 1
    return added
