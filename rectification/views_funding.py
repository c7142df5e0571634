"""Funding pages (docs/product.md §6.3): the organization's receipts in a campaign with the totals
per source, the required minimum (members on the roster × the campaign's standard,
with the formula shown) and the shortfall; one receipt with its evidence (upload
here); add / edit / delete.

VIEW reads; RECORD writes and uploads. Anonymous → login; cannot see the organization
→ 404; can see but may not record → 403. Every page runs a fixed number of queries
(see tests/rectification/test_funding_views.py).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from portal.accounts.permissions import Action, get_organization_for_user, require, user_can
from portal.attachments.forms import AttachmentForm
from portal.attachments.models import Attachment, AttachmentKind
from portal.attachments.pending import PendingFiles

from . import services_funding as services
from .forms_funding import FundingReceiptForm
from .forms_mechanisms import apply_errors
from .models import FundingReceipt
from .selectors_funding import funding_summary
from .views_mechanisms import (
    campaign_or_404,
    campaigns_for,
    conflict_status,
    int_or_404,
    pick_campaign,
)

RECEIPT_ATTACHMENT_KINDS = (AttachmentKind.EVIDENCE,)


def _overview_url(org_id: int, campaign_id: int) -> str:
    return f"{reverse('rectification:funding_overview', args=[org_id])}?campaign={campaign_id}"


def _get_receipt_for_user(
    request: HttpRequest, pk: Any, action: Action = Action.VIEW
) -> FundingReceipt:
    """The receipt with its organization and campaign; 404 / 403 as `require` decides.
    One query."""
    receipt = (
        FundingReceipt.objects.select_related("organization", "campaign__lead_organization")
        .filter(pk=int_or_404(pk))
        .first()
    )
    if receipt is None:
        raise Http404
    require(request.user, action, receipt.organization)
    return receipt


@login_required
def funding_overview(request: HttpRequest, org_pk: int) -> HttpResponse:
    """Receipts, totals per source, required minimum and shortfall. Queries:
    organization, grants, campaigns, receipts with their evidence counts, the member
    count."""
    org = get_organization_for_user(request.user, org_pk)
    campaigns = campaigns_for(org)
    campaign = pick_campaign(campaigns, request.GET.get("campaign"))
    context: dict[str, Any] = {
        "org": org,
        "campaign": campaign,
        "campaigns": campaigns,
        "can_record": user_can(request.user, Action.RECORD, org),
    }
    if campaign is not None:
        receipts = list(
            FundingReceipt.objects.for_campaign(org, campaign)
            .with_evidence_count()
            .order_by("-received_on", "-pk")
        )
        context["receipts"] = receipts
        context["summary"] = funding_summary(org, campaign, receipts)
    return render(request, "rectification/funding/overview.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def funding_receipt_create(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = get_organization_for_user(request.user, org_pk, Action.RECORD)
    campaign = campaign_or_404(org, request.GET.get("campaign"))
    receipt = FundingReceipt(organization=org, campaign=campaign)
    form = FundingReceiptForm(request.POST or None, instance=receipt)
    if request.method == "POST" and form.is_valid():
        try:
            receipt = services.funding_receipt_create(
                actor=request.user,
                organization=org,
                campaign=campaign,
                fields=form.service_fields(),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The receipt was recorded. Now upload its evidence."))
            return redirect(receipt.get_absolute_url())
    return render(
        request,
        "rectification/funding/form.html",
        {"org": org, "campaign": campaign, "form": form, "receipt": None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def funding_receipt_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One receipt and its evidence. POST uploads evidence (RECORD). Queries: receipt,
    grants, evidence."""
    receipt = _get_receipt_for_user(request, pk)
    org = receipt.organization
    can_record = user_can(request.user, Action.RECORD, org)
    upload_form = None
    if can_record:
        upload_form = AttachmentForm(
            request.POST or None, request.FILES or None, kinds=RECEIPT_ATTACHMENT_KINDS
        )
    if request.method == "POST":
        if upload_form is None:
            raise PermissionDenied
        pending = PendingFiles(request, upload_form)
        if upload_form.is_valid():
            try:
                services.funding_receipt_add_evidence(
                    actor=request.user, receipt=receipt, uploads=pending.uploads()
                )
            except ValidationError as exc:
                apply_errors(upload_form, exc)
            else:
                pending.done()
                messages.success(request, _("The evidence was attached."))
                return redirect(receipt.get_absolute_url())
        pending.keep()
    return render(
        request,
        "rectification/funding/detail.html",
        {
            "org": org,
            "campaign": receipt.campaign,
            "receipt": receipt,
            "attachments": list(Attachment.objects.for_record(receipt)),
            "can_record": can_record,
            "can_manage_attachments": can_record,
            "attachment_form": upload_form,
            "upload_url": receipt.get_absolute_url(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def funding_receipt_edit(request: HttpRequest, pk: int) -> HttpResponse:
    receipt = _get_receipt_for_user(request, pk, Action.RECORD)
    form = FundingReceiptForm(request.POST or None, instance=receipt, editing=True)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.funding_receipt_update(
                actor=request.user,
                receipt=receipt,
                fields=form.service_fields(),
                seen_updated_at=form.seen_updated_at,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
            status = conflict_status(exc)
        else:
            messages.success(request, _("The receipt was saved."))
            return redirect(receipt.get_absolute_url())
    return render(
        request,
        "rectification/funding/form.html",
        {
            "org": receipt.organization,
            "campaign": receipt.campaign,
            "form": form,
            "receipt": receipt,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def funding_receipt_delete(request: HttpRequest, pk: int) -> HttpResponse:
    receipt = _get_receipt_for_user(request, pk, Action.RECORD)
    if request.method == "POST":
        services.funding_receipt_delete(actor=request.user, receipt=receipt)
        messages.success(request, _("The receipt and its evidence were deleted."))
        return redirect(_overview_url(receipt.organization_id, receipt.campaign_id))
    return render(
        request,
        "rectification/funding/confirm_delete.html",
        {"org": receipt.organization, "campaign": receipt.campaign, "receipt": receipt},
    )
