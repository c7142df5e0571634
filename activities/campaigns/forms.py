"""Forms for the site administrator's campaign pages: the campaign and, inline, its
phases, appraisal grades and problem categories (docs/product.md §5: what varies between
campaigns is data)."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from django import forms
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.forms.models import construct_instance
from django.utils.translation import gettext_lazy as _

from organizations.models import GRASSROOTS_KINDS, Organization, OrgKind
from portal.progress.engine import Kind
from portal.progress.models import RequirementInstance

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


# --- composing a campaign (docs/product.md §5.3) ----------------------------------------

TEMPLATE_2014 = "template:2014"


class ComposeForm(forms.Form):
    """A new draft campaign: from the shipped 2014 template or as a copy of an earlier
    campaign, with its own name and start (the phases move with it)."""

    source = forms.ChoiceField(label=_("start from"))
    name_zh = forms.CharField(label=_("name (Chinese)"), max_length=100)
    name_en = forms.CharField(label=_("name (English)"), max_length=100)
    starts_on = forms.DateField(
        label=_("starts on"),
        widget=DATE,
        help_text=_("The phases keep their lengths and move with the start."),
    )
    lead_organization = LeadOrganizationField(
        label=_("lead organization"),
        queryset=Organization.objects.filter(depth__lte=LEAD_MAX_DEPTH)
        .exclude(kind__in=GRASSROOTS_KINDS)
        .order_by("path"),
        required=False,
        empty_label=_("— the copied campaign's —"),
        help_text=_("Empty when copying: the copied campaign's."),
    )

    def __init__(self, *args: Any, campaigns: list[Campaign], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.campaigns = {f"campaign:{c.pk}": c for c in campaigns}
        choices: list[tuple[str, Any]] = [
            (TEMPLATE_2014, _("the 2014 mass line education practice campaign (template)"))
        ]
        choices += [
            (key, _("a copy of “%(name)s” (%(year)d)") % {"name": c.name, "year": c.starts_on.year})
            for key, c in self.campaigns.items()
        ]
        self.fields["source"].choices = choices  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("source") == TEMPLATE_2014 and not data.get("lead_organization"):
            self.add_error(
                "lead_organization",
                _("Choose the lead organization of a campaign from the template."),
            )
        return data

    def source_campaign(self) -> Campaign | None:
        return self.campaigns.get(self.cleaned_data["source"])


ORG_KIND_CHOICES = OrgKind.choices


class RequirementForm(forms.ModelForm):
    """One requirement of the campaign: its labels, phase, organization kinds and
    order; the kind's own parameters are a second form (the kind's `params` form,
    prefix "params")."""

    phase = forms.TypedChoiceField(label=_("phase"), coerce=int)
    org_kinds = forms.MultipleChoiceField(
        label=_("organization kinds"),
        choices=ORG_KIND_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The kinds of organization the requirement applies to."),
    )
    org_kinds_with_members = forms.MultipleChoiceField(
        label=_("organization kinds with members of their own"),
        choices=ORG_KIND_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Kinds it applies to only when the organization carries members on its own "
            "roster (a park or industry committee hosting members of enterprises without "
            "a Party organization)."
        ),
    )

    class Meta:
        model = RequirementInstance
        fields = ["label_zh", "label_en", "phase", "org_kinds", "org_kinds_with_members", "order"]

    def __init__(self, *args: Any, phases: list[Phase], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(p.number, f"{p.number}. {p.name}") for p in phases]
        current = self.instance.phase if self.instance.pk else None
        if current is not None and current not in {p.number for p in phases}:
            choices.append((current, str(current)))
        self.fields["phase"].choices = choices  # type: ignore[attr-defined]

    def _post_clean(self) -> None:
        # The instance is validated by the service once the kind's parameters are set
        # (RequirementInstance.clean checks them): here it only takes the fields.
        self.instance = construct_instance(self, self.instance, self._meta.fields)


def params_form(found: Kind, data: Any = None, initial: Any = None) -> forms.Form | None:
    """The kind's own parameter form, prefixed "params" (None: it takes none)."""
    if found.params is None:
        return None
    return found.params(data=data, initial=initial, prefix="params")
