"""Bulk writing for the scale data: rows of one model with precomputed primary keys,
written with COPY on PostgreSQL and executemany on SQLite (scale/seeding.py)."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import TYPE_CHECKING, Any

from django.core.management.color import no_style
from django.db import connections, models

if TYPE_CHECKING:
    from portal.core.fields import BlindIndexField

UTC = dt.UTC
FLUSH_ROWS = 50_000


class Table:
    """Rows of one model with explicit primary keys, written in batches (COPY on
    PostgreSQL, executemany on SQLite). `columns` are the fields every row gives, in
    order after the id; the model's other columns get one constant each (the field's
    default, NULL, "" or the load time), so every NOT NULL column is filled."""

    def __init__(self, writer: Writer, model: type[models.Model], columns: list[str]) -> None:
        self.writer = writer
        self.model = model
        self.name = model.__name__
        from portal.core.fields import BlindIndexField

        fields = [f for f in model._meta.concrete_fields]
        # A keyed hash is computed from its source column (given), never given itself.
        hashes = [f for f in fields if isinstance(f, BlindIndexField)]
        columns = [*columns, *(f.name for f in hashes if f.name not in columns)]
        given = {"id", *columns}
        by_name = {f.name: f for f in fields} | {f.attname: f for f in fields}
        unknown = given - set(by_name)
        if unknown:
            raise ValueError(f"{self.name}: no such field {sorted(unknown)}")
        self.fields = [by_name["id"], *(by_name[c] for c in columns)]
        constants = []
        for f in fields:
            if f.name in given or f.attname in given:
                continue
            constants.append((f, self._constant(f)))
        self.fields += [f for f, _value in constants]
        self.constants = tuple(value for _f, value in constants)
        self.datetime_positions = [
            i for i, f in enumerate(self.fields) if isinstance(f, models.DateTimeField)
        ]
        self._personal_data(hashes)
        self.rows: list[tuple[Any, ...]] = []
        self.first_id = self.next_id = writer.next_id(model)
        self.count = 0

    def _constant(self, f: models.Field) -> Any:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            return self.writer.now
        if f.has_default():
            value = f.get_default()
            if f.unique and value not in (None, ""):
                raise ValueError(f"{self.name}.{f.name}: a unique field needs a value per row")
            return json.dumps(value) if isinstance(f, models.JSONField) else value
        if f.null:
            return None
        if isinstance(f, models.CharField | models.TextField | models.FileField):
            return ""
        raise ValueError(f"{self.name}.{f.name} needs a value")

    def _personal_data(self, hashes: list[BlindIndexField]) -> None:
        """Encrypted columns are written encrypted, keyed hashes computed from their
        source's plaintext (portal/core/fields.py): one AES-GCM and one HMAC per value,
        with the key ring looked up once per table."""
        from portal.core import crypto
        from portal.core.fields import EncryptedCharField

        self.ring = (
            crypto.keyring()
            if hashes or any(isinstance(f, EncryptedCharField) for f in self.fields)
            else None
        )
        # Positions in the values given to add() (the id is not among them); the
        # constants of the columns not given are encrypted once, here.
        given = len(self.fields) - len(self.constants) - 1
        self.encrypted = [
            i - 1
            for i, f in enumerate(self.fields)
            if isinstance(f, EncryptedCharField) and i - 1 < given
        ]
        if self.ring is not None:
            self.constants = tuple(
                crypto.encrypt(value, self.ring)
                if isinstance(f, EncryptedCharField) and isinstance(value, str)
                else value
                for f, value in zip(self.fields[given + 1 :], self.constants, strict=True)
            )
        self.hashed = []
        for f in hashes:
            source = self.model._meta.get_field(f.source)
            assert isinstance(source, models.Field), f.source  # a column of the model
            self.hashed.append(
                (
                    self.fields.index(f) - 1,
                    self.fields.index(source) - 1,
                    getattr(source, "hash_kind", "id"),
                )
            )
        self.hash_count = len(self.hashed)

    def add(self, *values: Any) -> int:
        pk = self.next_id
        self.next_id += 1
        if self.ring is not None:
            from portal.core import crypto

            row = [*values, *([""] * self.hash_count)]
            for at, source, kind in self.hashed:
                row[at] = crypto.blind_index(kind, row[source], self.ring)
            for at in self.encrypted:
                row[at] = crypto.encrypt(row[at], self.ring)
            values = tuple(row)
        self.rows.append((pk, *values, *self.constants))
        if len(self.rows) >= FLUSH_ROWS:
            self.flush()
        return pk

    def flush(self) -> None:
        if self.rows:
            started = time.perf_counter()
            self.writer.write(self, self.rows)
            self.writer.spent += time.perf_counter() - started
            self.count += len(self.rows)
            self.rows = []


class Writer:
    def __init__(self, using: str) -> None:
        from django.utils import timezone

        self.using = using
        self.connection = connections[using]
        self.vendor = self.connection.vendor
        self.now = timezone.now()
        self.tables: dict[str, Table] = {}
        self.spent = 0.0  # seconds in the database's bulk writes
        self.dropped: list[str] = []  # CREATE INDEX statements to run at the end
        self.index_seconds = 0.0

    def table(self, model: type[models.Model], columns: list[str]) -> Table:
        table = Table(self, model, columns)
        self.tables[table.name] = table
        return table

    def next_id(self, model: type[models.Model]) -> int:
        last = model._default_manager.using(self.using).aggregate(m=models.Max("pk"))["m"]
        return (last or 0) + 1

    def write(self, table: Table, rows: list[tuple[Any, ...]]) -> None:
        quote = self.connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in table.fields)
        name = quote(table.model._meta.db_table)
        with self.connection.cursor() as cursor:
            if self.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {name} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                return
            if table.datetime_positions:
                rows = [self._sqlite_row(row, table.datetime_positions) for row in rows]
            marks = ", ".join(["%s"] * len(table.fields))
            # Table and column names come from the models, the values are parameters.
            sql = f"INSERT INTO {name} ({columns}) VALUES ({marks})"  # noqa: S608
            cursor.executemany(sql, rows)

    @staticmethod
    def _sqlite_row(row: tuple[Any, ...], positions: list[int]) -> tuple[Any, ...]:
        """Django stores datetimes on SQLite as naive UTC text."""
        values = list(row)
        for i in positions:
            if values[i] is not None:
                values[i] = values[i].astimezone(UTC).replace(tzinfo=None).isoformat(" ")
        return tuple(values)

    def drop_indexes(self) -> None:
        """PostgreSQL: drop the indexes of the tables about to be loaded that no
        constraint needs (primary keys and unique constraints stay), to build them in
        one pass at the end (finish()) instead of row by row."""
        if self.vendor != "postgresql":
            return
        tables = [t.model._meta.db_table for t in self.tables.values()]
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes i "
                "WHERE schemaname = current_schema() AND tablename = ANY(%s) "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
                [tables],
            )
            for name, definition in cursor.fetchall():
                cursor.execute(f"DROP INDEX {self.connection.ops.quote_name(name)}")
                self.dropped.append(definition)
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")

    def finish(self) -> None:
        for table in self.tables.values():
            table.flush()
        started = time.perf_counter()
        with self.connection.cursor() as cursor:
            for definition in self.dropped:
                cursor.execute(definition)
        self.index_seconds = time.perf_counter() - started
        if self.vendor == "postgresql":
            statements = self.connection.ops.sequence_reset_sql(
                no_style(), [t.model for t in self.tables.values()]
            )
            with self.connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)
