"""Session rules applied to every request of a logged-in user: the idle timeout and the
forced password change."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from portal.core.http import referring_page

LAST_SEEN_KEY = "portal_last_seen"


def mark_session_active(request: HttpRequest) -> None:
    """Start the idle clock (at log-in: user_logged_in, accounts/signals.py)."""
    request.session[LAST_SEEN_KEY] = int(time.time())


def _exempt_from_password_change(path: str) -> bool:
    allowed = (
        reverse("accounts:password_change"),
        reverse("accounts:logout"),
        reverse("set_language"),
        settings.STATIC_URL,
    )
    return path.startswith(allowed)


class SessionSecurityMiddleware:
    """- Idle timeout: a session unused for SESSION_IDLE_MINUTES is logged out, besides
      the absolute SESSION_COOKIE_AGE. The last-activity time is rewritten at most every
      SESSION_IDLE_TOUCH_SECONDS, so a page view does not write the session each time.
    - Forced change: a user whose password a manager set (a new account, a reset) is
      sent to the password page until they choose their own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        now = int(time.time())
        last = request.session.get(LAST_SEEN_KEY)
        idle = settings.SESSION_IDLE_MINUTES * 60
        if idle and isinstance(last, int) and now - last > idle:
            # A form sent after the timeout: back to the page it was on once logged in
            # again, where drafts.js puts back what was typed (docs/product.md §13).
            sent = request.method == "POST"
            kept = sent and request.POST.get("portal_draft") == "1"
            back = (referring_page(request) if sent else None) or request.get_full_path()
            logout(request)
            messages.info(request, _("You were logged out after a period without activity."))
            if kept:
                messages.info(
                    request,
                    _(
                        "What you typed was not sent, but it is kept on this device: log "
                        "in again and it is put back into the form."
                    ),
                )
            response: HttpResponse = redirect_to_login(back)
            # (django-htmx's request.htmx is set by a later middleware.)
            if request.headers.get("HX-Request") == "true":
                response = HttpResponse(status=204)
                response["HX-Redirect"] = reverse(settings.LOGIN_URL)
            return response
        if not isinstance(last, int) or now - last >= settings.SESSION_IDLE_TOUCH_SECONDS:
            request.session[LAST_SEEN_KEY] = now
        if getattr(user, "must_change_password", False) and not _exempt_from_password_change(
            request.path
        ):
            if request.method == "GET" and request.headers.get("HX-Request") != "true":
                messages.info(request, _("Choose your own password before you continue."))
            return redirect("accounts:password_change")
        return self.get_response(request)
