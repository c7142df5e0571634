"""Ledgers (台账) of one organization and campaign (docs/product.md §9.1): the page that
lists them, and their Word downloads — every ledger, one meeting's record and the
democratic appraisal sheet.

Word files are written in the request (a ledger of one organization is small, well
under a second) and follow the pages' permission: VIEW on the organization (404 when
the user cannot see it), personal data masked unless PERSONAL_DATA. The PDFs go
through the report pipeline (reports/kinds/ledgers.py) and, like every report, need
DOWNLOAD_REPORTS: a clerk keeps the Word ledgers but does not issue PDFs (403).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from activities.models import AppraisalSession, Campaign, Meeting
from activities.models.campaigns import pick_campaign
from portal.accounts.permissions import (
    Action,
    can_view_personal_data,
    get_organization_for_user,
    require,
    user_can,
)

from . import wordprocessing as wp
from .kinds.ledgers import campaign_for
from .ledgers import BY_SLUG, LEDGERS
from .ledgers.appraisal import appraisal_ledger
from .ledgers.blocks import to_docx
from .ledgers.builders import meeting_ledger


def _positive_int(value: Any) -> int:
    """A positive integer from the query, else 404 (a malformed link leads nowhere)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise Http404 from None
    if number <= 0:
        raise Http404
    return number


@login_required
@require_GET
def ledgers(request: HttpRequest, org_pk: int) -> HttpResponse:
    """The six ledgers of the organization in the chosen campaign (?campaign=, else
    the running one), each as Word and, with DOWNLOAD_REPORTS, as PDF. Queries:
    session, user, organization, grants, campaigns, the campaign's appraisal sessions."""
    org = get_organization_for_user(request.user, org_pk)
    campaigns = list(Campaign.objects.for_organization(org).order_by("-starts_on", "-pk"))
    campaign = pick_campaign(campaigns, request.GET.get("campaign"))
    sessions: list[AppraisalSession] = []
    if campaign is not None:
        sessions = list(
            AppraisalSession.objects.filter(organization=org, campaign=campaign).order_by(
                "starts_on", "pk"
            )
        )
    return render(
        request,
        "reports/ledgers.html",
        {
            "org": org,
            "campaigns": campaigns,
            "campaign": campaign,
            "ledgers": LEDGERS,
            "sessions": sessions,
            "can_print": user_can(request.user, Action.DOWNLOAD_REPORTS, org),
            "masked": not can_view_personal_data(request.user, org),
        },
    )


@login_required
@require_GET
def ledger_docx(request: HttpRequest, org_pk: int, slug: str) -> HttpResponse:
    """One ledger as .docx (?campaign=<id>, a campaign reaching the organization).
    Queries: session, user, organization, grants, campaign, then the ledger's own
    (builders: five at most), whatever the number of records."""
    spec = BY_SLUG.get(slug)
    if spec is None:
        raise Http404
    org = get_organization_for_user(request.user, org_pk)
    campaign = campaign_for(org, _positive_int(request.GET.get("campaign")))
    unmasked = spec.personal_data and can_view_personal_data(request.user, org)
    ledger = spec.build(org, campaign, unmasked=unmasked)
    document = to_docx(ledger, get_language())
    return wp.docx_response(
        document, wp.download_name(ledger.title, f"{org.short_name}-{campaign.name}")
    )


@login_required
@require_GET
def meeting_docx(request: HttpRequest, pk: int) -> HttpResponse:
    """One meeting's paper record as .docx (the meeting page's "Download Word"): VIEW
    on the holding organization. Queries: session, user, the meeting, grants, and four
    for the attendance, participations and criticism entries."""
    meeting = (
        Meeting.objects.select_related(
            "organization", "campaign", "chair", "minute_taker", "guide_organization"
        )
        .filter(pk=pk)
        .first()
    )
    if meeting is None:
        raise Http404
    require(request.user, Action.VIEW, meeting.organization)
    ledger = meeting_ledger(meeting)
    return wp.docx_response(
        to_docx(ledger, get_language()), wp.download_name(ledger.title, meeting.topic)
    )


@login_required
@require_GET
def appraisal_docx(request: HttpRequest, pk: int) -> HttpResponse:
    """The democratic appraisal result sheet as .docx: VIEW on the appraised
    organization; names only, as the PDF. Queries: session, user, the session, grants
    and the six of the sheet."""
    session = AppraisalSession.objects.select_related("organization").filter(pk=pk).first()
    if session is None:
        raise Http404
    require(request.user, Action.VIEW, session.organization)
    ledger = appraisal_ledger(session, get_language())
    return wp.docx_response(
        to_docx(ledger, get_language()),
        wp.download_name(ledger.title, f"{session.organization.short_name}-{ledger.subtitle}"),
    )
