"""Request types for annotating views.

At run time every request is a plain HttpRequest; these subclasses only tell mypy what
the middleware and the decorators guarantee, so that a view annotated with one of them
may use `request.htmx` or treat `request.user` as a portal User.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

    from portal.accounts.models import User


class HtmxHttpRequest(HttpRequest):
    """After django-htmx's middleware: `request.htmx` is truthy for a request made by
    htmx (the page then answers with a partial)."""

    htmx: HtmxDetails


class AuthenticatedHttpRequest(HtmxHttpRequest):
    """A request to a view behind login_required: its user is a portal User, never the
    anonymous one."""

    user: User


def referring_page(request: HttpRequest) -> str | None:
    """The path (with its query) of the page of this site the request came from, by its
    Referer header; None when there is none or it names another site. A form sent from
    a page that has expired leads back there (docs/product.md §13)."""
    from urllib.parse import urlsplit

    from django.utils.http import url_has_allowed_host_and_scheme

    referer = request.headers.get("Referer", "")
    if not referer or not url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    parts = urlsplit(referer)
    if not parts.netloc:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")
