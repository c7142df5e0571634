"""The client's address, the same way for every caller: login throttling (django-axes,
AXES_CLIENT_IP_CALLABLE) and the public suggestion box's rate limits."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The client's IP address. X-Forwarded-For is believed only when the direct peer
    is one of settings.TRUSTED_PROXIES (the proxy in front of gunicorn), and then its
    right-most untrusted entry is taken: that is the one our proxy appended."""
    remote = request.META.get("REMOTE_ADDR", "")
    trusted = set(getattr(settings, "TRUSTED_PROXIES", ()))
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    trust_all = "*" in trusted
    if forwarded and (trust_all or remote in trusted):
        for candidate in reversed([p.strip() for p in forwarded.split(",") if p.strip()]):
            if trust_all or candidate not in trusted:
                return candidate[:64]
    return remote
