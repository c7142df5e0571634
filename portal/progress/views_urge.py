"""The urging page (催办, portal/progress/urging.py): /progress/urge/<organization id>/
?requirement=<code>&campaign=<id> lists the organizations under the node failing the
requirement, each ticked, with the time it was last urged for it; the sender may add a
note and send. The grid (filtered by a failing requirement) and the dashboard link here
and the grid posts its ticked rows here too.

Permissions: anonymous → login; a node the user cannot see → 404; a node they see
without a reviewer or campaign-office role at it or above → 403. Organizations posted
that are outside the node or the user's scope are skipped, never urged.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from portal.accounts.permissions import get_organization_for_user
from portal.core.closed import CLOSED_MESSAGE, is_closed

from .engine import requirements
from .grid import attach_organizations, build_grid
from .urging import UrgeOutcome, latest_urges, may_urge, urge_send
from .views import _int, campaign_for

URGE_PAGE_SIZE = 100
NOTE_MAX = 500


@login_required
@require_http_methods(["GET", "POST"])
def urge(request: HttpRequest, org_pk: int) -> HttpResponse:
    """GET: the organizations failing the requirement, to tick. POST: send.

    Queries (GET): session, user, grants, roles, the node, campaign + phases, the
    roll-up's freshness check (2) and rows (1), one page's organizations (1), their
    latest reminders (1), the navigation's unread count."""
    user = request.user
    org = get_organization_for_user(user, org_pk)
    if not may_urge(user, org):
        raise PermissionDenied
    source = request.POST if request.method == "POST" else request.GET
    campaign = campaign_for(org, _int(source.get("campaign")))
    reqs = {r.code: r for r in requirements(campaign)}
    code = source.get("requirement", "")
    if code not in reqs:
        messages.error(request, _("Choose the requirement the organizations fail."))
        return redirect("progress:grid", org.pk)
    if is_closed(campaign):  # a closed campaign is urged no more (docs/product.md §5.2)
        messages.error(request, CLOSED_MESSAGE)
        return redirect(f"{reverse('progress:grid', args=[org.pk])}?campaign={campaign.pk}")
    table = build_grid(org, campaign, failing=code)
    if request.method == "POST":
        note = source.get("note", "").strip()[:NOTE_MAX]
        if source.get("all") == "1":
            ids = [row.org_id for row in table.rows]
        else:
            ids = [int(v) for v in source.getlist("organizations") if v.isdigit()]
        if not ids:
            messages.error(request, _("Tick at least one organization to urge."))
        else:
            outcome = urge_send(
                actor=user,
                root=org,
                campaign=campaign,
                requirement=code,
                organization_ids=ids,
                note=note,
            )
            _report(request, outcome)
        target = source.get("next", "")
        if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return redirect(target)
        return redirect(f"{request.path}?requirement={code}&campaign={campaign.pk}")
    page = Paginator(table.rows, URGE_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    attach_organizations(rows)
    urged = latest_urges(campaign, [r.org_id for r in rows], code)
    for row in rows:
        row.urged_at = urged.get(row.org_id)
    return render(
        request,
        "progress/urge.html",
        {
            "org": org,
            "campaign": campaign,
            "requirement": reqs[code],
            "page": page,
            "rows": rows,
            "total": len(table.rows),
            "query": f"requirement={code}&campaign={campaign.pk}",
            "note_max": NOTE_MAX,
        },
    )


def _report(request: HttpRequest, outcome: UrgeOutcome) -> None:
    if outcome.sent:
        n = len(outcome.sent)
        messages.success(
            request,
            ngettext(
                "Reminder sent to %(n)d organization.",
                "Reminders sent to %(n)d organizations.",
                n,
            )
            % {"n": n},
        )
    from django.utils import timezone

    for org, first in outcome.refused:
        messages.warning(
            request,
            _(
                "%(organization)s was already urged for this requirement at %(time)s; "
                "an organization is urged at most once a day."
            )
            % {
                "organization": org,
                "time": timezone.localtime(first).strftime("%Y-%m-%d %H:%M"),
            },
        )
    if outcome.not_failing:
        n = len(outcome.not_failing)
        messages.info(
            request,
            ngettext(
                "%(n)d organization meets the requirement or waits for review: not urged.",
                "%(n)d organizations meet the requirement or wait for review: not urged.",
                n,
            )
            % {"n": n},
        )
