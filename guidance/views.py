"""The instructor's page and the guidance visit log (issue #7 item 3).

Who reads and who writes (docs/product.md §1 and §4):
* READ a visit: whoever may VIEW its organization — reviewers and the campaign office
  above it (their whole subtree), its instructors, and the secretary and clerk of the
  organization or of one above it. Advice is given to the organization's team, so its
  own officers read it; nothing in a visit is personal data. Party members with a
  login and outsiders get 404.
* LOG a visit: an instructor assigned to the organization or to one above it, or a site
  administrator (services.may_log_visit); others who can see it get 403.
* EDIT a visit: only the instructor who logged it (while still assigned there) or a
  site administrator (services.may_edit_visit); others who can see it get 403.
* The instructor's page (/guidance/): instructors and site administrators; 403 for
  everybody else.
Anonymous users are sent to the login page. Every page runs a fixed number of queries
(tests/guidance/test_views.py pins them).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from portal.accounts.models import Role
from portal.accounts.permissions import (
    Action,
    filter_by_scope,
    get_organization_for_user,
    grants_for,
    require,
    roles_for,
)
from portal.core.http import AuthenticatedHttpRequest
from portal.core.record_pages import handle_record_form, paginate
from rectification.selectors_satisfaction import below_threshold_in

from . import services
from .forms import VisitForm
from .models import GuidanceVisit
from .selectors import assigned_enterprises, assigned_status, filter_visits
from .services import may_edit_visit, may_log_visit

PAGE_SIZE = 50
RECENT_VISITS = 10


def _get_visit_for_user(request: HttpRequest, pk: Any, *, write: bool = False) -> GuidanceVisit:
    """The visit with its organization and instructor (one query). 404 when the user
    cannot see its organization; with `write`, 403 when they may not edit it."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    visit = GuidanceVisit.objects.select_related("organization", "instructor").filter(pk=pk).first()
    if visit is None:
        raise Http404
    require(request.user, Action.VIEW, visit.organization)
    if write and not may_edit_visit(request.user, visit):
        raise PermissionDenied
    return visit


def _rows(user: Any, visits: Any) -> list[tuple[GuidanceVisit, bool]]:
    return [(v, may_edit_visit(user, v)) for v in visits]


@login_required
def instructor_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The instructor's organizations with their checklist status (share of
    requirements met, the failing ones, last visit, next follow-up, overdue follow-ups),
    the instructor's overdue follow-ups and their latest visits.

    Queries: session, user, roles; campaigns + phases (2); per campaign the scope and
    the requirements' grouped queries; visit figures (1); overdue follow-ups (1); the
    enterprises without an organization assigned to them (1, and 1 for their members);
    latest visits (1); organizations under the satisfaction threshold (1 per campaign);
    then the navigation's grants and unread count."""
    user = request.user
    assigned = [ra.organization for ra in roles_for(user) if ra.role == Role.INSTRUCTOR]
    # Enterprises without an organization the user guides (docs/product.md §4).
    enterprises = assigned_enterprises(user)
    if not assigned and not enterprises and not user.is_superuser:
        raise PermissionDenied
    today = timezone.localdate()
    statuses = assigned_status(assigned, today)
    overdue = list(
        GuidanceVisit.objects.filter(instructor=user)
        .overdue(today)
        .for_list()
        .order_by("follow_up_due", "pk")
    )
    recent = list(GuidanceVisit.objects.filter(instructor=user).for_list()[:RECENT_VISITS])
    # Organizations whose satisfaction ballots fall short of their campaign's threshold
    # (docs/product.md §6.5), in the assigned subtrees: one query per campaign.
    by_campaign: dict[int, tuple[Any, list[Any]]] = {}
    for row in statuses:
        if row.campaign is not None:
            by_campaign.setdefault(row.campaign.pk, (row.campaign, []))[1].append(row.organization)
    satisfaction_below = [
        (campaign, rows)
        for campaign, roots in by_campaign.values()
        if (rows := below_threshold_in(campaign, roots))
    ]
    return render(
        request,
        "guidance/home.html",
        {
            "statuses": statuses,
            "overdue": overdue,
            "recent": recent,
            "today": today,
            "enterprises": enterprises,
            "satisfaction_below": satisfaction_below,
        },
    )


@login_required
def visit_list(request: HttpRequest) -> HttpResponse:
    """Every visit the user may read, newest first; filters: only mine, only overdue
    follow-ups. 403 for users who see no organization. Queries: session, user, grants,
    roles, COUNT, one page, unread count."""
    scope = grants_for(request.user).scope(Action.VIEW)
    if scope is not None and not scope:
        raise PermissionDenied
    today = timezone.localdate()
    qs = filter_by_scope(
        GuidanceVisit.objects.for_list(), request.user, path_field="organization__path"
    )
    qs, mine, overdue = filter_visits(qs, request.user, request.GET, today)
    page = paginate(request, qs, PAGE_SIZE)
    query = "&".join(f"{k}=1" for k, on in (("mine", mine), ("overdue", overdue)) if on)
    return render(
        request,
        "guidance/visit_list.html",
        {
            "org": None,
            "page": page,
            "rows": _rows(request.user, page.object_list),
            "mine": mine,
            "overdue": overdue,
            "query": query,
            "today": today,
        },
    )


@login_required
def org_visits(request: HttpRequest, org_pk: int) -> HttpResponse:
    """Visits to the organization and those below it, newest first. Queries: session,
    user, organization, grants, roles, COUNT, one page, unread count."""
    org = get_organization_for_user(request.user, org_pk)
    qs = GuidanceVisit.objects.in_subtree(org).for_list()
    page = paginate(request, qs, PAGE_SIZE)
    return render(
        request,
        "guidance/visit_list.html",
        {
            "org": org,
            "page": page,
            "rows": _rows(request.user, page.object_list),
            "may_log": may_log_visit(request.user, org),
            "query": "",
            "today": timezone.localdate(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def visit_create(request: HttpRequest, org_pk: int) -> HttpResponse:
    """Log a visit to the organization (its instructors, site administrators)."""
    org = get_organization_for_user(request.user, org_pk)
    if not may_log_visit(request.user, org):
        raise PermissionDenied
    form = VisitForm(request.POST or None, initial={"visited_on": timezone.localdate()})
    return handle_record_form(
        request,
        form,
        save=lambda form: services.visit_create(
            actor=request.user, organization=org, fields=form.service_fields()
        ),
        success_message=_("The visit was logged."),
        success_url=lambda visit: visit.get_absolute_url(),
        template="guidance/visit_form.html",
        context={"org": org, "visit": None},
    )


@login_required
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One visit. Queries: session, user, visit with organization and instructor,
    grants, roles, unread count."""
    visit = _get_visit_for_user(request, pk)
    return render(
        request,
        "guidance/visit_detail.html",
        {
            "org": visit.organization,
            "visit": visit,
            "may_edit": may_edit_visit(request.user, visit),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def visit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a visit, or record that its follow-up was done (the instructor who logged
    it, site administrators). A save on a stale copy is refused with 409."""
    visit = _get_visit_for_user(request, pk, write=True)
    form = VisitForm(request.POST or None, instance=visit, editing=True)
    return handle_record_form(
        request,
        form,
        save=lambda form: services.visit_update(
            actor=request.user,
            visit=visit,
            fields=form.service_fields(),
            seen_updated_at=form.seen_updated_at,
        ),
        success_message=_("The visit was saved."),
        success_url=visit.get_absolute_url(),
        template="guidance/visit_form.html",
        context={"org": visit.organization, "visit": visit},
    )
