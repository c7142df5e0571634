"""The form renderer (settings.FORM_RENDERER): Django's own, with the plainest widgets
written out in Python instead of through their templates (issue #20).

A meeting's form renders some forty widgets (the attendance list has a box and a reason
per member); through the template engine each costs an include, a loop over its
attributes and a filter per value, about a third of the page's CPU. The widgets
below produce the markup of Django's templates character for character
(django/forms/templates/django/forms/widgets/: input.html and the inputs that include
it, attrs.html, textarea.html, select.html with select_option.html), with the same
escaping; tests/core/test_form_renderer.py compares both over every kind of value.
Anything else — another template, an option or a value of a type the templates would
format otherwise (a number label, a tuple) — goes through the templates as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.functional import Promise
from django.utils.html import escape
from django.utils.safestring import SafeData

_PLAIN = (str, Promise)


class _Slow(Exception):
    """A value the fast path does not format as the template would: use the template."""


def _text(value: Any) -> str:
    """`{{ value }}` of a string (localize() leaves strings alone; autoescape)."""
    if not isinstance(value, _PLAIN):
        raise _Slow
    if isinstance(value, SafeData):
        return str(value)
    return str(escape(str(value)))


def _formatted(value: Any) -> str:
    """`{{ value|stringformat:'s' }}`: "%s" % value, still safe when the value was."""
    if isinstance(value, bool) or not isinstance(value, (*_PLAIN, int, float)):
        raise _Slow
    text = "%s" % value  # noqa: UP031 - exactly what the stringformat filter does
    # The filter keeps a safe value safe: autoescape leaves it as it is.
    return text if isinstance(value, SafeData) else str(escape(text))


def _attrs(attrs: dict[str, Any]) -> str:
    """attrs.html."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {_text(name)}")
        else:
            parts.append(f' {_text(name)}="{_formatted(value)}"')
    return "".join(parts)


def _input(widget: dict[str, Any]) -> str:
    """input.html (and text.html, checkbox.html, hidden.html… which include it)."""
    value = widget["value"]
    shown = f' value="{_formatted(value)}"' if value is not None else ""
    return (
        f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"'
        f"{shown}{_attrs(widget['attrs'])}>"
    )


def _textarea(widget: dict[str, Any]) -> str:
    value = widget["value"]
    inner = _text(value) if value else ""
    return f'<textarea name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>\n{inner}</textarea>'


OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


def _option(option: dict[str, Any]) -> str:
    """select_option.html, as included by select.html (its final newline kept)."""
    if option.get("template_name") != OPTION_TEMPLATE:
        raise _Slow
    return (
        f'<option value="{_formatted(option["value"])}"{_attrs(option["attrs"])}>'
        f"{_text(option['label'])}</option>\n"
    )


def _select(widget: dict[str, Any]) -> str:
    parts = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in group_choices:
            parts.append("\n  " + _option(option))
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


_INPUTS = (
    "input",
    "text",
    "number",
    "email",
    "url",
    "password",
    "hidden",
    "date",
    "datetime",
    "time",
    "search",
    "tel",
    "color",
    "checkbox",
)
FAST: dict[str, Callable[[dict[str, Any]], str]] = {
    **{f"django/forms/widgets/{name}.html": _input for name in _INPUTS},
    "django/forms/widgets/textarea.html": _textarea,
    "django/forms/widgets/select.html": _select,
}


class FormRenderer(DjangoTemplates):
    """Django's template-based form renderer; the widgets of FAST without templates."""

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        fast = FAST.get(template_name)
        widget = context.get("widget")
        if fast is not None and request is None and isinstance(widget, dict) and len(context) == 1:
            try:
                return fast(widget)
            except (_Slow, KeyError):
                pass
        return super().render(template_name, context, request=request)
