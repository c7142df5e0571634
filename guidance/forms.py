"""The visit form: the same for logging and editing; editing carries a hidden copy of
the visit's `updated_at` so a save made on a stale copy is refused."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from .models import GuidanceVisit
from .services import STALE_MESSAGE, VISIT_FIELDS


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def _lf(value: str) -> str:
    """Browsers post CRLF; store LF."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


class VisitForm(forms.ModelForm):
    seen = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = GuidanceVisit
        fields = VISIT_FIELDS
        widgets = {
            "visited_on": DateInput(),
            "follow_up_due": DateInput(),
            "follow_up_done_on": DateInput(),
            "checked": forms.Textarea(attrs={"rows": 5}),
            "advice": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.editing = editing
        if editing:
            self.initial.setdefault("seen", self.instance.updated_at.isoformat())
        else:
            del self.fields["seen"]
            del self.fields["follow_up_done_on"]

    def clean_checked(self) -> str:
        return _lf(self.cleaned_data["checked"])

    def clean_advice(self) -> str:
        return _lf(self.cleaned_data["advice"])

    def clean_seen(self) -> dt.datetime | None:
        try:
            value = dt.datetime.fromisoformat(self.cleaned_data.get("seen") or "")
        except ValueError:
            value = None
        if value is None or value.tzinfo is None:
            self.add_error(None, ValidationError(STALE_MESSAGE, code="stale"))
            return None
        return value

    def _post_clean(self) -> None:
        # The service validates the whole visit (full_clean) with the instructor and
        # organization set; the form only checks its own fields here.
        pass

    def service_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in VISIT_FIELDS if name in self.fields}

    @property
    def seen_updated_at(self) -> dt.datetime | None:
        return self.cleaned_data.get("seen")
