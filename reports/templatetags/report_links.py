"""`{% print_link "meeting-record" org meeting=meeting.pk %}`: a small "Print (PDF)"
button on a record's page that asks for the PDF at once (a POST to `reports:request
<slug>` with the parameters) and lands on the request's progress page; shown only to
users with DOWNLOAD_REPORTS on the record's organization. While the request is sent
(in-process rendering can take seconds) static/portal/js/forms.js disables the button
and says it is working. No query: the user's grants are cached
by the page's own permission check (portal.accounts.permissions.grants_for)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from portal.accounts.permissions import Action, user_can

register = template.Library()


@register.inclusion_tag("reports/_print_link.html", takes_context=True)
def print_link(context: template.Context, slug: str, org: Any, **params: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    allowed = user is not None and org is not None and user_can(user, Action.DOWNLOAD_REPORTS, org)
    url = reverse("reports:request", args=[slug]) if allowed else ""
    return {
        "print_url": url,
        "params": [(name, value) for name, value in params.items()],
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("reports/_ledger_links.html", takes_context=True)
def ledger_links(
    context: template.Context, slug: str, org: Any, campaign: Any = None
) -> dict[str, Any]:
    """`{% ledger_links "study" org campaign %}` on a records page: "Download Word" and,
    with DOWNLOAD_REPORTS, "Download PDF" of the page's ledger in that campaign, and the
    organization's ledgers page (docs/product.md §9.1). Without a campaign (the
    meetings list spans campaigns) only the ledgers page. No query."""
    from reports.ledgers import BY_SLUG

    spec = BY_SLUG[slug]
    request = context.get("request")
    user = getattr(request, "user", None)
    links: dict[str, Any] = {
        "spec": spec,
        "ledgers_url": reverse("reports:ledgers", args=[org.pk]),
        "csrf_token": context.get("csrf_token"),
        "org": org,
        "campaign": campaign,
    }
    if campaign is not None:
        links["word_url"] = (
            reverse("reports:ledger_docx", args=[org.pk, slug]) + f"?campaign={campaign.pk}"
        )
        if user is not None and user_can(user, Action.DOWNLOAD_REPORTS, org):
            links["pdf_url"] = reverse("reports:request", args=[spec.report_slug])
    return links
