"""Page benchmarks at county scale (docs/product.md §11): p50/p95 times and query counts.

    .venv/bin/python bench/run.py [--orgs 2000] [--members 20000] [--repeat 30]
                                  [--database-url URL] [--reseed] [--json PATH]

Seeds a database of its own (default: SQLite at bench/out/bench.sqlite3; pass a
postgres:// URL for PostgreSQL, the database is created when missing) with
scale.seeding.seed_scale (the code behind `manage.py seed_scale`): one county
tree of --orgs organizations, --members members and their campaign records, a
reviewer at the root and a secretary at a grass-roots organization, then requests each page through Django's test client (the whole
middleware stack, DEBUG=0) after a warm-up, and prints a table. A seeded database of
the same size is reused; --reseed rebuilds it. A page that does not exist yet or
fails is printed as an error row: the other rows still run.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = f"sqlite:///{ROOT / 'bench' / 'out' / 'bench.sqlite3'}"


@dataclass
class Row:
    page: str
    user: str
    url: str
    p50_ms: float | None = None
    p95_ms: float | None = None
    queries: int | None = None
    target_ms: int | None = None
    error: str = ""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=2000, help="organizations (default 2000)")
    parser.add_argument("--members", type=int, default=20000, help="members (default 20000)")
    parser.add_argument(
        "--records", type=int, default=None, help="campaign records (default 5 per member)"
    )
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests first")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB),
        help="database the benchmark owns (default $BENCH_DATABASE_URL or %(default)s)",
    )
    parser.add_argument("--reseed", action="store_true", help="rebuild the seeded data")
    parser.add_argument("--json", type=Path, help="also write the rows to this file")
    args = parser.parse_args()
    if args.orgs < 2 or args.members < 0 or args.repeat < 1 or args.warmup < 0:
        parser.error("need --orgs >= 2, --members >= 0, --repeat >= 1, --warmup >= 0")
    return args


# Fixed keys of the benchmark's own databases (fake data): a database seeded in one run
# still reads in the next (portal/core/crypto.py).
BENCH_FIELD_KEYS = {
    "FIELD_ENCRYPTION_KEYS": "YmVuY2gtb25seS1maWVsZC1lbmNyeXB0aW9uLWtleTA=",
    "FIELD_HASH_KEY": "YmVuY2gtb25seS1maWVsZC1oYXNoLWtleS0wMTIzNDU=",
}


def configure_environment(database_url: str) -> None:
    """Production-like settings (DEBUG=0) on the benchmark's own database; tasks run
    in-process and the cache is local memory, as no REDIS_URL is passed on."""
    os.environ.update(
        DATABASE_URL=database_url,
        DEBUG="0",
        **BENCH_FIELD_KEYS,
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="testserver",
        SECURE_SSL_REDIRECT="0",
        DJANGO_SETTINGS_MODULE="portal.settings",
        LOG_LEVEL="WARNING",
    )
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))


def ensure_database(database_url: str, *, recreate: bool) -> None:
    """Create the database (PostgreSQL) or its folder (SQLite); with `recreate`, drop it
    first. Runs before Django opens any connection."""
    import dj_database_url

    cfg = dj_database_url.parse(database_url)
    if cfg["ENGINE"] == "django.db.backends.sqlite3":
        path = Path(cfg["NAME"])
        path.parent.mkdir(parents=True, exist_ok=True)
        if recreate:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    if cfg["ENGINE"] != "django.db.backends.postgresql":
        sys.exit(f"unsupported database: {cfg['ENGINE']}")
    import psycopg
    from psycopg import sql

    with psycopg.connect(
        host=cfg["HOST"] or None,
        port=cfg["PORT"] or None,
        user=cfg["USER"] or None,
        password=cfg["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
        connect_timeout=5,
    ) as conn:
        name = sql.Identifier(cfg["NAME"])
        if recreate:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]]
        ).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(name))


def percentile(sorted_ms: list[float], fraction: float) -> float:
    """Nearest-rank percentile: the smallest sample with at least `fraction` at or below."""
    return sorted_ms[max(0, math.ceil(fraction * len(sorted_ms)) - 1)]


def measure(
    label: str,
    username: str,
    url_for: Callable[[], str],
    *,
    repeat: int,
    warmup: int,
    target_ms: int | None = None,
) -> Row:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from portal.accounts.models import User

    row = Row(page=label, user=username, url="", target_ms=target_ms)
    try:
        row.url = url_for()
        client = Client()
        client.force_login(User.objects.get(username=username))
        for _ in range(warmup):
            client.get(row.url)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(row.url)
        if response.status_code != 200:
            row.error = f"HTTP {response.status_code}"
            return row
        row.queries = len(queries)
        samples = []
        for _ in range(repeat):
            started = time.perf_counter()
            client.get(row.url)
            samples.append((time.perf_counter() - started) * 1000)
        samples.sort()
        row.p50_ms = statistics.median(samples)
        row.p95_ms = percentile(samples, 0.95)
    except Exception as exc:  # a page still being built must not stop the others
        row.error = f"{exc.__class__.__name__}: {str(exc).splitlines()[0][:80] if str(exc) else ''}"
    return row


def pages() -> list[tuple[str, str, Callable[[], str], int | None]]:
    """(label, username, url, p95 target from docs/product.md §11 or None)."""
    from django.urls import reverse

    from organizations.models import Organization

    def deepest_leaf() -> str:
        leaf = Organization.objects.filter(numchild=0).order_by("-depth", "-path").first()
        assert leaf is not None
        return reverse("organizations:detail", args=[leaf.pk])

    def root_grid() -> str:
        root = Organization.objects.get(depth=1)
        return reverse("progress:grid", args=[root.pk])

    return [
        ("organization tree", "bench-reviewer", lambda: reverse("organizations:tree"), None),
        ("organization detail (leaf)", "bench-reviewer", deepest_leaf, None),
        ("member list", "bench-reviewer", lambda: reverse("organizations:member_list"), None),
        ("home", "bench-secretary", lambda: reverse("core:home"), 100),
        ("reviewer inbox", "bench-reviewer", lambda: reverse("reviews:inbox"), 100),
        ("dashboard", "bench-office", lambda: reverse("progress:dashboard"), None),
        ("grid of the county", "bench-reviewer", root_grid, 300),
    ]


def print_table(rows: list[Row], args: argparse.Namespace, engine: str) -> None:
    print(
        f"\n{engine}, {args.orgs} organizations, {args.members} members, "
        f"{args.repeat} requests per page after {args.warmup} warm-up\n"
    )
    header = f"{'page':<28} {'user':<16} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}  target"
    print(header)
    print("-" * len(header))
    for row in rows:
        if row.error:
            print(f"{row.page:<28} {row.user:<16} ERROR {row.error}")
            continue
        target = ""
        if row.target_ms is not None:
            verdict = "ok" if row.p95_ms is not None and row.p95_ms <= row.target_ms else "OVER"
            target = f"p95 <= {row.target_ms} ms: {verdict}"
        print(
            f"{row.page:<28} {row.user:<16} {row.p50_ms:>8.1f} {row.p95_ms:>8.1f} "
            f"{row.queries:>8}  {target}"
        )


def main() -> int:
    args = parse_args()
    configure_environment(args.database_url)
    ensure_database(args.database_url, recreate=False)

    import django
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import override_settings

    django.setup()
    # A failing page becomes an error row; its traceback would drown the table.
    logging.getLogger("django.request").setLevel(logging.CRITICAL)
    from scale.seeding import seed_scale, seeded_state

    call_command("migrate", verbosity=0, interactive=False)
    state = seeded_state(args.orgs, args.members)
    if state == "foreign":
        print(
            f"{args.database_url} holds organizations this benchmark did not create; "
            "give it a database of its own (--database-url).",
            file=sys.stderr,
        )
        return 2
    if state == "other-size" or (state == "ready" and args.reseed):
        connection.close()
        ensure_database(args.database_url, recreate=True)
        call_command("migrate", verbosity=0, interactive=False)
        state = "empty"
    if state == "empty":
        seed_scale(args.orgs, args.members, args.records)
    else:
        print("reusing the seeded database (--reseed rebuilds it)")

    # DEBUG=0 uses the manifest storage, which needs collectstatic; the benchmark
    # measures views, so static URLs come from the plain storage.
    plain_static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    with override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain_static}):
        rows = [
            measure(label, user, url, repeat=args.repeat, warmup=args.warmup, target_ms=target)
            for label, user, url, target in pages()
        ]
    print_table(rows, args, connection.vendor)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "database": connection.vendor,
            "orgs": args.orgs,
            "members": args.members,
            "repeat": args.repeat,
            "rows": [asdict(row) for row in rows],
        }
        args.json.write_text(json.dumps(payload, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
