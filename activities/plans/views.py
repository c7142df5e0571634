"""Pages for activity plans (docs/product.md §5): the plans of an organization, one plan with its
review panel, writing and editing a plan, and its change history.

VIEW reads; RECORD writes while the plan is a draft or returned (submitted and approved
plans are locked: portal.reviews.views.locked_response). The review buttons post to
reviews:transition. Every page runs a fixed number of queries (see the tests).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from portal.accounts.permissions import Action, get_organization_for_user, require, user_can
from portal.core.record_pages import handle_record_form, paginate
from portal.reviews.diff import compare
from portal.reviews.models import is_editable
from portal.reviews.selectors import review_panel
from portal.reviews.views import locked_response

from ..models import PLAN_SECTIONS, ActivityPlan, Campaign
from .forms import ActivityPlanForm
from .services import (
    PLAN_INPUT_FIELDS,
    EditConflict,
    activity_plan_create,
    activity_plan_update,
    version_token,
)

HISTORY_PAGE_SIZE = 20


def _get_plan_for_user(request: HttpRequest, pk: Any, action: Action = Action.VIEW) -> ActivityPlan:
    """The plan with its organization and campaign; 404 when the user cannot see the
    organization, 403 when they can but may not do `action`. One query."""
    try:
        plan = ActivityPlan.objects.select_related("organization", "campaign").get(pk=int(pk))
    except (ActivityPlan.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    require(request.user, action, plan.organization)
    return plan


@login_required
def plan_overview(request: HttpRequest, org_pk: int) -> HttpResponse:
    """The campaigns the organization takes part in, each with its plan and review
    status, or a link to write it. Queries: organization, grants, campaigns, plans."""
    org = get_organization_for_user(request.user, org_pk)
    campaigns = list(Campaign.objects.for_organization(org).order_by("-starts_on", "-pk"))
    plans = {p.campaign_id: p for p in ActivityPlan.objects.filter(organization=org)}
    return render(
        request,
        "activities/plans/overview.html",
        {
            "org": org,
            "rows": [(campaign, plans.get(campaign.pk)) for campaign in campaigns],
            "can_record": user_can(request.user, Action.RECORD, org),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_create(request: HttpRequest, org_pk: int, campaign_pk: int) -> HttpResponse:
    """Write the organization's plan for a campaign (RECORD). An existing plan opens
    instead; a campaign the organization does not take part in is a 404."""
    org = get_organization_for_user(request.user, org_pk, Action.RECORD)
    campaign = Campaign.objects.for_organization(org).filter(pk=campaign_pk).first()
    if campaign is None:
        raise Http404
    existing = ActivityPlan.objects.filter(organization=org, campaign=campaign).first()
    if existing is not None:
        return redirect(existing)
    form = ActivityPlanForm(
        request.POST or None, instance=ActivityPlan(organization=org, campaign=campaign)
    )
    return handle_record_form(
        request,
        form,
        save=lambda form: activity_plan_create(
            actor=request.user, organization=org, campaign=campaign, **_plan_data(form)
        ),
        success_message=_("The plan is saved as a draft. Submit it when it is complete."),
        success_url=lambda plan: plan,
        template="activities/plans/form.html",
        context={"org": org, "campaign": campaign, "plan": None},
    )


def _plan_data(form: ActivityPlanForm) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in PLAN_INPUT_FIELDS}


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The plan, its review status and buttons, the timeline of review events and, for
    a resubmitted plan, what changed since it was returned. Queries: plan, grants,
    review events, roles (for the reviewer's buttons)."""
    plan = _get_plan_for_user(request, pk)
    sections = [(ActivityPlan.review_label(name), getattr(plan, name)) for name in PLAN_SECTIONS]
    return render(
        request,
        "activities/plans/detail.html",
        {
            "plan": plan,
            "org": plan.organization,
            "sections": sections,
            "review": review_panel(request.user, plan),
            "can_edit": is_editable(plan)
            and user_can(request.user, Action.RECORD, plan.organization),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a draft or returned plan (RECORD). Locked plans answer 403 with the reason;
    a save based on an outdated version is refused (409) and nothing is overwritten."""
    plan = _get_plan_for_user(request, pk, Action.RECORD)
    if not is_editable(plan):
        return locked_response(request, plan)
    form = ActivityPlanForm(
        request.POST or None, instance=plan, initial={"version": version_token(plan)}
    )
    return handle_record_form(
        request,
        form,
        save=lambda form: activity_plan_update(
            actor=request.user, plan=plan, version=form.cleaned_data["version"], **_plan_data(form)
        ),
        locked=plan,
        conflict=(EditConflict,),
        success_message=_("The plan is saved."),
        success_url=plan,
        template="activities/plans/form.html",
        context={"org": plan.organization, "campaign": plan.campaign, "plan": plan},
    )


@login_required
def plan_history(request: HttpRequest, pk: int) -> HttpResponse:
    """Every saved version of the plan's text, newest first, with who saved it and what
    changed against the version before. Queries: plan, grants, COUNT, page of versions,
    the one version just below the page."""
    plan = _get_plan_for_user(request, pk)
    versions = plan.history.select_related("history_user").order_by("-history_date", "-history_id")
    page = paginate(request, versions, HISTORY_PAGE_SIZE)
    rows = list(page.object_list)
    below = list(versions[page.end_index() : page.end_index() + 1]) if rows else []
    entries = []
    chain = rows + below
    for i, version in enumerate(rows):
        new = {name: getattr(version, name) or "" for name in PLAN_INPUT_FIELDS}
        older = chain[i + 1] if i + 1 < len(chain) else None
        old = {name: getattr(older, name) or "" for name in PLAN_INPUT_FIELDS} if older else {}
        changes = [c for c in compare(old, new, ActivityPlan.review_label) if c.changed]
        entries.append({"version": version, "changes": changes, "first": older is None})
    return render(
        request,
        "activities/plans/history.html",
        {"plan": plan, "org": plan.organization, "page": page, "entries": entries},
    )
