"""A real Celery worker outlives a Redis outage (settings: CELERY_BROKER_CONNECTION_MAX_RETRIES
= None, CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True).

A redis-server of the test's own on a free port, a worker (`celery -A portal worker`)
against it: a ping is answered; Redis is killed and the worker keeps trying to reconnect
past the old limit of two retries; Redis starts again on the same port (empty: no
persistence) and a ping sent through portal.core.queue after that is answered by the same
worker process. The ping task (portal.core.tasks.ping) writes its answer into Django's
cache, which is that Redis too, so no database is involved.
"""

from __future__ import annotations

import os
import pickle
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.redis_server import RedisServer, free_port

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
# A real worker on a database of its own: run once (in the SQLite pass, scripts/test.sh).
pytestmark = [pytest.mark.celery_worker, pytest.mark.single_pass]

SEND = """
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
import django
django.setup()
from portal.core.queue import send_now
from portal.core.tasks import ping
print("sent" if send_now(ping, args=[sys.argv[1]]) else "not-sent")
"""


class Redis(RedisServer):
    def cached(self, key: str) -> object:
        """Django's cache entry `key` (RedisCache: ":1:<key>", pickled), or None."""
        import redis

        raw = redis.Redis(port=self.port, socket_timeout=2).get(f":1:{key}")
        return None if raw is None else pickle.loads(raw)  # noqa: S301 (our own value)


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[tuple[Redis, dict[str, str], Path]]:
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    redis = Redis(free_port())
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTEST_", "REDIS_", "DATABASE_", "CELERY_"))
    }
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        REDIS_URL=f"redis://127.0.0.1:{redis.port}/0",
        MEDIA_ROOT=str(tmp_path / "media"),
        PYTHONPATH=str(ROOT),
        LOG_LEVEL="WARNING",
    )
    redis.start()
    try:
        yield redis, env, tmp_path
    finally:
        redis.stop()


def _send_ping(env: dict[str, str], key: str) -> str:
    out = subprocess.run(  # noqa: S603
        [PYTHON, "-c", SEND, key], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout.strip().splitlines()[-1]


def _wait(
    condition: Callable[[], object],
    what: str,
    log: Path,
    worker: subprocess.Popen,
    timeout: float = 60,
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert worker.poll() is None, (
            f"the worker exited while waiting for {what}:\n" + (log.read_text()[-3000:])
        )
        assert time.monotonic() < deadline, f"no {what}:\n" + log.read_text()[-3000:]
        time.sleep(0.25)


def test_worker_reconnects_after_redis_restarts_and_takes_a_task_sent_after(
    stack: tuple[Redis, dict[str, str], Path],
) -> None:
    redis, env, base = stack
    log_path = base / "worker.log"
    with open(log_path, "w") as log:
        worker = subprocess.Popen(  # noqa: S603
            [PYTHON, "-m", "celery", "-A", "portal", "worker", "--pool=solo", "--loglevel=INFO",
             "--without-gossip", "--without-mingle", "--without-heartbeat",
             f"--hostname=reconnect-{uuid.uuid4().hex[:8]}@%h"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        first = f"ping-{uuid.uuid4().hex}"
        assert _send_ping(env, first) == "sent"
        _wait(lambda: redis.cached(first), "answer to the first ping", log_path, worker)
        assert str(redis.cached(first)).startswith("pong reconnect-")

        redis.stop()
        # While Redis is down a publisher fails fast and says so ...
        assert _send_ping(env, f"ping-{uuid.uuid4().hex}") == "not-sent"
        # ... and the worker keeps trying past the old limit of 2 retries (it used to
        # give up and exit after "(2/2)").
        _wait(
            lambda: "Trying again" in log_path.read_text() and "(3/None)" in log_path.read_text(),
            "third reconnection attempt",
            log_path,
            worker,
        )
        redis.start()

        second = f"ping-{uuid.uuid4().hex}"
        assert _send_ping(env, second) == "sent"
        _wait(lambda: redis.cached(second), "answer to the ping sent after the restart",
              log_path, worker)  # fmt: skip
        assert str(redis.cached(second)).startswith("pong reconnect-")
        assert worker.poll() is None  # the same worker process answered
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait(timeout=10)
