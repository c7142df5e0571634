"""Site administration for the organization tree, enterprises and members.

The portal's own pages are the everyday interface; the admin is the site
administrator's escape hatch (fixing a mistyped code, moving a node, which the portal
pages do not offer). Saves here are attributed in django-simple-history by its request
middleware.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from .models import Enterprise, Member, MemberTransfer, Organization
from .validators import normalize_code


@admin.register(Organization)
class OrganizationAdmin(TreeAdmin):
    form = movenodeform_factory(Organization, exclude=["path", "depth", "numchild", "enterprises"])
    list_display = ["short_name", "code", "kind", "is_weak", "is_active"]
    list_filter = ["kind", "is_weak", "is_active"]
    search_fields = ["full_name", "short_name", "code"]


@admin.register(Enterprise)
class EnterpriseAdmin(SimpleHistoryAdmin):
    list_display = ["name", "credit_code", "enterprise_type", "industry", "attached_to"]
    list_filter = ["enterprise_type"]
    search_fields = ["name", "credit_code"]
    raw_id_fields = ["attached_to"]


@admin.register(Member)
class MemberAdmin(SimpleHistoryAdmin):
    list_display = ["name", "organization", "status", "is_active"]
    list_filter = ["status", "is_active", "is_pocket", "lost_contact"]
    # The ID number is encrypted: it is found by exact match (its keyed hash), below.
    search_fields = ["name"]
    raw_id_fields = ["organization", "enterprise", "user"]
    list_select_related = ["organization"]

    def get_search_results(self, request: HttpRequest, queryset: Any, search_term: str) -> Any:
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        code = normalize_code(search_term)
        if len(code) == 18:
            found = found | queryset.filter(id_number=code)
        return found, may_have_duplicates


@admin.register(MemberTransfer)
class MemberTransferAdmin(admin.ModelAdmin):
    list_display = ["member", "from_organization", "to_organization", "moved_on"]
    raw_id_fields = ["member", "from_organization", "to_organization", "recorded_by"]
    list_select_related = ["member", "from_organization", "to_organization"]
    date_hierarchy = "moved_on"
