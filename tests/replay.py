"""Replay the rows a fixture writes instead of writing them through the ORM every time.

The `world` fixture (tests/conftest.py) runs before about two thousand tests. Building it
through the services (organizations added to the tree, roles assigned with their object
permissions, audit and history rows) takes about a tenth of a second; inserting the same
rows again takes a few milliseconds. So the first test of a process builds the world and
records what it wrote — every row of every table that was not there before — and later
tests insert those rows again, with the same primary keys, in one statement per table.

It is exact or it is not used: when building changed or removed a row that existed
before, or when a later test's database does not start from the state the rows were
recorded in (a module fixture seeded something first), the world is built the slow way.
Foreign keys are deferred on both databases (Django creates them DEFERRABLE INITIALLY
DEFERRED), so the tables are filled in any order. SQLite's AUTOINCREMENT counter follows
the largest id inserted; on PostgreSQL a replay moves each sequence past the ids it
inserted (never back), so the test's own rows get new ids.
"""

from __future__ import annotations

import copy
import fcntl
import hashlib
import json
import os
import pickle
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

T = TypeVar("T")

JSON_TYPE_OIDS = {114, 3802}  # PostgreSQL json and jsonb
SETTINGS = (
    "FIELD_ENCRYPTION_KEYS",
    "FIELD_HASH_KEY",
    "FIELD_KEYS_DERIVED_IN_DEVELOPMENT",
    "SECRET_KEY",
    "PASSWORD_HASHERS",
    "LANGUAGE_CODE",
    "TIME_ZONE",
)


def _tables() -> list[str]:
    names = connection.introspection.table_names(include_views=False)
    return sorted(n for n in names if not n.startswith("sqlite_"))


def _dump(tables: list[str]) -> tuple[dict[str, list[tuple]], dict[str, list[str]], set[str]]:
    """Every row of every table, the column names, and the columns holding JSON."""
    rows: dict[str, list[tuple]] = {}
    columns: dict[str, list[str]] = {}
    json_columns: set[str] = set()
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {quote(table)}")  # noqa: S608 (introspected names)
            description = cursor.description
            columns[table] = [d[0] for d in description]
            for d in description:
                if d[1] in JSON_TYPE_OIDS:
                    json_columns.add(f"{table}.{d[0]}")
            rows[table] = [tuple(r) for r in cursor.fetchall()]
    return rows, columns, json_columns


def _key(value: Any) -> Any:
    """A hashable stand-in for a row value (JSON documents come back as dicts)."""
    if isinstance(value, dict | list):
        return repr(value)
    if isinstance(value, memoryview):
        return bytes(value)
    return value


@dataclass
class Recording(Generic[T]):
    result: T
    inserts: list[tuple[str, list[str], list[tuple]]]
    # The database the rows were recorded in: every table's row count and largest primary
    # key. A transactional test empties the database and post_migrate writes the content
    # types and permissions again under new ids: the recorded rows would point at the old.
    baseline: list[Any]
    baseline_query: str
    # PostgreSQL: moves each sequence past the ids inserted (see _sequence_query).
    sequence_query: str | None = None
    # Files the build wrote under MEDIA_ROOT (path relative to it → bytes), written again
    # under the MEDIA_ROOT of the replay (Replayer(media=True)).
    files: dict[str, bytes] = field(default_factory=dict)

    def starts_like(self) -> bool:
        return _state(self.baseline_query) == self.baseline

    def replay(self) -> T:
        quote = connection.ops.quote_name
        # One transaction (a savepoint inside a test's): the foreign keys are checked at
        # its end, so a transactional test's autocommit does not check table by table.
        with transaction.atomic(), connection.cursor() as cursor:
            for table, cols, values in self.inserts:
                marks = ", ".join(["%s"] * len(cols))
                names = ", ".join(quote(c) for c in cols)
                cursor.executemany(
                    f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})",  # noqa: S608
                    values,
                )
            if self.sequence_query:
                cursor.execute(self.sequence_query)
        if self.files:
            root = Path(settings.MEDIA_ROOT)
            for name, data in self.files.items():
                path = root / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
        return copy.deepcopy(self.result)


# Each table's primary key column, per database vendor: the schema is the migrations'
# for the whole run. Read once per process, not at every recording: SQLite's
# get_constraints parses each table's CREATE statement (sqlparse), some 30 ms a table.
_PK_COLUMNS: dict[tuple[str, str], str | None] = {}


def _pk_column(table: str) -> str | None:
    key = (connection.vendor, table)
    if key not in _PK_COLUMNS:
        with connection.cursor() as cursor:
            columns = connection.introspection.get_primary_key_columns(cursor, table)
        _PK_COLUMNS[key] = columns[0] if columns and len(columns) == 1 else None
    return _PK_COLUMNS[key]


def _state_query(tables: list[str]) -> str:
    quote = connection.ops.quote_name
    parts = []
    for table in tables:
        pk = _pk_column(table)
        largest = f"(SELECT MAX({quote(pk)}) FROM {quote(table)})" if pk else "NULL"  # noqa: S608
        parts.append(f"(SELECT COUNT(*) FROM {quote(table)}), {largest}")  # noqa: S608
    return "SELECT " + ", ".join(parts)


def _state(query: str) -> list[Any]:
    with connection.cursor() as cursor:
        cursor.execute(query)
        return list(cursor.fetchone())


def _sequence_query(tables: list[str]) -> str | None:
    """PostgreSQL: set each table's sequence to at least its largest id, never back.

    Sequences usually stay past the recorded ids, but something that writes explicit
    ids and then resets a sequence to the largest id it wrote (the scale-data generator)
    can leave one behind them, in a transaction rolled back since: setval is not."""
    if connection.vendor != "postgresql":
        return None
    quote = connection.ops.quote_name
    parts = []
    for table in tables:
        pk = _pk_column(table)
        if pk is None:
            continue
        seq = f"pg_get_serial_sequence('{quote(table)}', '{pk}')"
        parts.append(
            f"setval({seq}, GREATEST((SELECT MAX({quote(pk)}) FROM {quote(table)}), "  # noqa: S608
            f"COALESCE(pg_sequence_last_value({seq}::regclass), 1)))"
        )
    return ("SELECT " + ", ".join(parts)) if parts else None


def _media_files() -> dict[str, tuple[int, int]]:
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return {}
    return {
        str(path.relative_to(root)): (path.stat().st_mtime_ns, path.stat().st_size)
        for path in root.rglob("*")
        if path.is_file()
    }


def record(build: Callable[[], T], media: bool = False) -> tuple[T, Recording[T] | None]:
    """Run `build` and record the rows it inserted (and, with `media`, the files it
    wrote under MEDIA_ROOT); None when it did anything else."""
    tables = _tables()
    baseline_query = _state_query(tables)
    baseline = _state(baseline_query)
    before, _, _ = _dump(tables)
    files_before = _media_files() if media else {}
    result = build()
    saved = copy.deepcopy(result)
    files: dict[str, bytes] = {}
    if media:
        root = Path(settings.MEDIA_ROOT)
        for name, stamp in _media_files().items():
            if files_before.get(name) != stamp:
                files[name] = (root / name).read_bytes()
    after, columns, json_columns = _dump(tables)
    inserts: list[tuple[str, list[str], list[tuple]]] = []
    for table in tables:
        old = Counter(tuple(_key(v) for v in r) for r in before[table])
        new = Counter(tuple(_key(v) for v in r) for r in after[table])
        if old - new:  # a row changed or went away: not a pure insert
            return result, None
        added_keys = new - old
        if not added_keys:
            continue
        added = [r for r in after[table] if tuple(_key(v) for v in r) in added_keys]
        inserts.append(
            (table, columns[table], [_adapt(table, columns[table], r, json_columns) for r in added])
        )
    return result, Recording(
        result=saved,
        inserts=inserts,
        baseline=baseline,
        baseline_query=baseline_query,
        sequence_query=_sequence_query([table for table, _, _ in inserts]),
        files=files,
    )


def _adapt(table: str, cols: list[str], row: tuple, json_columns: set[str]) -> tuple:
    """PostgreSQL's JSON columns go back as JSON (Django reads them as their text);
    binary values as bytes (a memoryview cannot be kept on disk)."""
    row = tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
    if not json_columns:
        return row
    from psycopg.types.json import Jsonb

    def value_for(col: str, value: Any) -> Any:
        if f"{table}.{col}" not in json_columns or value is None:
            return value
        return Jsonb(json.loads(value) if isinstance(value, str) else value)

    return tuple(value_for(col, value) for col, value in zip(cols, row, strict=True))


SHARED_ENV = "PORTAL_TEST_DB_TEMPLATES"  # the run's folder (scripts/test.sh, tests/dbtemplate.py)


class Replayer(Generic[T]):
    """Build once per process and database vendor, then replay (see the module's doc).

    `shared`: a name under which the recording is kept on disk for the whole run (in
    scripts/test.sh's folder, PORTAL_TEST_DB_TEMPLATES), so that the first process of
    either pass to need it builds it while the others wait, and every other process
    replays it: for a build that takes half a minute (the demo county), once per run
    instead of once per worker and module. Kept per database vendor, settings read and
    day (the demo dates its running campaign from today). A recording from disk is used
    only when the database starts as it did when recorded, as any other.

    `media`: the build writes files under MEDIA_ROOT; the recording keeps them and a
    replay writes them under the MEDIA_ROOT of the moment."""

    def __init__(
        self,
        build: Callable[[], T],
        after_replay: Callable[[T], None] | None = None,
        settings_read: tuple[str, ...] = (),
        shared: str | None = None,
        media: bool = False,
    ) -> None:
        self.build = build
        # Settings the build reads besides SETTINGS.
        self.settings_read = SETTINGS + settings_read
        # What the build does besides writing rows, done again after a replay (state
        # kept in memory for the test's transaction).
        self.after_replay = after_replay
        self.shared = shared
        self.media = media
        self.recordings: dict[str, Recording[T] | None] = {}

    def _shared_path(self, vendor: str) -> Path | None:
        folder = os.environ.get(SHARED_ENV)
        if not self.shared or not folder or not Path(folder).is_dir():
            return None
        digest = hashlib.sha256(f"{vendor}|{timezone.localdate()}".encode()).hexdigest()[:20]
        return Path(folder) / f"replay-{self.shared}-{digest}.pickle"

    def _first(self, vendor: str) -> T:
        """The first call of this process for `vendor`: the run's recording from disk
        when there is one that fits, else build (and, when shared, leave it on disk)."""
        path = self._shared_path(vendor)
        if path is None:
            result, self.recordings[vendor] = record(self.build, self.media)
            return result
        with open(path.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be building it
            if path.exists():
                recording: Recording[T] | None = pickle.loads(path.read_bytes())  # noqa: S301
                if recording is not None and recording.starts_like():
                    self.recordings[vendor] = recording
                    return self._replay(recording)
                # Not from this starting state: build here, keep it in this process.
                result, self.recordings[vendor] = record(self.build, self.media)
                return result
            result, self.recordings[vendor] = record(self.build, self.media)
            self._save(path, self.recordings[vendor])
            return result

    def build_here(self, build: Callable[[], T]) -> T:
        """Run `build` (this Replayer's build, wrapped: e.g. counting its statements)
        for real whatever was recorded, and let the others replay what it wrote when
        nothing is on disk yet."""
        vendor = self._vendor()
        path = self._shared_path(vendor)
        if path is None:
            result, self.recordings[vendor] = record(build, self.media)
            return result
        with open(path.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            result, self.recordings[vendor] = record(build, self.media)
            if not path.exists():
                self._save(path, self.recordings[vendor])
            return result

    @staticmethod
    def _save(path: Path, recording: Recording[T] | None) -> None:
        temporary = path.with_suffix(".tmp")
        temporary.write_bytes(pickle.dumps(recording))
        temporary.replace(path)

    def _vendor(self) -> str:
        # What the build writes depends on the database and on the settings it encrypts,
        # hashes and names with (a test may set its own keys before the fixture runs).
        return repr(
            [connection.vendor] + [getattr(settings, name, None) for name in self.settings_read]
        )

    def _replay(self, recording: Recording[T]) -> T:
        result = recording.replay()
        if self.after_replay is not None:
            self.after_replay(result)
        return result

    def __call__(self) -> T:
        vendor = self._vendor()
        if vendor not in self.recordings:
            return self._first(vendor)
        recording = self.recordings[vendor]
        if recording is None:
            return self.build()
        if not recording.starts_like():
            # Another starting state (a module's own data): record again from it.
            result, self.recordings[vendor] = record(self.build, self.media)
            return result
        return self._replay(recording)
