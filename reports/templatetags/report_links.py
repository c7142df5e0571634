"""`{% print_link "meeting-record" org meeting=meeting.pk %}`: a small "Print (PDF)" link
from a record's page to `reports:request <slug>?<param>=<pk>`, shown only to users with
DOWNLOAD_REPORTS on the record's organization. No query: the user's grants are cached
by the page's own permission check (portal.accounts.permissions.grants_for)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import template
from django.urls import reverse

from portal.accounts.permissions import Action, user_can

register = template.Library()


@register.inclusion_tag("reports/_print_link.html", takes_context=True)
def print_link(context: template.Context, slug: str, org: Any, **params: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    allowed = user is not None and org is not None and user_can(user, Action.DOWNLOAD_REPORTS, org)
    url = f"{reverse('reports:request', args=[slug])}?{urlencode(params)}" if allowed else ""
    return {"print_url": url}
