"""Which home page each user lands on, and what it shows.

Order of precedence when a user holds several roles: site administrator, reviewer,
campaign office, instructor, secretary, clerk, then a party member's own page.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from portal.accounts.models import Role
from portal.accounts.permissions import roles_for

ROLE_PRECEDENCE = [Role.REVIEWER, Role.OFFICE, Role.INSTRUCTOR, Role.SECRETARY, Role.CLERK]


def primary_role(user: Any) -> str | None:
    if user.is_superuser:
        return "admin"
    held = {ra.role for ra in roles_for(user)}
    for role in ROLE_PRECEDENCE:
        if role in held:
            return role
    if getattr(user, "member", None) is not None:
        return "member"
    return None


def home_context(request: HttpRequest) -> tuple[str, dict[str, Any]]:
    user = request.user
    role = primary_role(user)
    assignments = [ra for ra in roles_for(user) if ra.role == role]
    organizations = [ra.organization for ra in assignments]
    context: dict[str, Any] = {"role": role, "organizations": organizations}
    template = f"core/home_{role or 'none'}.html"
    return template, context
