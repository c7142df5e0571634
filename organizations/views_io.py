"""Pages for spreadsheet import and export (mounted at /io/, app "io").

Who may do what (organizations/imports/engine.py IMPORT_ACTIONS):
- import members or enterprises: RECORD (secretary, clerk) or MANAGE_ORGANIZATIONS
  (reviewer) on the target organization; rows outside that scope are refused row by row;
- import organizations: MANAGE_ORGANIZATIONS on the parent (new) or the node (update);
- export: any list the user can see, limited to their scope; personal data masked per
  row unless PERSONAL_DATA on the member's organization.
Status codes follow the house rule: anonymous → login; cannot see the organization (or
has nothing to import/export at all) → 404; can see but may not import → 403.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from portal.accounts.permissions import (
    Action,
    get_organization_for_user,
    grants_for,
    roles_for,
    visible_organizations,
)
from portal.core.http import AuthenticatedHttpRequest

from . import selectors
from .forms import EnterpriseFilterForm, MemberFilterForm
from .imports import (
    FileRejected,
    import_job_confirm,
    import_job_create,
    import_job_retry,
    import_job_start,
    may_import,
    may_import_somewhere,
)
from .models import Enterprise, ImportJob, Organization
from .resources import (
    EXPORTS,
    RESOURCES,
    EnterpriseResource,
    MemberResource,
    OrganizationResource,
    build_template,
    export_response,
    register_export,
)

KIND_LABELS = {
    "members": gettext_lazy("Members"),
    "organizations": gettext_lazy("Party organizations"),
    "enterprises": gettext_lazy("Enterprises"),
}
EXPORT_FORMATS = ("xlsx", "csv")


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet (.xlsx or .csv)"),
        help_text=gettext_lazy(
            "The first sheet, with one heading row; a title row above it is fine. "
            "Blank rows are skipped."
        ),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,.csv,text/csv,application/vnd.ms-excel"}
        ),
    )


def import_kinds_for(user: Any, org: Organization) -> list[dict[str, Any]]:
    """[{"kind", "label"}] the user may import into `org` (imports.may_import), for the
    links on the organization's page. No query (grants are cached on the user)."""
    return [
        {"kind": kind, "label": KIND_LABELS[kind]}
        for kind in RESOURCES
        if may_import(user, kind, org.path)
    ]


# The lists an organization's page offers for download, scoped to its subtree.
ORGANIZATION_EXPORTS = ("members", "enterprises", "organizations")


def _kind_or_404(kind: str) -> str:
    if kind not in RESOURCES:
        raise Http404
    return kind


def _may_import_or_raise(user: Any, kind: str, org: Organization | None) -> None:
    """403 for a user who sees the organization (or something) but may not import; 404
    for one who sees nothing there."""
    grants = grants_for(user)
    if org is not None:
        if may_import(user, kind, org.path):
            return
        if grants.allows(Action.VIEW, org.path):
            raise PermissionDenied
        raise Http404
    if may_import_somewhere(user, kind):
        return
    if grants.any:
        raise PermissionDenied
    raise Http404


def _target_organization(request: AuthenticatedHttpRequest, kind: str) -> Organization | None:
    """`?org=<pk>`: the organization rows without one go into (members) or the default
    parent (organizations)."""
    raw = request.GET.get("org")
    if not raw:
        _may_import_or_raise(request.user, kind, None)
        return None
    org = get_organization_for_user(request.user, raw)  # 404 when not visible
    _may_import_or_raise(request.user, kind, org)
    return org


def _get_job_for_user(request: AuthenticatedHttpRequest, pk: int) -> ImportJob:
    """A user sees only their own imports; anyone else's is a 404."""
    job = (
        ImportJob.objects.select_related("organization")
        .filter(pk=pk, user_id=request.user.pk)
        .first()
    )
    if job is None:
        raise Http404
    return job


@login_required
@require_GET
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    """What the user may import and export, and their recent imports."""
    user = request.user
    grants = grants_for(user)
    if not grants.any:
        raise Http404
    imports = [
        {"kind": kind, "label": KIND_LABELS[kind]}
        for kind in RESOURCES
        if may_import_somewhere(user, kind)
    ]
    # One entry per organization where a role lets the user import members.
    targets = [
        r.organization for r in roles_for(user) if may_import(user, "members", r.organization.path)
    ]
    targets = list({o.pk: o for o in targets}.values())
    exports = [{"kind": kind, "label": spec.label} for kind, spec in EXPORTS.items()]
    jobs = list(ImportJob.objects.filter(user=user).select_related("organization")[:10])
    return render(
        request,
        "io/index.html",
        {
            "imports": imports,
            "targets": targets,
            "exports": exports,
            "formats": EXPORT_FORMATS,
            "jobs": jobs,
        },
    )


@login_required
def import_upload(request: AuthenticatedHttpRequest, kind: str) -> HttpResponse:
    """Upload → checked at once (small files) or by a background task (large ones) →
    the job page shows the preview."""
    kind = _kind_or_404(kind)
    org = _target_organization(request, kind)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = import_job_create(
                actor=request.user, kind=kind, uploaded=form.cleaned_data["file"], organization=org
            )
        except FileRejected as exc:
            form.add_error("file", exc.message)
        else:
            import_job_start(job=job)
            return redirect(job)
    template_url = f"?org={org.pk}" if org else ""
    return render(
        request,
        "io/import.html",
        {
            "form": form,
            "kind": kind,
            "kind_label": KIND_LABELS[kind],
            "org": org,
            "template_query": template_url,
            "columns": list(RESOURCES[kind](user=request.user).columns.values()),
        },
    )


@login_required
@require_GET
def import_template(request: AuthenticatedHttpRequest, kind: str) -> HttpResponse:
    """The .xlsx template: headings, one example row, drop-down lists."""
    kind = _kind_or_404(kind)
    org = _target_organization(request, kind)
    resource = RESOURCES[kind](user=request.user)
    example: dict[str, Any] = {}
    if org is not None and kind == "members":
        example = {"organization": org.full_name, "organization_code": org.code}
    elif org is not None and kind == "organizations":
        example = {"parent": org.full_name, "parent_code": org.code}
    elif org is not None:
        example = {"organizations": org.full_name, "organization_codes": org.code}
    content = build_template(resource, example=example)
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = f"{resource.title()}-template.xlsx"
    response["Content-Disposition"] = _attachment(name)
    return response


def _attachment(name: str) -> str:
    from django.utils.http import content_disposition_header

    return content_disposition_header(as_attachment=True, filename=name) or "attachment"


@login_required
@require_GET
def job_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Progress while running (polled by htmx), then the preview or the outcome."""
    job = _get_job_for_user(request, pk)
    context = {"job": job, "summary": job.summary or {}, "kind_label": KIND_LABELS[job.kind]}
    if request.htmx:
        return render(request, "io/job.html#job-body", context)
    return render(request, "io/job.html", context)


@login_required
@require_POST
def job_confirm(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = _get_job_for_user(request, pk)
    try:
        import_job_confirm(actor=request.user, job=job)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(job)


@login_required
@require_POST
def job_retry(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The owner's "Try again" on an import that looks stuck (its worker died or its
    message was lost): sent again at once."""
    job = _get_job_for_user(request, pk)
    try:
        if import_job_retry(actor=request.user, job=job):
            messages.success(request, gettext("The import was sent again."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(job)


def _members_for_export(request: AuthenticatedHttpRequest) -> QuerySet:
    """The member list's filters: q, org (code), status, active, investor, pocket,
    mobile, lost (organizations.forms.MemberFilterForm)."""
    user = request.user
    form = MemberFilterForm(request.GET or None, organizations=visible_organizations(user))
    members = form.apply(selectors.visible_members(user))
    _refuse_unseen_filter(form)
    return members


def _enterprises_for_export(request: AuthenticatedHttpRequest) -> QuerySet:
    """The enterprise list's filters: q, org (code), type."""
    form = EnterpriseFilterForm(
        request.GET or None, organizations=visible_organizations(request.user)
    )
    data = form.filters()
    _refuse_unseen_filter(form)
    enterprises = Enterprise.objects.all()
    if data.get("org") is not None:
        enterprises = enterprises.filter(
            pk__in=selectors.enterprises_in_subtree(data["org"]).values("pk")
        )
    if data.get("q"):
        enterprises = enterprises.search(data["q"])
    if data.get("type"):
        enterprises = enterprises.filter(enterprise_type=data["type"])
    return enterprises


def _organizations_for_export(request: AuthenticatedHttpRequest) -> QuerySet:
    """The tree's search (q) and a subtree (org, by code)."""
    form = EnterpriseFilterForm(
        request.GET or None, organizations=visible_organizations(request.user)
    )
    data = form.filters()
    _refuse_unseen_filter(form)
    organizations = Organization.objects.all()
    if data.get("org") is not None:
        organizations = organizations.in_subtree(data["org"])
    if data.get("q"):
        organizations = organizations.search(data["q"])
    return organizations


def _refuse_unseen_filter(form: forms.Form) -> None:
    if "org" in form.errors:
        raise Http404  # an organization the user cannot see: no hint that it exists


register_export(
    "members", label=KIND_LABELS["members"], resource=MemberResource, queryset=_members_for_export
)
register_export(
    "organizations",
    label=KIND_LABELS["organizations"],
    resource=OrganizationResource,
    queryset=_organizations_for_export,
)
register_export(
    "enterprises",
    label=KIND_LABELS["enterprises"],
    resource=EnterpriseResource,
    queryset=_enterprises_for_export,
)


@login_required
@require_GET
def export(request: AuthenticatedHttpRequest, kind: str, fmt: str) -> HttpResponseBase:
    """Any registered list (resources.EXPORTS) the user can see, as .xlsx or .csv, with
    the list page's filters; limited to the user's scope, personal data masked."""
    spec = EXPORTS.get(kind)
    if spec is None or fmt not in EXPORT_FORMATS:
        raise Http404
    user = request.user
    if not grants_for(user).any:
        # A role with no right on the records (the account manager, the security
        # auditor) is refused (403); an account with no role at all sees nothing (404).
        if roles_for(user):
            raise PermissionDenied
        raise Http404
    queryset = spec.queryset(request)
    resource = spec.resource(user=user)
    return export_response(resource, queryset, user=user, fmt=fmt, filename=resource.title())
