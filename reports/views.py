"""Report pages: ask for a report, watch it (htmx polling), download it, retry it, and
the user's own list. A report request is its requester's alone: anyone else gets 404;
download and retry also run the kind's permission check again (404 / 403)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.accounts.permissions import Action, get_organization_for_user
from portal.attachments.views import _file_response

from . import registry
from .models import ReportRequest, ReportStatus
from .services import report_request, report_retry, retention

PAGE_SIZE = 25


def _get_report_for_user(user: Any, pk: Any) -> ReportRequest:
    """The user's own report request with its organization (one query); 404 for any
    other, whoever owns it."""
    try:
        return ReportRequest.objects.select_related("organization").get(
            pk=int(pk), requested_by=user
        )
    except (ReportRequest.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def organization_kinds() -> list[registry.ReportKind]:
    """Kinds asked for with nothing but an organization (listed on its reports page)."""
    return [kind for kind in registry.kinds() if kind.params == ("organization",)]


@login_required
@require_GET
def org_reports(request: HttpRequest, org_pk: int) -> HttpResponse:
    """The reports one can print for an organization, and the user's latest requests
    for it. Queries: session, user, grants, organization, the user's requests."""
    org = get_organization_for_user(request.user, org_pk, Action.DOWNLOAD_REPORTS)
    recent = list(
        ReportRequest.objects.for_user(request.user)
        .filter(organization=org)
        .select_related("organization")[:10]
    )
    return render(
        request,
        "reports/org_reports.html",
        {"org": org, "kinds": organization_kinds(), "recent": recent},
    )


@login_required
@require_http_methods(["GET", "POST"])
def request_new(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: what the report will be, with a button; POST: record the request and go to
    its page at once (the worker renders it). Parameters come from the query string
    (GET) or the form (POST)."""
    kind = registry.get(slug)
    source = request.POST if request.method == "POST" else request.GET
    params = kind.parse_params(source)
    if request.method == "POST":
        report = report_request(
            actor=request.user, kind=kind, params=params, language=get_language()
        )
        # Sent or not, the request's page says where it stands (a message there when
        # the background service is unreachable).
        return redirect(report)
    organization = kind.check(request.user, params)
    return render(
        request,
        "reports/request.html",
        {"kind": kind, "params": params, "organization": organization},
    )


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One request's progress and its file. Queries: session, user, the request."""
    report = _get_report_for_user(request.user, pk)
    return render(request, "reports/detail.html", _detail_context(report))


@login_required
@require_GET
def status(request: HttpRequest, pk: int) -> HttpResponse:
    """The status panel alone, polled by htmx every second while the report waits or
    renders; once done or failed the panel comes back without the polling trigger.
    Queries: session, user, the request."""
    report = _get_report_for_user(request.user, pk)
    return render(request, "reports/detail.html#status", _detail_context(report))


def _detail_context(report: ReportRequest) -> dict[str, Any]:
    context: dict[str, Any] = {
        "report": report,
        "kind_title": registry.title_of(report.kind),
        # Not sent, and not merely waiting for its automatic retry's time.
        "broker_down": report.status == ReportStatus.QUEUED
        and not report.sent_to_broker
        and not (report.retry_at and report.retry_at > timezone.now()),
    }
    if report.status == ReportStatus.EXPIRED:
        # "Make it again": the kind's own parameters, posted to reports:request (which
        # runs the kind's check again).
        kind = registry.get(report.kind)
        context["remake_params"] = [(name, report.params.get(name, "")) for name in kind.params]
        context["retention_days"] = retention().days
    return context


@login_required
@require_GET
def download(request: HttpRequest, pk: int) -> FileResponse:
    """The PDF, as an attachment named after the report and its subject. Runs the
    kind's check again: a user who lost the right gets 404 / 403. Queries: session,
    user, the request, grants, the kind's check (usually the organization)."""
    report = _get_report_for_user(request.user, pk)
    registry.get(report.kind).check(request.user, report.params)
    if report.status != ReportStatus.DONE or not report.file:
        raise Http404
    return _file_response(report.file, "application/pdf", report.file_name, "attachment")


@login_required
@require_POST
def retry(request: HttpRequest, pk: int) -> HttpResponse:
    report = _get_report_for_user(request.user, pk)
    report_retry(actor=request.user, request=report)
    return redirect(report)


@login_required
@require_GET
def my_reports(request: HttpRequest) -> HttpResponse:
    """The user's own requests, newest first, 25 a page. Queries: session, user,
    count, the page's requests with their organizations."""
    queryset = ReportRequest.objects.for_user(request.user).select_related("organization")
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    for report in page.object_list:
        report.kind_title = registry.title_of(report.kind)
    return render(request, "reports/list.html", {"page": page})
