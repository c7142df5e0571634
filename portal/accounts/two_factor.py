"""Two-factor authentication with TOTP (django-otp) and one-time backup codes.

Who must use it: site administrators (superusers, staff) and account managers (anyone
holding MANAGE_ACCOUNTS somewhere), when settings.TWO_FACTOR_REQUIRED (the production
default). Everyone else may enrol on their two-factor page.

The log-in (views.LoginView): after a right password, a user with a confirmed device is
NOT logged in yet: the session keeps the pending user for PENDING_SECONDS and the code
page asks for a code (limited: TWO_FACTOR_FAILURE_LIMIT wrong codes per account, then
refused for TWO_FACTOR_LOCK_MINUTES). Only a right code logs in, and marks the session
verified (django_otp.login). A user who must use two factors and has no device is logged
in, and TwoFactorMiddleware lets them reach nothing but enrolment (and log-out) until
they have confirmed a device. The Django admin is for staff, who always must.

A verified session carries django-otp's device key; this middleware trusts it without
loading the device on each request (no query): removing devices (the user's own page,
`manage.py otp_reset`) ends the user's other sessions instead.

Every event (enrolled, verified, failed, locked, removed, reset) is an audit row.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.sessions.models import Session
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.core.cache import cache_delete, cache_get, cache_incr, cache_set

from .models import AuditEvent, OrganizationUserObjectPermission

PENDING_KEY = "portal_otp_pending"
REQUIRED_KEY = "portal_otp_required"
PENDING_SECONDS = 5 * 60
BACKUP_CODES = 10
TOTP_NAME = "authenticator"
BACKUP_NAME = "backup"


# --- who must ---------------------------------------------------------------------------


def holds_account_management(user: Any) -> bool:
    """MANAGE_ACCOUNTS at any node (one query; not cached, so a fresh grant counts)."""
    return OrganizationUserObjectPermission.objects.filter(
        user_id=user.pk, permission__codename="manage_accounts"
    ).exists()


def two_factor_required(user: Any) -> bool:
    if not settings.TWO_FACTOR_REQUIRED or not user.is_authenticated:
        return False
    return bool(user.is_superuser or user.is_staff or holds_account_management(user))


def is_verified(request: HttpRequest) -> bool:
    return bool(request.session.get(DEVICE_ID_SESSION_KEY))


def confirmed_totp(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_device(user: Any) -> bool:
    return bool(TOTPDevice.objects.filter(user=user, confirmed=True).exists())


def audit(actor: Any, action: str, user: Any, **detail: Any) -> None:
    AuditEvent.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        action=action,
        target=user.get_username(),
        object_type="two_factor",
        detail=detail,
    )


# --- the pending log-in -----------------------------------------------------------------


def start_pending(request: HttpRequest, user: Any, redirect_to: str) -> None:
    request.session.cycle_key()
    request.session[PENDING_KEY] = {
        "user": user.pk,
        "backend": getattr(user, "backend", settings.AUTHENTICATION_BACKENDS[-1]),
        "at": int(time.time()),
        "next": redirect_to,
    }


def pending(request: HttpRequest) -> dict[str, Any] | None:
    data = request.session.get(PENDING_KEY)
    if not isinstance(data, dict) or int(time.time()) - int(data.get("at", 0)) > PENDING_SECONDS:
        return None
    return data


def clear_pending(request: HttpRequest) -> None:
    request.session.pop(PENDING_KEY, None)


def _fail_key(user: Any) -> str:
    return f"otp-failures:{user.pk}"


def _lock_key(user: Any) -> str:
    return f"otp-lock:{user.pk}"


def code_locked(user: Any) -> bool:
    return cache_get(_lock_key(user)) is not None


def record_code_failure(user: Any) -> bool:
    """Count a wrong code; True when this one reached the limit (now locked)."""
    window = settings.TWO_FACTOR_LOCK_MINUTES * 60
    count = cache_incr(_fail_key(user), window)
    if count is not None and count >= settings.TWO_FACTOR_FAILURE_LIMIT:
        cache_set(_lock_key(user), 1, window)
        cache_delete(_fail_key(user))
        return True
    return False


def reset_code_failures(user: Any) -> None:
    cache_delete(_fail_key(user))
    cache_delete(_lock_key(user))


def match_code(user: Any, code: str) -> Any:
    """The confirmed device (TOTP, or the backup codes, which are used up) that accepts
    `code`, or None."""
    code = "".join(code.split())
    if not code:
        return None
    totp = confirmed_totp(user)
    if totp is not None and code.isdigit() and totp.verify_token(code):
        return totp
    for device in StaticDevice.objects.filter(user=user, confirmed=True):
        if device.verify_token(code):
            return device
    return None


# --- enrolment --------------------------------------------------------------------------


def unconfirmed_totp(user: Any) -> TOTPDevice:
    """The device being set up (created once; a new secret only after removal)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


def new_backup_codes(user: Any) -> list[str]:
    """Replace the user's backup codes with BACKUP_CODES new ones (shown once)."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def remove_devices(user: Any) -> int:
    """Delete every device of the user; returns how many."""
    count = int(TOTPDevice.objects.filter(user=user).delete()[0])
    count += int(StaticDevice.objects.filter(user=user).delete()[0])
    return count


def end_sessions(user: Any, keep: str | None = None) -> int:
    """Log the user out everywhere (but `keep`, a session key). Reads every unexpired
    session once: a rare, deliberate act (device removal, the reset command)."""
    from django.utils import timezone

    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.session_key == keep:
            continue
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()
            ended += 1
    return ended


# --- the middleware ---------------------------------------------------------------------


def _exempt(path: str) -> bool:
    allowed = (
        reverse("accounts:two_factor"),
        reverse("accounts:logout"),
        reverse("accounts:password_change"),
        reverse("set_language"),
        settings.STATIC_URL,
    )
    return path.startswith(allowed)


class TwoFactorMiddleware:
    """A logged-in user who must use two factors and whose session is not verified
    reaches only the two-factor pages, the password change and log-out. Whether they
    must: staff and superusers always (no query); account managers as found at log-in
    (the session flag) and, should the grant come later, by the account pages
    themselves (views.require_verified_manager)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and settings.TWO_FACTOR_REQUIRED
            and not is_verified(request)
            and (user.is_superuser or user.is_staff or request.session.get(REQUIRED_KEY))
            and not _exempt(request.path)
        ):
            return to_enrolment(request)
        return self.get_response(request)


def to_enrolment(request: HttpRequest) -> HttpResponse:
    url = reverse("accounts:two_factor")
    if request.headers.get("HX-Request") == "true":
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)
