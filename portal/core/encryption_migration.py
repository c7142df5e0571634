"""The data step of the migrations that encrypt existing columns (and back).

Raw SQL over the table in primary-key batches: the migration's historical models would
try to decrypt the plaintext they read. Values already encrypted are left alone, so a
run that stopped half-way is simply run again; the keyed hash is recomputed from the
plaintext for every row.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import crypto

BATCH = 2000


def _rewrite(
    apps: Any,
    schema_editor: Any,
    model_label: str,
    columns: list[str],
    hashes: dict[str, tuple[str, str]],
    forwards: bool,
) -> None:
    model = apps.get_model(model_label)
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    pk = quote(model._meta.pk.column)
    ring = crypto.keyring()
    read = ", ".join(quote(c) for c in columns)
    written = list(columns) + (list(hashes) if forwards else [])
    assignments = ", ".join(f"{quote(c)} = %s" for c in written)
    last = None
    with connection.cursor() as cursor:
        while True:
            where = f"WHERE {pk} > %s " if last is not None else ""
            params: list[Any] = [last] if last is not None else []
            cursor.execute(
                # Names from the model's meta; values are parameters.
                f"SELECT {pk}, {read} FROM {table} {where}ORDER BY {pk} LIMIT {BATCH}",  # noqa: S608
                params,
            )
            rows = cursor.fetchall()
            if not rows:
                return
            last = rows[-1][0]
            updates = []
            for row_pk, *values in rows:
                if forwards:
                    plain = [
                        crypto.decrypt(v, ring) if crypto.is_encrypted(v) else v for v in values
                    ]
                    new = [v if crypto.is_encrypted(v) else crypto.encrypt(v, ring) for v in values]
                    by_column = dict(zip(columns, plain, strict=True))
                    new += [
                        crypto.blind_index(kind, by_column[source], ring)
                        for source, kind in hashes.values()
                    ]
                else:
                    new = [crypto.decrypt(v, ring) if crypto.is_encrypted(v) else v for v in values]
                updates.append((*new, row_pk))
            cursor.executemany(
                f"UPDATE {table} SET {assignments} WHERE {pk} = %s",  # noqa: S608
                updates,
            )


def encrypt_columns(
    specs: list[tuple[str, list[str], dict[str, tuple[str, str]]]],
) -> tuple[Callable[..., None], Callable[..., None]]:
    """RunPython (forwards, backwards) for `specs`: (model label, encrypted columns,
    {hash column: (source column, hash kind)})."""

    def forwards(apps: Any, schema_editor: Any) -> None:
        for label, columns, hashes in specs:
            _rewrite(apps, schema_editor, label, columns, hashes, forwards=True)

    def backwards(apps: Any, schema_editor: Any) -> None:
        for label, columns, hashes in specs:
            _rewrite(apps, schema_editor, label, columns, hashes, forwards=False)

    return forwards, backwards
