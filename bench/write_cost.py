"""What one write costs, one request at a time (issue #20): a secretary's meeting POST
and a reviewer's decision, through Django's test client with the production settings,
on the database bench/rush.py seeds (default PostgreSQL `portal_rush_bench`).

    .venv/bin/python bench/write_cost.py
    .venv/bin/python bench/write_cost.py --repeat 30 --database-url sqlite:///bench/out/x.sqlite3

For each write: the whole request (wall-clock ms, CPU ms of this process, queries) and,
of it, the requirement roll-up's recompute after the commit
(portal.progress.rollup.refresh: the same three). CPU time depends far less on what
else the machine runs than wall-clock time does. p50 over
--repeat requests after --warmup untimed ones. No Redis: the recompute runs in the
request, after its transaction commits, as in the rush benchmark's gunicorn.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/portal_rush_bench"
    )
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument(
        "--show-queries", action="store_true", help="print the last request's statements"
    )
    args = parser.parse_args()
    from run import BENCH_FIELD_KEYS  # the keys the benchmark county is seeded with

    os.environ.update(
        DATABASE_URL=args.database_url,
        DEBUG="0",
        SECRET_KEY="write-cost-" + "x" * 50,
        **BENCH_FIELD_KEYS,
        ALLOWED_HOSTS="testserver",
        SECURE_SSL_REDIRECT="0",
        LOG_LEVEL="WARNING",
        BENCH_STATIC_FINDERS="1",  # no collectstatic first (bench/bench_settings.py)
    )
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench_settings")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.urls import reverse

    from activities.models import Campaign
    from organizations.models import Organization
    from portal.accounts.models import Role, User
    from portal.accounts.services import role_assign
    from portal.progress import rollup
    from portal.reviews.models import ReviewTask
    from scale.tree import ROOT_CODE

    setup_test_environment()
    root = Organization.objects.get(code=ROOT_CODE, depth=1)
    campaign = Campaign.objects.filter(lead_organization=root).first()
    if campaign is None:
        print("no campaign in the benchmark county: reseed the database", file=sys.stderr)
        return 1

    spent: list[tuple[float, int, float]] = []
    original = rollup.refresh

    def timed_refresh(*a, **kw):
        started, cpu = time.perf_counter(), time.process_time()
        with CaptureQueriesContext(connection) as ctx:
            result = original(*a, **kw)
        spent.append(
            (
                (time.perf_counter() - started) * 1000,
                len(ctx.captured_queries),
                (time.process_time() - cpu) * 1000,
            )
        )
        return result

    rollup.refresh = timed_refresh

    def user(name: str, role: str, org: Organization) -> Client:
        found = User.objects.filter(username=name).first() or User.objects.create_user(
            username=name, full_name=name
        )
        role_assign(actor=None, user=found, role=role, organization=org)
        client = Client()
        client.force_login(found)
        return client

    def measure(label: str, do) -> None:
        rows = []
        for i in range(args.warmup + args.repeat):
            spent.clear()
            with CaptureQueriesContext(connection) as ctx:
                started, cpu = time.perf_counter(), time.process_time()
                do(i)
                total = (time.perf_counter() - started) * 1000
                total_cpu = (time.process_time() - cpu) * 1000
            if i >= args.warmup:
                rows.append(
                    (
                        total,
                        len(ctx.captured_queries),
                        sum(ms for ms, _q, _c in spent),
                        sum(q for _ms, q, _c in spent),
                        total_cpu,
                        sum(c for _ms, _q, c in spent),
                    )
                )
        if args.show_queries:
            for n, query in enumerate(ctx.captured_queries, 1):
                print(f"  {n:2d}. {query['sql'][:150]}")
        med = [statistics.median(col) for col in zip(*rows, strict=True)]
        print(
            f"{label:<28} request {med[0]:6.1f} ms ({med[4]:5.1f} ms CPU) {med[1]:3.0f} queries; "
            f"of it the roll-up recompute {med[2]:5.1f} ms ({med[5]:5.1f} ms CPU) "
            f"{med[3]:3.0f} queries (median of {len(rows)})"
        )

    leaf = (
        Organization.objects.filter(path__startswith=root.path, depth=4, is_active=True)
        .order_by("path")
        .last()
    )
    secretary = user("write-cost-secretary", Role.SECRETARY, leaf)
    url = reverse("activities:meeting_create", args=[leaf.pk])

    from rush import form_fields

    # The form as the page offers it (the roll of members, all present), once.
    fields = form_fields(secretary.get(url).content.decode(), containing="topic")

    def meeting(i: int) -> None:
        fields.update(
            kind="branch_committee",
            topic=f"write cost {i}",
            campaign=str(campaign.pk),
            starts_at="2014-09-10T09:00",
            ends_at="2014-09-10T10:00",
        )
        response = secretary.post(url, fields)
        assert response.status_code == 302, response.status_code

    reviewer = user("write-cost-reviewer", Role.REVIEWER, root)
    waiting = list(ReviewTask.objects.waiting().order_by("-pk")[: args.warmup + args.repeat])
    if len(waiting) < args.warmup + args.repeat:
        print("not enough records waiting for review: reseed the database", file=sys.stderr)
        return 1

    def decide(i: int) -> None:
        task = waiting[i]
        from portal.reviews.selectors import model_label

        model = task.content_type.model_class()
        assert model is not None
        response = reviewer.post(
            reverse("reviews:transition", args=[model_label(model), task.object_id]),
            {"action": "return", "comment": "write cost"},
        )
        assert response.status_code == 302, response.status_code

    print(
        f"{connection.vendor}, {Organization.objects.count():,} organizations; "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    measure("meeting POST (secretary)", meeting)
    measure("review decision (return)", decide)
    return 0


if __name__ == "__main__":
    sys.exit(main())
