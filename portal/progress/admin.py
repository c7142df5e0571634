"""The site administrator's view of the campaigns' requirement instances (docs/product.md
§8): a kind, its parameters (checked by the kind's form on save: a wrong value is
refused with the parameter named), phase, labels, organization kinds and order. Saving
or deleting one recomputes the campaign's checklists (portal/progress/instances.py)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import ForeignKey
from django.http import HttpRequest

from .models import RequirementInstance


@admin.register(RequirementInstance)
class RequirementInstanceAdmin(admin.ModelAdmin):
    list_display = ("campaign", "phase", "order", "code", "kind", "label_zh", "label_en")
    list_filter = ("campaign", "kind", "phase")
    list_select_related = ("campaign",)
    search_fields = ("code", "label_zh", "label_en")
    ordering = ("campaign", "phase", "order", "code")

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> Any:
        if db_field.name == "campaign":
            from activities.models import Campaign

            # Draft and checked campaigns too (Campaign.objects holds open ones only).
            kwargs["queryset"] = Campaign.all_objects.all()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
