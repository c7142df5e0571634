"""The production topology for real: scripts/run-production.sh --check starts gunicorn,
a Celery worker and Celery beat with DEBUG=0 on PostgreSQL and Redis (the processes
docker-compose.yml runs), proves each one works, and stops them all.

It runs on a database of its own, created by the script and dropped afterwards, so
migrations left in another database by work in progress cannot get in its way.
Skipped when PostgreSQL or Redis is unreachable, except in CI (CI=true), where that is
a failure.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import uuid
from pathlib import Path

import dj_database_url
import psycopg
import pytest
import redis
from psycopg import sql

# Its own processes and databases (TEST_POSTGRES_URL): the same whichever database
# the pass uses, so it runs once, in the PostgreSQL pass when there is one (scripts/test.sh).
pytestmark = pytest.mark.either_pass

ROOT = Path(__file__).resolve().parents[2]
# The server to use; the test's database on it gets a name of its own.
POSTGRES_URL = os.environ.get("PROD_CHECK_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("PROD_CHECK_REDIS_URL", "redis://127.0.0.1:6379/0")
TIMEOUT = 300


def _connect_maintenance() -> psycopg.Connection:
    cfg = dj_database_url.parse(POSTGRES_URL.rstrip("/") + "/postgres")
    return psycopg.connect(
        host=cfg["HOST"],
        port=cfg["PORT"] or 5432,
        user=cfg["USER"] or None,
        password=cfg["PASSWORD"] or None,
        dbname="postgres",
        connect_timeout=3,
        autocommit=True,
    )


def _services_missing() -> str | None:
    try:
        _connect_maintenance().close()
    except psycopg.Error as exc:
        return f"PostgreSQL unreachable ({exc.__class__.__name__})"
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        return f"Redis unreachable at {REDIS_URL} ({exc.__class__.__name__})"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _processes_in_groups(groups: set[int]) -> list[str]:
    """Live processes whose process group is one the script started."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # exited while we looked
            continue
        # pid (comm) state ppid pgrp ...; comm may contain spaces, so split after ")".
        fields = text.rsplit(")", 1)[1].split()
        if fields[0] != "Z" and int(fields[2]) in groups:
            found.append(text[:80])
    return found


@pytest.mark.celery_worker
def test_run_production_check_starts_every_process_proves_it_works_and_stops_all(
    tmp_path: Path,
) -> None:
    missing = _services_missing()
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{missing}: PostgreSQL and Redis are required in CI")
        pytest.skip(f"{missing}: start PostgreSQL and Redis to test the production topology")

    env = {
        key: value
        for key, value in os.environ.items()
        # The test run's own settings must not leak into the production processes.
        if key not in {"DATABASE_URL", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"}
        and not key.startswith(("DJANGO_", "REDIS_", "PYTEST_"))
    }
    database = f"portal_topology_{uuid.uuid4().hex[:12]}"
    env.update(
        DATABASE_URL=f"{POSTGRES_URL.rstrip('/')}/{database}",
        REDIS_URL=REDIS_URL,
        PORT=str(_free_port()),
        PROD_DIR=str(tmp_path / "prod"),
    )
    process = subprocess.Popen(
        ["/bin/bash", "scripts/run-production.sh", "--check"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output, _ = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGTERM)  # the script's trap stops its children
        output, _ = process.communicate(timeout=60)
        pytest.fail(f"run-production.sh --check took over {TIMEOUT} s:\n{output}")
    finally:
        with _connect_maintenance() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database))
            )

    assert process.returncode == 0, output
    assert f"[run-production] created database {database}" in output
    assert "[run-production] check passed" in output
    assert re.search(r"worker answered: pong portal-check-\S+@", output), output
    # Supervision: the killed worker was started again while gunicorn kept answering.
    restarted = re.search(r"worker restarted after (\d+) s", output)
    assert restarted, output
    print(f"killed worker restarted after {restarted.group(1)} s")
    started = {int(pid) for pid in re.findall(r"started \(pid (\d+)", output)}
    assert len(started) == 4, output  # web, worker, beat, and the restarted worker
    assert _processes_in_groups(started) == [], "processes left behind"
    assert not list((tmp_path / "prod").glob("*.pid"))
