"""Downloads of the meeting and opinion lists (.xlsx, .csv) through the shared export
(organizations.resources: scope, formula neutralizing, file writers), registered from
ActivitiesConfig.ready(). Export only: meetings and opinions are not imported.

Headings are literal Chinese (as on the paper ledgers) or English; coded values are
rendered with the model's own labels in the file's language."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from organizations.models import Organization
from organizations.resources import Column, PortalResource, register_export
from organizations.resources.columns import NO, YES
from portal.accounts.permissions import visible_organizations

from .forms_meetings import MeetingFilterForm
from .forms_opinions import OpinionFilterForm
from .models import Campaign, Meeting, Opinion, Phase, ProblemCategory
from .models.campaigns import campaigns_newest_first, pick_campaign


def organization_from_query(request: HttpRequest) -> Organization | None:
    """`?org=<code>`: an organization the user can see, else 404 (no hint that it
    exists); None without the parameter."""
    code = (request.GET.get("org") or "").strip()
    if not code:
        return None
    org = visible_organizations(request.user).filter(code=code).first()
    if org is None:
        raise Http404
    return org


class RecordResource(PortalResource):
    """Export-only resource: model labels rendered in the file's language."""

    def label(self, obj: Any, field: str) -> str:
        with translation.override("en" if self.english else "zh-hans"):
            return str(getattr(obj, f"get_{field}_display")())

    def yes_no(self, value: bool | None) -> str:
        if value is None:
            return ""
        pair = YES if value else NO
        return pair[1] if self.english else pair[0]


class MeetingResource(RecordResource):
    organization = Column(
        None, "组织名称", "organization", dehydrate_method="dehydrate_organization"
    )
    kind = Column(None, "会议类型", "kind", dehydrate_method="dehydrate_kind")
    date = Column(None, "日期", "date", kind="date", dehydrate_method="dehydrate_date")
    place = Column("place", "地点", "place")
    topic = Column("topic", "主题", "topic")
    chair = Column(None, "主持人", "chair", dehydrate_method="dehydrate_chair")
    present = Column("present_count", "实到人数", "present", kind="int")
    expected = Column("expected_count", "应到人数", "expected", kind="int")
    quorum = Column(None, "达到法定人数", "quorum met", dehydrate_method="dehydrate_quorum")

    sheet_title = ("会议", "Meetings")

    class Meta:
        model = Meeting
        fields: tuple[str, ...] = (
            "organization",
            "kind",
            "date",
            "place",
            "topic",
            "chair",
            "present",
            "expected",
            "quorum",
        )

    def export_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("organization", "chair").order_by("-starts_at", "-pk")

    def dehydrate_organization(self, meeting: Meeting) -> str:
        return meeting.organization.full_name

    def dehydrate_kind(self, meeting: Meeting) -> str:
        return self.label(meeting, "kind")

    def dehydrate_date(self, meeting: Meeting) -> Any:
        return timezone.localtime(meeting.starts_at).date()

    def dehydrate_chair(self, meeting: Meeting) -> str:
        return meeting.chair.name if meeting.chair_id else meeting.chair_name

    def dehydrate_quorum(self, meeting: Meeting) -> str:
        return self.yes_no(meeting.quorum_met if meeting.quorum_applies else None)


class OpinionResource(RecordResource):
    """No submitter name or contact: the list's columns only."""

    organization = Column(
        None, "组织名称", "organization", dehydrate_method="dehydrate_organization"
    )
    received_on = Column("received_on", "收到日期", "received on", kind="date")
    source = Column(None, "意见来源", "source", dehydrate_method="dehydrate_source")
    channel = Column(None, "征求方式", "channel", dehydrate_method="dehydrate_channel")
    content = Column("content", "意见内容", "opinion")
    status = Column(None, "状态", "status", dehydrate_method="dehydrate_status")
    answer = Column("answer_text", "答复", "answer")
    adopted_item = Column("adopted_item_label", "列入问题清单", "adopted as item")

    sheet_title = ("意见建议", "Opinions")

    class Meta:
        model = Opinion
        fields: tuple[str, ...] = (
            "organization",
            "received_on",
            "source",
            "channel",
            "content",
            "status",
            "answer",
            "adopted_item",
        )

    def export_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("organization").order_by(
            "organization__path", "-received_on", "-pk"
        )

    def dehydrate_organization(self, opinion: Opinion) -> str:
        return opinion.organization.full_name

    def dehydrate_source(self, opinion: Opinion) -> str:
        return self.label(opinion, "source")

    def dehydrate_channel(self, opinion: Opinion) -> str:
        return self.label(opinion, "channel")

    def dehydrate_status(self, opinion: Opinion) -> str:
        return self.label(opinion, "status")


def meetings_for_export(request: HttpRequest) -> QuerySet:
    """The meeting list's filters: org (code: meetings it held or attended), kind,
    phase, date_from, date_to. Without org: every meeting in the user's scope."""
    org = organization_from_query(request)
    meetings = Meeting.objects.all() if org is None else Meeting.objects.held_or_attended_by(org)
    phases = Phase.objects.none()
    if org is not None:
        phases = Phase.objects.filter(campaign__in=Campaign.objects.for_organization(org))
    form = MeetingFilterForm(request.GET or None, phases=list(phases.select_related("campaign")))
    return form.apply(meetings)


def opinions_for_export(request: HttpRequest) -> QuerySet:
    """The opinion list's filters: org (code) with its campaign (the list's default:
    the newest), status, source, channel, category, unanswered. Without org: every
    opinion in the user's scope, filtered by status, source, channel, unanswered."""
    org = organization_from_query(request)
    campaigns: list[Campaign] = []
    campaign = None
    if org is not None:
        campaigns = campaigns_newest_first(org)
        campaign = pick_campaign(campaigns, request.GET.get("campaign"))
        if campaign is None:
            return Opinion.objects.none()
    categories = list(ProblemCategory.objects.filter(campaign=campaign)) if campaign else []
    form = OpinionFilterForm(request.GET or None, campaigns=campaigns, categories=categories)
    opinions = Opinion.objects.all()
    if org is not None:
        opinions = opinions.for_campaign(org, campaign)
    return form.apply(opinions)


def register() -> None:
    register_export(
        "meetings", label=_("Meetings"), resource=MeetingResource, queryset=meetings_for_export
    )
    register_export(
        "opinions", label=_("Opinions"), resource=OpinionResource, queryset=opinions_for_export
    )
