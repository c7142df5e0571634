"""Reads of standards checklists: the live checklist's batch selector, the result shown
on an organization's page and the rows of an organization's checklist overview."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q

from activities.models import Campaign
from organizations.models import Organization
from portal.reviews.models import ReviewStatus

from .models import EIGHT_HAVES, StandardAssessment, StandardTemplate


@dataclass(frozen=True, slots=True)
class ChecklistStatus:
    """One organization's "eight haves" in one campaign, as the live checklist needs it:
    the review status (None: not started) and the stored result."""

    assessment_id: int | None
    status: str | None
    met: bool = False
    score: int = 0
    max_score: int = 0

    @property
    def accepted(self) -> bool:
        """Approved by the higher level with every item met."""
        return self.status == ReviewStatus.APPROVED and self.met


NOT_STARTED = ChecklistStatus(assessment_id=None, status=None)


def eight_haves_accepted_in(
    campaign: Any,
    org_ids: Iterable[int],
    *,
    code: str = EIGHT_HAVES,
    where: Q | None = None,
) -> dict[int, ChecklistStatus]:
    """{organization id: ChecklistStatus} of the "eight haves" (or the template `code`)
    in `campaign`, for every id given; organizations without an assessment get
    NOT_STARTED. Where a campaign lists two versions of the template, the newest wins.

    `where` replaces the IN list of ids in the SQL by another filter on the assessments,
    e.g. a subtree's `Q(organization__path__startswith=...)` (portal.progress
    Scope.q()), for scopes too large for an IN list; rows outside `org_ids` are ignored.

    Cost: ONE query whatever the number of organizations: the campaign's assessments of
    that template joined with the template (index standard_campaign_tpl_idx), reading
    only the stored result columns, never the entries."""
    ids = list(org_ids)
    statuses = dict.fromkeys(ids, NOT_STARTED)
    if not ids:
        return statuses
    rows = StandardAssessment.objects.filter(campaign=campaign, template__code=code)
    rows = rows.filter(where) if where is not None else rows.filter(organization_id__in=ids)
    for org_id, pk, status, met, score, max_score in rows.order_by("template__version").values_list(
        "organization_id", "pk", "review_status", "result_met", "result_score", "result_max_score"
    ):
        if org_id in statuses:
            statuses[org_id] = ChecklistStatus(
                assessment_id=pk, status=status, met=met, score=score, max_score=max_score
            )
    return statuses


def standard_results_for(org: Organization, *, limit: int = 10) -> list[StandardAssessment]:
    """The organization's accepted (approved) checklists, newest campaign first, with
    their templates and campaigns: what its page shows (the partial
    templates/rectification/standards/_org_result.html). One query."""
    return list(
        StandardAssessment.objects.approved()
        .filter(organization=org)
        .select_related("template", "campaign")
        .order_by("-campaign__starts_on", "-campaign_id", "template__code", "-template__version")[
            :limit
        ]
    )


@dataclass
class OverviewRow:
    campaign: Campaign
    template: StandardTemplate
    assessment: StandardAssessment | None


def overview_rows(org: Organization) -> list[OverviewRow]:
    """Per campaign the organization takes part in and per template that campaign
    lists: the organization's assessment, or None. Queries: campaigns with their
    templates (2), the organization's assessments (1)."""
    campaigns = list(
        Campaign.objects.for_organization(org)
        .prefetch_related(
            Prefetch(
                "standard_templates",
                queryset=StandardTemplate.objects.order_by("code", "-version"),
            )
        )
        .order_by("-starts_on", "-pk")
    )
    assessments = {
        (a.campaign_id, a.template_id): a
        for a in StandardAssessment.objects.filter(organization=org)
    }
    rows = []
    for campaign in campaigns:
        for template in campaign.standard_templates.all():
            found = assessments.get((campaign.pk, template.pk))
            if found is None and not template.is_active:
                continue
            if found is not None:
                found.template = template  # the row's result shows its stars: no query
            rows.append(OverviewRow(campaign, template, found))
    return rows
