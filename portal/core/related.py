"""A foreign key's value is not looked up again when its object is already loaded
(issue #20).

`full_clean()` checks that every foreign key's value names an existing row: Django's
`ForeignKey.validate` asks the database (`SELECT 1 … LIMIT 1`) for each of them, each
time. A record's save validates twice — its form, then its service — and the objects
named are the ones the page has just read (the organization, the campaign, the
acting user): a meeting's save asked four times for rows it held. Here the question
is answered without a query when the instance carries the related object, read from
the database (not a new one), with the same key, and the field limits no choices;
otherwise Django asks as before. The database's foreign key constraint still refuses
a row deleted in between. Installed once from CoreConfig.ready
(`tests/core/test_related.py`)."""

from __future__ import annotations

from typing import Any

from django.db.models import ForeignKey, Model

_django_validate = ForeignKey.validate


def _holds(field: ForeignKey, value: Any, instance: Model | None) -> bool:
    """Does `instance` carry the object `value` names, as read from the database?"""
    if instance is None or field.remote_field.parent_link or field.get_limit_choices_to():
        return False
    related = instance._state.fields_cache.get(field.name)
    if not isinstance(related, Model) or related._state.adding or related._state.db is None:
        return False
    return bool(getattr(related, str(field.remote_field.field_name)) == value)


def _validate(self: ForeignKey, value: Any, model_instance: Model | None) -> None:
    if value is not None and _holds(self, value, model_instance):
        # Django's checks of the value itself (choices, null, blank), without the query.
        super(ForeignKey, self).validate(value, model_instance)
        return
    _django_validate(self, value, model_instance)


def install() -> None:
    ForeignKey.validate = _validate  # type: ignore[method-assign,assignment]
