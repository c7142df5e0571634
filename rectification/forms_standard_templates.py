"""Forms of the office's standards template pages (docs/product.md §6.3, "Standards
templates"): the template's fields and one item's. Plain forms over the models' own
fields: the service compares the values posted with the stored ones (what changes the
results of a template in use), so the form must not write them onto the record."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.models import fields_for_model

from .models import StandardItem, StandardTemplate
from .services_standard_templates import ITEM_FIELDS, TEMPLATE_FIELDS


class TemplateForm(forms.Form):
    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = [n for n in TEMPLATE_FIELDS if not (editing and n == "code")]
        self.fields.update(fields_for_model(StandardTemplate, fields=names))
        for name in ("description_zh", "description_en"):
            self.fields[name].widget.attrs["rows"] = 3

    def service_fields(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class ItemForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(fields_for_model(StandardItem, fields=list(ITEM_FIELDS)))
        for name in ("evidence_required_zh", "evidence_required_en"):
            self.fields[name].widget.attrs["rows"] = 2

    def service_fields(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


def initial_of(record: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(record, name) for name in names}
