"""The site administrator's campaign pages: list, create, detail, edit (docs/product.md §5).

Only superusers. Anyone else logged in gets 403 on the list and the create page (there
is no object to hide), and on a campaign's pages 404 unless they can see its lead
organization (then 403), as everywhere else.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from portal.accounts.permissions import Action, require
from portal.core.record_pages import paginate

from ..models import Campaign, GradeScale
from .forms import FORMSETS, CampaignForm
from .services import campaign_save

PAGE_SIZE = 50


def _require_admin(request: HttpRequest) -> None:
    if not request.user.is_superuser:
        raise PermissionDenied


def _get_campaign_for_admin(request: HttpRequest, pk: Any) -> Campaign:
    """The campaign with its lead organization. 404 when it does not exist or the user
    cannot see the lead organization; 403 for other non-administrators. One query."""
    try:
        campaign = Campaign.objects.select_related("lead_organization").get(pk=int(pk))
    except (Campaign.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if not request.user.is_superuser:
        require(request.user, Action.VIEW, campaign.lead_organization)
        raise PermissionDenied
    return campaign


@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    """Every campaign, newest first, with its lead organization and phase count.
    Queries: COUNT, page."""
    _require_admin(request)
    qs = (
        Campaign.objects.select_related("lead_organization")
        .annotate(phase_count=Count("phases"))
        .order_by("-starts_on", "-pk")
    )
    page = paginate(request, qs, PAGE_SIZE)
    return render(request, "activities/campaigns/list.html", {"page": page})


@login_required
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The campaign's settings, phases, grades and categories. Queries: campaign,
    phases, grades, categories."""
    campaign = _get_campaign_for_admin(request, pk)
    return render(
        request,
        "activities/campaigns/detail.html",
        {
            "campaign": campaign,
            "phases": list(campaign.phases.all()),
            "grades": list(campaign.grades.all()),
            "categories": list(campaign.problem_categories.all()),
        },
    )


def _edit(request: HttpRequest, campaign: Campaign | None) -> HttpResponse:
    instance = campaign or Campaign()
    data = request.POST if request.method == "POST" else None
    form = CampaignForm(data, instance=instance)
    formsets = [cls(data, instance=instance, prefix=prefix) for prefix, cls in FORMSETS]
    # A preset scale brings its own grades: the grade rows posted are not used then.
    used = [
        fs
        for (prefix, _cls), fs in zip(FORMSETS, formsets, strict=True)
        if prefix != "grades" or form.data.get("grade_scale") == GradeScale.CUSTOM
    ]
    if data is not None and form.is_valid() and all(fs.is_valid() for fs in used):
        try:
            saved = campaign_save(actor=request.user, form=form, formsets=used)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("The campaign is saved."))
            return redirect(saved)
    return render(
        request,
        "activities/campaigns/form.html",
        {
            "campaign": campaign,
            "form": form,
            "formsets": {prefix: fs for (prefix, _cls), fs in zip(FORMSETS, formsets, strict=True)},
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def campaign_create(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    return _edit(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def campaign_edit(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _get_campaign_for_admin(request, pk)
    return _edit(request, campaign)
