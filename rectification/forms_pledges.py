"""Forms for "compare three, show three" pledges (docs/product.md §6.3)."""

from __future__ import annotations

from django import forms

from .models import Pledge
from .models.pledges import PAIR_FIELDS

TEXT_FIELDS = PAIR_FIELDS


class PledgeForm(forms.ModelForm):
    # The pledge's updated_at when the form was opened (concurrent edits are refused).
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Pledge
        fields = list(TEXT_FIELDS)
        widgets = {
            "identity": forms.Textarea(attrs={"rows": 4}),
            "commitments": forms.Textarea(attrs={"rows": 6}),
            "example": forms.Textarea(attrs={"rows": 4}),
        }

    def clean(self) -> dict:
        # Browsers post CRLF; store LF, and no stray spaces around the text.
        super().clean()
        data = self.cleaned_data
        for name in TEXT_FIELDS:
            if isinstance(data.get(name), str):
                data[name] = data[name].replace("\r\n", "\n").replace("\r", "\n").strip()
        return data

    def service_fields(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in TEXT_FIELDS}
