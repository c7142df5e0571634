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
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db import connection, transaction

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
        return copy.deepcopy(self.result)


def _pk_column(table: str) -> str | None:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    for info in constraints.values():
        if info.get("primary_key") and len(info["columns"]) == 1:
            return info["columns"][0]
    return None


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


def record(build: Callable[[], T]) -> tuple[T, Recording[T] | None]:
    """Run `build` and record the rows it inserted; None when it did anything else."""
    tables = _tables()
    baseline_query = _state_query(tables)
    baseline = _state(baseline_query)
    before, _, _ = _dump(tables)
    result = build()
    saved = copy.deepcopy(result)
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
    )


def _adapt(table: str, cols: list[str], row: tuple, json_columns: set[str]) -> tuple:
    """PostgreSQL's JSON columns go back as JSON (Django reads them as their text)."""
    if not json_columns:
        return row
    from psycopg.types.json import Jsonb

    def value_for(col: str, value: Any) -> Any:
        if f"{table}.{col}" not in json_columns or value is None:
            return value
        return Jsonb(json.loads(value) if isinstance(value, str) else value)

    return tuple(value_for(col, value) for col, value in zip(cols, row, strict=True))


class Replayer(Generic[T]):
    """Build once per process and database vendor, then replay (see the module's doc)."""

    def __init__(
        self,
        build: Callable[[], T],
        after_replay: Callable[[T], None] | None = None,
        settings_read: tuple[str, ...] = (),
    ) -> None:
        self.build = build
        # Settings the build reads besides SETTINGS (e.g. MEDIA_ROOT for one that writes
        # files: the replayed rows name files under the root they were written to).
        self.settings_read = SETTINGS + settings_read
        # What the build does besides writing rows, done again after a replay (state
        # kept in memory for the test's transaction).
        self.after_replay = after_replay
        self.recordings: dict[str, Recording[T] | None] = {}

    def __call__(self) -> T:
        # What the build writes depends on the database and on the settings it encrypts,
        # hashes and names with (a test may set its own keys before the fixture runs).
        vendor = repr(
            [connection.vendor] + [getattr(settings, name, None) for name in self.settings_read]
        )
        if vendor not in self.recordings:
            result, recording = record(self.build)
            self.recordings[vendor] = recording
            return result
        recording = self.recordings[vendor]
        if recording is None:
            return self.build()
        if not recording.starts_like():
            # Another starting state (a module's own data): record again from it.
            result, self.recordings[vendor] = record(self.build)
            return result
        result = recording.replay()
        if self.after_replay is not None:
            self.after_replay(result)
        return result
