"""Session idle timeout, production cookies, the CSRF cookie, Permissions-Policy and the
refused methods."""

from __future__ import annotations

import sys
import time

import pytest
from django.test import Client
from django.urls import reverse

from portal.accounts.middleware import LAST_SEEN_KEY
from portal.accounts.models import AuditEvent
from tests.conftest import PASSWORD, World
from tests.security.helpers import production_env, production_settings, run
from tests.utils import client_for

pytestmark = pytest.mark.django_db


def _age_session(client: Client, seconds: int) -> None:
    session = client.session
    session[LAST_SEEN_KEY] = int(time.time()) - seconds
    session.save()


def test_a_session_idle_past_the_timeout_is_logged_out(world: World, settings) -> None:
    settings.SESSION_IDLE_MINUTES = 30
    client = client_for(world, "secretary")
    _age_session(client, 31 * 60)
    response = client.get(reverse("core:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    # Logged out for good, not only redirected once.
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.logout", target="secretary").exists()


def test_activity_within_the_timeout_keeps_the_session(world: World, settings) -> None:
    settings.SESSION_IDLE_MINUTES = 30
    settings.SESSION_IDLE_TOUCH_SECONDS = 60
    client = client_for(world, "secretary")
    _age_session(client, 29 * 60)
    assert client.get(reverse("core:home")).status_code == 200
    # The clock was reset by that request: 29 minutes later the session is still alive.
    assert client.session[LAST_SEEN_KEY] >= int(time.time()) - 5


def test_the_idle_timeout_is_configurable(world: World, settings) -> None:
    settings.SESSION_IDLE_MINUTES = 5
    client = client_for(world, "secretary")
    _age_session(client, 6 * 60)
    assert client.get(reverse("core:home")).status_code == 302


def test_an_htmx_request_after_the_timeout_is_sent_to_the_login_page(
    world: World, settings
) -> None:
    settings.SESSION_IDLE_MINUTES = 30
    client = client_for(world, "secretary")
    _age_session(client, 31 * 60)
    response = client.get(reverse("core:home"), HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == reverse("accounts:login")


def test_every_response_carries_a_permissions_policy(world: World) -> None:
    for client, url in ((Client(), reverse("accounts:login")), (client_for(world, "clerk"), "/")):
        policy = client.get(url)["Permissions-Policy"]
        assert "camera=()" in policy and "geolocation=()" in policy and "microphone=()" in policy


@pytest.mark.parametrize("method", ["TRACE", "OPTIONS", "TRACK", "CONNECT"])
def test_trace_and_options_are_refused(world: World, method: str) -> None:
    for client in (Client(), client_for(world, "secretary")):
        response = client.generic(method, reverse("accounts:login"))
        assert response.status_code == 405
        assert "TRACE" not in response["Allow"] and "OPTIONS" not in response["Allow"]
        assert "Permissions-Policy" in response


def test_the_csrf_cookie_is_http_only_and_htmx_still_sends_the_token(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.secretary)
    page = client.get(reverse("core:home"))
    cookie = client.cookies["csrftoken"]
    assert cookie["httponly"]
    html = page.content.decode()
    token = html.split('"X-CSRFToken": "', 1)[1].split('"', 1)[0]
    # What htmx sends: the header from hx-headers on <body>, no form field.
    response = client.post(reverse("accounts:logout"), HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 302
    refused = Client(enforce_csrf_checks=True).post(
        reverse("accounts:login"), {"username": "secretary", "password": PASSWORD}
    )
    assert refused.status_code == 403


def test_production_uses_host_prefixed_cookies() -> None:
    found = production_settings(
        "SESSION_COOKIE_NAME", "CSRF_COOKIE_NAME", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_HTTPONLY"
    )
    assert found["SESSION_COOKIE_NAME"] == "__Host-sessionid"
    assert found["CSRF_COOKIE_NAME"] == "__Host-csrftoken"
    assert found["SESSION_COOKIE_SECURE"] and found["CSRF_COOKIE_HTTPONLY"]


def test_production_idle_timeout_comes_from_the_environment() -> None:
    assert production_settings("SESSION_IDLE_MINUTES")["SESSION_IDLE_MINUTES"] == 30
    found = production_settings("SESSION_IDLE_MINUTES", SESSION_IDLE_MINUTES="10")
    assert found["SESSION_IDLE_MINUTES"] == 10


def test_check_deploy_stays_clean() -> None:
    env = production_env(ALLOWED_HOSTS="portal.example")
    out = run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert out.returncode == 0, out.stdout + out.stderr
