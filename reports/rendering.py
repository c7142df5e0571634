"""HTML and PDF rendering of a report, with a URL fetcher that loads nothing but our own
static files and the report's own attachments.

WeasyPrint 70 calls `url_fetcher(url)` for every stylesheet, image and font the HTML
names and expects a URLFetcherResponse; any exception it raises is caught and logged as
a warning and the resource is skipped (weasyprint.urls.fetch). SafeFetcher therefore
raises for everything it refuses: no network, no file://, no redirects (nothing is
ever opened through urllib, so there is nothing to redirect).
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import posixpath
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .registry import Params, ReportKind

logger = logging.getLogger(__name__)

# Relative URLs in report templates ({% static %} gives "/static/...") resolve against
# this base; the host is in the reserved .invalid domain and never looked up.
BASE_URL = "http://report.invalid/"
STATIC_PREFIX = BASE_URL.rstrip("/") + settings.STATIC_URL
# Placeholders replaced after hashing: the content hash covers everything else.
_AT = "\x00GENERATED_AT\x00"
_HASH = "\x00CONTENT_HASH\x00"
_ATTACHMENT = re.compile(r"^attachment:(\d+)(/thumb)?$")


class RefusedURL(ValueError):
    """A URL the report renderer will not load."""


class SafeFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint has no type information
    """Serves `http://report.invalid/static/<path>` from our static files (finders, then
    STATIC_ROOT) and `attachment:<pk>[/thumb]` from storage when the attachment belongs
    to an organization under one of `attachment_roots` (materialized paths); `data:`
    URLs are decoded by WeasyPrint's own handler. Everything else raises RefusedURL.
    `refused` lists what was refused, for the tests and the logs."""

    def __init__(self, attachment_roots: list[str]) -> None:
        super().__init__(allowed_protocols=["data"], allow_redirects=False)
        self.attachment_roots = [root for root in attachment_roots if root]
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return super().fetch(url, headers)
        if url.startswith(STATIC_PREFIX):
            return self._static(url)
        match = _ATTACHMENT.match(url)
        if match:
            return self._attachment(int(match[1]), thumb=bool(match[2]), url=url)
        return self._refuse(url)

    def _refuse(self, url: str) -> URLFetcherResponse:
        self.refused.append(url)
        logger.warning("report renderer refused %s", url[:200])
        raise RefusedURL(f"refused: {url[:200]}")

    def _static(self, url: str) -> URLFetcherResponse:
        parts = urlsplit(url)
        relative = unquote(parts.path[len(settings.STATIC_URL) :])
        normalized = posixpath.normpath(relative)
        if parts.query or normalized.startswith(("..", "/")) or normalized != relative:
            return self._refuse(url)
        found = finders.find(normalized)
        path = Path(found) if found else Path(settings.STATIC_ROOT) / normalized
        if not path.is_file():
            return self._refuse(url)
        mime = mimetypes.guess_type(normalized)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})

    def _attachment(self, pk: int, *, thumb: bool, url: str) -> URLFetcherResponse:
        from portal.attachments.models import Attachment

        attachment = Attachment.objects.select_related("organization").filter(pk=pk).first()
        if attachment is None or not any(
            attachment.organization.path.startswith(root) for root in self.attachment_roots
        ):
            return self._refuse(url)
        if not attachment.is_image:
            return self._refuse(url)
        field = attachment.thumbnail if thumb and attachment.thumbnail else attachment.file
        mime = attachment.mime_type
        if field is attachment.thumbnail:
            mime = "image/png" if field.name.endswith(".png") else "image/jpeg"
        try:
            with field.open("rb") as handle:
                data = handle.read()
        except (OSError, ValueError):
            return self._refuse(url)
        return URLFetcherResponse(url, data, {"Content-Type": mime})


@dataclass
class RenderedHTML:
    html: str  # with placeholders for the generation time and the hash
    content_hash: str
    file_stem: str
    attachment_roots: list[str]

    def final(self, generated_at: Any) -> str:
        at = formats.date_format(timezone.localtime(generated_at), "Y-m-d H:i")
        return self.html.replace(_AT, at).replace(_HASH, self.content_hash[:16])


def issuing_assignment(user: Any, organization: Any) -> Any:
    """The role assignment under which `user` issues a document about `organization`:
    the one on the nearest organization at or above it (the user's own level), else
    the user's first assignment (the instructor's dossier spans several subtrees);
    None for a user without one (a site administrator)."""
    from portal.accounts.models import RoleAssignment

    assignments = list(
        RoleAssignment.objects.filter(user=user)
        .select_related("organization")
        .order_by("organization__path", "role")
    )
    if organization is not None:
        above = [a for a in assignments if organization.path.startswith(a.organization.path)]
        if above:
            return max(above, key=lambda a: len(a.organization.path))
    return assignments[0] if assignments else None


def _issuing(context: dict[str, Any], requested_by: Any, organization: Any) -> None:
    """Who issues the document (the cover and the sign-off): the requester's
    organization, name and role; without a requester, the kind's issuer."""
    name = role = org_name = ""
    if requested_by is not None:
        name = requested_by.display_name
        assignment = issuing_assignment(requested_by, organization)
        if assignment is not None:
            role = assignment.get_role_display()
            org_name = assignment.organization.full_name
    context.setdefault("issued_by_name", name)
    context.setdefault("issued_by_role", role)
    context.setdefault("issuing_org_name", org_name or context.get("issuer_name", ""))


def render_html(
    kind: ReportKind,
    params: Params,
    language: str,
    organization: Any = None,
    requested_by: Any = None,
) -> RenderedHTML:
    """The report's HTML in `language`, and the SHA-256 of that HTML with the
    generation time left out: the content hash that decides reuse (docs/reports.md).
    `requested_by` (the user who asked) is named on the cover as the issuer."""
    with translation.override(language):
        context = kind.build_context(params, language)
        issuer = context.get("issuer") or organization
        context.setdefault("issuer_name", getattr(issuer, "full_name", issuer or ""))
        _issuing(context, requested_by, organization)
        context["generated_at"] = _AT
        context["content_hash"] = _HASH
        html = render_to_string(kind.template, context)
        stem = _file_stem(str(kind.title), str(context.get("subject", "")))
    roots = context.get("attachment_roots")
    if roots is None:
        roots = [organization.path] if organization is not None else []
    digest = hashlib.sha256("\n".join([kind.slug, language, html]).encode("utf-8")).hexdigest()
    return RenderedHTML(html=html, content_hash=digest, file_stem=stem, attachment_roots=roots)


def _file_stem(title: str, subject: str) -> str:
    """ "<title>-<subject>-<date>", without characters file systems or headers reject."""
    today = timezone.localdate().strftime("%Y%m%d")
    raw = "-".join(part for part in (title, subject, today) if part)
    cleaned = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", raw).strip(" ._")
    return cleaned[:150] or "report"


@dataclass
class RenderedPDF:
    data: bytes
    pages: int
    refused: list[str]


def render_pdf(html: str, attachment_roots: list[str]) -> RenderedPDF:
    """Lay out and write the PDF (the slow part). No network, see SafeFetcher."""
    delay = getattr(settings, "REPORTS_TEST_RENDER_DELAY", 0)
    if delay:
        time.sleep(delay)  # test hook only (settings.REPORTS_TEST_RENDER_DELAY)
    fetcher = SafeFetcher(attachment_roots)
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).render()
    data = document.write_pdf()
    return RenderedPDF(data=data, pages=len(document.pages), refused=fetcher.refused)
