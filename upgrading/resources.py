"""Exports (docs/product.md §10, §6.4): the annual classes and the leadership terms of
the organizations a user can see, `?org=<code>` for one subtree (/io/export/<kind>/)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from activities.resources import RecordResource, organization_from_query
from organizations.resources import Column, register_export

from .models import Grading, LeadershipTerm


class GradingResource(RecordResource):
    organization = Column(
        None, "组织名称", "organization", dehydrate_method="dehydrate_organization"
    )
    year = Column("year", "年度", "year", kind="int")
    grade = Column(None, "类别", "class", dehydrate_method="dehydrate_grade")
    score = Column("score", "得分", "score", kind="int")
    max_score = Column("max_score", "满分", "out of", kind="int")
    note = Column("note", "备注", "remarks")

    sheet_title = ("分类定级", "Annual classes")

    class Meta:
        model = Grading
        fields: tuple[str, ...] = ("organization", "year", "grade", "score", "max_score", "note")
        export_order = fields

    def export_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("organization")

    def dehydrate_organization(self, grading: Grading) -> str:
        return grading.organization.full_name

    def dehydrate_grade(self, grading: Grading) -> str:
        return self.label(grading, "grade")


class TermResource(RecordResource):
    organization = Column(
        None, "组织名称", "organization", dehydrate_method="dehydrate_organization"
    )
    elected_on = Column("elected_on", "选举日期", "elected on", kind="date")
    term_years = Column("term_years", "任期（年）", "term (years)", kind="int")
    due_on = Column("due_on", "应换届日期", "re-election due on", kind="date")
    note = Column("note", "备注", "remarks")

    sheet_title = ("换届", "Leadership terms")

    class Meta:
        model = LeadershipTerm
        fields: tuple[str, ...] = ("organization", "elected_on", "term_years", "due_on", "note")
        export_order = fields

    def export_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("organization")

    def dehydrate_organization(self, term: LeadershipTerm) -> str:
        return term.organization.full_name


def _in_subtree(queryset: QuerySet, request: HttpRequest) -> QuerySet:
    org = organization_from_query(request)
    if org is not None:
        queryset = queryset.filter(organization__path__startswith=org.path)
    return queryset


def gradings_for_export(request: HttpRequest) -> QuerySet[Any]:
    return _in_subtree(Grading.objects.order_by("organization__path", "-year"), request)


def terms_for_export(request: HttpRequest) -> QuerySet[Any]:
    return _in_subtree(
        LeadershipTerm.objects.order_by("organization__path", "-elected_on"), request
    )


def register() -> None:
    register_export(
        "gradings",
        label=_("annual classifications"),
        resource=GradingResource,
        queryset=gradings_for_export,
    )
    register_export(
        "terms", label=_("leadership terms"), resource=TermResource, queryset=terms_for_export
    )
