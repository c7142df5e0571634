"""Forms for the working-mechanism pages. Also home of the small helpers the funding
and commendation forms share (date input, the hidden version field, showing a
service's errors on a form)."""

from __future__ import annotations

import datetime as dt
from collections.abc import MutableMapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal.core.formfields import model_choice_field

from .models import Mechanism, MechanismKind
from .services_mechanisms import MECHANISM_FIELDS, STALE_MESSAGE


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class VersionedFormMixin:
    """A hidden copy of the record's `updated_at` when an edit form was opened, so the
    service can refuse a save made on a stale copy. Create forms drop the field."""

    fields: dict[str, forms.Field]
    initial: MutableMapping[str, Any]
    cleaned_data: dict[str, Any]

    def _setup_version(self, instance: Any, editing: bool) -> None:
        if editing:
            self.initial.setdefault("seen", instance.updated_at.isoformat())
        else:
            del self.fields["seen"]

    def clean_seen(self) -> dt.datetime | None:
        raw = self.cleaned_data.get("seen") or ""
        try:
            value = dt.datetime.fromisoformat(raw)
        except ValueError:
            value = None
        if value is None or value.tzinfo is None:
            # A hidden field has no place to show its error: report it on the form.
            self.add_error(None, ValidationError(STALE_MESSAGE, code="stale"))  # type: ignore[attr-defined]
            return None
        return value

    @property
    def seen_updated_at(self) -> dt.datetime | None:
        return self.cleaned_data.get("seen")


def _crlf_to_lf(value: Any) -> Any:
    """Browsers post CRLF; store LF."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


class KindChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: MechanismKind) -> str:
        return obj.name


class MechanismForm(VersionedFormMixin, forms.ModelForm):
    seen = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Mechanism
        fields = MECHANISM_FIELDS
        field_classes = {"kind": KindChoiceField}
        widgets = {
            "established_on": DateInput(),
            "summary": forms.Textarea(attrs={"rows": 6}),
        }

    def __init__(
        self,
        *args: Any,
        taken_kind_ids: set[int] | None = None,
        editing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._setup_version(self.instance, editing)
        taken = set(taken_kind_ids or ()) - {self.instance.kind_id}
        kinds = model_choice_field(self, "kind")
        kinds.queryset = MechanismKind.objects.exclude(pk__in=taken).order_by("order", "pk")
        kinds.empty_label = _("— a mechanism of our own —")

    def clean_summary(self) -> Any:
        return _crlf_to_lf(self.cleaned_data.get("summary"))

    def service_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in MECHANISM_FIELDS}
