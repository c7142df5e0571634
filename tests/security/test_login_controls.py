"""Finding 5 (old-password guessing), credential spraying, the shared rate-limit store
and the log-in audit trail."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import reverse

from portal.accounts.models import AuditEvent
from portal.accounts.services import user_set_password
from tests.conftest import PASSWORD, World
from tests.security.helpers import production_settings
from tests.utils import client_for

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def axes_on(settings) -> None:
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5


def _login(username: str, password: str, ip: str = "10.0.0.1"):
    return Client().post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def _change(client: Client, old: str):
    return client.post(
        reverse("accounts:password_change"),
        {
            "old_password": old,
            "new_password1": "Brand-new-pass-2026",
            "new_password2": "Brand-new-pass-2026",
        },
        REMOTE_ADDR="10.0.0.9",
    )


def test_wrong_old_passwords_on_the_change_form_are_throttled_like_log_ins(
    world: World, axes_on
) -> None:
    client = client_for(world, "clerk")
    statuses = [_change(client, f"guess-{i}").status_code for i in range(5)]
    assert statuses[:4] == [200, 200, 200, 200]
    assert statuses[4] == 429
    # Locked: even the right old password is refused now.
    assert _change(client, PASSWORD).status_code == 429
    world.clerk.refresh_from_db()
    assert world.clerk.check_password(PASSWORD)
    assert AuditEvent.objects.filter(action="auth.lockout", target="clerk").exists()


def test_the_right_old_password_still_changes_it(world: World, axes_on) -> None:
    client = client_for(world, "clerk")
    assert _change(client, PASSWORD).status_code == 302
    world.clerk.refresh_from_db()
    assert world.clerk.check_password("Brand-new-pass-2026")
    # The session survives the change.
    assert client.get(reverse("core:home")).status_code == 200


def test_one_username_failing_from_many_addresses_is_slowed(
    world: World, settings, monkeypatch
) -> None:
    settings.LOGIN_USERNAME_FAILURE_LIMIT = 20
    settings.LOGIN_USERNAME_LOCK_MINUTES = 5
    # Twenty addresses, one guess each: the per-pair limit (5) is never reached.
    for i in range(20):
        assert _login("secretary", "Summer2026!", ip=f"10.1.0.{i}").status_code == 200
    refused = _login("secretary", PASSWORD, ip="10.2.0.1")
    assert refused.status_code == 200
    assert "failed log-ins from several places" in refused.content.decode()
    # ...but only for a short while: five minutes later the owner logs in again.
    later = time.time() + 5 * 60 + 1
    monkeypatch.setattr("django.core.cache.backends.locmem.time.time", lambda: later)
    assert _login("secretary", PASSWORD, ip="10.2.0.1").status_code == 302


def test_a_manager_setting_a_new_password_lifts_the_username_limit(world: World, settings) -> None:
    settings.LOGIN_USERNAME_FAILURE_LIMIT = 3
    for i in range(3):
        _login("clerk", "wrong-one", ip=f"10.3.0.{i}")
    assert "several places" in _login("clerk", PASSWORD, ip="10.3.1.1").content.decode()
    user_set_password(actor=world.accounts, user=world.clerk, password="Fresh-start-2014-b")
    assert _login("clerk", "Fresh-start-2014-b", ip="10.3.1.1").status_code == 302


def test_log_ins_failures_and_lockouts_are_audited(world: World, axes_on) -> None:
    assert _login("secretary", PASSWORD).status_code == 302
    ok = AuditEvent.objects.get(action="auth.login")
    assert (ok.actor, ok.target, ok.detail["ip"]) == (world.secretary, "secretary", "10.0.0.1")
    for _i in range(5):
        _login("clerk", "wrong", ip="10.0.0.7")
    failed = AuditEvent.objects.filter(action="auth.login_failed", target="clerk")
    assert failed.count() == 5
    assert failed.first().detail["ip"] == "10.0.0.7"
    assert AuditEvent.objects.filter(action="auth.lockout", target="clerk").count() == 1


def test_without_redis_production_keeps_rate_limits_in_the_database() -> None:
    caches = production_settings("CACHES")["CACHES"]
    assert caches["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    with_redis = production_settings("CACHES", REDIS_URL="redis://redis:6379/0")["CACHES"]
    assert with_redis["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"


def test_the_cache_table_is_created_by_the_migrations(settings) -> None:
    assert settings.CACHE_TABLE in connection.introspection.table_names()
    from django.core.cache.backends.db import DatabaseCache

    shared = DatabaseCache(settings.CACHE_TABLE, {})
    shared.set("probe", 3, 60)
    assert shared.incr("probe") == 4
