"""`manage.py backup` and `manage.py restore` for real, on SQLite and PostgreSQL: the demo
county and some media files are backed up, restored into an empty database and an empty
media directory, and every row of every table and every file is found identical. Also:
a stolen SQLite file or backup archive holds none of the demo ID or phone numbers; a
damaged archive and a non-empty target are refused.

The demo county is the SQLite source; PostgreSQL's is a small `seed_scale` county
(quicker). The portal runs in subprocesses, each on databases of its own (the PostgreSQL ones are
named after TEST_POSTGRES_URL's database and dropped afterwards). PostgreSQL tests are
skipped when the server is unreachable, except in CI (CI=true), where that is a failure.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
import tarfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import dj_database_url
import psycopg
import pytest
from psycopg import sql

from demo.organizations import demo_plan
from tests import dbtemplate
from tests.demo_file import DEMO_PASSWORD, seeded_demo

# Its own processes and databases (TEST_POSTGRES_URL): the same whichever database
# the pass uses, so it runs once, in the PostgreSQL pass when there is one (scripts/test.sh).
pytestmark = pytest.mark.either_pass

ROOT = Path(__file__).resolve().parents[2]
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/portal")


def portal_env(database_url: str, media: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DEMO_PASSWORD", "MEDIA_ROOT"}
        and not k.startswith(("PYTEST_", "FIELD_"))
    }
    # The embedded default: development keys derived from the default SECRET_KEY, the
    # same in every process of the test.
    env.update(
        DATABASE_URL=database_url,
        MEDIA_ROOT=str(media),
        DEBUG="1",
        DEMO_PASSWORD=DEMO_PASSWORD,
        DJANGO_SETTINGS_MODULE="portal.settings",
    )
    env.pop("SECRET_KEY", None)
    return env


def manage(env: dict[str, str], *args: str, ok: bool = True) -> subprocess.CompletedProcess:
    out = subprocess.run(  # noqa: S603 (our own interpreter, fixed arguments)
        [sys.executable, "manage.py", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    if ok:
        assert out.returncode == 0, out.stdout + out.stderr
    return out


def put_media(root: Path) -> None:
    (root / "attachments" / "2026" / "12").mkdir(parents=True, exist_ok=True)
    (root / "attachments" / "2026" / "12" / "会议记录.pdf").write_bytes(
        b"%PDF-1.4 " + bytes(range(256)) * 40
    )
    (root / "reports").mkdir(exist_ok=True)
    (root / "reports" / "empty.txt").write_bytes(b"")
    (root / "top.jpg").write_bytes(os.urandom(5000))


def media_files(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def demo_secrets() -> list[str]:
    plan = demo_plan()
    found = [m.id_number for m in plan.members] + [m.phone for m in plan.members if m.phone]
    assert len(found) > 100
    return found


def the_archive(directory: Path) -> Path:
    [archive] = directory.glob("portal-backup-*.tar")
    return archive


# --- SQLite --------------------------------------------------------------------------


def sqlite_rows(path: Path) -> dict[str, list[tuple]]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [
            r[0]
            for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
        ]
        return {t: sorted(con.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}  # noqa: S608
    finally:
        con.close()


@pytest.fixture(scope="module")
def sqlite_source(tmp_path_factory) -> Iterator[tuple[Path, Path, dict[str, str]]]:
    base = tmp_path_factory.mktemp("sqlite-backup")
    database, media = base / "source.sqlite3", base / "media"
    put_media(media)
    env = portal_env(f"sqlite:///{database}", media)
    seeded_demo(database, media)  # once per run (tests/demo_file.py)
    yield database, media, env


def test_a_stolen_sqlite_file_and_its_backup_hold_no_demo_id_or_phone_number(
    sqlite_source, tmp_path: Path
) -> None:
    database, _media, env = sqlite_source
    manage(env, "backup", str(tmp_path) + "/")
    for stolen in (database, the_archive(tmp_path)):
        data = stolen.read_bytes()
        leaked = [s for s in demo_secrets() if s.encode() in data]
        assert leaked == [], f"{stolen.name} holds {leaked[:3]}"
    # The members are all there (encrypted) and the file is not simply empty.
    con = sqlite3.connect(database)
    [(count,)] = con.execute(
        "SELECT count(*) FROM organizations_member WHERE id_number LIKE 'e1:%'"
    )
    assert count == len(demo_plan().members)


def test_sqlite_backup_restores_every_row_and_file_into_an_empty_database(
    sqlite_source, tmp_path: Path
) -> None:
    database, media, env = sqlite_source
    out = manage(env, "backup", str(tmp_path / "backups") + "/")
    assert "backup written" in out.stdout
    archive = the_archive(tmp_path / "backups")
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert names[0] == "database.sqlite3" and names[-1] == "manifest.json"

    target, target_media = tmp_path / "restored.sqlite3", tmp_path / "restored-media"
    target_env = portal_env(f"sqlite:///{target}", target_media)
    out = manage(target_env, "restore", str(archive))
    assert "restored" in out.stdout
    assert sqlite_rows(target) == sqlite_rows(database)
    assert media_files(target_media) == media_files(media)
    # The restored portal reads the encrypted numbers and finds a member by ID number.
    member = demo_plan().members[0]
    code = (
        "import django; django.setup(); from organizations.models import Member; "
        f"print(Member.objects.get(id_number={member.id_number!r}).phone)"
    )
    found = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], env=target_env, cwd=ROOT, capture_output=True, text=True
    )
    assert found.stdout.strip() == member.phone, found.stderr

    # A second restore into what now holds data is refused; --force replaces it.
    (target_media / "stray.txt").write_text("not in the backup")
    refused = manage(target_env, "restore", str(archive), ok=False)
    assert refused.returncode != 0 and "holds data" in refused.stderr
    manage(target_env, "restore", str(archive), "--force")
    assert sqlite_rows(target) == sqlite_rows(database)
    assert media_files(target_media) == media_files(media)


def test_a_damaged_archive_is_refused_before_anything_is_restored(
    sqlite_source, tmp_path: Path
) -> None:
    _database, _media, env = sqlite_source
    manage(env, "backup", str(tmp_path / "good.tar"), "--no-media")
    data = bytearray((tmp_path / "good.tar").read_bytes())
    data[5000] ^= 0xFF  # inside the database dump
    (tmp_path / "bad.tar").write_bytes(bytes(data))
    target = tmp_path / "target.sqlite3"
    out = manage(
        portal_env(f"sqlite:///{target}", tmp_path / "m"),
        "restore",
        str(tmp_path / "bad.tar"),
        ok=False,
    )
    assert out.returncode != 0
    assert "checksum mismatch: database.sqlite3 is damaged; nothing was restored" in out.stderr
    assert not target.exists() or target.stat().st_size == 0


# --- PostgreSQL ----------------------------------------------------------------------


def _maintenance() -> psycopg.Connection:
    cfg = dj_database_url.parse(POSTGRES_URL)
    return psycopg.connect(
        host=cfg["HOST"],
        port=cfg["PORT"] or 5432,
        user=cfg["USER"] or None,
        password=cfg["PASSWORD"] or None,
        dbname="postgres",
        connect_timeout=3,
        autocommit=True,
    )


def pg_rows(url: str) -> dict[str, list[tuple]]:
    with psycopg.connect(url) as con:
        tables = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1"
            )
        ]
        return {
            t: sorted(
                con.execute(sql.SQL("SELECT * FROM {}").format(sql.Identifier(t))).fetchall(),
                key=repr,
            )
            for t in tables
        }


@pytest.fixture
def pg_databases() -> Iterator[tuple[str, str]]:
    try:
        _maintenance().close()
    except psycopg.Error as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL unreachable ({exc.__class__.__name__}): required in CI")
        pytest.skip(f"PostgreSQL unreachable ({exc.__class__.__name__})")
    cfg = dj_database_url.parse(POSTGRES_URL)
    stem = f"{cfg['NAME'] or 'portal'}_backup_{uuid.uuid4().hex[:8]}"
    names = [f"{stem}_src", f"{stem}_dst"]
    base = POSTGRES_URL.rsplit("/", 1)[0]
    with _maintenance() as con:
        for name in names:
            con.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield f"{base}/{names[0]}", f"{base}/{names[1]}"
    finally:
        with _maintenance() as con:
            for name in names:
                con.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )


def test_postgresql_backup_restores_every_row_and_file_into_an_empty_database(
    pg_databases, tmp_path: Path
) -> None:
    source_url, target_url = pg_databases
    media, target_media = tmp_path / "media", tmp_path / "restored-media"
    put_media(media)
    env = portal_env(source_url, media)
    if not dbtemplate.copy_into(source_url):
        manage(env, "migrate", "-v0")
    # Records in every table the campaign uses, quicker than the demo county (which the
    # SQLite tests above back up): members with ID and phone numbers, accounts, meetings,
    # reviews, attachments' rows.
    manage(env, "seed_scale", "--orgs", "12", "--members", "60", "--records", "120")
    manage(env, "backup", str(tmp_path) + "/")
    archive = the_archive(tmp_path)
    with tarfile.open(archive) as tar:
        assert "database.pgdump" in tar.getnames()
    with psycopg.connect(source_url) as con:
        phones = [r[0] for r in con.execute("SELECT phone FROM organizations_member")]
    assert len(phones) == 60 and all(p.startswith("e1:") for p in phones)

    target_env = portal_env(target_url, target_media)
    manage(target_env, "restore", str(archive))
    assert pg_rows(target_url) == pg_rows(source_url)
    assert media_files(target_media) == media_files(media)
    refused = manage(target_env, "restore", str(archive), ok=False)
    assert "holds data" in refused.stderr
