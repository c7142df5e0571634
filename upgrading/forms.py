"""Forms for classifying and lifting organizations, and leadership terms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organizations.models import CommitteePost, CommitteeRole
from rectification.forms_mechanisms import DateInput, VersionedFormMixin, _crlf_to_lf

from .models import Demonstration, LeadershipTerm, UpgradeNote, UpgradePlan
from .services import PLAN_FIELDS


def _year_field() -> forms.IntegerField:
    return forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)


class GradingForm(forms.Form):
    """The year, one score per item of the grading template, and remarks."""

    seen = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, items: list[Any], grading: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        self.fields["year"] = _year_field()
        self.fields["year"].disabled = grading is not None
        for item in items:
            self.fields[f"item_{item.pk}"] = forms.IntegerField(
                label=f"{item.order}. {item.name}",
                min_value=0,
                max_value=item.points,
                help_text=_("0 to %(points)d points. %(evidence)s")
                % {"points": item.points, "evidence": item.evidence_required},
            )
        self.fields["note"] = forms.CharField(
            label=_("Remarks"), required=False, max_length=2000, widget=forms.Textarea({"rows": 3})
        )
        if grading is not None:
            self.initial.setdefault("year", grading.year)
            self.initial.setdefault("seen", grading.updated_at.isoformat())
            self.initial.setdefault("note", grading.note)
            for row in grading.scores.all():
                self.initial.setdefault(f"item_{row.item_id}", row.score)
        else:
            self.initial.setdefault("year", timezone.localdate().year)

    def scores(self) -> dict[int, int]:
        return {
            item.pk: self.cleaned_data[f"item_{item.pk}"]
            for item in self.items
            if self.cleaned_data.get(f"item_{item.pk}") is not None
        }

    @property
    def seen_updated_at(self) -> Any:
        import datetime as dt

        raw = self.cleaned_data.get("seen") or ""
        try:
            return dt.datetime.fromisoformat(raw) if raw else None
        except ValueError:
            return None


class PlanForm(VersionedFormMixin, forms.ModelForm):
    seen = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = UpgradePlan
        fields = PLAN_FIELDS
        widgets = {
            "deadline": DateInput(),
            "causes": forms.Textarea(attrs={"rows": 5}),
            "measures": forms.Textarea(attrs={"rows": 6}),
        }

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._setup_version(self.instance, editing)
        if editing:
            self.fields["year"].disabled = True
            self.fields["reason"].disabled = True

    def clean_causes(self) -> Any:
        return _crlf_to_lf(self.cleaned_data.get("causes"))

    def clean_measures(self) -> Any:
        return _crlf_to_lf(self.cleaned_data.get("measures"))

    def service_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in PLAN_FIELDS}


class SecretaryPostField(forms.ModelChoiceField):
    def label_from_instance(self, obj: CommitteePost) -> str:
        return f"{obj.member.name} · {obj.starts_on:%Y-%m-%d}"


class NoteForm(forms.ModelForm):
    class Meta:
        model = UpgradeNote
        fields = ("noted_on", "text", "new_secretary")
        widgets = {"noted_on": DateInput(), "text": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("noted_on", timezone.localdate())
        old = self.fields["new_secretary"]
        self.fields["new_secretary"] = SecretaryPostField(
            queryset=CommitteePost.objects.filter(
                organization=organization, role=CommitteeRole.SECRETARY
            )
            .select_related("member")
            .order_by("-starts_on"),
            required=False,
            label=old.label,
            help_text=old.help_text,
        )

    def clean_text(self) -> Any:
        return _crlf_to_lf(self.cleaned_data.get("text"))


class DelistingForm(forms.Form):
    results = forms.CharField(
        label=_("Results achieved"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What changed: the measures carried out and how the organization stands now."),
    )

    def clean_results(self) -> Any:
        return _crlf_to_lf(self.cleaned_data.get("results"))


class DemonstrationForm(forms.ModelForm):
    class Meta:
        model = Demonstration
        fields = ("year", "reasons")
        widgets = {"reasons": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("year", timezone.localdate().year)

    def clean_reasons(self) -> Any:
        return _crlf_to_lf(self.cleaned_data.get("reasons"))


class TermForm(forms.ModelForm):
    class Meta:
        model = LeadershipTerm
        fields = ("elected_on", "term_years", "note")
        widgets = {"elected_on": DateInput()}
