"""Reports against real processes: a redis-server of the test's own on a free port, a
Celery worker (`celery -A portal worker`, prefork), and the web side run as a separate
process (tests/reports/celery_driver.py) on a SQLite file with the demo data.

Proves: request → done → download; `kill -9` of the worker process in mid-render → the
message goes back to the queue (acks_late + reject_on_worker_lost) and a new worker
process finishes the report exactly once; Redis down → the request is answered at once
with a clear message, no 500, and the report is sent and rendered once Redis is back
(the resend task of beat).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.demo_file import DEMO_PASSWORD, seeded_demo
from tests.redis_server import RedisServer, free_port

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
# A real worker on a database of its own: run once (in the SQLite pass, scripts/test.sh).
pytestmark = [pytest.mark.celery_worker, pytest.mark.single_pass]


@dataclass
class Stack:
    base: Path
    env: dict[str, str]
    redis_port: int
    processes: list[subprocess.Popen] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.redis = RedisServer(self.redis_port)

    # --- the web side -------------------------------------------------------------------
    def driver(self, *args: Any, timeout: int = 120) -> dict[str, Any]:
        out = subprocess.run(  # noqa: S603 (our own arguments)
            [PYTHON, "-m", "tests.reports.celery_driver", *map(str, args)],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        assert out.returncode == 0, out.stderr[-3000:]
        return json.loads(out.stdout.strip().splitlines()[-1])

    def show(self, request_id: int) -> dict[str, Any]:
        """The request's row, read straight from the SQLite file (no Django start-up)."""
        with sqlite3.connect(self.base / "db.sqlite3", timeout=10) as db:
            db.row_factory = sqlite3.Row
            row = db.execute(
                "SELECT status, sent_to_broker, attempts, worker, file, error, pages"
                " FROM reports_reportrequest WHERE id = ?",
                (request_id,),
            ).fetchone()
        return {**dict(row), "sent_to_broker": bool(row["sent_to_broker"])}

    def wait_for(self, request_id: int, statuses: set[str], timeout: float = 90) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            state = self.show(request_id)
            if state["status"] in statuses:
                return state
            assert time.monotonic() < deadline, f"still {state} after {timeout} s"
            time.sleep(0.5)

    def pdf_files(self) -> list[Path]:
        return sorted((self.base / "media" / "reports").rglob("*.pdf"))

    # --- processes ----------------------------------------------------------------------
    def start_redis(self) -> None:
        self.redis.start()

    def stop_redis(self) -> None:
        assert self.redis.running
        self.redis.stop()

    def start_worker(self, **extra_env: str) -> subprocess.Popen:
        log = open(self.base / f"worker-{len(self.processes)}.log", "w")  # noqa: SIM115
        worker = subprocess.Popen(  # noqa: S603
            [PYTHON, "-m", "celery", "-A", "portal", "worker", "--concurrency=1",
             "--pool=prefork", "--loglevel=INFO", "--without-gossip", "--without-mingle",
             f"--hostname=reports-test-{uuid.uuid4().hex[:8]}@%h"],
            cwd=ROOT,
            env={**self.env, **extra_env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        self.processes.append(worker)
        return worker

    def stop_worker(self, worker: subprocess.Popen) -> None:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)  # the worker and its pool children
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait(timeout=10)

    def logs(self) -> str:
        return "\n".join(p.read_text()[-2000:] for p in sorted(self.base.glob("worker-*.log")))


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    base = tmp_path_factory.mktemp("reports-stack")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTEST_", "REDIS_", "DATABASE_", "CELERY_"))
    }
    redis_port = free_port()
    env.update(
        DATABASE_URL=f"sqlite:///{base / 'db.sqlite3'}",
        REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
        MEDIA_ROOT=str(base / "media"),
        DEBUG="1",
        DEMO_PASSWORD=DEMO_PASSWORD,
        PYTHONPATH=str(ROOT),
        LOG_LEVEL="WARNING",
    )
    s = Stack(base=base, env=env, redis_port=redis_port)
    seeded_demo(base / "db.sqlite3", base / "media")  # once per run (tests/demo_file.py)
    s.start_redis()
    try:
        yield s
    finally:
        for process in s.processes:
            s.stop_worker(process)
        s.redis.stop()


@pytest.fixture(scope="module")
def instructor(stack: Stack) -> dict[str, Any]:
    return stack.driver("user", "instructor")


def test_real_worker_renders_the_report_and_it_downloads(
    stack: Stack, instructor: dict[str, Any]
) -> None:
    worker = stack.start_worker()
    try:
        asked = stack.driver(
            "ask",
            instructor["username"],
            "org-dossier",
            f"organization={instructor['organization']}",
        )
        assert asked["status_code"] == 302 and asked["page_status"] == 200
        state = stack.wait_for(asked["request_id"], {"done", "failed"})
        assert state["status"] == "done", (state, stack.logs())
        assert state["attempts"] == 1 and state["pages"] >= 1
        got = stack.driver("download", instructor["username"], asked["request_id"])
        assert got["status_code"] == 200
        assert got["content_type"] == "application/pdf" and got["head"] == "%PDF-"
        assert got["disposition"].startswith("attachment;")
    finally:
        stack.stop_worker(worker)


def test_worker_killed_mid_render_is_replaced_and_the_report_done_once(
    stack: Stack, instructor: dict[str, Any]
) -> None:
    before = set(stack.pdf_files())
    # Each render sleeps 6 s before WeasyPrint (settings.REPORTS_TEST_RENDER_DELAY).
    worker = stack.start_worker(REPORTS_TEST_RENDER_DELAY="6")
    try:
        asked = stack.driver(
            "ask", instructor["username"], "rollup", f"organization={instructor['organization']}"
        )
        state = stack.wait_for(asked["request_id"], {"rendering"})
        host, pid = state["worker"].rsplit(":", 1)
        assert int(pid) != worker.pid  # the prefork pool's child process renders
        os.kill(int(pid), signal.SIGKILL)
        state = stack.wait_for(asked["request_id"], {"done", "failed"}, timeout=120)
        assert state["status"] == "done", (state, stack.logs())
        assert state["attempts"] == 2, state  # claimed again by the new process
        assert state["worker"] != f"{host}:{pid}"
        new = set(stack.pdf_files()) - before
        assert len(new) == 1 and new.pop().name in state["file"]
    finally:
        stack.stop_worker(worker)


def test_redis_down_gives_a_clear_message_then_the_report_is_sent_when_it_returns(
    stack: Stack, instructor: dict[str, Any]
) -> None:
    stack.stop_redis()
    try:
        asked = stack.driver(
            "ask",
            instructor["username"],
            "org-dossier",
            f"organization={instructor['organization']}",
        )
    finally:
        stack.start_redis()
    # Answered (one connection attempt, connection refused: see tests/core/test_queue.py
    # for the attempt count), no 500.
    assert asked["status_code"] == 302 and asked["page_status"] == 200, asked
    # The message (class report-broker-down; the page is in the demo's language, zh-hans).
    assert 'class="report-broker-down"' in asked["page"]
    state = stack.show(asked["request_id"])
    assert state["status"] == "queued" and not state["sent_to_broker"]

    worker = stack.start_worker()
    try:
        assert stack.driver("resend")["sent"] == 1  # what beat runs every minute
        state = stack.wait_for(asked["request_id"], {"done", "failed"})
        assert state["status"] == "done" and state["sent_to_broker"], (state, stack.logs())
        assert state["attempts"] == 1
        assert stack.driver("resend")["sent"] == 0  # nothing left waiting
    finally:
        stack.stop_worker(worker)


def test_storage_failure_shows_failed_retrying_within_seconds_then_done_when_back(
    stack: Stack, instructor: dict[str, Any]
) -> None:
    """The media disk cannot be written (its reports folder is a file, so even root
    cannot create the month's folder): the request says "failed, retrying" with the
    reason within 10 s, and is done by the automatic retry once the disk is back."""
    folder = stack.base / "media" / "reports"
    moved = folder.with_name("reports-moved")
    if folder.exists():
        folder.rename(moved)
    folder.write_text("not a folder")
    worker = stack.start_worker()
    try:
        # A kind no other test of the module asks for: no earlier file to reuse.
        asked = stack.driver(
            "ask",
            instructor["username"],
            "instructor-dossier",
            f"instructor={instructor['user_id']}",
        )
        started = time.monotonic()
        while True:
            state = stack.show(asked["request_id"])
            if state["status"] == "queued" and state["error"]:
                break
            assert state["status"] != "done", state
            assert time.monotonic() - started < 10, (state, stack.logs())
            time.sleep(0.2)
        failed_after = time.monotonic() - started
        folder.unlink()  # the disk is back
        if moved.exists():
            moved.rename(folder)
        state = stack.wait_for(asked["request_id"], {"done", "failed"}, timeout=90)
        assert state["status"] == "done" and state["attempts"] >= 2, (state, stack.logs())
        print(
            f"storage fault: 'failed, retrying' after {failed_after:.1f} s, "
            f"done {time.monotonic() - started:.1f} s after the request"
        )
    finally:
        if folder.is_file():
            folder.unlink()
        if moved.exists():
            moved.rename(folder)
        stack.stop_worker(worker)


def test_redis_stopped_the_main_pages_still_answer(stack: Stack) -> None:
    """Redis (broker and cache) stopped: the pages compute without the cache
    (portal/core/cache.py) instead of answering 500."""
    secretary = stack.driver("user", "secretary")["username"]
    office = stack.driver("user", "office")["username"]
    reviewer = stack.driver("user", "reviewer")["username"]
    stack.stop_redis()
    try:
        started = time.monotonic()
        got = {
            secretary: stack.driver("pages", secretary, "home"),
            office: stack.driver("pages", office, "home", "dashboard", "grid"),
            reviewer: stack.driver("pages", reviewer, "home", "inbox", "dashboard", "grid"),
        }
        print(f"pages with Redis stopped: {time.monotonic() - started:.1f} s for three users")
    finally:
        stack.start_redis()
    assert all(code == 200 for codes in got.values() for code in codes.values()), got


def test_real_worker_recomputes_the_requirement_roll_up_after_a_write(stack: Stack) -> None:
    """A funding receipt saved on the web side marks its organization's roll-up row; the
    refresh task goes through Redis to the worker, which recomputes the row: funding
    now met, the mark gone."""
    worker = stack.start_worker()
    try:
        before = stack.driver("fund")
        deadline = time.monotonic() + 60
        while True:
            with sqlite3.connect(stack.base / "db.sqlite3", timeout=10) as db:
                stale_from, states = db.execute(
                    "SELECT stale_from, states FROM progress_standing"
                    " WHERE organization_id = ? AND campaign_id = ?",
                    (before["organization"], before["campaign"]),
                ).fetchone()
            if stale_from is None and states[before["at"]] == "g":
                break
            assert time.monotonic() < deadline, (stale_from, states, stack.logs())
            time.sleep(0.5)
        assert before["states"][before["at"]] in "pr"
        assert "portal.progress.tasks.refresh_standings" in stack.logs()
    finally:
        stack.stop_worker(worker)
