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
