"""A migrated test database built once per run and copied by every worker.

Running the migrations costs some 30 s of CPU (Django renders the models' state again
and again for 64 migrations), and each pytest-xdist worker of each pass would pay it.
`scripts/test.sh` builds one migrated database per engine before the passes, side by
side on the two cores:

    python -m tests.dbtemplate build <folder>            # the engine of DATABASE_URL

and exports PORTAL_TEST_DB_TEMPLATES=<folder>. A worker's test database is then a copy
(SQLite: the backup API into the in-memory database; PostgreSQL: CREATE DATABASE …
TEMPLATE), made in a second. The copy is exact or not used: the folder records a
fingerprint of every migration file and of Django's version, and a worker whose
fingerprint differs (or with no folder, as when pytest runs on its own) migrates as
usual. See CONTRIBUTING.md, "Set-up".
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import sys
from pathlib import Path
from typing import Any

ENV = "PORTAL_TEST_DB_TEMPLATES"
ROOT = Path(__file__).resolve().parent.parent


def fingerprint(engine: str) -> str:
    """Every migration file (path and bytes) of the project, Django's version, the engine."""
    import django

    digest = hashlib.sha256(f"{django.get_version()}|{engine}".encode())
    for path in sorted(ROOT.glob("**/migrations/*.py")):
        if ".venv" in path.parts or "node_modules" in path.parts:
            continue
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _kind(engine: str) -> str:
    return "postgres" if "postgresql" in engine else "sqlite"


def _record(folder: Path, kind: str) -> Path:
    return folder / f"{kind}.json"


def build(folder: Path) -> dict[str, Any]:
    """Migrate a fresh database of DATABASE_URL's engine and describe it in `folder`."""
    import django
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    engine = connection.settings_dict["ENGINE"]
    kind = _kind(engine)
    folder.mkdir(parents=True, exist_ok=True)
    record: dict[str, Any] = {"engine": engine, "fingerprint": fingerprint(engine)}
    if kind == "sqlite":
        name = str(folder / "template.sqlite3")
        Path(name).unlink(missing_ok=True)
    else:
        name = f"portal_test_template_{os.getpid()}"
        record.update(
            host=connection.settings_dict.get("HOST") or "",
            port=str(connection.settings_dict.get("PORT") or ""),
        )
        with connection._nodb_cursor() as cursor:  # type: ignore[attr-defined]
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()
    settings.DATABASES["default"]["NAME"] = name
    connection.settings_dict["NAME"] = name
    call_command("migrate", verbosity=0, interactive=False, run_syncdb=True)
    call_command("createcachetable", verbosity=0)
    connection.close()
    record["name"] = name
    _record(folder, kind).write_text(json.dumps(record))
    return record


def drop(folder: Path) -> None:
    """Remove the PostgreSQL template the build made (the folder goes with the run)."""
    import django
    from django.db import connection

    django.setup()
    path = _record(folder, "postgres")
    if not path.exists():
        return
    name = json.loads(path.read_text())["name"]
    with connection._nodb_cursor() as cursor:  # type: ignore[attr-defined]
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')


def usable(connection: Any) -> dict[str, Any] | None:
    """The template for this connection's engine, if one was built for this very code."""
    folder = os.environ.get(ENV)
    if not folder:
        return None
    engine = connection.settings_dict["ENGINE"]
    kind = _kind(engine)
    path = _record(Path(folder), kind)
    if not path.exists():
        return None
    record: dict[str, Any] = json.loads(path.read_text())
    if record.get("engine") != engine or record.get("fingerprint") != fingerprint(engine):
        print(f"tests/dbtemplate.py: the {kind} template is stale; migrating.", file=sys.stderr)
        return None
    if kind == "postgres" and (
        record.get("host") != (connection.settings_dict.get("HOST") or "")
        or record.get("port") != str(connection.settings_dict.get("PORT") or "")
    ):
        return None
    return record


def copy_into(database_url: str) -> bool:
    """Make the new, empty database of `database_url` (a test's own, for the processes it
    starts) a copy of the run's migrated template. False when there is none to use: the
    caller runs `migrate` itself."""
    import dj_database_url
    import psycopg
    from psycopg import sql

    class Target:
        settings_dict = dj_database_url.parse(database_url)

    record = usable(Target)
    if record is None:
        return False
    name = Target.settings_dict["NAME"]
    if _kind(Target.settings_dict["ENGINE"]) == "sqlite":
        source, target = sqlite3.connect(record["name"]), sqlite3.connect(name)
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
        return True
    maintenance = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(maintenance, autocommit=True) as con:
        con.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        con.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(record["name"])
            )
        )
    return True


def create_from_template(creation: Any, record: dict[str, Any]) -> str:
    """What BaseDatabaseCreation.create_test_db does, with a copy instead of `migrate`."""
    from django.conf import settings

    connection = creation.connection
    test_name: str = creation._get_test_db_name()
    if "postgresql" in connection.settings_dict["ENGINE"]:
        with creation._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{test_name}"')
            cursor.execute(f'CREATE DATABASE "{test_name}" TEMPLATE "{record["name"]}"')
        connection.close()
        settings.DATABASES[connection.alias]["NAME"] = test_name
        connection.settings_dict["NAME"] = test_name
        connection.ensure_connection()
    else:
        creation._create_test_db(0, True, False)  # a file database: removed if left over
        connection.close()
        settings.DATABASES[connection.alias]["NAME"] = test_name
        connection.settings_dict["NAME"] = test_name
        connection.ensure_connection()
        source = sqlite3.connect(record["name"])
        try:
            source.backup(connection.connection)
        finally:
            source.close()
    return test_name


def install() -> None:
    """Make every connection's create_test_db copy the run's template when it can."""
    from django.db import connections

    for alias in connections:
        creation = connections[alias].creation
        original = creation.create_test_db

        def create_test_db(
            verbosity: int = 1,
            autoclobber: bool = False,
            serialize: bool = True,
            keepdb: bool = False,
            *,
            _creation: Any = creation,
            _original: Any = original,
        ) -> str:
            record = None if keepdb else usable(_creation.connection)
            if record is None:
                return str(_original(verbosity, autoclobber, serialize, keepdb))
            name = create_from_template(_creation, record)
            if serialize:
                _creation.connection._test_serialized_contents = _creation.serialize_db_to_string()
            return name

        creation.create_test_db = create_test_db


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    sys.path.insert(0, str(ROOT))
    command, where = sys.argv[1], Path(sys.argv[2])
    if command == "build":
        print(json.dumps(build(where)))
    elif command == "drop":
        drop(where)
    else:
        sys.exit(f"usage: python -m tests.dbtemplate build|drop <folder> (not {command!r})")
