"""Small text helpers for sentences shown to users."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import pgettext


def join_list(items: Iterable[object]) -> str:
    """The items (names of people, of fields, of files) as one enumeration in the active
    language: "a, b, c" in English, "a、b、c" in Chinese (the enumeration comma). For
    text shown to people only: stored formats that are compared later keep their own
    fixed separator."""
    return pgettext("list separator", ", ").join(str(item) for item in items)
