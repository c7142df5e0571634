"""The ledgers as PDF report kinds (docs/reports.md "Ledgers", docs/product.md §9.1):
"ledger-study", "ledger-meetings", "ledger-opinions", "ledger-talks" and
"ledger-rectification", each for one organization and one campaign, rendered from the
same blocks as the Word files (reports/ledgers/) with templates/reports/ledger.html.
DOWNLOAD_REPORTS on the organization, like every report; the campaign must be one
that reaches it (else 404). Personal data masked unless PERSONAL_DATA (personal_data
on the study and opinions ledgers)."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from activities.models import Campaign
from organizations.models import Organization

from ..ledgers import LEDGERS, LedgerSpec
from ..registry import Params, ReportKind, organization_check, register


def campaign_for(org: Organization, pk: Any) -> Campaign:
    """The campaign `pk` if it reaches the organization (led at it or above); 404
    otherwise. One query."""
    campaign = Campaign.objects.for_organization(org).filter(pk=pk).first()
    if campaign is None:
        raise Http404
    return campaign


def check_ledger(user: Any, params: Params) -> Organization:
    org = organization_check(user, params)
    campaign_for(org, params["campaign"])
    return org


def _context_for(spec: LedgerSpec) -> Any:
    def build_context(params: Params, language: str) -> dict[str, Any]:
        org = Organization.objects.get(pk=params["organization"])
        campaign = campaign_for(org, params["campaign"])
        ledger = spec.build(org, campaign, unmasked=bool(params.get("unmasked")))
        return {
            "document_title": ledger.title,
            "subject": f"{org.short_name} · {campaign.name}",
            "issuer": org,
            "document_date": ledger.date,
            "issued_line": True,
            "ledger": ledger,
        }

    return build_context


for _spec in LEDGERS:
    register(
        ReportKind(
            slug=_spec.report_slug,
            title=_spec.title,
            template="reports/ledger.html",
            params=("organization", "campaign"),
            check=check_ledger,
            build_context=_context_for(_spec),
            personal_data=_spec.personal_data,
            description=_spec.description,
        )
    )
