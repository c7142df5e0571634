"""Only one beat schedules: a second one stands by (portal/core/beat.py).

Unit tests against the shared Redis (REDIS_TEST_URL, a test database of its own), and a
real-process test: two `celery -A portal beat` against a redis-server of the test's own;
one holds the lock, the other stands by and sends nothing, and takes over when the
first is killed."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import redis
from celery.beat import PersistentScheduler

from portal.celery import app as celery_app
from portal.core import beat
from tests.redis_server import RedisServer, free_port

# Redis and processes of its own, no use of the pass's database: run once (in the
# SQLite pass, scripts/test.sh).
pytestmark = pytest.mark.single_pass

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def client() -> Any:
    url = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")
    conn = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        conn.ping()
    except redis.RedisError:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is required in CI ({url})")
        pytest.skip(f"no Redis at {url}")
    return conn


def test_one_lock_holder_at_a_time_and_a_standby_takes_over_when_it_expires(client: Any) -> None:
    key = f"test:beat:{uuid.uuid4().hex}"
    first, second = beat.BeatLock(client, key, ttl=1), beat.BeatLock(client, key, ttl=1)
    assert first.acquire() and first.acquire()  # taken, then extended
    assert not second.acquire()
    assert first.holder() == first.token
    second.release()  # not its lock: nothing happens
    assert first.holder() == first.token
    time.sleep(1.3)  # the first beat died without releasing: the lock expires
    assert second.acquire() and not first.acquire()
    second.release()
    assert first.acquire()
    client.delete(key)


def test_a_standby_scheduler_sends_nothing(client: Any, tmp_path: Path) -> None:
    key = f"test:beat:{uuid.uuid4().hex}"
    holder = beat.BeatLock(client, key)
    assert holder.acquire()
    scheduler = beat.LockedScheduler(app=celery_app, schedule_filename=str(tmp_path / "s"))
    scheduler._lock = beat.BeatLock(client, key)
    with mock.patch.object(PersistentScheduler, "tick", return_value=1.0) as ticked:
        assert scheduler.tick() == beat.STANDBY_SECONDS
        assert not ticked.called  # no due task looked at, none sent
        holder.release()
        assert scheduler.tick() == 1.0
        assert ticked.called
    scheduler.close()
    assert client.get(key) is None  # released on close
    scheduler._lock = None


def _beat(env: dict[str, str], log: Path, schedule: Path) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "celery", "-A", "portal", "beat", "--loglevel", "INFO",
         "--schedule", str(schedule)],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip


def _wait_for(path: Path, text: str, timeout: float) -> float:
    started = time.monotonic()
    while text not in path.read_text():
        assert time.monotonic() - started < timeout, f"{text!r} not in {path}:\n{path.read_text()}"
        time.sleep(0.3)
    return time.monotonic() - started


@pytest.mark.celery_worker
def test_a_second_beat_stands_by_and_takes_over_when_the_first_dies(tmp_path: Path) -> None:
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    server = RedisServer(free_port())
    server.start()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "PYTEST_", "REDIS_", "DATABASE_", "CELERY_"))
    }
    env.update(
        REDIS_URL=f"redis://127.0.0.1:{server.port}/0",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        PYTHONPATH=str(ROOT),
        LOG_LEVEL="INFO",
    )
    logs = [tmp_path / "beat-1.log", tmp_path / "beat-2.log"]
    first = _beat(env, logs[0], tmp_path / "schedule-1")
    second = None
    try:
        _wait_for(logs[0], "took the scheduling lock", 90)
        second = _beat(env, logs[1], tmp_path / "schedule-2")
        _wait_for(logs[1], "standing by", 90)
        os.killpg(first.pid, signal.SIGKILL)  # no release: the lock must expire
        took = _wait_for(logs[1], "took the scheduling lock", beat.LOCK_TTL + 30)
        print(f"standby beat took over {took:.1f} s after the first was killed")
        assert "Sending due task" not in logs[1].read_text().split("took the scheduling")[0]
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        server.stop()
