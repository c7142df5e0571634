"""The client's address, the same way for every caller: login throttling (django-axes,
AXES_CLIENT_IP_CALLABLE) and the public suggestion box's rate limits."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest


@lru_cache(maxsize=8)
def _networks(
    entries: tuple[str, ...],
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    nets = []
    for entry in entries:
        try:
            nets.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            continue
    return tuple(nets)


def is_trusted_proxy(address: str, trusted: tuple[str, ...]) -> bool:
    """Is `address` one of the trusted proxies: an exact address or inside a network
    (FORWARDED_ALLOW_IPS takes CIDR networks, as gunicorn does: "172.28.0.0/16")."""
    if "*" in trusted or address in trusted:
        return True
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in _networks(trusted))


def client_address(request: HttpRequest) -> str:
    """The client's IP address. X-Forwarded-For is believed only when the direct peer
    is one of settings.TRUSTED_PROXIES (the proxy in front of gunicorn), and then its
    right-most untrusted entry is taken: that is the one our proxy appended."""
    remote = request.META.get("REMOTE_ADDR", "")
    trusted = tuple(getattr(settings, "TRUSTED_PROXIES", ()))
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded and is_trusted_proxy(remote, trusted):
        for candidate in reversed([p.strip() for p in forwarded.split(",") if p.strip()]):
            if not is_trusted_proxy(candidate, trusted) or "*" in trusted:
                return candidate[:64]
    return remote
