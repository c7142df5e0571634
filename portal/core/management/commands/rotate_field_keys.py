"""Re-encrypt the personal data encrypted at rest with the current (first) key.

    FIELD_ENCRYPTION_KEYS=<new>,<old> manage.py rotate_field_keys
    FIELD_HASH_KEY=<new> manage.py rotate_field_keys --hashes

Every table with an encrypted column (history tables included) is read in primary-key
batches with raw SQL; a value whose key id is not the first key's is decrypted and
encrypted again, and the row's keyed hashes are recomputed from the plaintext. Each
batch is its own transaction and a re-encrypted value names the new key, so a run that
was stopped is simply started again: it skips what is done. `--hashes` also opens the
values already under the new key, to recompute every keyed hash after FIELD_HASH_KEY
changed. When it reports nothing left, the old key can be removed from the list.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from portal.core import crypto
from portal.core.fields import BlindIndexField, encrypted_fields


def models_with_encrypted_fields() -> list[Any]:
    return [m for m in apps.get_models() if encrypted_fields(m)]


class Command(BaseCommand):
    help = "Re-encrypt every encrypted value with the first key of FIELD_ENCRYPTION_KEYS."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch-size", type=int, default=2000)
        parser.add_argument(
            "--hashes",
            action="store_true",
            help="recompute every keyed hash (after FIELD_HASH_KEY changed)",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            ring = crypto.keyring()
        except crypto.FieldKeyError as exc:
            raise CommandError(str(exc)) from exc
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        self.stdout.write(f"current key: {ring.current.key_id}")
        total = 0
        for model in models_with_encrypted_fields():
            try:
                done = self.rotate(model, ring, options)
            except crypto.FieldDecryptionError as exc:
                raise CommandError(f"{model._meta.db_table}: {exc}") from exc
            total += done
            self.stdout.write(f"{model._meta.db_table}: {done} rows rewritten")
        self.stdout.write(self.style.SUCCESS(f"done: {total} rows rewritten"))

    def rotate(self, model: Any, ring: crypto.KeyRing, options: dict[str, Any]) -> int:
        connection = connections[options["database"]]
        quote = connection.ops.quote_name
        table = quote(model._meta.db_table)
        pk = quote(model._meta.pk.column)
        encrypted = [f.column for f in encrypted_fields(model)]
        hashes = [
            (f.column, model._meta.get_field(f.source).column, model._meta.get_field(f.source))
            for f in model._meta.concrete_fields
            if isinstance(f, BlindIndexField)
        ]
        read = ", ".join(quote(c) for c in [*encrypted, *(h for h, _s, _f in hashes)])
        written = [*encrypted, *(h for h, _s, _f in hashes)]
        assignments = ", ".join(f"{quote(c)} = %s" for c in written)
        current = ring.current.key_id
        rewritten = 0
        last = None
        while True:
            where = f"WHERE {pk} > %s " if last is not None else ""
            with transaction.atomic(using=options["database"]), connection.cursor() as cursor:
                cursor.execute(
                    # Names from the model's meta; values are parameters.
                    f"SELECT {pk}, {read} FROM {table} {where}"  # noqa: S608
                    f"ORDER BY {pk} LIMIT {int(options['batch_size'])}",
                    [last] if last is not None else [],
                )
                rows = cursor.fetchall()
                if not rows:
                    return rewritten
                last = rows[-1][0]
                updates = []
                for row_pk, *values in rows:
                    stored = dict(zip(encrypted, values[: len(encrypted)], strict=True))
                    stale = [c for c, v in stored.items() if v and crypto.key_id_in(v) != current]
                    if not stale and not (options["hashes"] and hashes):
                        continue
                    plain = {c: crypto.decrypt(v, ring) for c, v in stored.items()}
                    new = [
                        crypto.encrypt(plain[c], ring) if c in stale else stored[c]
                        for c in encrypted
                    ]
                    new_hashes = [
                        crypto.blind_index(getattr(f, "hash_kind", "id"), plain[s], ring)
                        for _h, s, f in hashes
                    ]
                    if not stale and new_hashes == list(values[len(encrypted) :]):
                        continue
                    updates.append((*new, *new_hashes, row_pk))
                if updates:
                    cursor.executemany(
                        f"UPDATE {table} SET {assignments} WHERE {pk} = %s",  # noqa: S608
                        updates,
                    )
                    rewritten += len(updates)
