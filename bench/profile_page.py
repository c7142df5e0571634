"""Profile one page in-process (cProfile) on a seeded benchmark database: where does the
time of one request go, and what do its queries cost?

    .venv/bin/python bench/profile_page.py --database-url sqlite:///bench/out/load-county.sqlite3
    .venv/bin/python bench/profile_page.py --database-url postgres://postgres@127.0.0.1:5432/portal_h13b_bench \\
        --page grid --user bench-reviewer --repeat 20 --top 30

Production settings (DEBUG=0, local-memory cache, tasks in-process) as bench/run.py;
the request goes through Django's test client (the whole middleware stack). Prints the
median and slowest wall time of --repeat requests after --warmup, the queries of one
request with their times (slowest first), and the functions taking the most cumulative
time over the timed requests. --no-cache uses a dummy cache (the cold path).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument(
        "--page",
        default="grid",
        choices=["grid", "dashboard", "home", "urge", "members", "inbox"],
    )
    parser.add_argument("--user", default="bench-reviewer")
    parser.add_argument("--query", default="", help="query string appended to the URL")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--no-cache", action="store_true")
    parser.add_argument("--sort", default="cumulative", help="pstats order (tottime: own time)")
    args = parser.parse_args()

    os.environ.update(
        DATABASE_URL=args.database_url,
        DEBUG="0",
        # Fixed keys of the benchmark's own databases (fake data): a database seeded in
        # one run still reads in the next (portal/core/crypto.py).
        FIELD_ENCRYPTION_KEYS="YmVuY2gtb25seS1maWVsZC1lbmNyeXB0aW9uLWtleTA=",
        FIELD_HASH_KEY="YmVuY2gtb25seS1maWVsZC1oYXNoLWtleS0wMTIzNDU=",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="testserver",
        SECURE_SSL_REDIRECT="0",
        DJANGO_SETTINGS_MODULE="portal.settings",
        LOG_LEVEL="WARNING",
    )
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from organizations.models import Organization
    from portal.accounts.models import User

    if args.no_cache:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    # DEBUG=0 uses the manifest storage, which needs collectstatic: plain static URLs.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    root = Organization.objects.get(depth=1)
    url = {
        "grid": lambda: reverse("progress:grid", args=[root.pk]),
        "dashboard": lambda: reverse("progress:dashboard"),
        "home": lambda: reverse("core:home"),
        "inbox": lambda: reverse("reviews:inbox"),
        "members": lambda: reverse("organizations:member_list"),
        "urge": lambda: reverse("progress:urge", args=[root.pk]) + "?requirement=mobilization",
    }[args.page]()
    if args.query:
        url += ("&" if "?" in url else "?") + args.query
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(User.objects.get(username=args.user))
    for _ in range(args.warmup):
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    queries = sorted(ctx.captured_queries, key=lambda q: -float(q["time"]))
    total_sql = sum(float(q["time"]) for q in queries) * 1000
    print(f"{url}: {len(queries)} queries, {total_sql:.1f} ms in SQL")
    for q in queries[:10]:
        print(f"  {float(q['time']) * 1000:7.1f} ms  {q['sql'][:160]}")
    # CPU time of this process too: on a busy shared machine the wall time mostly
    # measures the others (the database work of SQLite is in-process and counted).
    times, cpu = [], []
    for _ in range(args.repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        assert response.status_code == 200
    print(
        f"without the profiler: wall median {statistics.median(times):.1f} ms, "
        f"max {max(times):.1f} ms; CPU median {statistics.median(cpu):.1f} ms over "
        f"{args.repeat} requests; {len(response.content) // 1024} KiB of HTML"
    )
    profile = cProfile.Profile()
    for _ in range(args.repeat):
        profile.enable()
        response = client.get(url)
        profile.disable()
    pstats.Stats(profile).sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    main()
