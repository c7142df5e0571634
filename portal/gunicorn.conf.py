"""gunicorn settings for the portal (`gunicorn -c portal/gunicorn.conf.py portal.wsgi`).

Used by the Docker image and by scripts/run-production.sh. Values come from the
environment so one file serves both; a command-line flag (e.g. --bind) wins over this.
"""

from __future__ import annotations

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    try:
        return int(raw) if raw else default
    except ValueError as exc:
        raise SystemExit(f"{name}={raw!r} is not an integer") from exc


wsgi_app = "portal.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Sync workers: pages are short and database-bound; PDF rendering and imports run in
# Celery workers, never in a request. WEB_CONCURRENCY is the usual knob.
workers = _int("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1)
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak never grows without bound.
# The jitter is half of it: two workers started together are recycled hundreds of
# requests apart, never both at once.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", max_requests // 2)
# The application is loaded and warmed once, in the master, before the workers fork
# (portal/core/warmup.py): a fresh worker, the first or one replacing a recycled
# worker, starts with the URL resolvers, compiled templates, translations and content
# types in memory, so its first request costs what the others do. GUNICORN_PRELOAD=0
# loads the application in each worker instead (a deploy that must pick up changed
# code with a HUP rather than a restart).
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") != "0"


def when_ready(server: object) -> None:
    """In the master, once the application is loaded and before the workers fork: warm
    it, then freeze what is alive out of the garbage collector's sight and raise its
    thresholds (portal/core/warmup.py: tune_gc), both inherited by the workers."""
    if preload_app:
        from portal.core.warmup import tune_gc, warm

        warm()
        tune_gc(freeze=True)


# The heartbeat file lives in memory: a container's overlay filesystem can stall it.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
# The proxies whose X-Forwarded-For / X-Forwarded-Proto gunicorn believes: the same
# variable portal/settings.py reads (TRUSTED_PROXIES) for the client address that login
# throttling and the suggestion box's limits key on. docker-compose.yml sets it to the
# compose network; addresses or CIDR networks, comma-separated.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Recent gunicorn opens a control socket under $HOME; two instances on one machine would
# share it, and a non-root container user may have no writable home. We do not use it.
control_socket_disable = True
