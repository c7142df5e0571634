"""The reviewer's side at scale: a bulk approval of N records end to end, and the root
reviewer's inbox with many records waiting.

    .venv/bin/python bench/bulk_bench.py [--orgs 2000] [--members 20000] [--batch 500]
                                         [--waiting 10000] [--repeat 30]
                                         [--database-url URL] [--reseed]

Uses a database of its own (default SQLite at bench/out/bulk.sqlite3: the runs change
review states, so it is not bench/run.py's), seeded with seed_scale like bench/run.py.
Before each measurement the data is put in shape without timing: `--batch` activity
plans (one per organization) are set to "submitted" (the plan rows and their inbox
rows), then `--waiting` inbox rows in all are set to "submitted".

1. Bulk approval: bench-reviewer (at the root) POSTs the bulk decision of `--batch` plans
   through Django's test client (whole middleware stack, DEBUG=0, tasks in-process as in
   the embedded default: a batch over 200 goes through the queue and runs at once), and
   the time until the response, every record decided, is printed with the queries.
2. Inbox: the root reviewer's inbox (first page, then filtered by the first
   organization below the root, then by kind) timed like bench/run.py (p50/p95 over
   `--repeat` requests after warm-up), with the count of waiting rows.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import configure_environment, ensure_database, percentile  # noqa: E402

DEFAULT_DB = f"sqlite:///{HERE / 'out' / 'bulk.sqlite3'}"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=2000)
    parser.add_argument("--members", type=int, default=20000)
    parser.add_argument("--batch", type=int, default=500, help="records approved in bulk")
    parser.add_argument("--waiting", type=int, default=10000, help="inbox rows waiting")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_BULK_DATABASE_URL", DEFAULT_DB)
    )
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument(
        "--profile", action="store_true", help="print the bulk approval's top functions"
    )
    parser.add_argument("--skip-inbox", action="store_true", help="bulk approval only")
    parser.add_argument("--skip-bulk", action="store_true", help="the inbox only")
    return parser.parse_args()


def reopen_plans(n: int) -> list[int]:
    """Put `n` activity plans (and their inbox rows) in "submitted", submitted by the
    bench secretary, and return their inbox rows' ids in inbox order."""
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from activities.models import ActivityPlan
    from portal.accounts.models import User
    from portal.reviews.models import ReviewTask

    ct = ContentType.objects.get_for_model(ActivityPlan)
    secretary = User.objects.get(username="bench-secretary")
    pks = list(ActivityPlan.objects.order_by("pk").values_list("pk", flat=True)[:n])
    if len(pks) < n:
        sys.exit(f"only {len(pks)} activity plans: seed more organizations")
    now = timezone.now()
    ActivityPlan.objects.filter(pk__in=pks).update(
        review_status="submitted", submitted_at=now, submitted_by=secretary, decided_at=None
    )
    existing = set(
        ReviewTask.objects.filter(content_type=ct, object_id__in=pks).values_list(
            "object_id", flat=True
        )
    )
    plans = ActivityPlan.objects.filter(pk__in=set(pks) - existing).select_related("organization")
    ReviewTask.objects.bulk_create(
        ReviewTask(
            content_type=ct,
            object_id=p.pk,
            organization=p.organization,
            status="submitted",
            title=p.review_title()[:300],
            url=p.get_absolute_url(),
        )
        for p in plans
    )
    ReviewTask.objects.filter(content_type=ct, object_id__in=pks).update(
        status="submitted", submitted_at=now, submitted_by=secretary, decided_at=None
    )
    return list(
        ReviewTask.objects.filter(content_type=ct, object_id__in=pks)
        .order_by("submitted_at", "pk")
        .values_list("pk", flat=True)
    )


def fill_inbox(n: int) -> int:
    """At least `n` inbox rows waiting (inbox rows only: the inbox reads nothing else)."""
    from django.db.models import F

    from portal.reviews.models import ReviewTask

    waiting = ReviewTask.objects.filter(status="submitted").count()
    if waiting < n:
        more = list(
            ReviewTask.objects.exclude(status="submitted")
            .order_by("pk")
            .values_list("pk", flat=True)[: n - waiting]
        )
        ReviewTask.objects.filter(pk__in=more).update(
            status="submitted", submitted_at=F("updated_at")
        )
    return ReviewTask.objects.filter(status="submitted").count()


def timed_get(client, url: str, repeat: int, warmup: int) -> tuple[float, float, int, float]:  # type: ignore[no-untyped-def]
    from django.db import connection

    for _ in range(warmup):
        client.get(url)
    # Counted with an execute wrapper (the debug query log is shared with the bulk run).
    count = 0

    def counter(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    samples, cpu = [], []
    for _ in range(repeat):
        started, cpu_started = time.perf_counter(), time.process_time()
        client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
    samples.sort()
    return statistics.median(samples), percentile(samples, 0.95), count, statistics.median(cpu)


def bulk_approval(args: argparse.Namespace, client: Any) -> None:
    """Time the bulk approval of --batch plans, end to end, and print it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from portal.reviews.models import ReviewBatch

    tasks = reopen_plans(args.batch)
    client.get(reverse("reviews:inbox"))  # warm the process (templates, grants)
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as queries:
        started, cpu = time.perf_counter(), time.process_time()
        response = client.post(reverse("reviews:bulk_decide"), {"action": "approve", "task": tasks})
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    if profiler is not None:
        import pstats

        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    batch = ReviewBatch.objects.order_by("-pk").first()
    assert response.status_code == 302 and batch is not None, response.status_code
    print(
        f"bulk approval of {batch.total}: {elapsed:.2f} s end to end ({cpu:.2f} s CPU) "
        f"({elapsed / batch.total * 1000:.1f} ms a record), {len(queries)} queries, "
        f"decided {len(batch.decided)}, skipped {len(batch.skipped)}; target <= 10 s: "
        f"{'ok' if elapsed <= 10 and len(batch.decided) == batch.total else 'OVER'}"
    )


def main() -> int:
    args = parse_args()
    configure_environment(args.database_url)
    ensure_database(args.database_url, recreate=args.reseed)

    import django
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import reverse

    django.setup()
    from organizations.models import Organization
    from portal.accounts.models import User
    from scale.seeding import seed_scale, seeded_state

    call_command("migrate", verbosity=0, interactive=False)
    state = seeded_state(args.orgs, args.members)
    if state == "foreign":
        sys.exit(f"{args.database_url} holds organizations this benchmark did not create")
    if state == "other-size":
        connection.close()
        ensure_database(args.database_url, recreate=True)
        call_command("migrate", verbosity=0, interactive=False)
        state = "empty"
    if state == "empty":
        started = time.perf_counter()
        seed_scale(args.orgs, args.members, None)
        print(f"seeded in {time.perf_counter() - started:.0f} s", file=sys.stderr)

    plain_static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    with override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain_static}):
        client = Client()
        client.force_login(User.objects.get(username="bench-reviewer"))
        print(
            f"\n{connection.vendor}, {Organization.objects.count()} organizations, load "
            f"average {os.getloadavg()[0]:.2f} before"
        )

        # 1. Bulk approval of --batch plans, end to end.
        if not args.skip_bulk:
            bulk_approval(args, client)
        if args.skip_inbox:
            return 0
        # 2. The root reviewer's inbox with --waiting rows.
        waiting = fill_inbox(args.waiting)
        first_child = Organization.objects.filter(depth=2).order_by("path").first()
        rows = [
            ("inbox", reverse("reviews:inbox")),
            ("inbox, page 100", reverse("reviews:inbox") + "?page=100"),
            ("inbox, one subtree", f"{reverse('reviews:inbox')}?org={first_child.code}"),
            ("inbox, one kind", f"{reverse('reviews:inbox')}?type=activities.activityplan"),
        ]
        print(f"\nroot reviewer's inbox, {waiting} waiting, {args.repeat} requests")
        print(f"{'page':<22} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8} {'CPU p50':>8}")
        for label, url in rows:
            p50, p95, n, cpu = timed_get(client, url, args.repeat, args.warmup)
            verdict = "ok" if p95 <= 100 else "OVER"
            print(
                f"{label:<22} {p50:>8.1f} {p95:>8.1f} {n:>8} {cpu:>8.1f}  p95 <= 100 ms: {verdict}"
            )
        print(f"load average {os.getloadavg()[0]:.2f} after")
    return 0


if __name__ == "__main__":
    sys.exit(main())
