"""Two-factor helpers for tests.

`force_login` in tests means "this person is logged in": for someone who must use two
factors (site administrators, account managers) that includes the code, so the patched
Client.force_login (tests/conftest.py) also enrols a TOTP device if they have none and
marks the session verified, as the code page does. Tests of the two-factor flow itself
pass `verified=False`, or log in through the real pages.
"""

from __future__ import annotations

import time
from typing import Any

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.accounts.two_factor import holds_account_management


def must_use_two_factors(user: Any) -> bool:
    return bool(user.is_superuser or user.is_staff or holds_account_management(user))


def enrol(user: Any) -> TOTPDevice:
    """The user's confirmed authenticator (created if missing)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    return device


def code_for(device: TOTPDevice | bytes, *, ahead: int = 0) -> str:
    """The code an authenticator shows now (or `ahead` steps later); for a device that
    has already accepted this step's code, the next step's (a code is accepted once)."""
    if isinstance(device, TOTPDevice):
        device.refresh_from_db()
        key, step, t0, digits, last_t = (
            device.bin_key,
            device.step,
            device.t0,
            device.digits,
            device.last_t,
        )
    else:
        key, step, t0, digits, last_t = device, 30, 0, 6, -1
    totp = TOTP(key, step, t0, digits)
    totp.time = time.time()
    now = totp.t()
    target = max(now + ahead, last_t + 1)
    totp.time = time.time() + (target - now) * step
    return str(totp.token()).zfill(digits)


def verify_session(client: Any, user: Any) -> None:
    device = enrol(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def patch_force_login(client_class: Any) -> Any:
    original = client_class.force_login

    def force_login(self: Any, user: Any, backend: Any = None, *, verified: bool = True) -> None:
        original(self, user, backend)
        if verified and must_use_two_factors(user):
            verify_session(self, user)

    client_class.force_login = force_login
    return original
