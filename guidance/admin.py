from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import GuidanceVisit


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
