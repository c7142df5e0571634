"""Download of problem-list items (.xlsx, .csv) through the shared export
(organizations.resources: scope, formula neutralizing, file writers), registered from
RectificationConfig.ready(). Export only: items are not imported."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activities.resources import RecordResource, organization_from_query
from organizations.resources import Column, register_export
from portal.accounts.permissions import filter_by_scope

from .models import ProblemItem, ProblemList
from .selectors_problems import overdue_items_for


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


def register() -> None:
    register_export(
        "problem-items",
        label=_("problem-list items"),
        resource=ProblemItemResource,
        queryset=items_for_export,
    )
