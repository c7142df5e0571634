"""Credential spraying: failures per username, counted across every address.

django-axes locks a (username, address) pair after AXES_FAILURE_LIMIT failures. An
attacker spreading guesses over many addresses never reaches it; so failures are also
counted per username in the shared cache (Redis, or the database table without it)
over LOGIN_USERNAME_WINDOW_HOURS. Past LOGIN_USERNAME_FAILURE_LIMIT, every failure
refuses that username for LOGIN_USERNAME_LOCK_MINUTES only: a stranger cannot lock its
owner out for long, and gets one guess per lock period at most. A manager setting a
new password (or a successful log-in) clears the count.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from portal.core.cache import cache_delete, cache_get, cache_incr, cache_set


def _key(kind: str, username: str) -> str:
    return f"login-{kind}:{username.strip().lower()[:150]}"


def username_locked(username: str) -> bool:
    return bool(username) and cache_get(_key("lock", username)) is not None


def record_username_failure(username: str) -> None:
    """Count one failure; an unreachable cache counts nothing (portal/core/cache.py):
    log-in keeps working, with the per-pair limit of django-axes (in the database)."""
    if not username:
        return
    count = cache_incr(_key("failures", username), settings.LOGIN_USERNAME_WINDOW_HOURS * 3600)
    if count is not None and count >= settings.LOGIN_USERNAME_FAILURE_LIMIT:
        cache_set(_key("lock", username), 1, settings.LOGIN_USERNAME_LOCK_MINUTES * 60)


def reset_username(username: str) -> None:
    cache_delete(_key("failures", username))
    cache_delete(_key("lock", username))


class UsernameThrottleBackend(ModelBackend):
    """First in AUTHENTICATION_BACKENDS: refuses a locked username before any password
    is checked (PermissionDenied stops authenticate() at once). Authenticates nobody
    itself (the next backends do); loads a session's user like ModelBackend, since the
    first backend is the one a session may name."""

    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> None:
        if username and username_locked(username):
            if request is not None:
                request.portal_username_locked = True
            raise PermissionDenied
        return None
