"""What each step of the deadline rush costs in CPU (issue #20): the clients of
bench/rush.py run one at a time in this process, through Django's test client with the
production settings, on the database bench/rush.py seeds (default PostgreSQL
`portal_rush_bench`).

    .venv/bin/python bench/mix_cost.py                      # 3 rounds of each role
    .venv/bin/python bench/mix_cost.py --rounds 10 --profile secretary: --top 40

The steps are bench/rush.py's own (the same secretary, reviewer and office functions,
the same forms, CSRF tokens and redirects); only the transport differs. For each step:
the median CPU time of this process per request (what a gunicorn worker spends on it:
the database's own work is in the PostgreSQL server and not counted) and the queries of
one request. CPU time depends far less on the machine's other load than wall time.
--profile PREFIX profiles the steps whose name starts with PREFIX (cProfile, cumulative
order; --sort tottime for own time) and prints the functions taking the most.
The database is written to as in the rush (meetings, decisions, submits, and each run
gives its users one more role): keep the seeded county aside as a template and pass
--copy-of to start every run from the same data, e.g.

    createdb -h 127.0.0.1 -U postgres -T portal_rush_bench portal_rush_seeded
    .venv/bin/python bench/mix_cost.py --database-url postgres://postgres@127.0.0.1:5432/portal_rush_mix \\
        --copy-of portal_rush_seeded
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import cast

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/portal_rush_bench"
    )
    parser.add_argument("--rounds", type=int, default=3, help="timed loops of each client")
    parser.add_argument("--warmup", type=int, default=1, help="untimed loops first")
    parser.add_argument("--clients", type=int, default=8, help="users made (rush's split)")
    parser.add_argument(
        "--profile", default=None, help="profile the steps starting with this ('' for all)"
    )
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--dump", type=Path, help="write the profile here (pstats)")
    parser.add_argument(
        "--copy-of",
        metavar="DATABASE",
        help="first recreate the database as a copy of this PostgreSQL one (the seeded "
        "county kept aside): every run starts from the same data",
    )
    parser.add_argument(
        "--default-gc",
        action="store_true",
        help="leave the garbage collector as Python sets it (the workers' tuning, "
        "portal.core.warmup.tune_gc, is applied otherwise)",
    )
    args = parser.parse_args()

    from run import BENCH_FIELD_KEYS

    if args.copy_of:
        _copy(args.database_url, args.copy_of)
    os.environ.update(
        DATABASE_URL=args.database_url,
        DEBUG="0",
        SECRET_KEY="mix-cost-" + "x" * 50,
        **BENCH_FIELD_KEYS,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="bench_settings",
        BENCH_STATIC_FINDERS="1",
    )
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("CELERY_BROKER_URL", None)
    import rush

    info = rush.prepare(
        {"orgs": 0, "members": 0, "levels": [args.clients], "tag": "mix"} | _seeded_size()
    )
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    cpu: dict[str, list[float]] = defaultdict(list)
    queries: dict[str, int] = {}
    profile = cProfile.Profile(time.process_time)  # CPU, not the waits for the database
    timing = [False]

    class InProcess:
        """bench/rush.py's Browser over Django's test client: cookies, CSRF, https."""

        def __init__(self, session: str, tally: rush.Tally) -> None:
            self.client = Client(
                HTTP_ACCEPT_LANGUAGE="zh-hans", HTTP_HOST="127.0.0.1", enforce_csrf_checks=True
            )
            self.client.cookies[info["cookie"]] = session
            self.tally = tally

        def request(self, step: str, method: str, url: str, data: dict | None = None):
            profiled = timing[0] and args.profile is not None and step.startswith(args.profile)
            with CaptureQueriesContext(connection) as ctx:
                if profiled:
                    profile.enable()
                started = time.process_time()
                if method == "GET":
                    response = self.client.get(url, secure=True)
                else:
                    response = self.client.post(
                        url,
                        data,
                        secure=True,
                        HTTP_ORIGIN="https://127.0.0.1",
                        HTTP_REFERER="https://127.0.0.1" + url,
                    )
                spent = (time.process_time() - started) * 1000
                if profiled:
                    profile.disable()
            if timing[0]:
                cpu[step].append(spent)
                queries[step] = len(ctx.captured_queries)
            expect = (200,) if method == "GET" else (302, 303)
            if response.status_code not in expect:
                raise SystemExit(f"{step}: {method} {url} answered {response.status_code}")
            location = response.get("Location", "")
            if location.startswith("https://127.0.0.1"):
                location = location[len("https://127.0.0.1") :]
            return response.status_code, response.content.decode(), location

        def get(self, step: str, url: str) -> str:
            return self.request(step, "GET", url)[1]

        def post(self, step: str, url: str, data: dict) -> str:
            return self.request(step, "POST", url, data)[2]

    tally = rush.Tally()
    if not args.default_gc:
        # As in a gunicorn worker (portal/gunicorn.conf.py: when_ready): the application
        # warmed, what is alive frozen out of the collector's sight, higher thresholds.
        from portal.core.warmup import tune_gc, warm

        warm()
        tune_gc(freeze=True)
    users = info["levels"][0]["users"]
    one_of_each = {u["role"]: u for u in reversed(users)}
    browsers = {role: InProcess(u["session"], tally) for role, u in one_of_each.items()}
    counters = {role: [0] for role in one_of_each}
    for i in range(args.warmup + args.rounds):
        timing[0] = i >= args.warmup
        for role, user in one_of_each.items():
            # Browser's interface, served in-process.
            browser = cast("rush.Browser", browsers[role])
            rush.ROLES[role](browser, user, "mix cost", counters[role], lambda: None)
    print(
        f"{connection.vendor}; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
        f"CPU ms of this process per request, median of {args.rounds} rounds"
    )
    every = []
    for step in sorted(cpu):
        every += cpu[step]
        print(
            f"  {step:<38} {statistics.median(cpu[step]):7.1f} ms CPU "
            f"(mean {statistics.mean(cpu[step]):5.1f}) "
            f"{queries[step]:4d} queries (n={len(cpu[step])})"
        )
    print(f"  {'all steps (mean)':<38} {statistics.mean(every):7.1f} ms CPU")
    if args.profile is not None:
        if args.dump:
            profile.dump_stats(args.dump)
        pstats.Stats(profile).sort_stats(args.sort).print_stats(args.top)
    return 0


def _copy(database_url: str, template: str) -> None:
    """Drop the database and create it again from `template` (PostgreSQL)."""
    import dj_database_url
    import psycopg
    from psycopg import sql

    cfg = dj_database_url.parse(database_url)
    with psycopg.connect(
        host=cfg["HOST"] or None,
        port=cfg["PORT"] or None,
        user=cfg["USER"] or None,
        password=cfg["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        name = sql.Identifier(cfg["NAME"])
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(name, sql.Identifier(template))
        )


def _seeded_size() -> dict:
    """The county's size as seeded (prepare refuses another size)."""
    import django

    django.setup()
    from organizations.models import Member, Organization

    return {"orgs": Organization.objects.count(), "members": Member.objects.count()}


if __name__ == "__main__":
    sys.exit(main())
