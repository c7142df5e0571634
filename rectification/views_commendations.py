"""Commendation pages (docs/product.md §6.3): typical investors and model organizations.

* the list of an organization: commendations of the organization and those below it in
  a campaign (paginated);
* the list across the user's whole scope, for reviewers, instructors and the campaign
  office (paginated, filterable by kind);
* one commendation, with its review panel: the secretary submits the proposal, a
  reviewer above confirms or returns it (portal.reviews);
* propose (one form per kind), edit and delete (while a draft or returned).

VIEW reads. Proposing follows services_commendations.may_commend: RECORD at the
subject's organization or above. Anonymous → login; cannot see the organization
→ 404; can see but may not commend → 403. Every page runs a fixed number of queries
(see tests/rectification/test_commendations_views.py).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from organizations.models import Member, Organization
from portal.accounts.permissions import (
    Action,
    filter_by_scope,
    get_organization_for_user,
    grants_for,
    require,
    user_can,
)
from portal.core.record_pages import handle_delete, handle_record_form, paginate
from portal.reviews.models import is_editable
from portal.reviews.selectors import review_panel
from portal.reviews.views import locked_response

from . import services_commendations as services
from .forms_commendations import CommendationForm
from .models import Commendation, CommendationKind
from .models.commendations import of_kind
from .services_commendations import may_commend
from .views_mechanisms import (
    campaign_or_404,
    campaigns_for,
    int_or_404,
    pick_campaign,
)

PAGE_SIZE = 50


def _list_url(org_id: int, campaign_id: int) -> str:
    return f"{reverse('rectification:commendation_list', args=[org_id])}?campaign={campaign_id}"


def _may_commend_here(user: Any, org: Organization) -> dict[str, bool]:
    """Which propose links to offer on `org`'s page: both kinds with RECORD (no query
    beyond the cached grants)."""
    record = user_can(user, Action.RECORD, org)
    return {
        CommendationKind.TYPICAL_INVESTOR: record,
        CommendationKind.MODEL_ORGANIZATION: record,
    }


def _get_commendation_for_user(
    request: HttpRequest, pk: Any, *, write: bool = False
) -> Commendation:
    """The commendation with its organization, campaign and member. 404 when the user
    cannot see its organization; with `write`, 403 when they see it but may not commend
    it. One query."""
    commendation = (
        Commendation.objects.select_related("organization", "campaign", "member")
        .filter(pk=int_or_404(pk))
        .first()
    )
    if commendation is None:
        raise Http404
    require(request.user, Action.VIEW, commendation.organization)
    if write and not may_commend(request.user, commendation.kind, commendation.organization):
        raise PermissionDenied
    return commendation


def _rows(user: Any, page: Any) -> list[tuple[Commendation, bool]]:
    return [
        (c, may_commend(user, c.kind, c.organization) and is_editable(c)) for c in page.object_list
    ]


@login_required
def commendation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One commendation with its review panel (submit; confirm or return). Queries: the
    commendation, grants, roles, the review events."""
    commendation = _get_commendation_for_user(request, pk)
    return render(
        request,
        "rectification/commendations/detail.html",
        {
            "org": commendation.organization,
            "commendation": commendation,
            "may_edit": may_commend(request.user, commendation.kind, commendation.organization)
            and is_editable(commendation),
            "review": review_panel(request.user, commendation),
        },
    )


@login_required
def commendation_list(request: HttpRequest, org_pk: int) -> HttpResponse:
    """Commendations of the organization and those below it in a campaign, newest
    first. Queries: organization, grants, roles, campaigns, COUNT, one page."""
    org = get_organization_for_user(request.user, org_pk)
    campaigns = campaigns_for(org)
    campaign = pick_campaign(campaigns, request.GET.get("campaign"))
    context: dict[str, Any] = {
        "org": org,
        "campaign": campaign,
        "campaigns": campaigns,
        "may": _may_commend_here(request.user, org),
    }
    if campaign is not None:
        qs = Commendation.objects.in_subtree(org).filter(campaign=campaign).for_list()
        page = paginate(request, qs, PAGE_SIZE)
        context["page"] = page
        context["rows"] = _rows(request.user, page)
        context["querystring"] = f"campaign={campaign.pk}&"
    return render(request, "rectification/commendations/list.html", context)


@login_required
def commendation_scope_list(request: HttpRequest) -> HttpResponse:
    """Every commendation in the organizations the user can see (reviewers, instructors,
    the campaign office), newest first, optionally of one kind. 403 for users who see
    no organization. Queries: grants, roles, COUNT, one page."""
    scope = grants_for(request.user).scope(Action.VIEW)
    if scope is not None and not scope:
        raise PermissionDenied
    qs, kind = of_kind(
        filter_by_scope(
            Commendation.objects.for_list(), request.user, path_field="organization__path"
        ),
        request.GET.get("kind"),
    )
    page = paginate(request, qs, PAGE_SIZE)
    return render(
        request,
        "rectification/commendations/scope_list.html",
        {
            "page": page,
            "rows": _rows(request.user, page),
            "kind": kind,
            "kinds": CommendationKind.choices,
            "querystring": f"kind={kind}&" if kind else "",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def commendation_create(request: HttpRequest, org_pk: int, kind: str) -> HttpResponse:
    """Record a commendation of `kind` ("investor" or "model_org") whose subject is the
    organization or one below it. Queries (GET): organization, grants, roles, campaigns,
    and the investor members or the organizations of the subtree."""
    if kind not in CommendationKind.values:
        raise Http404
    org = get_organization_for_user(request.user, org_pk)
    form_kwargs: dict[str, Any] = {"kind": kind}
    if kind == CommendationKind.TYPICAL_INVESTOR:
        require(request.user, Action.RECORD, org)
        form_kwargs["members"] = (
            Member.objects.in_subtree(org)
            .filter(is_investor=True, is_active=True)
            .select_related("organization")
            .order_by("organization__path", "name", "pk")
        )
    else:
        subtree = Organization.objects.in_subtree(org).active().order_by("path")
        allowed = [o for o in subtree if may_commend(request.user, kind, o)]
        if not allowed:
            raise PermissionDenied
        form_kwargs["organizations"] = allowed
    campaign = campaign_or_404(org, request.GET.get("campaign"))
    form = CommendationForm(
        request.POST or None, instance=Commendation(campaign=campaign), **form_kwargs
    )
    return handle_record_form(
        request,
        form,
        save=lambda form: services.commendation_create(
            actor=request.user,
            organization=org,
            campaign=campaign,
            kind=kind,
            subject=form.subject,
            fields=form.service_fields(),
        ),
        success_message=_("The proposal is recorded. Submit it for the higher level to confirm."),
        success_url=lambda made: made,
        template="rectification/commendations/form.html",
        context={
            "org": org,
            "campaign": campaign,
            "kind_label": CommendationKind(kind).label,
            "commendation": None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def commendation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    commendation = _get_commendation_for_user(request, pk, write=True)
    if not is_editable(commendation):
        return locked_response(request, commendation)
    form = CommendationForm(
        request.POST or None, instance=commendation, kind=commendation.kind, editing=True
    )
    return handle_record_form(
        request,
        form,
        save=lambda form: services.commendation_update(
            actor=request.user,
            commendation=commendation,
            fields=form.service_fields(),
            seen_updated_at=form.seen_updated_at,
        ),
        success_message=_("The commendation was saved."),
        success_url=commendation,
        template="rectification/commendations/form.html",
        context={
            "org": commendation.organization,
            "campaign": commendation.campaign,
            "kind_label": commendation.get_kind_display(),
            "commendation": commendation,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def commendation_delete(request: HttpRequest, pk: int) -> HttpResponse:
    commendation = _get_commendation_for_user(request, pk, write=True)
    if not is_editable(commendation):
        return locked_response(request, commendation)
    return handle_delete(
        request,
        delete=lambda: services.commendation_delete(actor=request.user, commendation=commendation),
        success_message=_("The commendation was deleted."),
        success_url=_list_url(commendation.organization_id, commendation.campaign_id),
        template="rectification/commendations/confirm_delete.html",
        context={"org": commendation.organization, "commendation": commendation},
    )
