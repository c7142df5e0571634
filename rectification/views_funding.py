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

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from portal.accounts.permissions import Action, get_organization_for_user, require, user_can
from portal.attachments.forms import AttachmentForm
from portal.attachments.models import Attachment, AttachmentKind
from portal.attachments.pending import PendingFiles
from portal.core.record_pages import handle_delete, handle_record_form, submit_form

from . import services_funding as services
from .forms_funding import FundingReceiptForm
from .models import FundingReceipt
from .selectors_funding import funding_summary
from .views_mechanisms import (
    campaign_or_404,
    campaigns_for,
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
    return handle_record_form(
        request,
        form,
        save=lambda form: services.funding_receipt_create(
            actor=request.user, organization=org, campaign=campaign, fields=form.service_fields()
        ),
        success_message=_("The receipt was recorded. Now upload its evidence."),
        success_url=lambda receipt: receipt.get_absolute_url(),
        template="rectification/funding/form.html",
        context={"org": org, "campaign": campaign, "receipt": None},
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
    status = 200  # 409: refused as a stale save or a closed campaign (docs/product.md §5.2)
    if request.method == "POST":
        if upload_form is None:
            raise PermissionDenied
        pending = PendingFiles(request, upload_form)
        response, status = submit_form(
            request,
            upload_form,
            pending=pending,
            save=lambda form: services.funding_receipt_add_evidence(
                actor=request.user, receipt=receipt, uploads=pending.uploads()
            ),
            success_message=_("The evidence was attached."),
            success_url=receipt.get_absolute_url(),
        )
        if response is not None:
            return response
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
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def funding_receipt_edit(request: HttpRequest, pk: int) -> HttpResponse:
    receipt = _get_receipt_for_user(request, pk, Action.RECORD)
    form = FundingReceiptForm(request.POST or None, instance=receipt, editing=True)
    return handle_record_form(
        request,
        form,
        save=lambda form: services.funding_receipt_update(
            actor=request.user,
            receipt=receipt,
            fields=form.service_fields(),
            seen_updated_at=form.seen_updated_at,
        ),
        success_message=_("The receipt was saved."),
        success_url=receipt.get_absolute_url(),
        template="rectification/funding/form.html",
        context={"org": receipt.organization, "campaign": receipt.campaign, "receipt": receipt},
    )


@login_required
@require_http_methods(["GET", "POST"])
def funding_receipt_delete(request: HttpRequest, pk: int) -> HttpResponse:
    receipt = _get_receipt_for_user(request, pk, Action.RECORD)
    return handle_delete(
        request,
        delete=lambda: services.funding_receipt_delete(actor=request.user, receipt=receipt),
        success_message=_("The receipt and its evidence were deleted."),
        success_url=_overview_url(receipt.organization_id, receipt.campaign_id),
        template="rectification/funding/confirm_delete.html",
        context={"org": receipt.organization, "campaign": receipt.campaign, "receipt": receipt},
    )
