"""Small text helpers: sentences shown to users, and the control characters no stored
text may hold."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.utils.translation import pgettext


def join_list(items: Iterable[object]) -> str:
    """The items (names of people, of fields, of files) as one enumeration in the active
    language: "a, b, c" in English, "a、b、c" in Chinese (the enumeration comma). For
    text shown to people only: stored formats that are compared later keep their own
    fixed separator."""
    return pgettext("list separator", ", ").join(str(item) for item in items)


# C0 control characters and DEL, but tab, line feed and carriage return, which a
# multi-line text keeps (one-line fields lose them to their own white-space cleaning).
# A text starting with \x01 or \x08 before "=HYPERLINK(...)" would otherwise reach a
# spreadsheet as a live formula once the exporter drops the character it cannot store.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip_control_characters(text: str) -> str:
    """`text` without control characters (tab and line breaks kept)."""
    return CONTROL_CHARACTERS.sub("", text)


def strip_control_characters_on_save(sender: type, instance: object, **kwargs: object) -> None:
    """pre_save receiver for every model: text fields never store control characters,
    whichever form, service or admin page wrote them (bulk writes call
    clean_model_text themselves: the importer cleans each cell with clean_text)."""
    clean_model_text(instance)


def clean_model_text(instance: object) -> None:
    from django.db import models

    for field in instance._meta.concrete_fields:  # type: ignore[attr-defined]
        if isinstance(field, models.CharField | models.TextField):
            value = getattr(instance, field.attname, None)
            if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
                setattr(instance, field.attname, strip_control_characters(value))


def labelled(label: object, value: object) -> str:
    """ "label: value" in the active language: the Chinese full-width colon (：, no
    space) after a Chinese label, never a half-width ": "."""
    return f"{label}{pgettext('label separator', ': ')}{value}"


def join_clauses(items: Iterable[object]) -> str:
    """Clauses of one sentence: "a; b" in English, "a；b" in Chinese."""
    return pgettext("list separator", "; ").join(str(item) for item in items)
