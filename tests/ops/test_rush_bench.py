"""The deadline-rush benchmark's small configuration (bench/rush.py, issue #20): a few
clients for a few seconds against gunicorn with the production settings and two sync
workers — secretaries saving meetings and submitting plans, a reviewer deciding, the
office reading dashboards — then its integrity checks: every write counted once, every
review event a decision the clients saw, the roll-up equal to a fresh evaluation.

It runs in the PostgreSQL pass, on the test database itself (a transactional test: the
database is emptied afterwards): two gunicorn workers writing at once need a server, and
the SQLite pass's test database lives in memory, out of gunicorn's reach.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] or ""
    if s["PASSWORD"]:
        auth += f":{s['PASSWORD']}"
    host = s["HOST"] or "127.0.0.1"
    port = f":{s['PORT']}" if s["PORT"] else ""
    return f"postgres://{auth}@{host}{port}/{s['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_small_rush_has_no_errors_and_clean_integrity_checks(tmp_path: Path) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass (two gunicorn workers on one database)")
    out = tmp_path / "rush.json"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    proc = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [
            sys.executable,
            str(ROOT / "bench" / "rush.py"),
            "--database-url",
            _database_url(),
            "--orgs",
            "40",
            "--members",
            "300",
            "--clients",
            "4",
            "--seconds",
            "5",
            "--static-finders",
            "--whole-first-loop",
            "--json",
            str(out),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    (level,) = json.loads(out.read_text())
    assert level["errors"] == 0, level["error_samples"]
    assert level["check"]["problems"] == []
    counted = level["counted"]
    # Each kind of write happened, and the database holds exactly what was counted.
    assert counted["meetings"] >= 1 and counted["decisions"] >= 1
    assert level["check"]["found"] == counted
    assert level["check"]["rollup_rows"] == 40
    # Every step the clients took was timed; the floor was measured alongside.
    assert level["steps"]["secretary: save meeting (POST)"]["n"] == counted["meetings"]
    assert level["floor_p95"] is not None and level["per_second"] > 0
