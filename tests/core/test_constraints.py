"""Check constraints validated in Python (portal/core/constraints.py, issue #20): for
every check constraint of the project, over a pool of values of the fields it names
(NULLs, empties, the choices, numbers and dates around its bounds), Python's answer is
the database's (Django's own validation, one query each) on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import F, Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.core.constraints import CheckConstraint, python_verdict
from portal.core.fields import EncryptedCharField

pytestmark = pytest.mark.django_db

WORDS = ["", "x", "approve", "return", "investor", "criticism", "answered", "closed"]


def _ours() -> list[tuple[type[models.Model], Any]]:
    found = []
    for model in apps.get_models():
        for constraint in model._meta.constraints:
            if isinstance(constraint, models.CheckConstraint):
                found.append((model, constraint))
    return found


def _names(node: Any) -> set[str]:
    if isinstance(node, Q):
        return set().union(*(_names(child) for child in node.children))
    key, value = node
    names = {key.split("__")[0]}
    if isinstance(value, F):
        names.add(value.name)
    return names


def _pool(field: models.Field) -> list[Any]:
    values: list[Any]
    if isinstance(field, models.BooleanField):
        values = [True, False]
    elif field.choices:
        values = [*[value for value, _label in field.flatchoices][:6], ""]
    elif isinstance(field, models.ForeignKey):
        values = [1, 2]
    elif isinstance(field, models.DecimalField):
        values = [Decimal("-1"), Decimal("0"), Decimal("0.5"), Decimal("24")]
    elif isinstance(field, models.IntegerField):
        values = [-1, 0, 1, 3, 10, 11, 24, 25]
    elif isinstance(field, models.DateTimeField):
        base = timezone.make_aware(dt.datetime(2014, 6, 1, 9))
        values = [base, base + dt.timedelta(hours=2), base - dt.timedelta(hours=2)]
    elif isinstance(field, models.DateField):
        values = [dt.date(2014, 6, 1), dt.date(2014, 7, 1), dt.date(2014, 5, 1)]
    elif isinstance(field, models.FileField):
        values = ["", "reports/a.pdf"]
    else:
        values = list(WORDS)
    if field.null:
        values.append(None)
    return values


def _database_says(model: type[models.Model], constraint: Any, instance: Any) -> bool:
    try:
        models.CheckConstraint.validate(constraint, model, instance)  # type: ignore[attr-defined]
    except ValidationError:
        return False
    return True


def test_every_check_constraint_of_the_project_is_validated_in_python() -> None:
    ours = _ours()
    assert len(ours) >= 40
    django_only = [c.name for _m, c in ours if not isinstance(c, CheckConstraint)]
    assert not django_only, f"use portal.core.constraints.CheckConstraint: {django_only}"


@pytest.mark.parametrize(
    ("model", "constraint"), _ours(), ids=lambda value: getattr(value, "name", "")
)
def test_python_answers_as_the_database_does(model: Any, constraint: Any) -> None:
    fields = [model._meta.get_field(name) for name in sorted(_names(Q(constraint.condition)))]
    if any(isinstance(field, EncryptedCharField) for field in fields):
        pytest.skip("Django cannot validate it (below): the database's CHECK does")
    combos = list(itertools.product(*(_pool(field) for field in fields)))
    random.Random(constraint.name).shuffle(combos)
    decided = 0
    for combo in combos[:150]:
        instance = model()
        for field, value in zip(fields, combo, strict=True):
            setattr(instance, field.attname, value)
        verdict = python_verdict(constraint, model, instance)
        if verdict is None:
            continue
        decided += 1
        assert verdict == _database_says(model, constraint, instance), (constraint.name, combo)
    assert decided, f"{constraint.name}: never decided in Python"


def test_a_meeting_is_validated_without_asking_the_database(world: Any) -> None:
    from activities.models import Meeting

    start = timezone.make_aware(dt.datetime(2014, 6, 1, 9))
    meeting = Meeting(
        organization=world.own,
        starts_at=start,
        ends_at=start - dt.timedelta(hours=1),
        expected_count=3,
        present_count=4,
        absent_count=0,
    )
    with CaptureQueriesContext(connection) as ctx, pytest.raises(ValidationError) as raised:
        meeting.validate_constraints()
    assert not ctx.captured_queries
    assert "A meeting cannot end before it starts." in raised.value.messages
    assert len(raised.value.messages) == 2  # the counts too


def test_an_encrypted_field_is_validated_as_its_check_does() -> None:
    """Django skips a check naming an encrypted field (its lookups compare keyed hashes,
    not values), leaving it to the database's CHECK (on the ciphertext, where empty
    stays empty): an error at the insert. Python validates it as that CHECK does."""
    from activities.models import Opinion

    (constraint,) = [
        c for c in Opinion._meta.constraints if c.name == "opinion_anonymous_has_no_name"
    ]
    anonymous = Opinion(is_anonymous=True, submitter_name="", submitter_contact="")
    assert python_verdict(constraint, Opinion, anonymous) is True
    anonymous.submitter_contact = "13800000000"
    assert python_verdict(constraint, Opinion, anonymous) is False
    assert _database_says(Opinion, constraint, anonymous)  # Django's validation skipped it


def test_a_field_left_out_leaves_its_constraint_unvalidated() -> None:
    from activities.models import Meeting

    (constraint,) = [c for c in Meeting._meta.constraints if c.name == "meeting_ends_after_start"]
    start = timezone.make_aware(dt.datetime(2014, 6, 1, 9))
    meeting = Meeting(starts_at=start, ends_at=start - dt.timedelta(hours=1))
    assert python_verdict(constraint, Meeting, meeting) is False
    assert python_verdict(constraint, Meeting, meeting, exclude={"ends_at"}) is True


def test_migrations_see_djangos_class() -> None:
    from activities.models import Meeting

    path, _args, _kwargs = Meeting._meta.constraints[0].deconstruct()
    assert path == "django.db.models.CheckConstraint"
