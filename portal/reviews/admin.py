from __future__ import annotations

from django.contrib import admin

from .models import ReviewEvent, ReviewTask


@admin.register(ReviewEvent)
class ReviewEventAdmin(admin.ModelAdmin):
    """Read-only: events are written by review_transition() only, and never deleted
    (the database refuses it too: accounts migration 0006)."""

    list_display = ["at", "content_type", "object_id", "organization", "action", "actor"]
    list_filter = ["action", "content_type"]
    raw_id_fields = ["organization", "actor"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(ReviewTask)
class ReviewTaskAdmin(admin.ModelAdmin):
    """Read-only: the inbox rows follow the records' status."""

    list_display = ["title", "content_type", "organization", "status", "submitted_at"]
    list_filter = ["status", "content_type"]
    raw_id_fields = ["organization", "submitted_by", "decided_by"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
