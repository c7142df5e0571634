from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Delisting, Demonstration, Grading, LeadershipTerm, UpgradeNote, UpgradePlan


@admin.register(Grading)
class GradingAdmin(SimpleHistoryAdmin):
    list_display = ("organization", "year", "grade", "score")
    list_filter = ("year", "grade")
    raw_id_fields = ("organization",)


@admin.register(UpgradePlan)
class UpgradePlanAdmin(SimpleHistoryAdmin):
    list_display = ("organization", "year", "reason", "review_status", "deadline", "delisted_on")
    list_filter = ("year", "review_status")
    raw_id_fields = ("organization",)


@admin.register(UpgradeNote)
class UpgradeNoteAdmin(SimpleHistoryAdmin):
    list_display = ("plan", "noted_on")
    raw_id_fields = ("plan", "new_secretary")


@admin.register(Delisting)
class DelistingAdmin(SimpleHistoryAdmin):
    list_display = ("organization", "review_status")
    raw_id_fields = ("organization", "plan")


@admin.register(Demonstration)
class DemonstrationAdmin(SimpleHistoryAdmin):
    list_display = ("organization", "year", "review_status")
    raw_id_fields = ("organization",)


@admin.register(LeadershipTerm)
class LeadershipTermAdmin(SimpleHistoryAdmin):
    list_display = ("organization", "elected_on", "term_years", "due_on")
    raw_id_fields = ("organization",)
