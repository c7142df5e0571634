"""Download of the guidance visit log (.xlsx, .csv) through the shared export
(organizations.resources: scope, formula neutralizing, file writers), registered from
GuidanceConfig.ready() (docs/product.md §10). Export only.

The links: the visit list (/guidance/visits/, its `mine` and `overdue` filters) and an
organization's visits (`?org=<code>`: the visits to it and to the organizations below
it)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from activities.resources import RecordResource, organization_from_query
from organizations.resources import Column, register_export

from .models import GuidanceVisit
from .selectors import filter_visits


class VisitResource(RecordResource):
    visited_on = Column("visited_on", "走访日期", "visited on", kind="date")
    organization = Column(
        None, "组织名称", "organization", dehydrate_method="dehydrate_organization"
    )
    instructor = Column(None, "指导员", "instructor", dehydrate_method="dehydrate_instructor")
    checked = Column("checked", "检查内容", "what was checked")
    advice = Column("advice", "指导意见", "advice given")
    follow_up_due = Column("follow_up_due", "回访期限", "follow-up due", kind="date")
    follow_up_done_on = Column("follow_up_done_on", "回访日期", "follow-up done on", kind="date")

    sheet_title = ("指导走访", "Guidance visits")

    class Meta:
        model = GuidanceVisit
        fields: tuple[str, ...] = (
            "visited_on",
            "organization",
            "instructor",
            "checked",
            "advice",
            "follow_up_due",
            "follow_up_done_on",
        )

    def export_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("organization", "instructor").order_by("-visited_on", "-pk")

    def dehydrate_organization(self, visit: GuidanceVisit) -> str:
        return visit.organization.full_name

    def dehydrate_instructor(self, visit: GuidanceVisit) -> str:
        return visit.instructor.display_name if visit.instructor_id else ""


def visits_for_export(request: HttpRequest) -> QuerySet:
    """`?org=<code>`: the organization's visits (and those below it); else the visit
    list with its filters (mine, overdue)."""
    org = organization_from_query(request)
    visits = GuidanceVisit.objects.all()
    if org is not None:
        return visits.in_subtree(org)
    visits, _mine, _overdue = filter_visits(visits, request.user, request.GET)
    return visits


def register() -> None:
    register_export(
        "visits", label=_("Guidance visits"), resource=VisitResource, queryset=visits_for_export
    )
