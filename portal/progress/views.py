from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from activities.models import Campaign
from portal.accounts.permissions import Action, get_organization_for_user, user_can

from .engine import Level, evaluate, requirements
from .scopes import scope_for_org


def campaign_for(org, campaign_pk: int | None) -> Campaign:
    """The campaign the organization takes part in: the one asked for (404 if the
    organization is not in its lead organization's subtree), else the latest."""
    campaigns = Campaign.objects.for_organization(org).prefetch_related("phases")
    campaign = campaigns.filter(pk=campaign_pk).first() if campaign_pk else campaigns.first()
    if campaign is None:
        raise Http404
    return campaign


@login_required
def checklist(request: HttpRequest, org_pk: int, campaign_pk: int | None = None) -> HttpResponse:
    """Every requirement of one organization in one campaign, green / amber / red, with
    the reason and a link to the page that fixes it. Queries: grants, organization,
    campaign + phases, scope, then one or two per requirement."""
    org = get_organization_for_user(request.user, org_pk)
    campaign = campaign_for(org, campaign_pk)
    scope = scope_for_org(org, campaign)
    results = evaluate(scope).get(org.pk, {})
    rows = [(req, results[req.code]) for req in requirements() if req.code in results]
    phases = []
    for phase in campaign.phases.all():
        phase_rows = [(req, res) for req, res in rows if req.phase == phase.number]
        if phase_rows:
            phases.append((phase, phase_rows))
    counts = {level: sum(1 for _, r in rows if r.level == level) for level in Level}
    return render(
        request,
        "progress/checklist.html",
        {
            "org": org,
            "campaign": campaign,
            "phases": phases,
            "counts": counts,
            "as_of": scope.as_of,
            "can_record": user_can(request.user, Action.RECORD, org),
        },
    )
