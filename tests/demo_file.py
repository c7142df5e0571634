"""The demo county in a SQLite file of its own, for the tests that run the portal in
processes of their own (tests/ops/test_backup_restore.py, tests/reports/
test_celery_worker.py): `manage.py seed_demo` in a subprocess, with the embedded
defaults, as `make run` seeds it — some 30 s of CPU.

Once per run: under scripts/test.sh (PORTAL_TEST_DB_TEMPLATES, tests/dbtemplate.py) the
first module to need it seeds a file in the run's folder while the others wait, and
every module gets a byte-for-byte copy of that file and of the evidence files the seed
wrote under its MEDIA_ROOT. Run on its own (no folder), a module seeds its own file.
Either way the file is what `seed_demo` wrote, in the same process environment: the
seed runs without a broker (REDIS_URL unset: its tasks run in the process), and with
DEMO_PASSWORD below.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests import dbtemplate

ROOT = Path(__file__).resolve().parent.parent
DEMO_PASSWORD = "demo-pass-for-processes-1"
# What the caller's environment must not pass on to the seeding process (the test
# run's database, broker, keys and pytest's own variables).
DROPPED_PREFIXES = ("DJANGO_", "PYTEST_", "REDIS_", "DATABASE_", "CELERY_", "FIELD_")
DROPPED = {"SECRET_KEY", "MEDIA_ROOT", "DEMO_PASSWORD"}


def _seed(database: Path, media: Path) -> None:
    """Migrate (or copy the run's migrated template) and seed into `database`."""
    url = f"sqlite:///{database}"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in DROPPED and not key.startswith(DROPPED_PREFIXES)
    }
    env.update(DATABASE_URL=url, MEDIA_ROOT=str(media), DEBUG="1", DEMO_PASSWORD=DEMO_PASSWORD)
    media.mkdir(parents=True, exist_ok=True)
    commands = [["seed_demo"]] if dbtemplate.copy_into(url) else [["migrate", "-v0"], ["seed_demo"]]
    for command in commands:
        out = subprocess.run(  # noqa: S603 (our own interpreter, fixed arguments)
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]


def _copy(source: Path, source_media: Path, database: Path, media: Path) -> None:
    """The file as the seed left it, byte for byte (its WAL too, if one was left), and
    the media files, added to what `media` already holds."""
    for suffix in ("", "-wal"):
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{database}{suffix}")
    shutil.copytree(source_media, media, dirs_exist_ok=True)


def seeded_demo(database: Path, media: Path) -> None:
    """Make `database` (a new SQLite file) the seeded demo county and add the files the
    seed writes to `media` (see the module's doc)."""
    folder = os.environ.get(dbtemplate.ENV)
    if not folder or not Path(folder).is_dir():
        _seed(database, media)
        return
    from django.utils import timezone

    # The demo dates its running campaign from today: one seed per day of the run.
    stem = Path(folder) / f"demo-file-{timezone.localdate().isoformat()}"
    shared, shared_media, done = (
        stem.with_suffix(".sqlite3"),
        stem.with_name(stem.name + "-media"),
        stem.with_suffix(".done"),
    )
    with open(stem.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another module may be seeding it
        if not done.exists():
            for leftover in (shared, Path(f"{shared}-wal"), Path(f"{shared}-shm")):
                leftover.unlink(missing_ok=True)
            shutil.rmtree(shared_media, ignore_errors=True)
            _seed(shared, shared_media)
            done.touch()
    _copy(shared, shared_media, database, media)
