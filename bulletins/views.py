"""Reporting upward and bulletins (docs/product.md §6.6).

Who sees what (portal/accounts/permissions.py; anonymous → login, cannot see → 404,
can see but lacks the action → 403):
* the feed of an organization's subtree and a report's page: VIEW (so an organization
  sees what it sent; the higher levels see everything sent below them);
* send a report: RECORD on the organization (its secretary and clerk);
* select, unselect, compile: COMPILE_BULLETINS on the level (reviewers, the office);
* a bulletin's page and the list of a level's bulletins: VIEW on the compiling level;
  its Word file: DOWNLOAD_REPORTS there (the PDF goes through reports/kinds/bulletin.py).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from activities.models import Campaign, Phase
from activities.models.campaigns import pick_campaign
from organizations.models import Organization
from portal.accounts.permissions import (
    Action,
    get_organization_for_user,
    grants_for,
    require,
    roles_for,
    user_can,
)
from portal.attachments.models import Attachment
from portal.attachments.pending import PendingFiles
from portal.core.record_pages import apply_errors, paginate

from . import selectors, services
from .forms import CompileForm, FeedFilterForm, ReportForm
from .models import Bulletin, UpwardReport

PAGE_SIZE = 20


def _pk(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


def _get_report_for_user(user: Any, pk: Any) -> UpwardReport:
    """The report with its organization, campaign and phase (one query); 404 when the
    user cannot see its organization."""
    report = (
        UpwardReport.objects.select_related("organization", "campaign", "phase", "submitted_by")
        .filter(pk=_pk(pk))
        .first()
    )
    if report is None:
        raise Http404
    require(user, Action.VIEW, report.organization)
    return report


def _get_bulletin_for_user(user: Any, pk: Any, action: Action = Action.VIEW) -> Bulletin:
    bulletin = (
        Bulletin.objects.select_related("organization", "campaign", "compiled_by")
        .filter(pk=_pk(pk))
        .first()
    )
    if bulletin is None:
        raise Http404
    require(user, action, bulletin.organization)
    return bulletin


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The main menu's "Reports upward": the feed of the highest level where the user
    compiles bulletins. 403 for everybody else."""
    grants = grants_for(request.user)
    if grants.is_admin:
        root = Organization.objects.filter(depth=1).order_by("path").first()
        if root is None:
            raise PermissionDenied
        return redirect("bulletins:feed", root.pk)
    paths = grants.scope(Action.COMPILE_BULLETINS) or set()
    for ra in roles_for(request.user):
        if ra.organization.path in paths:
            return redirect("bulletins:feed", ra.organization.pk)
    raise PermissionDenied


@login_required
def feed(request: HttpRequest, org_pk: int) -> HttpResponse:
    """The reports sent within the organization's subtree, newest first, filtered by
    campaign, phase, organization and tag, 20 a page; with COMPILE_BULLETINS, each
    with its select / unselect button and the way to compile.

    Queries: session, user, organization, grants, campaigns, phases, the organizations
    that sent reports, COUNT, one page, the page's photos, the level's selections of the
    page, the navigation's roles and unread count."""
    level = get_organization_for_user(request.user, org_pk)
    may_compile = user_can(request.user, Action.COMPILE_BULLETINS, level)
    campaigns = list(Campaign.objects.for_scope([level.path]).order_by("-starts_on", "-pk"))
    phases = list(
        Phase.objects.filter(campaign__in=[c.pk for c in campaigns]).select_related("campaign")
    )
    senders = list(
        Organization.objects.filter(
            pk__in=UpwardReport.objects.in_subtree(level).values("organization")
        ).order_by("path")
    )
    form = FeedFilterForm(request.GET or None)
    form.set_options(campaigns, phases, senders)
    if not may_compile:
        del form.fields["selected"]
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v}
    by_pk = {str(o.pk): o for o in senders}
    reports = selectors.feed(
        level,
        campaign=_choice(filters.get("campaign"), campaigns),
        phase=_choice(filters.get("phase"), phases),
        tag=filters.get("tag", ""),
        org=by_pk.get(filters.get("organization", "")),
    )
    if filters.get("selected"):
        reports = reports.filter(selections__organization=level)
    page = paginate(request, reports, PAGE_SIZE)
    rows = list(page.object_list)
    photos = selectors.photos_of(rows)
    chosen = selectors.selections_of(level, rows) if may_compile else {}
    query = urlencode(
        [(k, str(v)) for k, v in request.GET.items() if k != "page" and k in form.fields and v]
    )
    return render(
        request,
        "bulletins/feed.html",
        {
            "org": level,
            "form": form,
            "page": page,
            "rows": [(r, photos.get(r.pk, []), chosen.get(r.pk)) for r in rows],
            "may_compile": may_compile,
            "may_submit": user_can(request.user, Action.RECORD, level),
            "query": query,
            "here_url": request.get_full_path(),
        },
    )


def _choice(value: Any, options: list[Any]) -> Any:
    """The option the (already validated) filter names, from the list in hand."""
    if value is None:
        return None
    return next((o for o in options if o.pk == value.pk), None)


@login_required
@require_http_methods(["GET", "POST"])
def report_create(request: HttpRequest, org_pk: int) -> HttpResponse:
    """Send a report upward (RECORD): title, text, campaign and phase, tags, up to nine
    photos. A rejected form keeps the photos already chosen (portal/attachments/pending.py)."""
    org = get_organization_for_user(request.user, org_pk, Action.RECORD)
    campaigns = list(Campaign.objects.for_organization(org).order_by("-starts_on", "-pk"))
    initial: dict[str, Any] = {}
    campaign = pick_campaign(campaigns, request.GET.get("campaign"))
    if campaign is not None:
        initial["campaign"] = campaign.pk
    form = ReportForm(
        request.POST or None, request.FILES or None, campaigns=campaigns, initial=initial
    )
    pending = PendingFiles(request, form, field="photos")
    if campaigns and request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            report = services.report_submit(
                actor=request.user,
                organization=org,
                campaign=data["campaign"],
                phase=data.get("phase"),
                title=data["title"],
                body=data["body"],
                tags=data["tags"],
                photos=pending.uploads(),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            pending.done()
            messages.success(request, _("The report was sent upward."))
            return redirect(report)
    pending.keep()
    return render(
        request,
        "bulletins/report_form.html",
        {"org": org, "form": form, "has_campaign": bool(campaigns)},
    )


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One report with its photos and the bulletins that used it. Queries: session,
    user, report, grants, photos, the bulletins that used it, roles, unread count."""
    report = _get_report_for_user(request.user, pk)
    photos = list(
        Attachment.objects.for_record(report).select_related("organization").order_by("pk")
    )
    used = [
        (s.bulletin, user_can(request.user, Action.VIEW, s.bulletin.organization))
        for s in report.selections.filter(bulletin__isnull=False).select_related(
            "bulletin__organization"
        )
        if s.bulletin is not None  # always (filtered)
    ]
    return render(
        request,
        "bulletins/report_detail.html",
        {"org": report.organization, "report": report, "attachments": photos, "used": used},
    )


@login_required
@require_POST
def report_select(request: HttpRequest, org_pk: int, pk: int) -> HttpResponse:
    """Select (action=select) or unselect (action=unselect) a report for the level
    (COMPILE_BULLETINS); back to the feed where the button was."""
    level = get_organization_for_user(request.user, org_pk)
    report = _get_report_for_user(request.user, pk)
    if not report.organization.path.startswith(level.path):
        raise Http404
    require(request.user, Action.COMPILE_BULLETINS, level)
    try:
        if request.POST.get("action") == "unselect":
            services.report_unselect(actor=request.user, level=level, report=report)
            messages.success(
                request, _("“%(title)s” is no longer selected.") % {"title": report.title}
            )
        else:
            services.report_select(actor=request.user, level=level, report=report)
            messages.success(request, _("“%(title)s” is selected.") % {"title": report.title})
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("bulletins:feed", args=[level.pk])
    return redirect(back)


@login_required
@require_http_methods(["GET", "POST"])
def bulletin_compile(request: HttpRequest, org_pk: int) -> HttpResponse:
    """Compile the level's next bulletin of a campaign (COMPILE_BULLETINS) from its
    selected reports not used yet. Queries: session, user, organization, grants,
    campaigns, the available selections, the last number, roles, unread count."""
    level = get_organization_for_user(request.user, org_pk, Action.COMPILE_BULLETINS)
    campaigns = list(Campaign.objects.for_scope([level.path]).order_by("-starts_on", "-pk"))
    campaign = pick_campaign(campaigns, request.POST.get("campaign") or request.GET.get("campaign"))
    selections = list(services.available_selections(level, campaign)) if campaign else []
    last = (
        Bulletin.objects.filter(campaign=campaign, organization=level)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
        if campaign
        else None
    )
    form = CompileForm(
        request.POST or None,
        selections=selections,
        initial={"title": services.default_title(level), "issuer": level.full_name},
    )
    if request.method == "POST" and campaign is not None and form.is_valid():
        data = form.cleaned_data
        try:
            bulletin = services.bulletin_compile(
                actor=request.user,
                level=level,
                campaign=campaign,
                selection_ids=[int(i) for i in data["items"]],
                title=data["title"],
                issuer=data["issuer"],
                issued_on=data["issued_on"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Bulletin No. %(n)d was compiled; the organizations whose reports it "
                    "uses were told."
                )
                % {"n": bulletin.number},
            )
            return redirect(bulletin)
    return render(
        request,
        "bulletins/compile.html",
        {
            "org": level,
            "form": form,
            "campaign": campaign,
            "campaigns": campaigns,
            "next_number": (last or 0) + 1,
            "has_selections": bool(selections),
        },
    )


@login_required
def bulletin_list(request: HttpRequest, org_pk: int) -> HttpResponse:
    """The bulletins the organization compiled, newest first (VIEW). Queries: session,
    user, organization, grants, COUNT, one page with campaigns and item counts, roles,
    unread count."""
    from django.db.models import Count

    org = get_organization_for_user(request.user, org_pk)
    qs = (
        Bulletin.objects.filter(organization=org)
        .select_related("campaign")
        .annotate(item_count=Count("items"))
        .order_by("-issued_on", "-number", "-pk")
    )
    page = paginate(request, qs, PAGE_SIZE)
    return render(
        request,
        "bulletins/bulletin_list.html",
        {
            "org": org,
            "page": page,
            "may_compile": user_can(request.user, Action.COMPILE_BULLETINS, org),
        },
    )


@login_required
def bulletin_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The bulletin as it reads: title, number, issuer, date, the items with their
    photos; the PDF and Word links. Queries: session, user, bulletin, grants, items,
    photos, roles, unread count."""
    bulletin = _get_bulletin_for_user(request.user, pk)
    return render(
        request,
        "bulletins/bulletin_detail.html",
        {
            "org": bulletin.organization,
            "bulletin": bulletin,
            "items": selectors.bulletin_items(bulletin),
            "may_download": user_can(request.user, Action.DOWNLOAD_REPORTS, bulletin.organization),
        },
    )


@login_required
def bulletin_docx(request: HttpRequest, pk: int) -> HttpResponse:
    """The bulletin as a Word file (DOWNLOAD_REPORTS on the compiling level)."""
    from .wordprocessing import bulletin_response

    bulletin = _get_bulletin_for_user(request.user, pk, Action.DOWNLOAD_REPORTS)
    return bulletin_response(bulletin, selectors.bulletin_items(bulletin))
