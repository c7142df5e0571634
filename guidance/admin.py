from __future__ import annotations

from typing import Any

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import EnterpriseAssignment, GuidanceVisit


@admin.register(GuidanceVisit)
class GuidanceVisitAdmin(SimpleHistoryAdmin):
    list_display = [
        "visited_on",
        "organization",
        "instructor",
        "follow_up_due",
        "follow_up_done_on",
    ]
    list_filter = ["visited_on", "follow_up_done_on"]
    search_fields = ["organization__short_name", "organization__code", "checked", "advice"]
    raw_id_fields = ["organization"]
    date_hierarchy = "visited_on"


@admin.register(EnterpriseAssignment)
class EnterpriseAssignmentAdmin(SimpleHistoryAdmin):
    """Read-only here: assignments are made on the enterprise's instructors page, which
    checks who may assign whom (guidance.services_enterprises)."""

    list_display = ["enterprise", "instructor", "assigned_by", "assigned_at"]
    search_fields = ["enterprise__name", "instructor__username", "instructor__full_name"]
    raw_id_fields = ["enterprise", "instructor"]

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False
