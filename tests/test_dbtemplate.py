"""The migrated template each worker's test database is copied from (tests/dbtemplate.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests import dbtemplate


@pytest.mark.django_db
def test_the_test_database_has_every_migration_applied() -> None:
    """Copied from the template (scripts/test.sh) or migrated (pytest on its own): either
    way nothing is left to apply, and the migrations' rows are there."""
    executor = MigrationExecutor(connection)
    targets = executor.loader.graph.leaf_nodes()
    assert executor.migration_plan(targets) == []
    from portal.accounts.models import User
    from rectification.models import MechanismKind

    assert MechanismKind.objects.exists()  # a data migration's rows
    assert User.objects.count() == 0


def _tree(root: Path) -> None:
    (root / "app" / "migrations").mkdir(parents=True)
    (root / "app" / "migrations" / "0001_initial.py").write_text("operations = []\n")


def test_the_fingerprint_follows_every_migration_file(tmp_path: Path, monkeypatch: Any) -> None:
    _tree(tmp_path)
    monkeypatch.setattr(dbtemplate, "ROOT", tmp_path)
    first = dbtemplate.fingerprint("django.db.backends.sqlite3")
    assert dbtemplate.fingerprint("django.db.backends.postgresql") != first
    (tmp_path / "app" / "migrations" / "0001_initial.py").write_text("operations = [1]\n")
    edited = dbtemplate.fingerprint("django.db.backends.sqlite3")
    assert edited != first
    (tmp_path / "app" / "migrations" / "0002_more.py").write_text("operations = [1]\n")
    assert dbtemplate.fingerprint("django.db.backends.sqlite3") not in {first, edited}


class _Connection:
    def __init__(self, engine: str, host: str = "", port: str = "") -> None:
        self.settings_dict = {"ENGINE": engine, "HOST": host, "PORT": port}


def test_a_template_is_used_only_when_built_from_these_migrations(
    tmp_path: Path, monkeypatch: Any
) -> None:
    sqlite = "django.db.backends.sqlite3"
    postgres = "django.db.backends.postgresql"
    monkeypatch.delenv(dbtemplate.ENV, raising=False)
    assert dbtemplate.usable(_Connection(sqlite)) is None  # pytest on its own: migrate

    monkeypatch.setenv(dbtemplate.ENV, str(tmp_path))
    assert dbtemplate.usable(_Connection(sqlite)) is None  # no build for this engine

    record = {"engine": sqlite, "fingerprint": dbtemplate.fingerprint(sqlite), "name": "x"}
    (tmp_path / "sqlite.json").write_text(json.dumps(record))
    assert dbtemplate.usable(_Connection(sqlite)) == record

    (tmp_path / "sqlite.json").write_text(json.dumps({**record, "fingerprint": "old"}))
    assert dbtemplate.usable(_Connection(sqlite)) is None  # stale: a migration changed

    pg = {
        "engine": postgres,
        "fingerprint": dbtemplate.fingerprint(postgres),
        "name": "portal_test_template_1",
        "host": "127.0.0.1",
        "port": "5432",
    }
    (tmp_path / "postgres.json").write_text(json.dumps(pg))
    assert dbtemplate.usable(_Connection(postgres, "127.0.0.1", "5432")) == pg
    assert dbtemplate.usable(_Connection(postgres, "db.example", "5432")) is None


def test_a_test_of_its_own_processes_gets_a_copy_of_the_template(
    tmp_path: Path, monkeypatch: Any
) -> None:
    import sqlite3

    sqlite = "django.db.backends.sqlite3"
    template = tmp_path / "template.sqlite3"
    con = sqlite3.connect(template)
    con.execute("CREATE TABLE django_migrations (app TEXT, name TEXT)")
    con.execute("INSERT INTO django_migrations VALUES ('accounts', '0001_initial')")
    con.commit()
    con.close()
    record = {
        "engine": sqlite,
        "fingerprint": dbtemplate.fingerprint(sqlite),
        "name": str(template),
    }
    (tmp_path / "sqlite.json").write_text(json.dumps(record))
    target = tmp_path / "own.sqlite3"

    monkeypatch.delenv(dbtemplate.ENV, raising=False)
    assert dbtemplate.copy_into(f"sqlite:///{target}") is False  # the test migrates
    assert not target.exists()

    monkeypatch.setenv(dbtemplate.ENV, str(tmp_path))
    assert dbtemplate.copy_into(f"sqlite:///{target}") is True
    rows = sqlite3.connect(target).execute("SELECT app, name FROM django_migrations").fetchall()
    assert rows == [("accounts", "0001_initial")]
