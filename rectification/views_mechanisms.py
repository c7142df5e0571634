"""Pages of the working-mechanism register (docs/product.md §6.3): the organization's register
(the seeded kinds in place or missing, and its own mechanisms), one mechanism with its
documents (upload here), and the add / edit / delete forms.

VIEW reads; RECORD writes and uploads. Anonymous → login; cannot see the organization
→ 404; can see but may not record → 403. Every page runs a fixed number of queries
(see tests/rectification/test_mechanisms_views.py).

The campaign helpers at the top are shared with the funding and commendation pages.
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

from activities.models import Campaign
from activities.models.campaigns import pick_campaign as pick_any
from organizations.models import Organization
from portal.accounts.permissions import Action, get_organization_for_user, require, user_can
from portal.attachments.forms import AttachmentForm
from portal.attachments.models import Attachment, AttachmentKind
from portal.attachments.pending import PendingFiles
from portal.core.record_pages import handle_delete, handle_record_form, submit_form

from . import services_mechanisms as services
from .forms_mechanisms import MechanismForm
from .models import Mechanism, MechanismKind
from .selectors_mechanisms import mechanism_register as register_of

# --- campaigns (shared with views_funding and views_commendations) ----------------------------


def campaigns_for(org: Organization) -> list[Campaign]:
    """Campaigns the organization takes part in, newest first, with their lead
    organization (the services check it). One query."""
    return list(
        Campaign.objects.for_organization(org)
        .select_related("lead_organization")
        .order_by("-starts_on", "-pk")
    )


def pick_campaign(campaigns: list[Campaign], raw: str | None) -> Campaign | None:
    """The campaign asked for (?campaign=), else the running one."""
    return pick_any(campaigns, raw)


def campaign_or_404(org: Organization, raw: str | None) -> Campaign:
    campaign = pick_campaign(campaigns_for(org), raw)
    if campaign is None:
        raise Http404
    return campaign


def int_or_404(pk: Any) -> int:
    try:
        return int(pk)
    except (ValueError, TypeError):
        raise Http404 from None


# --- mechanisms -----------------------------------------------------------------------------


def _register_url(org_id: int, campaign_id: int) -> str:
    return f"{reverse('rectification:mechanism_register', args=[org_id])}?campaign={campaign_id}"


def _get_mechanism_for_user(
    request: HttpRequest, pk: Any, action: Action = Action.VIEW
) -> Mechanism:
    """The mechanism with its organization, campaign and kind; 404 / 403 as `require`
    decides. One query."""
    mechanism = (
        Mechanism.objects.select_related("organization", "campaign__lead_organization", "kind")
        .filter(pk=int_or_404(pk))
        .first()
    )
    if mechanism is None:
        raise Http404
    require(request.user, action, mechanism.organization)
    return mechanism


@login_required
def mechanism_register(request: HttpRequest, org_pk: int) -> HttpResponse:
    """The register: every seeded kind (in place, not documented, not established or
    missing) and the organization's own mechanisms. Queries: organization, grants,
    campaigns, kinds, mechanisms with their document counts."""
    org = get_organization_for_user(request.user, org_pk)
    campaigns = campaigns_for(org)
    campaign = pick_campaign(campaigns, request.GET.get("campaign"))
    return render(
        request,
        "rectification/mechanisms/register.html",
        {
            "org": org,
            "campaign": campaign,
            "campaigns": campaigns,
            "register": register_of(org, campaign) if campaign else None,
            "can_record": user_can(request.user, Action.RECORD, org),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def mechanism_create(request: HttpRequest, org_pk: int) -> HttpResponse:
    """Add a mechanism; `?kind=<code>` preselects a seeded kind."""
    org = get_organization_for_user(request.user, org_pk, Action.RECORD)
    campaign = campaign_or_404(org, request.GET.get("campaign"))
    taken = set(
        Mechanism.objects.for_campaign(org, campaign)
        .filter(kind__isnull=False)
        .values_list("kind_id", flat=True)
    )
    mechanism = Mechanism(organization=org, campaign=campaign)
    initial = {}
    code = request.GET.get("kind") or ""
    if code:
        kind = MechanismKind.objects.filter(code=code[:40]).first()
        if kind is not None and kind.pk not in taken:
            initial["kind"] = kind.pk
    form = MechanismForm(
        request.POST or None, instance=mechanism, initial=initial, taken_kind_ids=taken
    )
    return handle_record_form(
        request,
        form,
        save=lambda form: services.mechanism_create(
            actor=request.user, organization=org, campaign=campaign, fields=form.service_fields()
        ),
        success_message=_("The mechanism was added. Now upload its document to put it in place."),
        success_url=lambda mechanism: mechanism.get_absolute_url(),
        template="rectification/mechanisms/form.html",
        context={"org": org, "campaign": campaign, "mechanism": None},
    )


MECHANISM_ATTACHMENT_KINDS = (AttachmentKind.DOCUMENT,)


@login_required
@require_http_methods(["GET", "POST"])
def mechanism_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One mechanism, whether it is in place, and its documents. POST uploads documents
    (RECORD). Queries: mechanism, grants, documents."""
    mechanism = _get_mechanism_for_user(request, pk)
    org = mechanism.organization
    can_record = user_can(request.user, Action.RECORD, org)
    upload_form = None
    if can_record:
        upload_form = AttachmentForm(
            request.POST or None, request.FILES or None, kinds=MECHANISM_ATTACHMENT_KINDS
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
            save=lambda form: services.mechanism_add_documents(
                actor=request.user, mechanism=mechanism, uploads=pending.uploads()
            ),
            success_message=_("The documents were attached."),
            success_url=mechanism.get_absolute_url(),
        )
        if response is not None:
            return response
    attachments = list(Attachment.objects.for_record(mechanism))
    documents = sum(1 for a in attachments if a.kind == AttachmentKind.DOCUMENT)
    return render(
        request,
        "rectification/mechanisms/detail.html",
        {
            "org": org,
            "campaign": mechanism.campaign,
            "mechanism": mechanism,
            "in_place": mechanism.is_in_place(documents),
            "attachments": attachments,
            "can_record": can_record,
            "can_manage_attachments": can_record,
            "attachment_form": upload_form,
            "upload_url": mechanism.get_absolute_url(),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def mechanism_edit(request: HttpRequest, pk: int) -> HttpResponse:
    mechanism = _get_mechanism_for_user(request, pk, Action.RECORD)
    taken = set(
        Mechanism.objects.for_campaign(mechanism.organization, mechanism.campaign)
        .filter(kind__isnull=False)
        .values_list("kind_id", flat=True)
    )
    form = MechanismForm(
        request.POST or None, instance=mechanism, taken_kind_ids=taken, editing=True
    )
    return handle_record_form(
        request,
        form,
        save=lambda form: services.mechanism_update(
            actor=request.user,
            mechanism=mechanism,
            fields=form.service_fields(),
            seen_updated_at=form.seen_updated_at,
        ),
        success_message=_("The mechanism was saved."),
        success_url=mechanism.get_absolute_url(),
        template="rectification/mechanisms/form.html",
        context={
            "org": mechanism.organization,
            "campaign": mechanism.campaign,
            "mechanism": mechanism,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def mechanism_delete(request: HttpRequest, pk: int) -> HttpResponse:
    mechanism = _get_mechanism_for_user(request, pk, Action.RECORD)
    return handle_delete(
        request,
        delete=lambda: services.mechanism_delete(actor=request.user, mechanism=mechanism),
        success_message=_("The mechanism and its documents were deleted."),
        success_url=_register_url(mechanism.organization_id, mechanism.campaign_id),
        template="rectification/mechanisms/confirm_delete.html",
        context={
            "org": mechanism.organization,
            "campaign": mechanism.campaign,
            "mechanism": mechanism,
        },
    )
