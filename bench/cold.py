"""The first request of a fresh gunicorn worker (issue #20): gunicorn with the
project's portal/gunicorn.conf.py and the production settings, its workers recycled
every --max-requests requests (GUNICORN_MAX_REQUESTS, no jitter), the pages of the
rush requested in turn; the access log (worker pid and server time per request) says
which request was each worker's first.

    .venv/bin/python bench/cold.py                 # PostgreSQL portal_rush_bench (bench/rush.py seeds it)
    .venv/bin/python bench/cold.py --requests 300 --max-requests 25

Prints the server time of each worker's first request (p50, max) against the others'
(p50, p95), with the load average. The database must hold the county of
`manage.py seed_scale` (bench/rush.py prepares it).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import OUT, PY, ROOT, free_port, percentile, start_gunicorn, stop

LINE = re.compile(r"^<(\d+)> (\d+) (\S+)$")


def prepare() -> dict:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.urls import reverse

    from organizations.models import Organization
    from portal.accounts.models import User
    from scale.tree import ROOT_CODE

    sessions = {}
    for name in ("bench-office", "bench-secretary", "bench-reviewer"):
        user = User.objects.get(username=name)
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        sessions[name] = session.session_key
    root = Organization.objects.get(code=ROOT_CODE, depth=1)
    pages = [
        ("bench-office", reverse("progress:dashboard")),
        ("bench-secretary", reverse("core:home")),
        ("bench-reviewer", reverse("reviews:inbox")),
        ("bench-office", reverse("progress:grid", args=[root.pk])),
    ]
    return {"cookie": settings.SESSION_COOKIE_NAME, "sessions": sessions, "pages": pages}


def main() -> int:
    if sys.argv[1:] == ["--prepare"]:
        print(json.dumps(prepare()))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/portal_rush_bench"
    )
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--max-requests", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CELERY_BROKER_URL")}
    env.update(
        DATABASE_URL=args.database_url,
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        DJANGO_SETTINGS_MODULE="bench_settings",
        PYTHONPATH=os.pathsep.join([str(ROOT / "bench"), str(ROOT)]),
        LOG_LEVEL="WARNING",
        GUNICORN_MAX_REQUESTS=str(args.max_requests),
        GUNICORN_MAX_REQUESTS_JITTER="0",
        GUNICORN_CMD_ARGS='--access-logformat "%(p)s %(M)s %(U)s"',
    )
    info = json.loads(
        subprocess.run(
            [PY, __file__, "--prepare"], env=env, cwd=ROOT, capture_output=True, text=True
        ).stdout.splitlines()[-1]
    )
    subprocess.run(
        [PY, "manage.py", "collectstatic", "--noinput", "-v0"], env=env, cwd=ROOT, check=True
    )
    OUT.mkdir(parents=True, exist_ok=True)
    log = OUT / "gunicorn-cold.log"
    log.unlink(missing_ok=True)
    port = free_port()
    load_before = os.getloadavg()
    server = start_gunicorn(env, port, args.workers, log)
    try:
        for i in range(args.requests):
            user, url = info["pages"][i % len(info["pages"])]
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            cookie = f"{info['cookie']}={info['sessions'][user]}"
            conn.request("GET", url, headers={"Cookie": cookie, "X-Forwarded-Proto": "https"})
            response = conn.getresponse()
            response.read()
            conn.close()
            if response.status != 200:
                print(f"{url} answered {response.status}", file=sys.stderr)
                return 1
    finally:
        stop(server)
    load_after = os.getloadavg()
    seen: set[str] = set()
    first: list[float] = []
    rest: list[float] = []
    for line in log.read_text().splitlines():
        match = LINE.match(line.strip())
        if not match or match.group(3) == "/healthz":
            continue
        pid, ms = match.group(1), float(match.group(2))
        (rest if pid in seen else first).append(ms)
        seen.add(pid)
    first.sort()
    rest.sort()
    print(
        f"{args.requests} requests, workers recycled every {args.max_requests}: "
        f"{len(first)} fresh workers; load average before "
        f"{' '.join(f'{x:.2f}' for x in load_before)}, after "
        f"{' '.join(f'{x:.2f}' for x in load_after)} (on {os.cpu_count()} cores)"
    )
    print(
        f"first request of a fresh worker: p50 {statistics.median(first):.0f} ms, "
        f"max {first[-1]:.0f} ms"
    )
    print(
        f"the other requests:              p50 {statistics.median(rest):.0f} ms, "
        f"p95 {percentile(rest, 0.95):.0f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
