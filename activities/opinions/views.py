"""Pages for opinions (docs/product.md §6.1) and the secretary's side of the online suggestion box.

VIEW reads; RECORD creates, sorts and answers opinions and manages the box. The
organization's party members (Member.user) may read the answered opinions on
`opinion_feedback`. Every page runs a fixed number of queries (see the tests).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from organizations.models import Member, Organization
from portal.accounts.permissions import (
    Action,
    can_view_personal_data,
    get_organization_for_user,
    require,
    user_can,
)
from portal.core.http import AuthenticatedHttpRequest
from portal.core.record_pages import handle_record_form, paginate, render_list

from ..models import Campaign, Opinion, OpinionStatus, ProblemCategory, SuggestionBox
from ..models.campaigns import campaigns_newest_first, pick_campaign
from . import services as services
from .forms import AnswerForm, BoxIntroForm, OpinionFilterForm, OpinionForm, SortForm
from .selectors import opinion_status_counts

PAGE_SIZE = 50


def _get_opinion_for_user(
    request: AuthenticatedHttpRequest, pk: Any, action: Action = Action.VIEW
) -> Opinion:
    """The opinion with its organization and campaign; 404 when the user cannot see the
    organization, 403 when they can but the action is not theirs. One query."""
    try:
        opinion = Opinion.objects.select_related(
            "organization", "campaign", "category", "suggested_category", "addressed_member"
        ).get(pk=int(pk))
    except (Opinion.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    require(request.user, action, opinion.organization)
    return opinion


def _categories(campaign: Campaign | None) -> list[ProblemCategory]:
    if campaign is None:
        return []
    return list(ProblemCategory.objects.filter(campaign=campaign))


@login_required
def opinion_list(request: AuthenticatedHttpRequest, org_pk: int) -> HttpResponse:
    """The organization's opinions in one campaign, filtered, with counts per status."""
    org = get_organization_for_user(request.user, org_pk)
    campaigns = campaigns_newest_first(org)
    campaign = pick_campaign(campaigns, request.GET.get("campaign"))
    categories = _categories(campaign)
    form = OpinionFilterForm(request.GET or None, campaigns=campaigns, categories=categories)
    can_record = user_can(request.user, Action.RECORD, org)
    context: dict[str, Any] = {
        "org": org,
        "campaign": campaign,
        "form": form,
        "can_record": can_record,
        "show_personal": can_view_personal_data(request.user, org),
        "box": SuggestionBox.objects.filter(organization=org).first() if can_record else None,
    }
    rows = None
    if campaign is not None:
        rows = form.apply(Opinion.objects.for_campaign(org, campaign).for_list())
        counts = opinion_status_counts(org, campaign)
        context.update(
            counts=[(OpinionStatus(s).label, s, n) for s, n in counts.items()],
            total=sum(counts.values()),
        )
    return render_list(
        request, "activities/opinions/list.html", context, rows=rows, per_page=PAGE_SIZE
    )


@login_required
def opinion_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    opinion = _get_opinion_for_user(request, pk)
    org = opinion.organization
    can_record = user_can(request.user, Action.RECORD, org)
    context: dict[str, Any] = {
        "opinion": opinion,
        "org": org,
        "events": opinion.events.select_related("actor"),
        "can_record": can_record,
        "show_personal": can_view_personal_data(request.user, org),
    }
    if can_record and opinion.can_transition(OpinionStatus.SORTED):
        context["sort_form"] = _sort_form(opinion)
    if can_record and opinion.can_transition(OpinionStatus.ANSWERED):
        context["answer_form"] = AnswerForm()
    return render(request, "activities/opinions/detail.html", context)


def _sort_form(opinion: Opinion, data: Any = None) -> SortForm:
    current = opinion.category_id or opinion.suggested_category_id
    return SortForm(
        data,
        categories=_categories(opinion.campaign),
        initial={"category": str(current) if current else ""},
    )


@login_required
@require_http_methods(["GET", "POST"])
def opinion_create(request: AuthenticatedHttpRequest, org_pk: int) -> HttpResponse:
    org = get_organization_for_user(request.user, org_pk, Action.RECORD)
    campaigns = campaigns_newest_first(org)
    campaign = pick_campaign(campaigns, request.GET.get("campaign"))
    if campaign is None:
        messages.error(request, _("This organization takes part in no campaign yet."))
        return redirect("activities:opinion_list", org_pk=org.pk)
    members = list(Member.objects.filter(organization=org, is_active=True).order_by("name", "pk"))
    form = OpinionForm(
        request.POST if request.method == "POST" else None,
        categories=_categories(campaign),
        members=members,
    )
    return handle_record_form(
        request,
        form,
        save=lambda form: services.opinion_create(
            actor=request.user, organization=org, campaign=campaign, **form.service_fields()
        ),
        success_message=_("The opinion was recorded."),
        success_url=lambda opinion: (
            f"{request.path}?campaign={campaign.pk}" if "add_another" in request.POST else opinion
        ),
        template="activities/opinions/create.html",
        context={"org": org, "campaign": campaign},
    )


@login_required
@require_http_methods(["GET", "POST"])
def opinion_sort(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    opinion = _get_opinion_for_user(request, pk, Action.RECORD)
    form = _sort_form(opinion, request.POST if request.method == "POST" else None)
    return handle_record_form(
        request,
        form,
        save=lambda form: services.opinion_sort(
            opinion, actor=request.user, category=form.cleaned_data["category"]
        ),
        success_message=_("The opinion was sorted."),
        success_url=opinion,
        template="activities/opinions/sort.html",
        context={"opinion": opinion, "org": opinion.organization},
    )


@login_required
@require_http_methods(["GET", "POST"])
def opinion_answer(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    opinion = _get_opinion_for_user(request, pk, Action.RECORD)
    form = AnswerForm(request.POST if request.method == "POST" else None)
    return handle_record_form(
        request,
        form,
        save=lambda form: services.opinion_answer(
            opinion, actor=request.user, text=form.cleaned_data["answer_text"]
        ),
        success_message=_("The answer was saved."),
        success_url=opinion,
        template="activities/opinions/answer.html",
        context={"opinion": opinion, "org": opinion.organization},
    )


@login_required
def opinion_feedback(request: AuthenticatedHttpRequest, org_pk: int) -> HttpResponse:
    """Answered opinions of the organization, read-only, for its team (VIEW) and for its
    party members with a login. Shows no submitter data at all."""
    try:
        org = get_organization_for_user(request.user, org_pk)
    except Http404:
        member = (
            Member.objects.select_related("organization")
            .filter(user=request.user, is_active=True, organization_id=_int_or_404(org_pk))
            .first()
        )
        if member is None:
            raise
        org = member.organization
    campaigns = campaigns_newest_first(org)
    campaign = pick_campaign(campaigns, request.GET.get("campaign"))
    page = None
    if campaign is not None:
        qs = (
            Opinion.objects.for_campaign(org, campaign)
            .with_feedback()
            .select_related("addressed_member")
            .order_by("-answered_at", "-pk")
        )
        page = paginate(request, qs, PAGE_SIZE)
    return render(
        request,
        "activities/opinions/feedback.html",
        {"org": org, "campaign": campaign, "campaigns": campaigns, "page": page},
    )


def _int_or_404(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


# --- the secretary's side of the online box ---------------------------------------------


def _get_box_for_user(
    request: AuthenticatedHttpRequest, org_pk: int
) -> tuple[Organization, SuggestionBox]:
    org = get_organization_for_user(request.user, org_pk, Action.RECORD)
    box = SuggestionBox.objects.filter(organization=org).first()
    if box is None:
        raise Http404
    box.organization = org
    return org, box


@login_required
@require_POST
def box_create(request: AuthenticatedHttpRequest, org_pk: int) -> HttpResponse:
    org = get_organization_for_user(request.user, org_pk, Action.RECORD)
    services.box_create(actor=request.user, organization=org)
    messages.success(request, _("The online suggestion box is open."))
    return redirect("activities:box_settings", org_pk=org.pk)


@login_required
@require_http_methods(["GET", "POST"])
def box_settings(request: AuthenticatedHttpRequest, org_pk: int) -> HttpResponse:
    org, box = _get_box_for_user(request, org_pk)
    form = BoxIntroForm(
        request.POST if request.method == "POST" else None, initial={"intro": box.intro}
    )
    return handle_record_form(
        request,
        form,
        save=lambda form: services.box_update(
            box, actor=request.user, intro=form.cleaned_data["intro"]
        ),
        success_message=_("Saved."),
        success_url=reverse("activities:box_settings", args=[org.pk]),
        template="activities/opinions/box_settings.html",
        context={
            "org": org,
            "box": box,
            "public_url": box.get_public_url(),
            "short_url": box.get_short_url(),
        },
    )


@login_required
@require_POST
def box_open(request: AuthenticatedHttpRequest, org_pk: int) -> HttpResponse:
    org, box = _get_box_for_user(request, org_pk)
    services.box_set_open(box, actor=request.user, is_open=True)
    messages.success(request, _("The online suggestion box is open."))
    return redirect("activities:box_settings", org_pk=org.pk)


@login_required
@require_POST
def box_close(request: AuthenticatedHttpRequest, org_pk: int) -> HttpResponse:
    org, box = _get_box_for_user(request, org_pk)
    services.box_set_open(box, actor=request.user, is_open=False)
    messages.success(
        request, _("The online suggestion box is closed. People can still read replies.")
    )
    return redirect("activities:box_settings", org_pk=org.pk)


@login_required
@require_POST
def box_rotate(request: AuthenticatedHttpRequest, org_pk: int) -> HttpResponse:
    org, box = _get_box_for_user(request, org_pk)
    services.box_rotate_token(box, actor=request.user)
    messages.success(
        request,
        _("The box has a new address. Print the new QR code: the old link no longer works."),
    )
    return redirect("activities:box_settings", org_pk=org.pk)


def qr_svg(data: str) -> str:
    """An inline SVG QR code of `data`, sized by CSS (class "qr-code").

    The markup is built by the qrcode package from our own URL (no user input reaches
    it beyond the box token, which is URL-safe), so it is safe to mark as such."""
    image = qrcode.make(
        data,
        image_factory=qrcode.image.svg.SvgPathImage,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=4,
    )
    root = image.get_image()
    for attr in ("width", "height"):
        root.attrib.pop(attr, None)
    root.set("class", "qr-code")
    root.set("role", "img")
    root.set("aria-label", _("QR code of the suggestion box address"))
    ET.register_namespace("", "http://www.w3.org/2000/svg")
    return ET.tostring(root, encoding="unicode")


@login_required
def box_qr(request: AuthenticatedHttpRequest, org_pk: int) -> HttpResponse:
    """A printable A4 page: the organization's name, the QR code, the link, instructions."""
    org, box = _get_box_for_user(request, org_pk)
    url = box.get_public_url()
    return render(
        request,
        "activities/opinions/box_qr.html",
        {
            "org": org,
            "box": box,
            "public_url": url,
            "short_url": box.get_short_url(),
            "qr": mark_safe(qr_svg(url)),  # noqa: S308
        },
    )
