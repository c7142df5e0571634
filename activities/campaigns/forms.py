"""Forms for the site administrator's campaign pages: the campaign and, inline, its
phases, appraisal grades and problem categories (docs/product.md §5: what varies between
campaigns is data)."""

from __future__ import annotations

from itertools import pairwise

from django import forms
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.utils.translation import gettext_lazy as _

from organizations.models import GRASSROOTS_KINDS, Organization

from ..models import AppraisalGrade, Campaign, Phase, ProblemCategory

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# Lead organizations are county-level or just below (a province's counties sit at
# depth 3): a short list, never the whole tree.
LEAD_MAX_DEPTH = 3


class LeadOrganizationField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organization) -> str:
        return "\u3000" * (obj.depth - 1) + obj.full_name


class CampaignForm(forms.ModelForm):
    lead_organization = LeadOrganizationField(
        label=_("lead organization"),
        queryset=Organization.objects.filter(depth__lte=LEAD_MAX_DEPTH)
        .exclude(kind__in=GRASSROOTS_KINDS)
        .order_by("path"),
        help_text=_("The organization whose whole subtree takes part."),
    )

    class Meta:
        model = Campaign
        fields = [
            "name_zh",
            "name_en",
            "lead_organization",
            "starts_on",
            "ends_on",
            "min_counseling_per_member",
            "min_study_exchanges",
            "funding_standard",
            "satisfaction_threshold",
            "grade_scale",
            "is_active",
        ]
        widgets = {"starts_on": DATE, "ends_on": DATE}


class PhaseInlineFormSet(forms.BaseInlineFormSet):
    """Phases follow each other: numbered 1, 2, 3 … in date order, without overlaps."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        rows = [
            f.cleaned_data
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE", False)
        ]
        rows.sort(key=lambda r: r["number"])
        if [r["number"] for r in rows] != list(range(1, len(rows) + 1)):
            raise forms.ValidationError(_("Number the phases 1, 2, 3 … without gaps."))
        for before, after in pairwise(rows):
            if after["starts_on"] <= before["ends_on"]:
                raise forms.ValidationError(
                    _("Phase %(n)d must start after phase %(m)d ends.")
                    % {"n": after["number"], "m": before["number"]}
                )


PhaseFormSet: type[BaseInlineFormSet[Phase, Campaign, forms.ModelForm[Phase]]] = (
    inlineformset_factory(
        Campaign,
        Phase,
        formset=PhaseInlineFormSet,
        fields=["number", "name_zh", "name_en", "starts_on", "ends_on"],
        widgets={"starts_on": DATE, "ends_on": DATE},
        extra=1,
        min_num=1,
        validate_min=True,
        can_delete=True,
    )
)

GradeFormSet: type[BaseInlineFormSet[AppraisalGrade, Campaign, forms.ModelForm[AppraisalGrade]]] = (
    inlineformset_factory(
        Campaign,
        AppraisalGrade,
        fields=["order", "code", "name_zh", "name_en", "max_share", "needs_approval"],
        extra=1,
        min_num=2,
        validate_min=True,
        can_delete=True,
    )
)

CategoryFormSet: type[
    BaseInlineFormSet[ProblemCategory, Campaign, forms.ModelForm[ProblemCategory]]
] = inlineformset_factory(
    Campaign,
    ProblemCategory,
    fields=["order", "code", "name_zh", "name_en"],
    extra=2,
    can_delete=True,
)

FORMSETS = (("phases", PhaseFormSet), ("grades", GradeFormSet), ("categories", CategoryFormSet))
