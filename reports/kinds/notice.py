"""Printable public notice (公示) of an approved problem list (docs/product.md §6.3, §9), to pin on
the notice board: the organization as issuer, the list's title, the audience and the
publication date, the introduction, the numbered items (problem, category, measures,
the responsible person's name and post, deadline, status), where to send opinions (the
organization's online suggestion box, with its QR code, and its contact person), and
the organization's name and date as a signature.

It shows what the public notice page (/notice/<token>/) shows and nothing more
personal: names and posts, no ids, no phones. A list that is approved but not
published yet prints marked as a draft of the notice; a list not approved cannot be
printed (403). Queries: the list with its organization and box, the items.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from activities.models import SuggestionBox
from organizations.models import Organization
from portal.accounts.permissions import Action, require
from portal.reviews.models import ReviewStatus
from rectification.models import ProblemList

from ..registry import Params, ReportKind, register
from .meeting_record import qr_data_url


def check_problem_list(user: Any, params: Params) -> Organization:
    """The list's organization, with DOWNLOAD_REPORTS (404 when the user cannot see it,
    403 when they may not print); 403 too for a list that is not approved: there is no
    notice to print yet. Two queries."""
    plist = (
        ProblemList.objects.select_related("organization").filter(pk=params["problem_list"]).first()
    )
    if plist is None:
        raise Http404
    require(user, Action.DOWNLOAD_REPORTS, plist.organization)
    if plist.review_status != ReviewStatus.APPROVED:
        raise PermissionDenied
    return plist.organization


def notice_context(params: Params, language: str) -> dict[str, Any]:
    plist = ProblemList.objects.select_related("organization", "campaign").get(
        pk=params["problem_list"]
    )
    org = plist.organization
    box = SuggestionBox.objects.filter(organization=org, is_open=True).first()
    box_url = box.get_public_url() if box is not None else ""
    return {
        "document_title": _("Public notice"),
        "subject": plist.title,
        "issuer": org,
        "document_date": None,  # the notice line and the signature carry the date
        "plist": plist,
        "org": org,
        "items": list(plist.items.for_table()),
        "published": plist.is_published,
        "box_url": box_url,
        "box_qr": qr_data_url(box_url) if box_url else "",
        "contact_name": org.contact_name or org.secretary_name,
        # The sign-off: the organization that publishes the notice, on its publication
        # date (a draft: the day it is printed).
        "signoff": True,
        "signoff_org_name": org.full_name,
        "signoff_date": plist.published_on or timezone.localdate(),
    }


register(
    ReportKind(
        slug="problem-notice",
        title=gettext_lazy("Public notice of the problem list"),
        template="reports/problem_notice.html",
        params=("problem_list",),
        check=check_problem_list,
        build_context=notice_context,
        description=gettext_lazy(
            "The approved problem list as a notice for the notice board: the items with "
            "their measures, responsible people, deadlines and status, and where to send "
            "opinions."
        ),
    )
)
