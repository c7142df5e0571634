"""Downloads of the phase 3 lists (.xlsx, .csv) through the shared export
(organizations.resources: scope, formula neutralizing, file writers), registered from
RectificationConfig.ready(): problem-list items, pledges, working mechanisms, funding
receipts, commendations, standards checklists and satisfaction results
(docs/product.md §10). Export only: none of them is imported.

`?org=<code>` is the organization of the page the link is on, with the page's own
filters (`campaign`, `kind`), read by the page's own code; without it a list holds
every record in the user's scope."""

from __future__ import annotations

from typing import Any

from django.db.models import F, Func, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activities.resources import (
    RecordResource,
    organization_and_campaign,
    organization_from_query,
)
from organizations.resources import Column, register_export
from portal.accounts.permissions import filter_by_scope

from .models import (
    Commendation,
    CommendationKind,
    FundingReceipt,
    Mechanism,
    Pledge,
    ProblemItem,
    ProblemList,
    SatisfactionAnswer,
    SatisfactionChoice,
    SatisfactionSurvey,
    StandardAssessment,
)
from .models.commendations import of_kind
from .selectors_problems import overdue_items_for
from .selectors_satisfaction import Tally


class ProblemItemResource(RecordResource):
    organization = Column(
        None, "组织名称", "organization", dehydrate_method="dehydrate_organization"
    )
    problem_list = Column(None, "问题清单", "problem list", dehydrate_method="dehydrate_list")
    number = Column("number", "序号", "number", kind="int")
    description = Column("description", "问题描述", "problem")
    category = Column(None, "问题类别", "category", dehydrate_method="dehydrate_category")
    source = Column(None, "问题来源", "source", dehydrate_method="dehydrate_source")
    measures = Column("measures", "整改措施", "measures")
    responsible = Column(None, "责任人", "responsible person", dehydrate_method="dehydrate_resp")
    deadline = Column("deadline", "整改时限", "deadline", kind="date")
    status = Column(None, "整改状态", "status", dehydrate_method="dehydrate_status")
    overdue = Column(None, "是否逾期", "overdue", dehydrate_method="dehydrate_overdue")

    scope_path_field = "problem_list__organization__path"
    sheet_title = ("问题清单", "Problem items")

    class Meta:
        model = ProblemItem
        fields: tuple[str, ...] = (
            "organization",
            "problem_list",
            "number",
            "description",
            "category",
            "source",
            "measures",
            "responsible",
            "deadline",
            "status",
            "overdue",
        )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.today = timezone.localdate()

    def export_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related(
            "problem_list__organization", "problem_list__campaign", "category", "responsible_member"
        )

    def dehydrate_organization(self, item: ProblemItem) -> str:
        return item.problem_list.organization.full_name

    def dehydrate_list(self, item: ProblemItem) -> str:
        return item.problem_list.title

    def dehydrate_category(self, item: ProblemItem) -> str:
        return str(item.category)

    def dehydrate_source(self, item: ProblemItem) -> str:
        return self.label(item, "source_kind")

    def dehydrate_resp(self, item: ProblemItem) -> str:
        return item.responsible_display

    def dehydrate_status(self, item: ProblemItem) -> str:
        return self.label(item, "status")

    def dehydrate_overdue(self, item: ProblemItem) -> str:
        return self.yes_no(item.days_overdue(self.today) > 0)


def items_for_export(request: HttpRequest) -> QuerySet:
    """`?overdue=1`: the overdue list (items of approved lists past their deadline as
    of their campaign's as-of day; with `&campaign=<pk>` of that campaign only);
    `?list=<pk>`: one problem list's items (404 unless the user sees it); `?org=<code>`:
    the items of the organization's subtree. Ordered like the pages."""
    if request.GET.get("overdue"):
        from activities.models import Campaign

        raw_campaign = request.GET.get("campaign", "")
        campaign = (
            Campaign.objects.filter(pk=int(raw_campaign)).first()
            if raw_campaign.isdigit()
            else None
        )
        items = overdue_items_for(request.user, campaign)
    else:
        items = ProblemItem.objects.order_by("problem_list__organization__path", "number", "pk")
    raw = request.GET.get("list")
    if raw:
        lists = filter_by_scope(
            ProblemList.objects.all(), request.user, path_field="organization__path"
        )
        plist = lists.filter(pk=int(raw)).first() if raw.isdigit() else None
        if plist is None:
            raise Http404
        items = items.filter(problem_list=plist)
    org = organization_from_query(request)
    if org is not None:
        items = items.filter(problem_list__organization__path__startswith=org.path)
    return items


class CampaignRecordResource(RecordResource):
    """A record of an organization in a campaign: the organization and campaign columns."""

    def dehydrate_organization(self, obj: Any) -> str:
        return obj.organization.full_name

    def dehydrate_campaign(self, obj: Any) -> str:
        return self.bilingual(obj.campaign)

    def dehydrate_review(self, obj: Any) -> str:
        return self.label(obj, "review_status")


def _org_column() -> Column:
    return Column(None, "组织名称", "organization", dehydrate_method="dehydrate_organization")


def _campaign_column() -> Column:
    return Column(None, "活动", "campaign", dehydrate_method="dehydrate_campaign")


class PledgeResource(CampaignRecordResource):
    """三比三亮: each member's pledge, as on the pledge list."""

    organization = _org_column()
    campaign = _campaign_column()
    member = Column(None, "党员姓名", "member", dehydrate_method="dehydrate_member")
    identity = Column("identity", "比思想、亮身份", "compare thinking, show identity")
    commitments = Column("commitments", "比作风、亮承诺", "compare work style, show commitments")
    example = Column("example", "比奉献、亮形象", "compare dedication, show the example")
    status = Column(None, "状态", "status", dehydrate_method="dehydrate_status")
    made_public_on = Column("made_public_on", "公开日期", "made public on", kind="date")

    sheet_title = ("三比三亮承诺", "Pledges")

    class Meta:
        model = Pledge
        fields: tuple[str, ...] = (
            "organization",
            "campaign",
            "member",
            "identity",
            "commitments",
            "example",
            "status",
            "made_public_on",
        )

    def export_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("organization", "campaign", "member").order_by(
            "organization__path", "-campaign__starts_on", "member__name", "pk"
        )

    def dehydrate_member(self, pledge: Pledge) -> str:
        return pledge.member.name

    def dehydrate_status(self, pledge: Pledge) -> str:
        return self.label(pledge, "status")


class MechanismResource(CampaignRecordResource):
    """建章立制: the organization's working mechanisms, as on the register."""

    organization = _org_column()
    campaign = _campaign_column()
    title = Column(None, "制度名称", "mechanism", dehydrate_method="dehydrate_title")
    kind = Column(None, "制度类别", "kind", dehydrate_method="dehydrate_kind")
    established_on = Column("established_on", "建立日期", "established on", kind="date")
    documents = Column(None, "制度文件数", "documents", dehydrate_method="dehydrate_documents")
    in_place = Column(None, "是否落实", "in place", dehydrate_method="dehydrate_in_place")

    sheet_title = ("建章立制", "Working mechanisms")

    class Meta:
        model = Mechanism
        fields: tuple[str, ...] = (
            "organization",
            "campaign",
            "title",
            "kind",
            "established_on",
            "documents",
            "in_place",
        )

    def export_queryset(self, queryset: Any) -> QuerySet:
        return (
            queryset.with_document_count()
            .select_related("organization", "campaign", "kind")
            .order_by("organization__path", "-campaign__starts_on", "kind__order", "title", "pk")
        )

    def dehydrate_title(self, mechanism: Mechanism) -> str:
        return mechanism.title or self.bilingual(mechanism.kind)

    def dehydrate_kind(self, mechanism: Mechanism) -> str:
        if mechanism.kind_id:
            return self.bilingual(mechanism.kind)
        return "own mechanism" if self.english else "自定制度"

    def dehydrate_documents(self, mechanism: Mechanism) -> int:
        return int(getattr(mechanism, "document_count", 0))

    def dehydrate_in_place(self, mechanism: Mechanism) -> str:
        return self.yes_no(mechanism.is_in_place(self.dehydrate_documents(mechanism)))


class FundingReceiptResource(CampaignRecordResource):
    organization = _org_column()
    campaign = _campaign_column()
    received_on = Column("received_on", "到账日期", "received on", kind="date")
    source = Column(None, "经费来源", "source", dehydrate_method="dehydrate_source")
    amount = Column(None, "金额（元）", "amount (yuan)", dehydrate_method="dehydrate_amount")
    note = Column("note", "备注", "note")
    evidence = Column(None, "佐证材料数", "evidence files", dehydrate_method="dehydrate_evidence")

    sheet_title = ("活动经费", "Funding receipts")

    class Meta:
        model = FundingReceipt
        fields: tuple[str, ...] = (
            "organization",
            "campaign",
            "received_on",
            "source",
            "amount",
            "note",
            "evidence",
        )

    def export_queryset(self, queryset: Any) -> QuerySet:
        return (
            queryset.with_evidence_count()
            .select_related("organization", "campaign")
            .order_by("organization__path", "-received_on", "-pk")
        )

    def dehydrate_source(self, receipt: FundingReceipt) -> str:
        return self.label(receipt, "source")

    def dehydrate_amount(self, receipt: FundingReceipt) -> Any:
        return receipt.amount

    def dehydrate_evidence(self, receipt: FundingReceipt) -> int:
        return int(getattr(receipt, "evidence_count", 0))


class CommendationResource(CampaignRecordResource):
    organization = _org_column()
    campaign = _campaign_column()
    kind = Column(None, "表彰类别", "kind", dehydrate_method="dehydrate_kind")
    commended = Column(None, "表彰对象", "commended", dehydrate_method="dehydrate_commended")
    title = Column("title", "荣誉称号", "honour")
    commended_by = Column("commended_by", "表彰单位", "commended by")
    commended_on = Column("commended_on", "表彰日期", "commended on", kind="date")
    status = Column(None, "审核状态", "review status", dehydrate_method="dehydrate_review")

    sheet_title = ("表彰", "Commendations")

    class Meta:
        model = Commendation
        fields: tuple[str, ...] = (
            "organization",
            "campaign",
            "kind",
            "commended",
            "title",
            "commended_by",
            "commended_on",
            "status",
        )

    def export_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("organization", "campaign", "member").order_by(
            "-commended_on", "-pk"
        )

    def dehydrate_kind(self, commendation: Commendation) -> str:
        return self.label(commendation, "kind")

    def dehydrate_commended(self, commendation: Commendation) -> str:
        if commendation.kind == CommendationKind.TYPICAL_INVESTOR and commendation.member:
            return commendation.member.name
        return commendation.organization.full_name


class StandardAssessmentResource(CampaignRecordResource):
    """The standards checklists (两强八好, 八有) with their review status and result."""

    organization = _org_column()
    campaign = _campaign_column()
    standard = Column(None, "标准", "standard", dehydrate_method="dehydrate_standard")
    status = Column(None, "审核状态", "review status", dehydrate_method="dehydrate_review")
    met = Column(None, "是否达标", "met", dehydrate_method="dehydrate_met")
    score = Column("result_score", "得分", "score", kind="int")
    max_score = Column("result_max_score", "满分", "out of", kind="int")
    stars = Column(None, "星级", "stars", dehydrate_method="dehydrate_stars")

    sheet_title = ("达标检查表", "Standards checklists")

    class Meta:
        model = StandardAssessment
        fields: tuple[str, ...] = (
            "organization",
            "campaign",
            "standard",
            "status",
            "met",
            "score",
            "max_score",
            "stars",
        )

    def export_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("organization", "campaign", "template").order_by(
            "organization__path", "-campaign__starts_on", "template__code", "pk"
        )

    def dehydrate_standard(self, assessment: StandardAssessment) -> str:
        return self.bilingual(assessment.template)

    def dehydrate_met(self, assessment: StandardAssessment) -> str:
        return self.yes_no(assessment.result_met)

    def dehydrate_stars(self, assessment: StandardAssessment) -> int | str:
        return assessment.result_stars if assessment.result_stars is not None else ""


def _overall_count(choice: str, *, subtree: bool) -> Coalesce:
    """An annotation for a SatisfactionSurvey queryset: the answers `choice` to the
    overall question of the survey's organization (with `subtree`: and of every
    organization below it) in its campaign, as a correlated COUNT in the same SELECT."""
    where = (
        {"ballot__organization__path__startswith": OuterRef("organization__path")}
        if subtree
        else {"ballot__organization": OuterRef("organization")}
    )
    counted = (
        SatisfactionAnswer.objects.filter(
            ballot__campaign=OuterRef("campaign"), question__is_overall=True, choice=choice, **where
        )
        .order_by()
        .annotate(_n=Func(F("pk"), function="COUNT"))
        .values("_n")
    )
    return Coalesce(Subquery(counted[:1]), 0)


class SatisfactionResource(CampaignRecordResource):
    """群众满意度测评: per organization with a ballot, the answers to the overall
    question, the rate against the campaign's threshold, and the rate of its subtree
    (docs/product.md §6.5), as on the satisfaction page."""

    organization = _org_column()
    campaign = _campaign_column()
    ballots = Column(None, "测评票数", "ballots", dehydrate_method="dehydrate_ballots")
    satisfied = Column(None, "满意", "satisfied", dehydrate_method="dehydrate_satisfied")
    basic = Column(None, "基本满意", "basically satisfied", dehydrate_method="dehydrate_basic")
    unsatisfied = Column(None, "不满意", "unsatisfied", dehydrate_method="dehydrate_unsatisfied")
    rate = Column(None, "满意率(%)", "satisfaction rate (%)", dehydrate_method="dehydrate_rate")
    threshold = Column(None, "达标线(%)", "threshold (%)", dehydrate_method="dehydrate_threshold")
    meets = Column(None, "是否达标", "meets the threshold", dehydrate_method="dehydrate_meets")
    subtree_ballots = Column(
        None, "含下级测评票数", "ballots with those below", dehydrate_method="dehydrate_sub_ballots"
    )
    subtree_rate = Column(
        None, "含下级满意率(%)", "rate with those below (%)", dehydrate_method="dehydrate_sub_rate"
    )

    sheet_title = ("群众满意度测评", "Satisfaction results")

    class Meta:
        model = SatisfactionSurvey
        fields: tuple[str, ...] = (
            "organization",
            "campaign",
            "ballots",
            "satisfied",
            "basic",
            "unsatisfied",
            "rate",
            "threshold",
            "meets",
            "subtree_ballots",
            "subtree_rate",
        )

    def export_queryset(self, queryset: QuerySet) -> QuerySet:
        counts = {
            f"{prefix}_{choice}": _overall_count(choice, subtree=prefix == "sub")
            for prefix in ("own", "sub")
            for choice in SatisfactionChoice.values
        }
        return (
            queryset.select_related("organization", "campaign")
            .annotate(**counts)
            .order_by("organization__path", "-campaign__starts_on", "pk")
        )

    @staticmethod
    def tally(survey: SatisfactionSurvey, prefix: str) -> Tally:
        return Tally(
            *(
                int(getattr(survey, f"{prefix}_{choice}", 0))
                for choice in (
                    SatisfactionChoice.SATISFIED,
                    SatisfactionChoice.BASIC,
                    SatisfactionChoice.UNSATISFIED,
                )
            )
        )

    def dehydrate_ballots(self, survey: SatisfactionSurvey) -> int:
        return self.tally(survey, "own").total

    def dehydrate_satisfied(self, survey: SatisfactionSurvey) -> int:
        return self.tally(survey, "own").satisfied

    def dehydrate_basic(self, survey: SatisfactionSurvey) -> int:
        return self.tally(survey, "own").basic

    def dehydrate_unsatisfied(self, survey: SatisfactionSurvey) -> int:
        return self.tally(survey, "own").unsatisfied

    def dehydrate_rate(self, survey: SatisfactionSurvey) -> Any:
        rate = self.tally(survey, "own").rate
        return "" if rate is None else rate

    def dehydrate_threshold(self, survey: SatisfactionSurvey) -> int:
        return int(survey.campaign.satisfaction_threshold)

    def dehydrate_meets(self, survey: SatisfactionSurvey) -> str:
        tally = self.tally(survey, "own")
        if not tally.total:
            return ""
        return self.yes_no(tally.meets(survey.campaign.satisfaction_threshold))

    def dehydrate_sub_ballots(self, survey: SatisfactionSurvey) -> int:
        return self.tally(survey, "sub").total

    def dehydrate_sub_rate(self, survey: SatisfactionSurvey) -> Any:
        rate = self.tally(survey, "sub").rate
        return "" if rate is None else rate


def _of_campaign(model: Any, request: HttpRequest, *, subtree: bool = False) -> QuerySet:
    """The records of the page's organization (and, with `subtree`, of those below it)
    in the page's campaign; every record in scope without `org`."""
    org, campaign = organization_and_campaign(request)
    records = model.objects.all()
    if org is None:
        return records
    if campaign is None:
        return records.none()
    if subtree:
        return records.filter(organization__path__startswith=org.path, campaign=campaign)
    return records.filter(organization=org, campaign=campaign)


def pledges_for_export(request: HttpRequest) -> QuerySet:
    """The pledge list: org, campaign."""
    return _of_campaign(Pledge, request)


def mechanisms_for_export(request: HttpRequest) -> QuerySet:
    """The mechanism register: org, campaign."""
    return _of_campaign(Mechanism, request)


def funding_for_export(request: HttpRequest) -> QuerySet:
    """The funding page's receipts: org, campaign."""
    return _of_campaign(FundingReceipt, request)


def commendations_for_export(request: HttpRequest) -> QuerySet:
    """The organization's list (org, campaign: its subtree's commendations) or the
    scope's list (kind)."""
    commendations, _kind = of_kind(
        _of_campaign(Commendation, request, subtree=True), request.GET.get("kind")
    )
    return commendations


def standards_for_export(request: HttpRequest) -> QuerySet:
    """The organization's standards page: its checklists in every campaign (org)."""
    org = organization_from_query(request)
    assessments = StandardAssessment.objects.all()
    return assessments if org is None else assessments.filter(organization=org)


def satisfaction_for_export(request: HttpRequest) -> QuerySet:
    """The satisfaction page (org, campaign): the organization's survey and those of
    the organizations below it."""
    return _of_campaign(SatisfactionSurvey, request, subtree=True)


def register() -> None:
    register_export(
        "problem-items",
        label=_("problem-list items"),
        resource=ProblemItemResource,
        queryset=items_for_export,
    )
    for kind, label, resource, queryset in (
        ("pledges", _("Pledges"), PledgeResource, pledges_for_export),
        ("mechanisms", _("Working mechanisms"), MechanismResource, mechanisms_for_export),
        ("funding", _("Funding receipts"), FundingReceiptResource, funding_for_export),
        ("commendations", _("Commendations"), CommendationResource, commendations_for_export),
        ("standards", _("Standards checklists"), StandardAssessmentResource, standards_for_export),
        ("satisfaction", _("Satisfaction results"), SatisfactionResource, satisfaction_for_export),
    ):
        register_export(kind, label=label, resource=resource, queryset=queryset)
