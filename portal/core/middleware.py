"""Response headers and request methods for every page."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed

# Methods the portal never serves: TRACE/TRACK echo requests (cross-site tracing),
# OPTIONS advertises what a URL accepts, CONNECT is for proxies.
REFUSED_METHODS = frozenset({"TRACE", "TRACK", "OPTIONS", "CONNECT"})
ALLOWED_METHODS = ["GET", "HEAD", "POST"]


class SecurityHeadersMiddleware:
    """405 for REFUSED_METHODS before any view runs; Permissions-Policy on every
    response (settings.PERMISSIONS_POLICY: the browser features no page uses)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in REFUSED_METHODS:
            response: HttpResponse = HttpResponseNotAllowed(ALLOWED_METHODS)
        else:
            response = self.get_response(request)
        policy = getattr(settings, "PERMISSIONS_POLICY", "")
        if policy:
            response.headers.setdefault("Permissions-Policy", policy)
        return response
