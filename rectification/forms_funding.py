"""Forms for the funding pages."""

from __future__ import annotations

from typing import Any

from django import forms

from .forms_mechanisms import DateInput, VersionedFormMixin
from .models import FundingReceipt
from .services_funding import RECEIPT_FIELDS


class FundingReceiptForm(VersionedFormMixin, forms.ModelForm):
    seen = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = FundingReceipt
        fields = RECEIPT_FIELDS
        widgets = {"received_on": DateInput()}

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._setup_version(self.instance, editing)
        amount = self.fields["amount"]
        amount.widget.attrs.update({"min": "0.01", "step": "0.01", "inputmode": "decimal"})

    def service_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in RECEIPT_FIELDS}
