from __future__ import annotations

from django.contrib import admin

from .models import ReportRequest


@admin.register(ReportRequest)
class ReportRequestAdmin(admin.ModelAdmin):
    list_display = ("pk", "kind", "organization", "requested_by", "status", "created_at")
    list_filter = ("status", "kind")
    list_select_related = ("organization", "requested_by")
    readonly_fields = [f.name for f in ReportRequest._meta.fields]
    search_fields = ("kind", "requested_by__username")
