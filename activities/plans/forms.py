"""Forms for activity plans (docs/product.md §5)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import PLAN_SECTIONS, ActivityPlan


class ActivityPlanForm(forms.ModelForm):
    # The plan's updated_at when the form was opened (concurrent edits are refused).
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = ActivityPlan
        fields = ["title", "goals", "arrangements", "leadership", "measures"]
        widgets = {
            "goals": forms.Textarea(attrs={"rows": 6}),
            "arrangements": forms.Textarea(attrs={"rows": 10}),
            "leadership": forms.Textarea(attrs={"rows": 5}),
            "measures": forms.Textarea(attrs={"rows": 6}),
        }
        help_texts = {
            "title": _("For example: 甲公司党委开展党的群众路线教育实践活动实施方案"),
        }

    def clean(self) -> dict:
        # Browsers post CRLF; store LF so that versions and review diffs compare equal.
        super().clean()
        data = self.cleaned_data
        for name in PLAN_SECTIONS:
            if isinstance(data.get(name), str):
                data[name] = data[name].replace("\r\n", "\n").replace("\r", "\n")
        return data
