from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Bulletin, Selection, UpwardReport


@admin.register(UpwardReport)
class UpwardReportAdmin(SimpleHistoryAdmin):
    list_display = ["title", "organization", "campaign", "phase", "submitted_at"]
    list_select_related = ["organization", "campaign", "phase"]
    search_fields = ["title", "organization__short_name"]
    raw_id_fields = ["organization", "campaign", "phase"]


@admin.register(Bulletin)
class BulletinAdmin(SimpleHistoryAdmin):
    list_display = ["title", "number", "organization", "campaign", "issued_on"]
    list_select_related = ["organization", "campaign"]
    raw_id_fields = ["organization", "campaign"]


@admin.register(Selection)
class SelectionAdmin(SimpleHistoryAdmin):
    list_display = ["report", "organization", "bulletin", "selected_at"]
    list_select_related = ["report", "organization", "bulletin"]
    raw_id_fields = ["report", "organization", "bulletin", "selected_by"]
