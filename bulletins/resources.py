"""Downloads of the reports sent upward and of a level's bulletins (.xlsx, .csv;
docs/product.md §6.6 and §10)
through the shared export (organizations.resources: scope, formula neutralizing, file
writers), registered from BulletinsConfig.ready(). Export only.

The bulletins' `?org=<code>` is the compiling level whose list the link is on.

`?org=<code>` is the level whose feed the link is on: the reports of its subtree, with
the feed's own filters (campaign, phase, organization, tag, and "selected only" for a
user who compiles bulletins there). Invalid filter values are ignored, as on the page."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activities.resources import RecordResource, organization_from_query
from organizations.resources import Column, register_export
from portal.accounts.permissions import Action, user_can

from .models import Bulletin, UpwardReport


class UpwardReportResource(RecordResource):
    """One row per report as the feed shows it: who sent it, when, in which campaign
    and phase, its title, text and tags. No sender's login."""

    organization = Column(
        None, "组织名称", "organization", dehydrate_method="dehydrate_organization"
    )
    submitted = Column(None, "报送时间", "sent at", dehydrate_method="dehydrate_submitted")
    campaign = Column(None, "活动", "campaign", dehydrate_method="dehydrate_campaign")
    phase = Column(None, "阶段", "phase", dehydrate_method="dehydrate_phase")
    title = Column("title", "标题", "title")
    body = Column("body", "正文", "text")
    tags = Column(None, "标签", "tags", dehydrate_method="dehydrate_tags")

    sheet_title = ("信息报送", "Reports sent upward")

    class Meta:
        model = UpwardReport
        fields: tuple[str, ...] = (
            "organization",
            "submitted",
            "campaign",
            "phase",
            "title",
            "body",
            "tags",
        )

    def export_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("organization", "campaign", "phase").order_by(
            "-submitted_at", "-pk"
        )

    def dehydrate_organization(self, report: UpwardReport) -> str:
        return report.organization.full_name

    def dehydrate_submitted(self, report: UpwardReport) -> str:
        return f"{timezone.localtime(report.submitted_at):%Y-%m-%d %H:%M}"

    def dehydrate_campaign(self, report: UpwardReport) -> str:
        return self.bilingual(report.campaign)

    def dehydrate_phase(self, report: UpwardReport) -> str:
        return self.bilingual(report.phase)

    def dehydrate_tags(self, report: UpwardReport) -> str:
        return "、".join(report.tag_list)


class BulletinResource(RecordResource):
    """One row per bulletin as a level's list shows it: 第 N 期, title, issuing office,
    date and how many reports it used."""

    organization = Column(
        None, "编印组织", "compiled by", dehydrate_method="dehydrate_organization"
    )
    campaign = Column(None, "活动", "campaign", dehydrate_method="dehydrate_campaign")
    number = Column("number", "期数", "number", kind="int")
    title = Column("title", "标题", "title")
    issuer = Column("issuer", "印发单位", "issuing office")
    issued_on = Column("issued_on", "印发日期", "date of issue", kind="date")
    items = Column(None, "采用信息条数", "reports used", dehydrate_method="dehydrate_items")

    sheet_title = ("简报", "Bulletins")

    class Meta:
        model = Bulletin
        fields: tuple[str, ...] = (
            "organization",
            "campaign",
            "number",
            "title",
            "issuer",
            "issued_on",
            "items",
        )

    def export_queryset(self, queryset: QuerySet) -> QuerySet:
        return (
            queryset.select_related("organization", "campaign")
            .annotate(item_count=Count("items"))
            .order_by("organization__path", "-issued_on", "-number", "-pk")
        )

    def dehydrate_organization(self, bulletin: Bulletin) -> str:
        return bulletin.organization.full_name

    def dehydrate_campaign(self, bulletin: Bulletin) -> str:
        return self.bilingual(bulletin.campaign)

    def dehydrate_items(self, bulletin: Bulletin) -> int:
        return int(getattr(bulletin, "item_count", 0))


def bulletins_for_export(request: HttpRequest) -> QuerySet:
    """A level's bulletins (org: the compiling organization, as its list shows them);
    without org every bulletin compiled in the user's scope."""
    level = organization_from_query(request)
    bulletins = Bulletin.objects.all()
    if level is not None:
        bulletins = bulletins.filter(organization=level)
    return bulletins


def _number(request: HttpRequest, name: str) -> int | None:
    value = (request.GET.get(name) or "").strip()
    return int(value) if value.isdigit() else None


def reports_for_export(request: HttpRequest) -> QuerySet:
    """The feed's rows: org (code: the level, its subtree), campaign, phase,
    organization (a sender's pk), tag, selected. Without org: every report in the
    user's scope, with the same filters except "selected"."""
    level = organization_from_query(request)
    reports: Any = UpwardReport.objects.all()
    if level is not None:
        reports = reports.in_subtree(level)
    for name, field in (("campaign", "campaign_id"), ("phase", "phase_id")):
        pk = _number(request, name)
        if pk is not None:
            reports = reports.filter(**{field: pk})
    sender = _number(request, "organization")
    if sender is not None:
        reports = reports.filter(organization_id=sender)
    tag = (request.GET.get("tag") or "").strip()
    if tag:
        reports = reports.with_tag(tag)
    selected = request.GET.get("selected") in ("on", "true", "1")
    if level is not None and selected and user_can(request.user, Action.COMPILE_BULLETINS, level):
        reports = reports.filter(selections__organization=level)
    return reports


def register() -> None:
    register_export(
        "upward-reports",
        label=_("Reports sent upward"),
        resource=UpwardReportResource,
        queryset=reports_for_export,
    )
    register_export(
        "bulletins",
        label=_("Bulletins"),
        resource=BulletinResource,
        queryset=bulletins_for_export,
    )
