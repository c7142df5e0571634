"""Two-factor helpers for tests.

`force_login` in tests means "this person is logged in": for someone who must use two
factors (site administrators, account managers) that includes the code, so the patched
Client.force_login (tests/conftest.py) also enrols a TOTP device if they have none and
marks the session verified, as the code page does. Tests of the two-factor flow itself
pass `verified=False`, or log in through the real pages.
"""

from __future__ import annotations

import time
from importlib import import_module
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


_LOGIN_STORES: dict[type, type] = {}


def _login_store(store: type) -> type:
    """The session engine's store, but a new session is written once, at the end of the
    log-in, instead of saved empty, re-keyed and saved again (Client._login): the same
    session, signals and cookie for a third of the queries. Every view test logs in a
    few personas, so this is some 5 % of the suite's time (CONTRIBUTING.md)."""
    found = _LOGIN_STORES.get(store)
    if found is None:

        class LoginStore(store):  # type: ignore[valid-type, misc]
            # The data is signed with the class's name: the engine's, so that requests
            # read it back.
            key_salt = store().key_salt

            def cycle_key(self) -> None:
                if self.session_key is not None:  # an earlier session: re-keyed as usual
                    super().cycle_key()

        found = _LOGIN_STORES[store] = LoginStore
    return found


def patch_force_login(client_class: Any) -> Any:
    original = client_class.force_login

    def force_login(self: Any, user: Any, backend: Any = None, *, verified: bool = True) -> None:
        """Client.force_login (django.contrib.auth.login with its signals: the audit row,
        the idle clock), with the session written once, the second factor included."""
        from django.conf import settings
        from django.contrib.auth import login
        from django.http import HttpRequest

        if backend is None:
            backend = self._get_backend()
        user.backend = backend
        engine = import_module(settings.SESSION_ENGINE)
        cookie = self.cookies.get(settings.SESSION_COOKIE_NAME)
        request = HttpRequest()
        request.session = _login_store(engine.SessionStore)(cookie.value if cookie else None)
        login(request, user, backend)
        if verified and must_use_two_factors(user):
            request.session[DEVICE_ID_SESSION_KEY] = enrol(user).persistent_id
        request.session.save()
        self._set_login_cookies(request)

    client_class.force_login = force_login
    return original
