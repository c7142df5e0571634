"""reverse() remembered (issue #20): the same URL for the same name and arguments,
without walking the URL patterns again.

A page reverses thirty-odd URLs (the menu, the `{% url %}` tags of base.html, a link per
row of a dashboard), each some 30-80 µs of Django's pattern matching. The answer of
reverse() depends only on the URL patterns, the script prefix, the language (translated
patterns), the name, its arguments and the current application, so `cached_reverse`
keeps it in a bounded table keyed on all of them. The resolver object itself is part
of the key: a test that overrides ROOT_URLCONF or clears Django's URL caches gets
another resolver, hence other entries. Only names and arguments of the exact types
int, str and SafeString (a template's string literals) are remembered: a model
instance, a lazy string, a bool or an enum is reversed as usual. A NoReverseMatch is
never remembered.

`{% url %}` goes through it too: `portal.core.templatetags.cached_url` replaces the
builtin tag (TEMPLATES' "builtins" in portal/settings.py) with the same tag answering
from this table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from django.urls import get_resolver, get_script_prefix, get_urlconf, reverse
from django.utils.safestring import SafeString
from django.utils.translation import get_language

# Exact types: a bool or an IntEnum would share an int's key with another URL, and a
# template's string literals are SafeStrings.
_PLAIN = frozenset({int, str, SafeString})


@lru_cache(maxsize=8192)
def _reverse(
    resolver: Any,
    prefix: str,
    language: str | None,
    urlconf: str | None,
    viewname: str,
    args: tuple[Any, ...],
    kwargs: tuple[tuple[str, Any], ...],
    current_app: str | None,
) -> str:
    return reverse(
        viewname, urlconf=urlconf, args=args, kwargs=dict(kwargs), current_app=current_app
    )


def _plain(value: Any) -> bool:
    return type(value) in _PLAIN


def cached_reverse(
    viewname: Any,
    args: Sequence[Any] | None = None,
    kwargs: Mapping[str, Any] | None = None,
    current_app: str | None = None,
) -> str:
    """django.urls.reverse(viewname, args=…, kwargs=…, current_app=…), remembered when
    the name is a string and every argument a plain int or str."""
    args = tuple(args or ())
    kwargs = kwargs or {}
    if (
        type(viewname) not in _PLAIN
        or not all(_plain(a) for a in args)
        or not all(_plain(v) for v in kwargs.values())
        or (current_app is not None and type(current_app) not in _PLAIN)
    ):
        return reverse(viewname, args=args, kwargs=dict(kwargs), current_app=current_app)
    urlconf = get_urlconf()
    return _reverse(
        get_resolver(urlconf),
        get_script_prefix(),
        get_language(),
        urlconf,
        viewname,
        args,
        tuple(sorted(kwargs.items())),
        current_app,
    )


def clear() -> None:
    """Forget every remembered URL (the resolver in the key makes this rarely needed)."""
    _reverse.cache_clear()
