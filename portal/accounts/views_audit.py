"""The audit log page and its export, for the security auditor (安全审计员) only.

Separation of duties: the site administrator runs the system but does not read the
audit log (403 here, and the Django admin shows no audit rows); the auditor reads and
exports it and changes nothing (no grant on any record; every other page answers them
403 or 404). An auditor sees the events of the organizations in their subtree; one
placed at a root of the tree (a county committee) also sees the events tied to no
organization (log-ins, two-factor, accounts, downloads).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from organizations.models import Organization
from organizations.resources.export import table_response

from .models import AuditEvent, Role
from .permissions import roles_for

EVENTS_PER_PAGE = 50
EXPORT_FORMATS = ("csv", "xlsx")

# Actions written today, offered as suggestions in the filter (any prefix works).
KNOWN_ACTIONS = (
    "auth.login",
    "auth.logout",
    "auth.login_failed",
    "auth.lockout",
    "otp.",
    "role.assign",
    "role.revoke",
    "user.",
    "member.",
    "record.write",
    "file.download",
    "import.",
    "campaign.",
)


def auditor_paths(user: Any) -> list[str]:
    """Paths of the nodes where the user is the security auditor (roles are cached: no
    query beyond the one the menu makes). A site administrator is never one."""
    if not user.is_authenticated or user.is_superuser or user.is_staff:
        return []
    return [ra.organization.path for ra in roles_for(user) if ra.role == Role.AUDITOR]


def _require_auditor(user: Any) -> list[str]:
    paths = auditor_paths(user)
    if not paths:
        raise PermissionDenied
    return paths


def events_in_scope(paths: list[str]) -> QuerySet[AuditEvent]:
    q = Q()
    for p in sorted(paths):
        q |= Q(organization__path__startswith=p)
    if any(len(p) == Organization.steplen for p in paths):
        q |= Q(organization__isnull=True)
    return AuditEvent.objects.filter(q)


class AuditFilterForm(forms.Form):
    who = forms.CharField(label=gettext_lazy("Who (username)"), required=False, max_length=150)
    action = forms.CharField(
        label=gettext_lazy("Action"),
        required=False,
        max_length=50,
        help_text=gettext_lazy("The start is enough, e.g. “otp.” or “role.”"),
        widget=forms.TextInput(attrs={"list": "audit-actions"}),
    )
    object_type = forms.CharField(
        label=gettext_lazy("Object type"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("e.g. activities.meeting"),
    )
    organization = forms.CharField(
        label=gettext_lazy("Organization code"),
        required=False,
        max_length=40,
        help_text=gettext_lazy("Events of this organization and those below it."),
    )
    date_from = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, paths: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.paths = paths

    def clean_organization(self) -> Organization | None:
        code = self.cleaned_data["organization"].strip()
        if not code:
            return None
        org: Organization | None = Organization.objects.filter(code=code).first()
        if org is None or not any(org.path.startswith(p) for p in self.paths):
            raise forms.ValidationError(_("No organization with this code in your scope."))
        return org

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def apply(self, events: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        data = self.cleaned_data
        if data.get("who"):
            events = events.filter(actor__username__icontains=data["who"].strip())
        if data.get("action"):
            events = events.filter(action__startswith=data["action"].strip())
        if data.get("object_type"):
            events = events.filter(object_type__startswith=data["object_type"].strip())
        if data.get("organization"):
            events = events.filter(organization__path__startswith=data["organization"].path)
        zone = timezone.get_current_timezone()
        if data.get("date_from"):
            start = dt.datetime.combine(data["date_from"], dt.time.min, tzinfo=zone)
            events = events.filter(at__gte=start)
        if data.get("date_to"):
            end = dt.datetime.combine(
                data["date_to"] + dt.timedelta(days=1), dt.time.min, tzinfo=zone
            )
            events = events.filter(at__lt=end)
        return events


def _filtered(request: HttpRequest) -> tuple[AuditFilterForm, QuerySet[AuditEvent]]:
    paths = _require_auditor(request.user)
    form = AuditFilterForm(request.GET or None, paths=paths)
    events = events_in_scope(paths)
    if form.is_bound:
        events = form.apply(events) if form.is_valid() else events.none()
    return form, events.select_related("actor", "organization").order_by("-at", "-pk")


@login_required
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    """Filters (who, action, object type, organization, dates), 50 a page. Queries:
    the session, the user, their roles, the menu's grants, the count, one page (with
    actors and organizations)."""
    form, events = _filtered(request)
    page = Paginator(events, EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context: dict[str, Any] = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "known_actions": KNOWN_ACTIONS,
    }
    status = 400 if form.is_bound and form.errors else 200
    context["status"] = status
    return render(request, "accounts/audit_log.html", context, status=status)


def _rows(events: QuerySet[AuditEvent]) -> Iterator[list[Any]]:
    zone = timezone.get_current_timezone()
    for event in events.iterator(chunk_size=2000):
        yield [
            event.at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
            event.actor.username if event.actor else "",
            event.action,
            event.object_type,
            event.target,
            event.organization.short_name if event.organization else "",
            event.organization.code if event.organization else "",
            event.ip or "",
            str(event.detail) if event.detail else "",
        ]


@login_required
@require_GET
def audit_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    """The filtered log as .csv or .xlsx (every matching row, streamed in chunks). The
    download is itself an audit row (audit.AuditMiddleware)."""
    if fmt not in EXPORT_FORMATS:
        raise Http404
    form, events = _filtered(request)
    if form.is_bound and form.errors:
        return audit_log(request)  # the page with the field errors (400)
    headers = [
        _("When"),
        _("Who"),
        _("Action"),
        _("Object type"),
        _("Target"),
        _("Organization"),
        _("Organization code"),
        _("Address"),
        _("Detail"),
    ]
    return table_response(
        title=_("Audit log"),
        headers=headers,
        rows=_rows(events),
        fmt=fmt,
        filename="audit-log",
    )
