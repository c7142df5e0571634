"""The bulletin (简报) compiled from reports sent upward (docs/product.md §6.6,
bulletins/): the masthead — 《title》 in red, 第 N 期, the issuing office and the date
over a red rule — then each selected report with its organization and its photos.

Photos are attachments of organizations in the compiling level's subtree, the default
`attachment_roots`. Queries: the bulletin, its items with their reports, the photos.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext_lazy

from bulletins.models import Bulletin
from bulletins.selectors import bulletin_items
from organizations.models import Organization
from portal.accounts.permissions import Action, require

from ..registry import Params, ReportKind, register


def check_bulletin(user: Any, params: Params) -> Organization:
    """The compiling organization, with DOWNLOAD_REPORTS (404 / 403 by the rule)."""
    bulletin = Bulletin.objects.select_related("organization").filter(pk=params["bulletin"]).first()
    if bulletin is None:
        raise Http404
    require(user, Action.DOWNLOAD_REPORTS, bulletin.organization)
    return bulletin.organization


def bulletin_context(params: Params, language: str) -> dict[str, Any]:
    bulletin = Bulletin.objects.select_related("organization", "campaign").get(
        pk=params["bulletin"]
    )
    return {
        "document_title": bulletin.heading,
        "subject": bulletin.number_label,
        "issuer": bulletin.organization,
        "document_date": bulletin.issued_on,
        "bulletin": bulletin,
        "items": bulletin_items(bulletin),
    }


register(
    ReportKind(
        slug="bulletin",
        title=gettext_lazy("Bulletin"),
        template="reports/bulletin.html",
        params=("bulletin",),
        check=check_bulletin,
        build_context=bulletin_context,
        description=gettext_lazy(
            "The bulletin as issued: masthead, number, issuing office and date, and the "
            "selected reports with their photos."
        ),
    )
)
