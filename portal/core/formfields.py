"""Typed access to a form's fields.

`form.fields[name]` is a plain `forms.Field` to the type checker, but the forms set the
queryset and choices of their choice fields after building them (from lists the view
has already loaded, so that rendering runs no query). These return the field as the
kind it is, and fail loudly if it is not.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django import forms

F = TypeVar("F", bound=forms.Field)


def typed_field(form: forms.BaseForm, name: str, kind: type[F]) -> F:
    """The form's field `name`, which must be a `kind`."""
    field = form.fields[name]
    if not isinstance(field, kind):
        raise TypeError(f"{type(form).__name__}.{name} is not a {kind.__name__}")
    return field


def model_choice_field(form: forms.BaseForm, name: str) -> forms.ModelChoiceField[Any]:
    """The form's field `name`, a ModelChoiceField or ModelMultipleChoiceField."""
    field = form.fields[name]
    if not isinstance(field, forms.ModelChoiceField):
        raise TypeError(f"{type(form).__name__}.{name} is not a model choice field")
    return field


def choice_field(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    """The form's field `name`, a ChoiceField (typed, multiple or model choice)."""
    field = form.fields[name]
    if not isinstance(field, forms.ChoiceField):
        raise TypeError(f"{type(form).__name__}.{name} is not a choice field")
    return field
