"""/healthz: what the load balancer and the container healthchecks ask."""

from __future__ import annotations

import os
from typing import Any

import pytest
import redis
from django.db.utils import OperationalError
from django.test import Client
from django.urls import reverse

URL = "/healthz"


def test_healthz_is_at_the_root_url() -> None:
    assert reverse("healthz") == URL


@pytest.mark.django_db
def test_healthz_answers_200_with_database_ok_without_login(settings: Any) -> None:
    settings.REDIS_URL = ""
    response = Client().get(URL)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}


@pytest.mark.django_db
def test_healthz_is_never_cached(settings: Any) -> None:
    settings.REDIS_URL = ""
    response = Client().get(URL)
    cache_control = response["Cache-Control"]
    for directive in ("no-cache", "no-store", "must-revalidate", "max-age=0"):
        assert directive in cache_control
    assert "Expires" in response


@pytest.mark.django_db
def test_healthz_answers_503_when_redis_is_configured_but_unreachable(settings: Any) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = Client().get(URL)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"].startswith("error: ")
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_answers_503_when_the_database_fails(settings: Any, monkeypatch: Any) -> None:
    settings.REDIS_URL = ""

    def broken_cursor(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("connection refused")

    from django.db import connection

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = Client().get(URL)
    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "checks": {"database": "error: OperationalError"},
    }


@pytest.mark.django_db
def test_healthz_checks_redis_when_it_is_reachable(settings: Any) -> None:
    url = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is required in CI ({url})")
        pytest.skip(f"no Redis at {url} (set REDIS_TEST_URL)")
    settings.REDIS_URL = url
    response = Client().get(URL)
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "ok"}


@pytest.mark.django_db
def test_healthz_refuses_post(settings: Any) -> None:
    settings.REDIS_URL = ""
    assert Client().post(URL).status_code == 405
