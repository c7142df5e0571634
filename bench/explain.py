"""EXPLAIN of every query the requirement grid runs (issue #7 item 5).

    .venv/bin/python bench/explain.py                    # a county inside the province
    .venv/bin/python bench/explain.py --database-url postgres://postgres@127.0.0.1:5432/portal_bench
    .venv/bin/python bench/explain.py --database-url sqlite:///bench/out/load-county.sqlite3

Requests the grid page (progress:grid) of the first county of a database seeded by
`manage.py seed_scale` (default: PostgreSQL portal_bench_province, see bench/load.py),
as the reviewer of that county (or of the root), through Django's test client with the
production settings, capturing its queries; then prints, for each query, its time in
the request and its plan: EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL, EXPLAIN QUERY PLAN
on SQLite. A closing summary lists each query's scans and flags a sequential scan
(PostgreSQL "Seq Scan", SQLite "SCAN" without an index) of a table holding more than
--big rows. The database is only read.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/portal_bench_province"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_DB)
    parser.add_argument(
        "--org", type=int, help="organization id (default: the first county committee)"
    )
    parser.add_argument("--big", type=int, default=10_000, help="rows that make a table big")
    parser.add_argument("--quiet", action="store_true", help="only the summary")
    parser.add_argument(
        "--compare",
        action="store_true",
        help="PostgreSQL: time each query with a big sequential scan again with "
        "enable_seqscan off (would an index plan be faster?)",
    )
    return parser.parse_args()


def main() -> int:
    args = parse_args()
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
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.urls import reverse

    from organizations.models import Organization, OrgKind
    from portal.accounts.models import User

    if args.org:
        org = Organization.objects.get(pk=args.org)
    else:
        org = Organization.objects.filter(kind=OrgKind.COUNTY_COMMITTEE).order_by("path").first()
    if org is None:
        sys.exit("no county committee: seed the database with manage.py seed_scale first")
    user = User.objects.filter(username="bench-county-reviewer").first() or User.objects.get(
        username="bench-reviewer"
    )
    size = Organization.objects.filter(path__startswith=org.path).count()
    url = reverse("progress:grid", args=[org.pk])
    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    with override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain}):
        client = Client()
        client.force_login(user)
        client.get(url)  # warm: translations, templates, connection
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        sys.exit(f"{url} answered {response.status_code} to {user.username}")
    queries = list(captured.captured_queries)
    sql_ms = sum(float(q["time"]) for q in queries) * 1000
    print(
        f"{connection.vendor}: grid of {org.short_name} (id {org.pk}, {size:,} organizations) "
        f"as {user.username}: {elapsed:.0f} ms, {len(queries)} queries, {sql_ms:.0f} ms in SQL\n"
    )
    counts = table_counts(connection)
    summary = []
    for n, query in enumerate(queries, 1):
        sql = query["sql"]
        plan = explain(connection, sql)
        scans = scans_of(connection.vendor, plan)
        big = [t for kind, t in scans if kind == "seq" and counts.get(t, 0) > args.big]
        summary.append((n, float(query["time"]) * 1000, sql, scans, big))
        if not args.quiet:
            print(f"-- query {n}: {float(query['time']) * 1000:.1f} ms in the request")
            print(f"   {sql[:400]}{'…' if len(sql) > 400 else ''}")
            for line in plan:  # IN lists of a county's ids make long lines
                print(f"   | {line[:300]}{'…' if len(line) > 300 else ''}")
            print()
    print("summary (time in the request; scans; SEQ = sequential scan of a big table):")
    for n, ms, sql, scans, big in summary:
        what = re.sub(r"\s+", " ", sql)[:70]
        names = ", ".join(f"{'seq' if k == 'seq' else 'idx'}:{t}" for k, t in scans) or "-"
        flag = f"  SEQ {', '.join(sorted(set(big)))}" if big else ""
        print(f"{n:>3} {ms:>8.1f} ms  {what:<70}  {names}{flag}")
    if args.compare and connection.vendor == "postgresql":
        print("\nsequential scans of big tables against the index plan (execution, warm):")
        for n, _ms, sql, _scans, big in summary:
            if big:
                seq = execution_ms(connection, sql, seqscan=True)
                indexed = execution_ms(connection, sql, seqscan=False)
                print(f"{n:>3}  as planned {seq:8.1f} ms   enable_seqscan=off {indexed:8.1f} ms")
    return 0


def execution_ms(connection, sql: str, *, seqscan: bool) -> float:
    """The best of three EXPLAIN ANALYZE execution times."""
    from django.db import transaction

    best = float("inf")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL enable_seqscan = {'on' if seqscan else 'off'}")
        for _ in range(3):
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
            best = min(best, cursor.fetchone()[0][0]["Execution Time"])
    return best


def explain(connection, sql: str) -> list[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        return [row[-1] for row in cursor.fetchall()]


def scans_of(vendor: str, plan: list[str]) -> list[tuple[str, str]]:
    """[("seq" | "index", table)] in plan order."""
    found = []
    for line in plan:
        if vendor == "postgresql":
            m = re.search(r"(Parallel )?Seq Scan on (\w+)", line)
            if m:
                found.append(("seq", m.group(2)))
                continue
            m = re.search(r"(Index|Index Only|Bitmap Index) Scan (?:using \w+ )?on (\w+)", line)
            if m:
                found.append(("index", m.group(2)))
        else:
            m = re.search(r"\b(SCAN|SEARCH) (\w+)(?: AS \w+)?(.*)", line)
            if m:
                indexed = m.group(1) == "SEARCH" or "INDEX" in m.group(3)
                found.append(("index" if indexed else "seq", m.group(2)))
    return found


def table_counts(connection) -> dict[str, int]:
    """Row counts of every table (PostgreSQL: the planner's estimates)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT relname, reltuples::bigint FROM pg_class "
                "WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace"
            )
            return dict(cursor.fetchall())
        counts = {}
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
            counts[table] = cursor.fetchone()[0]
        return counts


if __name__ == "__main__":
    sys.exit(main())
