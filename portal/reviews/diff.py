"""What changed between two snapshots of a record, for the reviewer (SPEC §7).

Snapshots are {key: text}. Short values are shown old → new; long or multi-line text
as an inline diff: lines are matched first, then changed lines token by token, where a
token is an ASCII word, a run of spaces or any other single character (Chinese has no
spaces between words, so single characters are its natural unit). Everything is
escaped before <ins>/<del> are added.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

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
    old: dict[str, str], new: dict[str, str], label_for: object = None
) -> list[FieldChange]:
    """One FieldChange per key of either snapshot, in the new snapshot's order
    (keys that disappeared last)."""
    keys = list(new) + [k for k in old if k not in new]
    labels = label_for if callable(label_for) else (lambda k: k)
    return [
        FieldChange(
            key=k,
            label=str(labels(k)),
            old=normalize_newlines(old.get(k, "")),
            new=normalize_newlines(new.get(k, "")),
        )
        for k in keys
    ]


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
