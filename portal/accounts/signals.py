"""The audit log of log-ins: successes, failures and lockouts (AuditEvent rows), and
the per-username failure count (throttle.py)."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from portal.core.net import client_address

from .middleware import mark_session_active
from .models import AuditEvent
from .throttle import record_username_failure, reset_username


def _address(request: Any) -> str:
    return client_address(request) if request is not None and hasattr(request, "META") else ""


@receiver(user_logged_in, dispatch_uid="audit_login")
def audit_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        mark_session_active(request)
    if request is None or not request.META.get("REMOTE_ADDR"):
        return  # a test client's force_login, a management command: no log-in happened
    reset_username(user.get_username())
    AuditEvent.objects.create(
        actor=user,
        action="auth.login",
        target=user.get_username(),
        detail={"ip": _address(request)},
    )


@receiver(user_logged_out, dispatch_uid="audit_logout")
def audit_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is None or request is None:
        return
    AuditEvent.objects.create(
        actor=user,
        action="auth.logout",
        target=user.get_username(),
        detail={"ip": _address(request)},
    )


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def audit_login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    username = str(credentials.get("username") or "")[:150]
    locked = bool(
        getattr(request, "portal_username_locked", False)
        or getattr(request, "axes_locked_out", False)
    )
    if not locked:
        record_username_failure(username)
    AuditEvent.objects.create(
        actor=None,
        action="auth.login_failed",
        target=username,
        detail={"ip": _address(request), "refused_while_locked": locked},
    )


@receiver(user_locked_out, dispatch_uid="audit_lockout")
def audit_lockout(sender: Any, request: Any, username: str, ip_address: str, **kwargs: Any) -> None:
    AuditEvent.objects.create(
        actor=None,
        action="auth.lockout",
        target=str(username or "")[:150],
        detail={"ip": ip_address},
    )
