"""Check constraints validated in Python (issue #20).

Django validates a model's `CheckConstraint` in `full_clean()` — a form's validation, a
service's before it saves — by asking the database: one `SELECT 1 WHERE …` per
constraint per validation. A meeting's save validated its two constraints twice (the
form, then the service): four queries, a tenth of the request's CPU, for rules made of
a few comparisons of the record's own fields.

`CheckConstraint` here is Django's, with `validate()` working the condition out in
Python when it is made of lookups on the model's own columns (exact, isnull, in, gt,
gte, lt, lte; values or `F()` of another own column; AND, OR, NOT), with SQL's rule for
NULL: a comparison with NULL is unknown, and only a condition that is false fails, as
Django's check does (`Coalesce(condition, True)`). Anything else — a related field's
lookup, another expression, a value Python cannot compare — is validated by Django as
before. The database keeps the constraint either way, and migrations see Django's
class (`deconstruct`). `tests/core/test_constraints.py` compares both answers for every
constraint of the project over a pool of values.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Collection
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import DEFAULT_DB_ALIAS, models
from django.db.models import F, Q

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "exact": operator.eq,
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}


class _Unsure(Exception):
    """The condition is not one this module works out: Django's validation decides."""


class _Skipped(Exception):
    """The condition names a field left out of the validation: not validated (Django's
    FieldError)."""


def _column(model: type[models.Model], name: str, exclude: Collection[str]) -> Any:
    if "__" in name or name == "pk":
        raise _Unsure
    if name in exclude:
        raise _Skipped
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        raise _Unsure from None
    if field not in model._meta.local_concrete_fields:
        raise _Unsure
    if field.name in exclude:
        raise _Skipped
    return field


def _value(instance: models.Model, field: Any) -> Any:
    value = getattr(instance, field.attname)
    if hasattr(value, "resolve_expression"):  # an expression assigned to the field
        raise _Unsure
    return value


def _lookup(
    model: type[models.Model], instance: models.Model, exclude: Collection[str], key: str, rhs: Any
) -> bool | None:
    name, _, op = key.partition("__")
    field = _column(model, name, exclude)
    op = op or "exact"
    value = _value(instance, field)
    if isinstance(rhs, F):
        rhs = _value(instance, _column(model, rhs.name, exclude))
    elif hasattr(rhs, "resolve_expression") or isinstance(rhs, models.Model):
        raise _Unsure
    if op == "isnull":
        return (value is None) == bool(rhs)
    if op == "exact" and rhs is None:
        return value is None
    if op == "in":
        return None if value is None else value in rhs
    compare = _COMPARE.get(op)
    if compare is None:
        raise _Unsure
    if value is None or rhs is None:
        return None  # SQL: unknown
    try:
        return compare(value, rhs)
    except TypeError:
        raise _Unsure from None


def _evaluate(
    node: Any, model: type[models.Model], instance: models.Model, exclude: Collection[str]
) -> bool | None:
    if isinstance(node, Q):
        results = [_evaluate(child, model, instance, exclude) for child in node.children]
        if node.connector == Q.AND:
            result = False if False in results else None if None in results else True
        else:
            result = True if True in results else None if None in results else False
        return (None if result is None else not result) if node.negated else result
    if isinstance(node, tuple) and len(node) == 2 and isinstance(node[0], str):
        return _lookup(model, instance, exclude, node[0], node[1])
    raise _Unsure


def python_verdict(
    constraint: Any,
    model: type[models.Model],
    instance: models.Model,
    exclude: Collection[str] | None = None,
) -> bool | None:
    """True when `instance` passes the constraint (or it is not validated: a field left
    out), False when it fails, None when Python cannot tell (Django's validation
    decides)."""
    try:
        result = _evaluate(Q(constraint.condition), model, instance, exclude or ())
    except _Skipped:
        return True
    except _Unsure:
        return None
    return result is not False


class CheckConstraint(models.CheckConstraint):
    """Django's CheckConstraint, validated in Python where it can be (module docstring)."""

    def validate(
        self,
        model: type[models.Model],
        instance: models.Model,
        exclude: Collection[str] | None = None,
        using: str = DEFAULT_DB_ALIAS,
    ) -> None:
        verdict = python_verdict(self, model, instance, exclude)
        if verdict is None:
            super().validate(model, instance, exclude=exclude, using=using)  # type: ignore[misc]
        elif not verdict:
            raise ValidationError(
                self.get_violation_error_message(), code=self.violation_error_code
            )

    def deconstruct(self) -> tuple[str, Any, dict[str, Any]]:
        _path, args, kwargs = super().deconstruct()
        return "django.db.models.CheckConstraint", args, kwargs
