from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render

from activities.models import Campaign, Phase
from activities.models.campaigns import preferred_campaign
from portal.accounts.permissions import Action, get_organization_for_user, user_can

from .engine import Level, evaluate, requirements
from .scopes import scope_for_org

if TYPE_CHECKING:
    from organizations.models import Organization

    from .grid import Grid


def campaign_for(org: Organization, campaign_pk: int | None) -> Campaign:
    """The campaign the organization takes part in: the one asked for (404 if the
    organization is not in its lead organization's subtree), else the running one
    (else the latest: preferred_campaign)."""
    campaigns = Campaign.objects.for_organization(org).prefetch_related("phases")
    if campaign_pk:
        campaign = campaigns.filter(pk=campaign_pk).first()
    else:
        campaign = preferred_campaign(campaigns)
    if campaign is None:
        raise Http404
    return campaign


@login_required
def checklist(request: HttpRequest, org_pk: int, campaign_pk: int | None = None) -> HttpResponse:
    """Every requirement of one organization in one campaign, met / submitted and
    waiting for review / in progress / not met, with the reason and a link to the page that fixes it. Queries: grants, organization,
    campaign + phases, scope, then one or two per requirement."""
    org = get_organization_for_user(request.user, org_pk)
    campaign = campaign_for(org, campaign_pk)
    scope = scope_for_org(org, campaign)
    results = evaluate(scope).get(org.pk, {})
    rows = [(req, results[req.code]) for req in requirements(campaign) if req.code in results]
    phases = []
    known = list(campaign.phases.all())
    # A requirement of a phase the campaign has no dates for (phases are data) is still
    # listed, under its number.
    numbers = {p.number for p in known}
    known += [
        Phase(campaign=campaign, number=n, name_zh="", name_en="")
        for n in sorted({req.phase for req, _res in rows} - numbers)
    ]
    for phase in known:
        phase_rows = [(req, res) for req, res in rows if req.phase == phase.number]
        if phase_rows:
            phases.append((phase, phase_rows))
    counts = {level: sum(1 for _, r in rows if r.level == level) for level in Level}
    done = counts[Level.GREEN] + counts[Level.WAITING]
    return render(
        request,
        "progress/checklist.html",
        {
            "org": org,
            "campaign": campaign,
            "phases": phases,
            "counts": counts,
            "done": done,
            "total": len(rows),
            "as_of": scope.as_of,
            "can_record": user_can(request.user, Action.RECORD, org),
        },
    )


GRID_PAGE_SIZE = 50


@login_required
def grid(request: HttpRequest, org_pk: int) -> HttpResponseBase:
    """The requirement grid of the subtree under an organization (docs/product.md §8). Queries:
    grants, organization, campaign + phases, the roll-up's freshness check and rows,
    then for the page shown its organizations and the requirements' grouped queries
    over them; the same whatever the subtree's size."""
    from django.core.paginator import Paginator

    from organizations.models import OrgKind

    from .grid import SORTS, attach_details, build_grid, render_rows
    from .urging import latest_urges, may_urge

    org = get_organization_for_user(request.user, org_pk)
    campaign = campaign_for(org, _int(request.GET.get("campaign")))
    codes = {r.code for r in requirements(campaign)}
    kind = request.GET.get("kind", "")
    kind = kind if kind in OrgKind.values else ""
    failing = request.GET.get("failing", "")
    failing = failing if failing in codes else ""
    phase = _int(request.GET.get("phase"))
    phase = phase if phase in {p.number for p in campaign.phases.all()} else None
    sort = request.GET.get("sort", "path")
    sort = sort if sort in SORTS else "path"
    weak = request.GET.get("weak") == "1"
    table = build_grid(org, campaign, kind=kind, weak=weak, failing=failing, phase=phase, sort=sort)
    fmt = request.GET.get("format")
    if fmt in {"csv", "xlsx"}:
        return _grid_download(table, org, fmt)
    page = Paginator(table.rows, GRID_PAGE_SIZE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    attach_details(table, shown)
    # "Urged 2 days ago": for the failing requirement filtered on, else for any.
    urged = latest_urges(campaign, [row.org_id for row in shown], failing or None)
    for row in shown:
        row.urged_at = urged.get(row.org_id)
    can_urge = bool(failing) and may_urge(request.user, org)
    render_rows(table, shown, can_urge=can_urge)
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    sort_query = query.copy()
    sort_query.pop("sort", None)
    return render(
        request,
        "progress/grid.html",
        {
            "org": org,
            "campaign": campaign,
            "table": table,
            "page": page,
            "query": query.urlencode(),
            "sort_query": sort_query.urlencode(),
            "can_urge": can_urge,
            "failing_requirement": next(
                (r for r in requirements(campaign) if r.code == failing), None
            ),
            "filters": {
                "kind": kind,
                "weak": weak,
                "failing": failing,
                "phase": phase,
                "sort": sort,
            },
            "kinds": OrgKind.choices,
            "all_requirements": requirements(campaign),
            "phases": list(campaign.phases.all()),
        },
    )


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except (TypeError, ValueError):
        return None


def _grid_download(table: Grid, org: Organization, fmt: str) -> FileResponse:
    """The whole filtered grid (not one page) as a spreadsheet: one row per
    organization with its parent organization, requirements done of those that apply,
    then the level and the reason of each requirement."""
    from django.utils.translation import gettext as _
    from django.utils.translation import pgettext

    from organizations.models import Organization
    from organizations.resources import table_response

    from .grid import attach_details

    attach_details(table, table.rows)
    labels = {
        Level.GREEN: _("Met"),
        Level.WAITING: _("Submitted, waiting for review"),
        Level.AMBER: _("In progress"),
        Level.RED: _("Not met"),
    }
    step = Organization.steplen
    parents = dict(
        Organization.objects.filter(
            path__in={row.path[:-step] for row in table.rows if len(row.path) > step}
        ).values_list("path", "full_name")
    )
    headers = [
        _("Organization"),
        _("Code"),
        _("Parent organization"),
        _("Kind"),
        _("Members"),
        pgettext("done of total", "Done"),
        _("Requirements"),
    ]
    for column in table.columns:
        headers += [str(column.label), _("Reason")]
    rows = []
    for row in table.rows:
        o = row.organization
        line = [
            o.full_name if o else "",
            o.code if o else "",
            parents.get(row.path[:-step], ""),
            o.get_kind_display() if o else "",
            row.members,
            row.done,
            row.applicable,
        ]
        for cell in row.cells:
            line += [labels[cell.level], cell.reason] if cell else ["", ""]
        rows.append(line)
    return table_response(
        title=str(_("Requirement grid")),
        headers=headers,
        rows=rows,
        fmt=fmt,
        filename=f"grid-{org.code}",
    )
