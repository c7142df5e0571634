"""Load benchmark (docs/product.md §11, issue #7 item 5): gunicorn with the production settings
under concurrent load from ApacheBench, on the scale data of scale/seeding.py.

    .venv/bin/python bench/load.py                       # county on SQLite and PostgreSQL,
                                                         # province on PostgreSQL
    .venv/bin/python bench/load.py --targets sqlite-county --requests 100
    .venv/bin/python bench/load.py --workers 2 --concurrency 4 --json bench/out/load.json
    .venv/bin/python bench/load.py --targets pg-county --pg-name bench18 --requirements 30

Targets (each a database of its own; bench/out/ is not committed):
  sqlite-county    SQLite bench/out/load-county.sqlite3, 2,000 organizations, 20,000 members
  pg-county        PostgreSQL portal_bench, the same county
  pg-province      PostgreSQL portal_bench_province, 100,000 organizations (50 counties),
                   1,000,000 members
--pg-url names the server (default postgres://postgres@127.0.0.1:5432). A database
missing, empty or seeded at another size is (re)built with `manage.py seed_scale`
(the province takes 10-20 minutes here); one holding other organizations is refused.

For each target: `manage.py collectstatic` into bench/out/static (bench/bench_settings.py:
the production settings with that STATIC_ROOT), then gunicorn with the project's
portal/gunicorn.conf.py, DEBUG=0, --workers sync workers (WEB_CONCURRENCY), bound to
127.0.0.1 on a free port, no Redis (local-memory cache, tasks in-process). The bench
users are logged in by creating their sessions directly in the database (the session
cookie; no login form, no django-axes). Each page is checked to answer 200 to its user,
warmed up (--warmup requests), then loaded by `ab` (Debian's apache2-utils; installed
with apt-get when missing) with --concurrency clients for --requests requests or
--seconds seconds, whichever ends first. p50 and p95 come from ab's percentile table
(-e), throughput from its requests per second; non-2xx answers are counted as errors.

Rows: /healthz (the floor: one `SELECT 1` and a small JSON answer), the secretary's home
and the reviewer's inbox (p95 ≤ 100 ms at county scale), the dashboard (the province's
is "province totals", ≤ 1 s), the requirement grid of the county (≤ 150 ms; ≤ 300 ms in the
province: of its first county). The machine's load average is printed with each table:
the figures are wall-clock times on whatever else the machine is doing.

--requirements N (15 to 30, default 15; issue #18): after seeding, the seeded campaign is
brought to N requirement instances: the 2014 template's 15 plus the first N - 15 extra
ones of scale/instances.py (every requirement kind again with other parameters, the
same the test pinning the checklist's queries at 30 instances uses), each validated and
saved as the office's composer saves it; extra ones beyond N are deleted, so a database
measured at 30 measures 15 again with the default. When that changes the requirements,
the roll-up is rebuilt (`manage.py rebuild_standings --if-needed`, what the portal's
worker and the deploy run after such a change; timed on stderr) before any page is
measured: the grid then shows N columns. The table's header names the count.
"""

from __future__ import annotations

import argparse
import csv
import http.client
import json
import math
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PY = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
COUNTY = (2000, 20000)
PROVINCE = (100_000, 1_000_000)


@dataclass
class Target:
    name: str
    url: str
    orgs: int
    members: int
    province: bool = False


@dataclass
class Row:
    page: str
    user: str
    url: str
    target_ms: int | None = None
    requests: int = 0
    concurrency: int = 0
    p50_ms: float | None = None
    p95_ms: float | None = None
    max_ms: float | None = None
    per_second: float | None = None
    failed: int = 0
    error: str = ""

    @property
    def verdict(self) -> str:
        if self.target_ms is None or self.p95_ms is None:
            return ""
        return "pass" if self.p95_ms <= self.target_ms else "MISS"


@dataclass
class Run:
    target: str
    database: str
    orgs: int
    members: int
    workers: int
    concurrency: int
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    started: str = ""
    rows: list[Row] = field(default_factory=list)
    error: str = ""
    cache: str = "local memory"
    requirements: int = 0  # the campaign's requirement instances (--requirements)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--targets",
        default="sqlite-county,pg-county,pg-province",
        help="comma-separated: sqlite-county, pg-county, pg-province (default: all)",
    )
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument(
        "--pg-name",
        default="portal_bench",
        help="PostgreSQL database name of the county (the province's: NAME_province); "
        "use one of your own on a shared server (default portal_bench)",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--concurrency", type=int, default=4, help="ab clients (default 4)")
    parser.add_argument("--requests", type=int, default=200, help="requests per page")
    parser.add_argument("--seconds", type=int, default=40, help="time cap per page")
    parser.add_argument("--warmup", type=int, default=8, help="untimed requests per page")
    parser.add_argument(
        "--slow",
        type=float,
        default=15,
        help="seconds: a page whose first request takes longer is timed once, not loaded",
    )
    parser.add_argument(
        "--requirements",
        type=int,
        default=15,
        help="requirement instances of the seeded campaign, 15 to 30: the 2014 template's "
        "15 plus the first extra ones of scale/instances.py; the roll-up is rebuilt after "
        "a change (default 15)",
    )
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument("--reseed", action="store_true", help="rebuild the databases")
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="a dummy cache: measure the pages without their cached figures (cold path)",
    )
    return parser.parse_args()


def targets(args: argparse.Namespace) -> list[Target]:
    pg = args.pg_url.rstrip("/")
    known = {
        "sqlite-county": Target(
            "sqlite-county", f"sqlite:///{OUT / 'load-county.sqlite3'}", *COUNTY
        ),
        "pg-county": Target("pg-county", f"{pg}/{args.pg_name}", *COUNTY),
        "pg-province": Target(
            "pg-province", f"{pg}/{args.pg_name}_province", *PROVINCE, province=True
        ),
    }
    wanted = [name.strip() for name in args.targets.split(",") if name.strip()]
    unknown = [name for name in wanted if name not in known]
    if unknown:
        sys.exit(f"unknown target(s): {', '.join(unknown)}")
    return [known[name] for name in wanted]


def base_env(target: Target, secret: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(
        DATABASE_URL=target.url,
        DEBUG="0",
        # Fixed keys of the benchmark's own databases (fake data): a database seeded in
        # one run still reads in the next (portal/core/crypto.py).
        FIELD_ENCRYPTION_KEYS="YmVuY2gtb25seS1maWVsZC1lbmNyeXB0aW9uLWtleTA=",
        FIELD_HASH_KEY="YmVuY2gtb25seS1maWVsZC1oYXNoLWtleS0wMTIzNDU=",
        SECRET_KEY=secret,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        DJANGO_SETTINGS_MODULE="bench_settings",
        PYTHONPATH=os.pathsep.join([str(ROOT / "bench"), str(ROOT)]),
        LOG_LEVEL="WARNING",
    )
    return env


# --- preparing a database (runs in a child process: one Django setup per database) ----


def prepare(orgs: int, members: int, province: bool, requirements: int) -> int:
    """Child mode: migrate, check the seeded state, seed when empty, bring the seeded
    campaign to `requirements` instances and rebuild its roll-up when its layout changed,
    log the bench users in and print {"cookies", "pages", …} as JSON on the last line. Exit 3 when the
    database must be rebuilt (seeded at another size), 2 when it is foreign."""
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.urls import NoReverseMatch, reverse

    from organizations.models import Organization, OrgKind
    from portal.accounts.models import User
    from scale.seeding import seed_scale, seeded_state
    from scale.tree import ROOT_CODE

    call_command("migrate", verbosity=0, interactive=False)
    state = seeded_state(orgs, members)
    if state == "foreign":
        print("the database holds organizations seed_scale did not write", file=sys.stderr)
        return 2
    if state == "other-size":
        return 3
    if state == "empty":
        seed_scale(orgs, members, log=lambda line: print(line, file=sys.stderr))
    from activities.models import Campaign
    from portal.progress.models import Rollup
    from portal.progress.rollup import layout
    from scale.instances import bring_to

    # --requirements: the seeded campaign gets that many requirement instances (the
    # 2014 template's 15 plus the first extra ones of scale/instances.py; fewer removes
    # the extra ones), each saved as the composer saves it (its signals mark the
    # campaign's roll-up rows and change its requirements token).
    campaign = Campaign.all_objects.get(lead_organization__code=ROOT_CODE)
    before = campaign.requirement_instances.count()
    count = bring_to(campaign, requirements)
    if count != before:
        print(f"requirement instances: {before} -> {count}", file=sys.stderr)
    # A roll-up built with other requirements (a database seeded before the roll-up
    # existed, or the instances just changed): rebuilt as the portal does after such a
    # change (the rebuild_standings task; the deploy's `rebuild_standings
    # --if-needed`), timed, before any page is measured.
    built = dict(Rollup.objects.values_list("campaign_id", "layout"))
    if any(built.get(c.pk) != layout(c) for c in Campaign.all_objects.all()):
        started = time.perf_counter()
        call_command("rebuild_standings", "--if-needed", stdout=sys.stderr)
        print(f"roll-up built in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    cookies = {}
    for user in User.objects.filter(username__startswith="bench-"):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        cookies[user.username] = session.session_key
    root = Organization.objects.get(code=ROOT_CODE, depth=1)
    county = Organization.objects.filter(kind=OrgKind.COUNTY_COMMITTEE).order_by("path").first()
    try:
        dashboard = reverse("progress:dashboard")
    except NoReverseMatch:
        dashboard = ""
    grid_user = "bench-county-reviewer" if province else "bench-reviewer"
    label = "grid of one county in the province" if province else "grid of the county"
    pages = [
        ("floor: /healthz", "", reverse("healthz"), None),
        ("secretary home", "bench-secretary", reverse("core:home"), None if province else 100),
        ("reviewer inbox", "bench-reviewer", reverse("reviews:inbox"), None if province else 100),
        (
            "dashboard (province totals)" if province else "dashboard",
            "bench-office",
            dashboard,
            1000 if province else None,
        ),
        # The county's grid: 150 ms at county scale; one county of the province, 300 ms.
        (label, grid_user, reverse("progress:grid", args=[county.pk]), 300 if province else 150),
    ]
    from django.conf import settings

    # The production settings name it __Host-sessionid (see portal/settings.py).
    print(
        json.dumps(
            {
                "cookies": cookies,
                "cookie_name": settings.SESSION_COOKIE_NAME,
                "pages": pages,
                "root": root.pk,
                "requirements": count,
            }
        )
    )
    return 0


def run_prepare(target: Target, env: dict[str, str], reseed: bool, requirements: int) -> dict:
    from run import ensure_database  # bench/run.py

    ensure_database(target.url, recreate=reseed)
    for attempt in (1, 2):
        proc = subprocess.run(
            [
                PY,
                __file__,
                "--prepare",
                str(target.orgs),
                str(target.members),
                str(target.province),
                str(requirements),
            ],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        sys.stderr.write(proc.stderr)
        if proc.returncode == 3 and attempt == 1:
            print(f"{target.name}: seeded at another size; rebuilding", file=sys.stderr)
            ensure_database(target.url, recreate=True)
            continue
        if proc.returncode != 0:
            raise RuntimeError(f"preparing {target.name} failed (exit {proc.returncode})")
        return json.loads(proc.stdout.strip().splitlines()[-1])
    raise RuntimeError("unreachable")


# --- gunicorn and ab ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_ab() -> str:
    found = shutil.which("ab")
    if found:
        return found
    print("ab not found: installing Debian's apache2-utils", file=sys.stderr)
    subprocess.run(["apt-get", "install", "-y", "-qq", "apache2-utils"], check=True)
    found = shutil.which("ab")
    if not found:
        sys.exit("ab is still missing after installing apache2-utils")
    return found


def start_gunicorn(env: dict[str, str], port: int, workers: int, log: Path) -> subprocess.Popen:
    env = {
        **env,
        "WEB_CONCURRENCY": str(workers),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_LOG_LEVEL": "warning",
    }
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [GUNICORN, "-c", str(ROOT / "portal" / "gunicorn.conf.py")],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}; see {log}")
        try:
            if get(port, "/healthz", "")[0] == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.5)
    stop(proc)
    raise RuntimeError("gunicorn did not answer /healthz within 60 s")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def get(port: int, url: str, session: str) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Cookie": session} if session else {}
    conn.request("GET", url, headers=headers)
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status, response.getheader("Location") or ""


def load(ab: str, port: int, row: Row, session: str, args: argparse.Namespace) -> None:
    times_path = OUT / "ab-times.tsv"
    command = [ab, "-q", "-s", "120", "-c", str(args.concurrency)]
    if session:
        command += ["-C", session]
    url = f"http://127.0.0.1:{port}{row.url}"
    subprocess.run(
        [*command, "-n", str(max(args.warmup, args.concurrency)), url],
        check=False,
        capture_output=True,
    )
    command += ["-t", str(args.seconds), "-n", str(args.requests), "-g", str(times_path), url]
    proc = subprocess.run(command, check=False, capture_output=True, text=True)
    if proc.returncode != 0:
        row.error = f"ab failed: {proc.stderr.strip().splitlines()[-1][:80]}"
        return
    stats = {}
    for line in proc.stdout.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            stats[key.strip()] = value.strip()
    row.requests = int(stats.get("Complete requests", "0"))
    row.concurrency = args.concurrency
    row.per_second = float(stats.get("Requests per second", "0 ").split()[0])
    # ab counts a body of another length than the first as failed: pages carry CSRF
    # tokens and times, so only connection, receive and exception failures count.
    failed = re.search(
        r"Connect: (\d+), Receive: (\d+), Length: \d+, Exceptions: (\d+)", proc.stdout
    )
    row.failed = int(stats.get("Non-2xx responses", "0"))
    if failed:
        row.failed += sum(int(n) for n in failed.groups())
    # ab -g: one line per request, "ttime" = the whole request in ms.
    with times_path.open() as f:
        samples = sorted(float(r["ttime"]) for r in csv.DictReader(f, delimiter="\t"))
    if samples:
        row.p50_ms = percentile(samples, 0.50)
        row.p95_ms = percentile(samples, 0.95)
        row.max_ms = samples[-1]
    if row.failed:
        row.error = f"{row.failed} of {row.requests} requests failed or answered non-2xx"


def percentile(sorted_ms: list[float], fraction: float) -> float:
    """Nearest rank: the smallest sample with at least `fraction` at or below it."""
    return sorted_ms[max(0, math.ceil(fraction * len(sorted_ms)) - 1)]


def measure(target: Target, args: argparse.Namespace, ab: str) -> Run:
    secret = secrets.token_urlsafe(64)
    env = base_env(target, secret)
    database = "postgresql" if target.url.startswith("postgres") else "sqlite"
    run = Run(target.name, database, target.orgs, target.members, args.workers, args.concurrency)
    if args.no_cache:
        env["BENCH_NO_CACHE"] = "1"
        run.cache = "none (--no-cache)"
    try:
        info = run_prepare(target, env, args.reseed, args.requirements)
        run.requirements = info.get("requirements", 0)
        subprocess.run(
            [PY, "manage.py", "collectstatic", "--noinput", "-v0"], env=env, cwd=ROOT, check=True
        )
    except Exception as exc:  # a target that cannot be prepared: report it, go on
        run.error = str(exc)
        return run
    port = free_port()
    server = start_gunicorn(env, port, args.workers, OUT / f"gunicorn-{target.name}.log")
    try:
        run.started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
        run.load_before = os.getloadavg()
        for label, user, url, target_ms in info["pages"]:
            row = Row(page=label, user=user or "anonymous", url=url, target_ms=target_ms)
            run.rows.append(row)
            if not url:
                row.error = "progress:dashboard does not exist yet"
                continue
            key = info["cookies"].get(user, "") if user else ""
            # "<cookie name>=<session key>", as the browser would send it.
            session = f"{info.get('cookie_name', 'sessionid')}={key}" if key else ""
            started = time.perf_counter()
            try:
                status, location = get(port, url, session)
            except OSError as exc:
                row.error = f"{exc.__class__.__name__}: {exc}"
                continue
            first_ms = (time.perf_counter() - started) * 1000
            if status != 200:
                row.error = f"HTTP {status} {location}".strip()
                if first_ms > 55_000:
                    row.error += f" after {first_ms / 1000:.0f} s (gunicorn's worker timeout)"
                continue
            if first_ms > args.slow * 1000:
                # Loading a page this slow would only tie the workers up: one sample.
                row.requests, row.concurrency = 1, 1
                row.p50_ms = row.p95_ms = row.max_ms = first_ms
                row.error = f"one request, {first_ms / 1000:.1f} s: too slow to load"
                continue
            load(ab, port, row, session, args)
        run.load_after = os.getloadavg()
    finally:
        stop(server)
    return run


def print_run(run: Run) -> None:
    print(
        f"\n{run.target}: {run.database}, {run.orgs:,} organizations, {run.members:,} "
        f"members; gunicorn {run.workers} sync workers, ab {run.concurrency} concurrent; "
        f"cache: {run.cache}; {run.requirements} requirement instances; started {run.started}"
    )
    print(
        f"load average before {run.load_before[0]:.2f} {run.load_before[1]:.2f} "
        f"{run.load_before[2]:.2f}, after {run.load_after[0]:.2f} {run.load_after[1]:.2f} "
        f"{run.load_after[2]:.2f} (on {os.cpu_count()} cores)"
    )
    if run.error:
        print(f"ERROR {run.error}")
        return
    header = (
        f"{'page':<36} {'user':<22} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} "
        f"{'req/s':>7}  target (docs/product.md §11)"
    )
    print(header)
    print("-" * len(header))
    for row in run.rows:
        if row.p95_ms is None:
            print(f"{row.page:<36} {row.user:<22} ERROR {row.error or 'no request completed'}")
            continue
        target = f"p95 <= {row.target_ms} ms: {row.verdict}" if row.target_ms else "—"
        print(
            f"{row.page:<36} {row.user:<22} {row.requests:>5} {row.p50_ms:>8.0f} "
            f"{row.p95_ms:>8.0f} {row.max_ms:>8.0f} "
            + (f"{row.per_second:>7.1f}" if row.per_second is not None else f"{'—':>7}")
            + f"  {target}"
            + (f"  ({row.error})" if row.error else "")
        )


def main() -> int:
    if len(sys.argv) == 6 and sys.argv[1] == "--prepare":
        sys.path.insert(0, str(ROOT))
        return prepare(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "True", int(sys.argv[5]))
    args = parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    ab = ensure_ab()
    runs = []
    for target in targets(args):
        run = measure(target, args, ab)
        print_run(run)
        runs.append(run)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = [
            {**asdict(run), "rows": [{**asdict(r), "verdict": r.verdict} for r in run.rows]}
            for run in runs
        ]
        args.json.write_text(json.dumps(payload, ensure_ascii=False, indent=2))
    return 0 if all(not run.error for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
