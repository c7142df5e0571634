"""Downloads of the phase 1 and 2 lists (.xlsx, .csv) through the shared export
(organizations.resources: scope, formula neutralizing, file writers), registered from
ActivitiesConfig.ready(): meetings, opinions, study counseling, one-to-one talks,
self-examination statements, democratic appraisal results and the answers to announced
meetings (docs/product.md §10).
Export only: none of them is imported.

Each list's `?org=<code>` is the organization of the page the link is on, with the
page's own filters (`campaign` and the rest), read by the page's own filter code; without
it a list holds every record in the user's scope.

Headings are literal Chinese (as on the paper ledgers) or English; coded values are
rendered with the model's own labels in the file's language."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet, Value
from django.http import Http404, HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from organizations.models import Member, Organization
from organizations.resources import Column, PortalResource, register_export
from organizations.resources.columns import NO, YES
from portal.accounts.permissions import visible_organizations

from .meetings.forms import MeetingFilterForm
from .models import (
    AppraisalResult,
    Campaign,
    Invitation,
    Meeting,
    OneToOneTalk,
    Opinion,
    Phase,
    ProblemCategory,
    SelfExamination,
)
from .models.campaigns import campaigns_newest_first, pick_campaign
from .opinions.forms import OpinionFilterForm
from .phase2.forms import TalkFilterForm
from .study.forms import counseling_filters
from .study.selectors import members_with_study, with_study


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


def organization_and_campaign(request: HttpRequest) -> tuple[Organization | None, Any]:
    """`?org=<code>&campaign=<id>` as the organization's pages read them: the
    organization (404 when the user cannot see it), and among its campaigns the one
    asked for or the running one (activities.models.campaigns.pick_campaign). (None,
    None) without `org`."""
    org = organization_from_query(request)
    if org is None:
        return None, None
    return org, pick_campaign(campaigns_newest_first(org), request.GET.get("campaign"))


class RecordResource(PortalResource):
    """Export-only resource: model labels rendered in the file's language."""

    def bilingual(self, obj: Any) -> str:
        """A data-driven name (BilingualName) in the file's language."""
        if obj is None:
            return ""
        if self.english and obj.name_en:
            return str(obj.name_en)
        return str(obj.name_zh)

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
        return meeting.chair.name if meeting.chair is not None else meeting.chair_name

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


class CounselingResource(RecordResource):
    """Study counseling coverage, one row per member as on the counseling list: the
    sessions and hours in the campaign and whether the minimum is met."""

    organization = Column(
        None, "组织名称", "organization", dehydrate_method="dehydrate_organization"
    )
    member = Column("name", "党员姓名", "member")
    sessions = Column(None, "辅导次数", "sessions", dehydrate_method="dehydrate_sessions")
    hours = Column(None, "学时", "hours", dehydrate_method="dehydrate_hours")
    covered = Column(None, "是否达到要求", "covered", dehydrate_method="dehydrate_covered")

    sheet_title = ("学习辅导", "Study counseling")

    class Meta:
        model = Member
        fields: tuple[str, ...] = ("organization", "member", "sessions", "hours", "covered")

    def export_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("organization").order_by("organization__path", "name", "pk")

    def dehydrate_organization(self, member: Member) -> str:
        return member.organization.full_name

    def dehydrate_sessions(self, member: Member) -> int:
        return int(getattr(member, "sessions", 0))

    def dehydrate_hours(self, member: Member) -> Any:
        return getattr(member, "hours", None)

    def dehydrate_covered(self, member: Member) -> str:
        minimum = getattr(member, "minimum", None)
        if minimum is None:
            return ""
        return self.yes_no(int(getattr(member, "sessions", 0)) >= int(minimum))


class TalkResource(RecordResource):
    organization = Column(
        None, "组织名称", "organization", dehydrate_method="dehydrate_organization"
    )
    talked_on = Column("talked_on", "谈话日期", "date", kind="date")
    initiator = Column(None, "谈话人", "who talked", dehydrate_method="dehydrate_initiator")
    partner = Column(None, "谈话对象", "with whom", dehydrate_method="dehydrate_partner")
    form = Column(None, "谈话形式", "form", dehydrate_method="dehydrate_form")
    place = Column("place", "地点", "place")
    summary = Column("summary", "谈话要点", "summary")

    sheet_title = ("谈心谈话", "One-to-one talks")

    class Meta:
        model = OneToOneTalk
        fields: tuple[str, ...] = (
            "organization",
            "talked_on",
            "initiator",
            "partner",
            "form",
            "place",
            "summary",
        )

    def export_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("organization", "initiator_member", "partner_member")

    def dehydrate_organization(self, talk: OneToOneTalk) -> str:
        return talk.organization.full_name

    def dehydrate_initiator(self, talk: OneToOneTalk) -> str:
        return talk.initiator_display

    def dehydrate_partner(self, talk: OneToOneTalk) -> str:
        return talk.partner_display

    def dehydrate_form(self, talk: OneToOneTalk) -> str:
        return self.label(talk, "form") if talk.form else ""


class StatementResource(RecordResource):
    """The statements' review status only, as on the statement list: their text stays
    on the statement's page (and in the Word ledger)."""

    organization = Column(
        None, "组织名称", "organization", dehydrate_method="dehydrate_organization"
    )
    campaign = Column(None, "活动", "campaign", dehydrate_method="dehydrate_campaign")
    subject = Column(None, "对照检查对象", "whose statement", dehydrate_method="dehydrate_subject")
    status = Column(None, "审核状态", "review status", dehydrate_method="dehydrate_status")
    submitted = Column(None, "提交日期", "submitted on", dehydrate_method="dehydrate_submitted")
    decided = Column(None, "审核日期", "decided on", dehydrate_method="dehydrate_decided")

    sheet_title = ("对照检查材料", "Self-examination statements")

    class Meta:
        model = SelfExamination
        fields: tuple[str, ...] = (
            "organization",
            "campaign",
            "subject",
            "status",
            "submitted",
            "decided",
        )

    def export_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("organization", "campaign").order_by(
            "organization__path", "-campaign__starts_on", "subject", "pk"
        )

    def dehydrate_organization(self, statement: SelfExamination) -> str:
        return statement.organization.full_name

    def dehydrate_campaign(self, statement: SelfExamination) -> str:
        return self.bilingual(statement.campaign)

    def dehydrate_subject(self, statement: SelfExamination) -> str:
        return self.label(statement, "subject")

    def dehydrate_status(self, statement: SelfExamination) -> str:
        return self.label(statement, "review_status")

    def dehydrate_submitted(self, statement: SelfExamination) -> Any:
        return timezone.localtime(statement.submitted_at).date() if statement.submitted_at else ""

    def dehydrate_decided(self, statement: SelfExamination) -> Any:
        return timezone.localtime(statement.decided_at).date() if statement.decided_at else ""


class AppraisalResultResource(RecordResource):
    """Each member's result in the democratic appraisal, as on the appraisal's page."""

    organization = Column(
        None, "组织名称", "organization", dehydrate_method="dehydrate_organization"
    )
    campaign = Column(None, "活动", "campaign", dehydrate_method="dehydrate_campaign")
    member = Column(None, "党员姓名", "member", dehydrate_method="dehydrate_member")
    determination = Column(
        None, "评议结果", "determination", dehydrate_method="dehydrate_determination"
    )
    absent = Column(None, "未参加评议", "not appraised", dehydrate_method="dehydrate_absent")
    feedback = Column(None, "书面反馈", "written feedback", dehydrate_method="dehydrate_feedback")
    handling = Column("handling", "处理情况", "handling")
    session_status = Column(
        None, "评议状态", "appraisal status", dehydrate_method="dehydrate_session_status"
    )

    scope_path_field = "session__organization__path"
    sheet_title = ("民主评议党员", "Appraisal results")

    class Meta:
        model = AppraisalResult
        fields: tuple[str, ...] = (
            "organization",
            "campaign",
            "member",
            "determination",
            "absent",
            "feedback",
            "handling",
            "session_status",
        )

    def export_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related(
            "session__organization", "session__campaign", "member", "determination"
        ).order_by(
            "session__organization__path", "-session__campaign__starts_on", "member__name", "pk"
        )

    def dehydrate_organization(self, result: AppraisalResult) -> str:
        return result.session.organization.full_name

    def dehydrate_campaign(self, result: AppraisalResult) -> str:
        return self.bilingual(result.session.campaign)

    def dehydrate_member(self, result: AppraisalResult) -> str:
        return result.member.name

    def dehydrate_determination(self, result: AppraisalResult) -> str:
        return self.bilingual(result.determination)

    def dehydrate_absent(self, result: AppraisalResult) -> str:
        return self.yes_no(result.absent)

    def dehydrate_feedback(self, result: AppraisalResult) -> str:
        return self.yes_no(result.feedback_given)

    def dehydrate_session_status(self, result: AppraisalResult) -> str:
        return self.label(result.session, "status")


class MeetingAnswerResource(RecordResource):
    """The answers to announced meetings, one row per expected member (the
    announcement's page): whether they will attend and why not. No ID number or
    phone."""

    organization = Column(
        None, "组织名称", "organization", dehydrate_method="dehydrate_organization"
    )
    starts = Column(None, "会议时间", "starts at", dehydrate_method="dehydrate_starts")
    kind = Column(None, "会议类型", "kind", dehydrate_method="dehydrate_kind")
    topic = Column(None, "会议主题", "topic", dehydrate_method="dehydrate_topic")
    place = Column(None, "地点", "place", dehydrate_method="dehydrate_place")
    member = Column(None, "党员姓名", "member", dehydrate_method="dehydrate_member")
    reply = Column(None, "回复", "answer", dehydrate_method="dehydrate_reply")
    reason = Column("reason", "不能参加原因", "reason for not attending")
    replied = Column(None, "回复时间", "answered at", dehydrate_method="dehydrate_replied")
    recorded = Column(None, "会议已登记", "meeting recorded", dehydrate_method="dehydrate_recorded")

    scope_path_field = "announcement__organization__path"
    sheet_title = ("会议通知回复", "Meeting answers")

    class Meta:
        model = Invitation
        fields: tuple[str, ...] = (
            "organization",
            "starts",
            "kind",
            "topic",
            "place",
            "member",
            "reply",
            "reason",
            "replied",
            "recorded",
        )

    def export_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("announcement__organization", "member").order_by(
            "announcement__organization__path",
            "-announcement__starts_at",
            "announcement__pk",
            "member__name",
            "pk",
        )

    def dehydrate_organization(self, invitation: Invitation) -> str:
        return invitation.announcement.organization.full_name

    def dehydrate_starts(self, invitation: Invitation) -> str:
        return f"{timezone.localtime(invitation.announcement.starts_at):%Y-%m-%d %H:%M}"

    def dehydrate_kind(self, invitation: Invitation) -> str:
        return self.label(invitation.announcement, "kind")

    def dehydrate_topic(self, invitation: Invitation) -> str:
        return invitation.announcement.topic

    def dehydrate_place(self, invitation: Invitation) -> str:
        return invitation.announcement.place

    def dehydrate_member(self, invitation: Invitation) -> str:
        return invitation.member.name

    def dehydrate_reply(self, invitation: Invitation) -> str:
        return self.label(invitation, "reply")

    def dehydrate_replied(self, invitation: Invitation) -> str:
        if invitation.replied_at is None:
            return ""
        return f"{timezone.localtime(invitation.replied_at):%Y-%m-%d %H:%M}"

    def dehydrate_recorded(self, invitation: Invitation) -> str:
        return self.yes_no(invitation.announcement.meeting_id is not None)


def meeting_answers_for_export(request: HttpRequest) -> QuerySet:
    """The announced meetings' answers: org (code: the announcements it made, as its
    list shows them), announcement (one announcement of that organization, as its page
    shows its answers; ignored when not a number). Without org: every answer in the
    user's scope."""
    org = organization_from_query(request)
    answers = Invitation.objects.all()
    if org is not None:
        answers = answers.filter(announcement__organization=org)
    announcement = (request.GET.get("announcement") or "").strip()
    if announcement.isdigit():
        answers = answers.filter(announcement_id=int(announcement))
    return answers


def counseling_for_export(request: HttpRequest) -> QuerySet:
    """The counseling list's rows (its filters: org, campaign, uncovered), each member
    annotated with the campaign's minimum. Without org: every active member in the
    user's scope with the sessions and hours of every campaign (no minimum to meet)."""
    org = organization_from_query(request)
    if org is None:
        return with_study(Member.objects.filter(is_active=True), None)
    _form, campaign, uncovered = counseling_filters(request.GET, org)
    if campaign is None:
        return Member.objects.none()
    return members_with_study(org, campaign, uncovered=uncovered).annotate(
        minimum=Value(campaign.min_counseling_per_member)
    )


def talks_for_export(request: HttpRequest) -> QuerySet:
    """The talk list's filters: org, campaign, date_from, date_to, member."""
    org, campaign = organization_and_campaign(request)
    talks = OneToOneTalk.objects.for_list()
    if org is not None:
        if campaign is None:
            return talks.none()
        talks = talks.for_campaign(org, campaign)
    return TalkFilterForm(request.GET or None, organization=org).apply(talks)


def statements_for_export(request: HttpRequest) -> QuerySet:
    """The statement list's filters: org, campaign."""
    org, campaign = organization_and_campaign(request)
    if org is None:
        return SelfExamination.objects.all()
    if campaign is None:
        return SelfExamination.objects.none()
    return SelfExamination.objects.for_campaign(org, campaign)


def appraisal_results_for_export(request: HttpRequest) -> QuerySet:
    """The appraisal page's results: org, campaign (the session of that campaign)."""
    org, campaign = organization_and_campaign(request)
    results = AppraisalResult.objects.all()
    if org is None:
        return results
    if campaign is None:
        return results.none()
    return results.filter(session__organization=org, session__campaign=campaign)


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
    register_export(
        "counseling",
        label=_("Study counseling"),
        resource=CounselingResource,
        queryset=counseling_for_export,
    )
    register_export(
        "talks", label=_("One-to-one talks"), resource=TalkResource, queryset=talks_for_export
    )
    register_export(
        "statements",
        label=_("Self-examination statements"),
        resource=StatementResource,
        queryset=statements_for_export,
    )
    register_export(
        "appraisal-results",
        label=_("Democratic appraisal results"),
        resource=AppraisalResultResource,
        queryset=appraisal_results_for_export,
    )
    register_export(
        "meeting-answers",
        label=_("Answers to announced meetings"),
        resource=MeetingAnswerResource,
        queryset=meeting_answers_for_export,
    )
