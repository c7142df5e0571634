"""Exports (docs/product.md §10, §6.4): the annual classes, leadership terms, upgrade
plans and demonstration proposals of the organizations a user can see
(/io/export/<kind>.<fmt>); `?org=<code>` keeps one organization's, as its page
(upgrading:org) lists them and links them."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from activities.resources import RecordResource, organization_from_query
from organizations.resources import Column, register_export

from .models import Demonstration, Grading, LeadershipTerm, UpgradePlan


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


class UpgradePlanResource(RecordResource):
    organization = Column(
        None, "组织名称", "organization", dehydrate_method="dehydrate_organization"
    )
    year = Column("year", "年度", "year", kind="int")
    reason = Column(None, "列入原因", "listed as", dehydrate_method="dehydrate_reason")
    causes = Column("causes", "原因分析", "causes")
    measures = Column("measures", "整改措施", "measures")
    contact_cadre = Column("contact_cadre", "联系领导干部", "responsible leading cadre")
    contact_post = Column("contact_post", "职务", "cadre's post")
    deadline = Column("deadline", "整改时限", "deadline", kind="date")
    status = Column(None, "审核状态", "review status", dehydrate_method="dehydrate_status")
    delisted_on = Column("delisted_on", "销号日期", "de-listed on", kind="date")

    sheet_title = ("晋位升级方案", "Upgrade plans")

    class Meta:
        model = UpgradePlan
        fields: tuple[str, ...] = (
            "organization",
            "year",
            "reason",
            "causes",
            "measures",
            "contact_cadre",
            "contact_post",
            "deadline",
            "status",
            "delisted_on",
        )
        export_order = fields

    def export_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("organization")

    def dehydrate_organization(self, plan: UpgradePlan) -> str:
        return plan.organization.full_name

    def dehydrate_reason(self, plan: UpgradePlan) -> str:
        return self.label(plan, "reason")

    def dehydrate_status(self, plan: UpgradePlan) -> str:
        return self.label(plan, "review_status")


class DemonstrationResource(RecordResource):
    organization = Column(
        None, "组织名称", "organization", dehydrate_method="dehydrate_organization"
    )
    year = Column("year", "年度", "year", kind="int")
    reasons = Column("reasons", "推荐理由", "reasons")
    status = Column(None, "审核状态", "review status", dehydrate_method="dehydrate_status")

    sheet_title = ("示范党组织", "Demonstration organizations")

    class Meta:
        model = Demonstration
        fields: tuple[str, ...] = ("organization", "year", "reasons", "status")
        export_order = fields

    def export_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("organization")

    def dehydrate_organization(self, demonstration: Demonstration) -> str:
        return demonstration.organization.full_name

    def dehydrate_status(self, demonstration: Demonstration) -> str:
        return self.label(demonstration, "review_status")


def _of_organization(queryset: QuerySet, request: HttpRequest) -> QuerySet:
    """`?org=<code>`: the organization's own records, as its page (upgrading:org) lists
    them; 404 for an organization the user cannot see."""
    org = organization_from_query(request)
    if org is not None:
        queryset = queryset.filter(organization=org)
    return queryset


def gradings_for_export(request: HttpRequest) -> QuerySet[Any]:
    return _of_organization(Grading.objects.order_by("organization__path", "-year"), request)


def terms_for_export(request: HttpRequest) -> QuerySet[Any]:
    return _of_organization(
        LeadershipTerm.objects.order_by("organization__path", "-elected_on"), request
    )


def plans_for_export(request: HttpRequest) -> QuerySet[Any]:
    return _of_organization(
        UpgradePlan.objects.order_by("organization__path", "-year", "-pk"), request
    )


def demonstrations_for_export(request: HttpRequest) -> QuerySet[Any]:
    return _of_organization(
        Demonstration.objects.order_by("organization__path", "-year", "-pk"), request
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
    register_export(
        "upgrade-plans",
        label=_("Upgrade plans"),
        resource=UpgradePlanResource,
        queryset=plans_for_export,
    )
    register_export(
        "demonstrations",
        label=_("Demonstration organizations"),
        resource=DemonstrationResource,
        queryset=demonstrations_for_export,
    )
