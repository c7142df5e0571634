"""The dashboard page (issue #7 item 1): /progress/dashboard/ opens the user's highest
node, /progress/dashboard/<organization id>/ any node below it (the grid's URL
convention).

Permissions: anonymous → login; a node the user cannot see → 404; a node they can see
without a reviewer, office or instructor role at it or above (secretaries, clerks) →
403, and /progress/dashboard/ itself → 403 for users with no such role. Site
administrators open every node; their default is the first root of the tree.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render

from activities.models import Campaign
from activities.models.campaigns import preferred_campaign
from organizations.models import Organization
from portal.accounts.models import User
from portal.accounts.permissions import get_organization_for_user
from portal.core.http import AuthenticatedHttpRequest

from .dashboard import build_dashboard, dashboard_nodes, may_open_dashboard, share_chart
from .urging import may_urge


def _default_node(user: User) -> Organization:
    nodes = dashboard_nodes(user)
    if nodes:
        node: Organization = nodes[0]
        return node
    if user.is_superuser:
        root: Organization | None = Organization.objects.filter(depth=1).order_by("path").first()
        if root is not None:
            return root
    raise PermissionDenied


def _campaign(org: Organization, wanted: str | None) -> Campaign | None:
    """The campaign asked for, if the organization takes part in it; else the latest
    one it takes part in, the running one first (preferred_campaign); None when there
    is none. One query (+ phases)."""
    campaigns = Campaign.objects.for_organization(org).prefetch_related("phases")
    if wanted and wanted.isdigit():
        chosen = campaigns.filter(pk=int(wanted)).first()
        if chosen is not None:
            return chosen
    return preferred_campaign(campaigns)


@login_required
def dashboard(request: AuthenticatedHttpRequest, org_pk: int | None = None) -> HttpResponse:
    """Totals and shares for the subtree under the organization, with drill-down.

    Queries: session, user, the user's roles and grants, the organization, campaign +
    phases, then build_dashboard's fixed set (scope, the requirements' grouped queries,
    overdue items, two review COUNTs, names), then the navigation's unread count."""
    user = request.user
    if org_pk is None:
        nodes = dashboard_nodes(user)
        if len(nodes) > 1 and request.GET.get("campaign") is None:
            return _overview(request, nodes)
        org = _default_node(user)
    else:
        org = get_organization_for_user(user, org_pk)
        if not may_open_dashboard(user, org):
            raise PermissionDenied
    campaign = _campaign(org, request.GET.get("campaign"))
    board = build_dashboard(user, org, campaign)
    others = [node for node in dashboard_nodes(user) if node.pk != org.pk] if org_pk is None else []
    return render(
        request,
        "progress/dashboard.html",
        {
            "org": org,
            "board": board,
            "campaign": campaign,
            "chart": share_chart(board.shares),
            "other_nodes": others,
            "campaign_query": f"campaign={campaign.pk}" if campaign else "",
            "can_urge": may_urge(user, org),
        },
    )


def _overview(request: AuthenticatedHttpRequest, nodes: list[Organization]) -> HttpResponse:
    """A user with several nodes (an instructor guiding several organizations): every
    one side by side (portal/progress/overview.py), each linking to its own
    dashboard."""
    from .overview import build_overview

    return render(request, "progress/overview.html", {"summaries": build_overview(nodes)})
