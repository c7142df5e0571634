"""What keeps the public (no-login) forms usable and hard to flood: the suggestion box
(activities/public/views.py), the problem list open to comment and the satisfaction
ballot (rectification/). docs/product.md §6.1.

- `address_key(kind, request)`: a cache key per client address, hashed so that the
  cache never holds visitors' addresses in clear;
- `hit(key, limit, window)`: counts one hit in a fixed window, True when over the limit;
- `claim_form(stamp)` / `remember_form(stamp, receipt)`: one submission per served form
  (a double click or a reload sends nothing twice);
- `served_stamp(...)` and `check_served_form(...)`: the signed "served at" stamp, the
  honeypot and the minimum fill time of the forms themselves.

A cache that is down lets the request through rather than failing the page.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone

from .cache import cache_add, cache_get, cache_incr, cache_set
from .net import client_address

# A served form is claimable for as long as its signed stamp is accepted (the public
# forms refuse older stamps: activities/opinions/forms.py FORM_MAX_AGE).
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


# --- the served form: a signed stamp, a honeypot, a minimum fill time ------------------

# A person takes a few seconds to write; a script does not.
MIN_FILL_SECONDS = 3


def served_stamp(salt: str, key: str, ident: int, at: float | None = None) -> str:
    """A signed stamp of when the form was served, for the form's `started` field: the
    object it belongs to (`key`: `ident`), the time, and a nonce that makes every served
    form unique (one submission per stamp: claim_form)."""
    stamp = timezone.now().timestamp() if at is None else at
    return signing.dumps({key: ident, "t": int(stamp), "n": secrets.token_urlsafe(9)}, salt=salt)


@dataclass(frozen=True)
class GuardMessages:
    """What the visitor reads when the honeypot is filled, the stamp is missing, forged,
    for another object or too old, or the form came back too quickly."""

    not_sent: Any
    expired: Any
    too_quick: Any


def check_served_form(form: Any, *, salt: str, key: str, ident: int, say: GuardMessages) -> None:
    """In a public form's clean(): refuse a filled honeypot (`form.HONEYPOT`), a bad or
    stale stamp (setting `form.stale_stamp`, so the page serves a fresh one) and a form
    sent back within MIN_FILL_SECONDS. Raises ValidationError."""
    if form.cleaned_data.get(form.HONEYPOT):
        raise ValidationError(say.not_sent, code="honeypot")
    try:
        stamp = signing.loads(form.data.get("started", ""), salt=salt, max_age=FORM_CLAIM_SECONDS)
        started = float(stamp["t"])
        if stamp[key] != ident:
            raise ValueError("stamp of another form")
        if timezone.now().timestamp() - started > FORM_CLAIM_SECONDS:
            raise ValueError("stamp too old")
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        form.stale_stamp = True
        raise ValidationError(say.expired, code="expired") from None
    if timezone.now().timestamp() - started < MIN_FILL_SECONDS:
        raise ValidationError(say.too_quick, code="too_fast")
