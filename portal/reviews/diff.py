"""What changed between two snapshots of a record, for the reviewer.

Snapshots are {key: text or list of items} (items: see "item-level comparison" below). Short values are shown old → new; long or multi-line text
as an inline diff: lines are matched first, then changed lines token by token, where a
token is an ASCII word, a run of spaces or any other single character (Chinese has no
spaces between words, so single characters are its natural unit). Everything is
escaped before <ins>/<del> are added.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

TOKEN = re.compile(r"[A-Za-z0-9_]+|\s+|.", re.S)
LONG_TEXT = 80  # characters: above this, or with a newline, show an inline diff


@dataclass(frozen=True)
class FieldChange:
    key: str
    label: str
    old: str
    new: str
    is_items = False

    @property
    def changed(self) -> bool:
        return self.old != self.new

    @property
    def is_long(self) -> bool:
        return any(len(v) > LONG_TEXT or "\n" in v for v in (self.old, self.new))

    @property
    def diff_html(self) -> SafeString:
        return inline_diff(self.old, self.new)


def compare(
    old: dict[str, Any],
    new: dict[str, Any],
    label_for: Callable[[str], object] | None = None,
    items_text: Callable[[str, list[dict[str, Any]]], str] | None = None,
) -> list[FieldChange | ItemsChange]:
    """One change per key of either snapshot, in the new snapshot's order (keys that
    disappeared last): an ItemsChange where both sides list items, else a FieldChange
    (a list on one side only, from an older snapshot format, is written as text with
    `items_text(key, items)`, default: default_items_text)."""
    keys = list(new) + [k for k in old if k not in new]
    labels = label_for if callable(label_for) else (lambda k: k)
    as_text = items_text or (lambda _key, items: default_items_text(items))
    changes: list[FieldChange | ItemsChange] = []
    for k in keys:
        a, b = old.get(k, ""), new.get(k, "")
        if is_item_list(a) and is_item_list(b):
            changes.append(compare_items(k, str(labels(k)), a, b, labels))
            continue
        if is_item_list(a):
            a = as_text(k, a)
        if is_item_list(b):
            b = as_text(k, b)
        changes.append(
            FieldChange(
                key=k,
                label=str(labels(k)),
                old=normalize_newlines(a),
                new=normalize_newlines(b),
            )
        )
    return changes


def normalize_newlines(value: object) -> str:
    """Browsers post textareas with CRLF; a re-saved text must not look changed."""
    return str(value).replace("\r\n", "\n").replace("\r", "\n")


def _tokens(text: str) -> list[str]:
    return TOKEN.findall(text)


def _inline(old: str, new: str) -> str:
    a, b = _tokens(old), _tokens(new)
    out: list[str] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.append(escape("".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(f"<del>{escape(''.join(a[i1:i2]))}</del>")
        if j2 > j1:
            out.append(f"<ins>{escape(''.join(b[j1:j2]))}</ins>")
    return "".join(out)


def inline_diff(old: str, new: str) -> SafeString:
    """HTML of `new` with deletions (<del>) and insertions (<ins>) against `old`,
    line by line; every piece of text is escaped."""
    a, b = old.splitlines(), new.splitlines()
    lines: list[str] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            lines.extend(escape(line) for line in a[i1:i2])
        elif op == "replace" and (i2 - i1) == (j2 - j1):
            lines.extend(_inline(x, y) for x, y in zip(a[i1:i2], b[j1:j2], strict=True))
        elif op == "replace":
            lines.append(_inline("\n".join(a[i1:i2]), "\n".join(b[j1:j2])))
        elif op == "delete":
            lines.extend(f"<del>{escape(line)}</del>" for line in a[i1:i2])
        else:
            lines.extend(f"<ins>{escape(line)}</ins>" for line in b[j1:j2])
    return mark_safe("\n".join(lines))  # noqa: S308 - every text piece escaped above


# --- item-level comparison ---------------------------------------------------------------
#
# A snapshot value may also be a list of items (the rows of a record: a problem list's
# items, a meeting's criticism entries and attendees, a standards assessment's items):
#     [{"key": "<stable identity>", "n": <number shown>, "fields": {name: text},
#       "title": "<optional: who or what the item is, shown beside its number>"}, ...]
# Items are matched by "key" (a primary key or another stable key the record chooses),
# never by position, so renumbering or inserting one does not make the rest "changed".
# Snapshots stored before a record listed its items kept them as one text value (one
# line per item); such an old value is compared as text against the new items written
# the old way (Reviewable.review_items_text), so old events still render.

ADDED, REMOVED, CHANGED, UNCHANGED = "added", "removed", "changed", "unchanged"


@dataclass(frozen=True)
class ItemChange:
    """One item of a list: its state and, field by field, old → new."""

    key: str
    number: str  # as shown now (as it was, for a removed item)
    old_number: str  # "" for an added item
    state: str  # ADDED, REMOVED, CHANGED or UNCHANGED
    fields: tuple[FieldChange, ...]
    title: str = ""

    @property
    def changed_fields(self) -> list[FieldChange]:
        return [f for f in self.fields if f.changed]

    @property
    def renumbered(self) -> bool:
        return bool(self.old_number) and self.old_number != self.number


@dataclass(frozen=True)
class ItemsChange:
    """A list of items compared item by item. `items` holds the added, changed and
    removed ones in the new order (removed ones where they stood); `unchanged` the
    others, which the panel collapses with their count."""

    key: str
    label: str
    items: tuple[ItemChange, ...]
    unchanged: tuple[ItemChange, ...]
    is_items = True

    @property
    def changed(self) -> bool:
        return bool(self.items)

    def count(self, state: str) -> int:
        return sum(1 for item in self.items if item.state == state)

    @property
    def added(self) -> int:
        return self.count(ADDED)

    @property
    def removed(self) -> int:
        return self.count(REMOVED)

    @property
    def modified(self) -> int:
        return self.count(CHANGED)


def is_item_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(i, dict) and "key" in i for i in value)


def default_items_text(items: list[dict[str, Any]]) -> str:
    """The items as one text, a line each: "N. field | field | …" (the problem list's
    format before items were snapshotted one by one)."""
    return "\n".join(
        f"{item.get('n', '')}. " + " | ".join(str(v) for v in (item.get("fields") or {}).values())
        for item in items
    )


def compare_items(
    key: str,
    label: str,
    old: list[dict[str, Any]],
    new: list[dict[str, Any]],
    label_for: Callable[[str], object],
) -> ItemsChange:
    """Match items by key: in `new` only → added, in `old` only → removed, in both →
    changed when a field differs (each field old → new), else unchanged. No query."""
    old_by_key = {str(i["key"]): i for i in old}
    new_keys = {str(i["key"]) for i in new}
    shown: list[ItemChange] = []
    unchanged: list[ItemChange] = []

    def fields_of(item: dict[str, Any] | None) -> dict[str, Any]:
        return dict((item or {}).get("fields") or {})

    def field_changes(a: dict[str, Any], b: dict[str, Any]) -> tuple[FieldChange, ...]:
        names = list(b) + [n for n in a if n not in b]
        return tuple(
            FieldChange(
                key=n,
                label=str(label_for(n)),
                old=normalize_newlines(a.get(n, "")),
                new=normalize_newlines(b.get(n, "")),
            )
            for n in names
        )

    # Removed items are shown where they stood: before the first new item that followed
    # them in the old list.
    removed_before: dict[str, list[ItemChange]] = {}
    trailing: list[ItemChange] = []
    pending: list[ItemChange] = []
    for item in old:
        k = str(item["key"])
        if k in new_keys:
            if pending:
                removed_before.setdefault(k, []).extend(pending)
                pending = []
            continue
        pending.append(
            ItemChange(
                key=k,
                number=str(item.get("n", "")),
                old_number=str(item.get("n", "")),
                state=REMOVED,
                fields=field_changes(fields_of(item), {}),
                title=str(item.get("title", "")),
            )
        )
    trailing = pending

    for item in new:
        k = str(item["key"])
        shown.extend(removed_before.get(k, []))
        before = old_by_key.get(k)
        number = str(item.get("n", ""))
        if before is None:
            shown.append(
                ItemChange(
                    key=k,
                    number=number,
                    old_number="",
                    state=ADDED,
                    fields=field_changes({}, fields_of(item)),
                    title=str(item.get("title", "")),
                )
            )
            continue
        fields = field_changes(fields_of(before), fields_of(item))
        # A new number alone (items renumbered around an added or removed one) is not
        # a change of the item; a changed item says which number it had.
        changed = any(f.changed for f in fields)
        change = ItemChange(
            key=k,
            number=number,
            old_number=str(before.get("n", "")),
            state=CHANGED if changed else UNCHANGED,
            fields=fields,
            title=str(item.get("title", "")),
        )
        (shown if changed else unchanged).append(change)
    shown.extend(trailing)
    return ItemsChange(key=key, label=label, items=tuple(shown), unchanged=tuple(unchanged))
