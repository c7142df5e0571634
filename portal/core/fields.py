"""Model fields for personal data encrypted at rest (keys: portal/core/crypto.py).

``EncryptedCharField`` holds a short text (an ID or phone number): Python sees the
plaintext, the database a ciphertext in a text column (``max_length`` limits the
plaintext, as the forms show it). Each write draws a fresh nonce, so equal values have
different ciphertexts: an encrypted column cannot be compared, sorted or searched.

``BlindIndexField`` is the companion column that can: the keyed hash of the normalized
plaintext, filled on every save and bulk_create from its source field. When a model has
one, ``filter(id_number=...)`` and ``filter(id_number__in=[...])`` are answered from the
hash column (so model forms, imports and searches keep their exact-match lookups, and
uniqueness lives on the hash). Comparing with "" tests for an empty value. Every other
lookup (contains, ordering by the value, ...) is refused with a FieldError rather than
silently matching nothing.

QuerySet.update() and bulk_update() encrypt what they write but do not recompute the
hash: change a hashed field through save() (or name the hash field in bulk_update after
setting it with ``refresh_blind_indexes``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import EmptyResultSet, FieldError
from django.db import models
from django.db.models import Lookup
from django.db.models.lookups import IsNull

from . import crypto


class EncryptedCharField(models.CharField):
    description = "Text encrypted with AES-GCM"

    def __init__(self, *args: Any, hash_kind: str = "phone", **kwargs: Any) -> None:
        # hash_kind: how a BlindIndexField of this field normalizes ("id" or "phone").
        self.hash_kind = hash_kind
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> tuple[str, str, Sequence[Any], dict[str, Any]]:
        name, path, args, kwargs = super().deconstruct()
        if self.hash_kind != "phone":
            kwargs["hash_kind"] = self.hash_kind
        return name, path, args, kwargs

    def get_internal_type(self) -> str:
        # A text column: the ciphertext is longer than max_length (which limits the
        # plaintext); the form field stays a one-line input.
        return "TextField"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str | None:
        return crypto.decrypt(value)

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        value = super().get_db_prep_value(value, connection, prepared)
        if value is None:
            return None
        return crypto.encrypt(str(value))

    def blind_index_field(self) -> BlindIndexField | None:
        for f in self.model._meta.concrete_fields:
            if isinstance(f, BlindIndexField) and f.source == self.name:
                return f
        return None

    def get_lookup(self, lookup_name: str) -> type[Lookup] | None:
        if lookup_name in _LOOKUPS:
            return _LOOKUPS[lookup_name]
        raise FieldError(
            f"{self.model.__name__}.{self.name} is encrypted: only exact matches (through "
            f"its keyed hash), 'in' and isnull can be filtered on, not {lookup_name!r}"
        )

    def get_transform(self, lookup_name: str) -> None:
        raise FieldError(f"{self.model.__name__}.{self.name} is encrypted: no {lookup_name!r}")


class BlindIndexField(models.CharField):
    """HMAC-SHA256 (hex) of the normalized value of `source`, set on every save."""

    description = "Keyed hash of an encrypted field"

    def __init__(self, *args: Any, source: str = "", **kwargs: Any) -> None:
        self.source = source
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> tuple[str, str, Sequence[Any], dict[str, Any]]:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        for key, default in (("max_length", 64), ("editable", False), ("blank", True)):
            if kwargs.get(key, default) == default:
                kwargs.pop(key, None)
        return name, path, args, kwargs

    def hash_of(self, instance: models.Model) -> str:
        source = instance._meta.get_field(self.source)
        return crypto.blind_index(
            getattr(source, "hash_kind", "id"),
            getattr(instance, source.attname),  # type: ignore[union-attr]
        )

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        value = self.hash_of(model_instance)
        setattr(model_instance, self.attname, value)
        return value


def refresh_blind_indexes(instance: models.Model) -> list[str]:
    """Set every blind index of `instance` from its source; returns their names."""
    names = []
    for f in instance._meta.concrete_fields:
        if isinstance(f, BlindIndexField):
            setattr(instance, f.attname, f.hash_of(instance))
            names.append(f.name)
    return names


def encrypted_fields(model: type[models.Model]) -> list[EncryptedCharField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedCharField)]


class _EncryptedLookup(Lookup):
    prepare_rhs = False

    def _target(self) -> tuple[EncryptedCharField, Any]:
        target = getattr(self.lhs, "target", None)
        if not isinstance(target, EncryptedCharField) or not hasattr(self.lhs, "alias"):
            raise FieldError("an encrypted field can only be filtered on as a column")
        return target, self.lhs

    def _hash_column(self, compiler: Any, field: EncryptedCharField) -> tuple[str, list]:
        hash_field = field.blind_index_field()
        if hash_field is None:
            raise FieldError(
                f"{field.model.__name__}.{field.name} is encrypted and has no keyed hash: "
                "it can only be compared with an empty value"
            )
        return compiler.compile(hash_field.get_col(self.lhs.alias))

    @staticmethod
    def _plain(value: Any) -> str:
        if hasattr(value, "resolve_expression"):
            raise FieldError("an encrypted field can only be compared with a value")
        return "" if value is None else str(value)


class EncryptedExact(_EncryptedLookup):
    lookup_name = "exact"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list]:
        field, col = self._target()
        value = self._plain(self.rhs)
        if value == "":
            sql, params = compiler.compile(col)
            return f"{sql} = %s", [*params, ""]
        sql, params = self._hash_column(compiler, field)
        return f"{sql} = %s", [*params, crypto.blind_index(field.hash_kind, value)]


class EncryptedIn(_EncryptedLookup):
    lookup_name = "in"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list]:
        field, _col = self._target()
        if hasattr(self.rhs, "resolve_expression"):
            raise FieldError("an encrypted field can only be compared with values")
        values = {self._plain(v) for v in self.rhs} - {""}
        if not values:
            raise EmptyResultSet
        sql, params = self._hash_column(compiler, field)
        hashes = sorted(crypto.blind_index(field.hash_kind, v) for v in values)
        marks = ", ".join(["%s"] * len(hashes))
        return f"{sql} IN ({marks})", [*params, *hashes]


_LOOKUPS: dict[str, type[Lookup]] = {
    "exact": EncryptedExact,
    "in": EncryptedIn,
    "isnull": IsNull,
}
