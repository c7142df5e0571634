"""What keeps the public (no-login) forms usable and hard to flood: the suggestion box
(activities/views_public.py), the problem list open to comment and the satisfaction
ballot (rectification/). docs/product.md §6.1.

- `address_key(kind, request)`: a cache key per client address, hashed so that the
  cache never holds visitors' addresses in clear;
- `hit(key, limit, window)`: counts one hit in a fixed window, True when over the limit;
- `claim_form(stamp)` / `remember_form(stamp, receipt)`: one submission per served form
  (a double click or a reload sends nothing twice).

A cache that is down lets the request through rather than failing the page.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.http import HttpRequest

from .cache import cache_add, cache_get, cache_incr, cache_set
from .net import client_address

# A served form is claimable for as long as its signed stamp is accepted (the public
# forms refuse older stamps: activities/forms_opinions.py FORM_MAX_AGE).
FORM_CLAIM_SECONDS = 6 * 60 * 60


def address_key(kind: str, request: HttpRequest) -> str:
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{client_address(request)}".encode()).hexdigest()
    return f"publicbox:{kind}:{digest[:32]}"


def hit(key: str, limit: int, window: int) -> bool:
    """Count one hit in a fixed window; True when over the limit (atomic in Redis and in
    the local-memory cache)."""
    count = cache_incr(key, window)
    return count is not None and count > limit


def _form_key(stamp: str) -> str:
    return "publicbox:form:" + hashlib.sha256(stamp.encode()).hexdigest()[:32]


def claim_form(stamp: str) -> tuple[bool, str]:
    """(claimed, receipt code of the earlier submission of this form, if any)."""
    if cache_add(_form_key(stamp), "", timeout=FORM_CLAIM_SECONDS) is not False:
        return True, ""  # added, or the cache is down: let it through
    return False, cache_get(_form_key(stamp)) or ""


def remember_form(stamp: str, receipt_code: str) -> None:
    cache_set(_form_key(stamp), receipt_code, timeout=FORM_CLAIM_SECONDS)
