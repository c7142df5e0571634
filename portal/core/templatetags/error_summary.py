"""`{% error_summary form [form ...] %}`: the list of a rejected form's errors, shown at
the top of the form (includes/error_summary.html), each linking to its field.

includes/form_fields.html calls it for the form it renders, so every form gets one.
A page made of several forms (a meeting, its attendance list and its files) calls it
once at the top with all of them; a form already summarised renders no second list.
static/portal/js/forms.js moves the focus to the first summary of a page (and of an
htmx partial), so that a phone scrolls to it.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.forms import BaseForm, BaseFormSet
from django.template.loader import render_to_string

register = template.Library()

SUMMARISED = "_error_summary_rendered"


def _field_label(form: BaseForm, name: str) -> str:
    label_for = getattr(form, "error_label", None)
    if callable(label_for):
        label = label_for(name)
        if label:
            return str(label)
    field = form.fields.get(name)
    return str(field.label) if field is not None and field.label else ""


def _entries(form: BaseForm | BaseFormSet) -> list[dict[str, str]]:
    if isinstance(form, BaseFormSet):
        rows = [{"label": "", "message": str(e), "href": ""} for e in form.non_form_errors()]
        for sub in form.forms:
            rows.extend(_entries(sub))
        return rows
    entries: list[dict[str, str]] = []
    for name, errors in form.errors.items():
        if name == "__all__" or name not in form.fields:
            entries.extend({"label": "", "message": str(e), "href": ""} for e in errors)
            continue
        bound = form[name]
        widget = bound.field.widget
        target = bound.id_for_label or bound.auto_id
        if getattr(widget, "input_type", "") == "hidden":
            target = ""
        for error in errors:
            entries.append(
                {
                    "label": _field_label(form, name),
                    "message": str(error),
                    "href": f"#{target}" if target else "",
                }
            )
    return entries


@register.simple_tag
def error_summary(*forms: Any) -> str:
    entries: list[dict[str, str]] = []
    for form in forms:
        if form is None or not getattr(form, "is_bound", False):
            continue
        if getattr(form, SUMMARISED, False):
            continue
        setattr(form, SUMMARISED, True)
        entries.extend(_entries(form))
    if not entries:
        return ""
    return render_to_string("includes/error_summary.html", {"entries": entries})
