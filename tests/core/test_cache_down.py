"""Redis stopped: pages compute without the cache instead of answering 500.

The cache is pointed at a Redis on a closed port (connection refused at once, as when
Redis is stopped); every page each demo role reaches by following links from its home
page must answer, never with a 5xx. Before portal/core/cache.py the secretary's home
and the dashboard answered 500 here.
"""

from __future__ import annotations

import re
import time
from collections import deque
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import reverse

from portal.accounts.models import User
from portal.core import cache as safe_cache
from tests.redis_server import free_port
from tests.seeding import seed_demo_as_tests_run

pytestmark = pytest.mark.django_db

HREF = re.compile(r'href="(/[^"#]*)"')
# Not crawled: leaving the session, files and downloads (a GET that streams a file
# proves nothing about the cache and costs seconds), the admin (not a portal page).
SKIP = re.compile(r"^/(static|media)/|logout|/download|export|/admin/|\.(xlsx|csv|pdf|png|svg)")
PAGES_PER_ROLE = 30


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    """The demo county, seeded once for the module and rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        seed_demo_as_tests_run()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def redis_down(settings: Any) -> Iterator[int]:
    port = free_port()  # nothing listens there
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    safe_cache.reset()
    yield port
    safe_cache.reset()


def crawl(client: Client, start: str, limit: int) -> dict[str, int]:
    """GET pages breadth-first from `start`, following same-site links; status by URL."""
    seen: dict[str, int] = {}
    queue = deque([start])
    while queue and len(seen) < limit:
        url = queue.popleft()
        if url in seen or SKIP.search(url):
            continue
        response = client.get(url)
        seen[url] = response.status_code
        if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
            for href in HREF.findall(response.content.decode()):
                href = href.replace("&amp;", "&")
                if href not in seen:
                    queue.append(href)
    return seen


@pytest.mark.parametrize("username", ["secretary", "reviewer", "office", "instructor", "member"])
def test_every_page_a_role_reaches_answers_without_redis(
    demo: None, redis_down: int, username: str
) -> None:
    client = Client()
    client.force_login(User.objects.get(username=username))
    statuses = crawl(client, "/", PAGES_PER_ROLE)
    failed = {url: code for url, code in statuses.items() if code >= 500}
    assert not failed, failed
    assert statuses["/"] == 200
    assert len(statuses) >= 5, statuses  # the crawl really went through the portal


def test_home_dashboard_grid_and_inbox_answer_200_without_redis(
    demo: None, redis_down: int
) -> None:
    office_org = User.objects.get(username="office").role_assignments.get().organization_id
    for username, url in [
        ("secretary", "/"),
        ("clerk", "/"),
        ("office", reverse("progress:dashboard")),
        ("reviewer", reverse("progress:dashboard")),
        ("reviewer", reverse("reviews:inbox")),
        ("office", reverse("progress:grid", args=[office_org])),
    ]:
        client = Client()
        client.force_login(User.objects.get(username=username))
        started = time.monotonic()
        response = client.get(url)
        assert response.status_code == 200, (username, url, response.status_code)
        # The circuit: one failed connect per process and window, not one per read.
        assert time.monotonic() - started < 5, (username, url)


def test_cache_helpers_answer_defaults_and_skip_the_cache_after_a_failure(
    redis_down: int,
) -> None:
    assert safe_cache.cache_get("k", "default") == "default"
    assert safe_cache.cache_set("k", 1, 10) is False
    assert safe_cache.cache_add("k", 1, 10) is None  # unknown: neither added nor present
    assert safe_cache.cache_incr("k", 10) is None
    safe_cache.cache_delete("k")
    # The circuit is open: the backend is not even asked.
    with mock.patch.object(cache, "get", side_effect=AssertionError("asked")):
        assert safe_cache.cache_get("k", 7) == 7


def test_cache_helpers_use_the_cache_when_it_works(settings: Any) -> None:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    safe_cache.reset()
    assert safe_cache.cache_add("k", 1, 10) is True
    assert safe_cache.cache_add("k", 2, 10) is False
    assert safe_cache.cache_get("k") == 1
    assert safe_cache.cache_incr("n", 10) == 1
    assert safe_cache.cache_incr("n", 10) == 2
    assert safe_cache.cache_set("k", 3, 10) is True
    assert safe_cache.cache_get("k") == 3
