"""The registry of report kinds: what can be printed, who may print it, what it shows.

A report kind is data plus three functions; the request pipeline (services.py, the
task in tasks.py, the views) knows nothing else about it. Register kinds from a module
in reports/kinds/ (imported by ReportsConfig.ready()):

    register(ReportKind(
        slug="meeting-record",
        title=_("Meeting record"),
        template="reports/meeting_record.html",   # extends reports/base_print.html
        params=("meeting",),
        check=check_meeting,                       # (user, params) -> Organization
        build_context=meeting_context,             # (params, language) -> dict
    ))

Parameters are small JSON values, the ids named in `params` (read from the request
as integers), plus "unmasked" (bool) which the pipeline adds itself for kinds with
`personal_data=True`. The same (kind, params, language) is "the same request".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.http import Http404
from django.utils.functional import Promise

from portal.accounts.permissions import Action, get_organization_for_user

if TYPE_CHECKING:
    from organizations.models import Organization

Params = dict[str, Any]
CheckFn = Callable[[Any, Params], "Organization | None"]
ContextFn = Callable[[Params, str], dict[str, Any]]
FingerprintFn = Callable[[Params], str]


@dataclass(frozen=True)
class ReportKind:
    """One printable report.

    slug: URL-safe identifier, stored on every ReportRequest (never rename one).
    title: lazy, translated: the page heading and the start of the download file name.
    template: under templates/reports/, extending reports/base_print.html.
    params: names of the integer parameters the request carries ("organization",
        "meeting", "problem_list", "appraisal", ...).
    check: check(user, params) -> the organization the report is about (stored on the
        request and used to scope attachments the renderer may load), or None for a
        report that spans several subtrees (the instructor's dossier). Raises Http404
        when the user may not see the object and PermissionDenied (403) when they may
        see it but lack DOWNLOAD_REPORTS: use `require` / get_organization_for_user.
        Called when the report is asked for AND again on every download.
    build_context: build_context(params, language) -> template context. Runs in the
        worker with `language` active and no request or user: everything user-specific
        must be in params (see personal_data). Must set "document_title" and
        "subject" (e.g. the organization's or the meeting's name: it goes into the
        file name); may set "issuer" (the organization named in the title block),
        "document_date" and "attachment_roots" (organization paths whose attachments
        the renderer may load; default: the organization returned by check).
    fingerprint: optional, cheap: a string that changes whenever anything the report
        shows changes. When given, an identical request whose fingerprint equals that
        of the last finished file is served from that file at once, without queueing.
        Without it (the default) the worker renders the HTML, hashes it and reuses the
        last file when the hash is unchanged (docs/reports.md).
    personal_data: the report shows ID numbers or phones; the pipeline stores
        params["unmasked"] = can_view_personal_data(user, organization).
    """

    slug: str
    title: str | Promise
    template: str
    params: tuple[str, ...]
    check: CheckFn
    build_context: ContextFn
    fingerprint: FingerprintFn | None = None
    personal_data: bool = False
    description: str | Promise = ""

    def parse_params(self, data: Any) -> Params:
        """The kind's parameters from a QueryDict / dict: each a positive integer, else
        404 (a malformed link is a link to nothing)."""
        params: Params = {}
        for name in self.params:
            try:
                value = int(data.get(name, ""))
            except (TypeError, ValueError):
                raise Http404 from None
            if value <= 0:
                raise Http404
            params[name] = value
        return params


_KINDS: dict[str, ReportKind] = {}


def register(kind: ReportKind) -> ReportKind:
    """Add a kind; registering the same slug twice keeps the first (module reloads)."""
    _KINDS.setdefault(kind.slug, kind)
    return kind


def get(slug: str) -> ReportKind:
    """The kind with this slug; Http404 for an unknown one."""
    try:
        return _KINDS[slug]
    except KeyError:
        raise Http404 from None


def kinds() -> list[ReportKind]:
    return list(_KINDS.values())


def title_of(slug: str) -> str | Promise:
    """The kind's title, or the slug itself for a kind no longer registered (its old
    requests still list)."""
    kind = _KINDS.get(slug)
    return kind.title if kind is not None else slug


def organization_check(user: Any, params: Params) -> Organization:
    """The usual check: params["organization"] with DOWNLOAD_REPORTS (404 / 403 by the
    project's rule). One query (the organization) once the grants are cached."""
    return get_organization_for_user(user, params["organization"], Action.DOWNLOAD_REPORTS)
