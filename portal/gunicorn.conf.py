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
max_requests = 1000
max_requests_jitter = 100
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
