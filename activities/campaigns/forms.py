"""Forms for the site administrator's campaign pages: the campaign and, inline, its
phases, appraisal grades and problem categories (docs/product.md §5: what varies between
campaigns is data)."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.forms.models import construct_instance
from django.utils.translation import gettext_lazy as _

from organizations.models import GRASSROOTS_KINDS, Organization, OrgKind
from portal.accounts.permissions import campaign_office_paths
from portal.core.formfields import model_choice_field, typed_field
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


def lead_choices(user: Any) -> QuerySet[Organization]:
    """The organizations the user may make lead a campaign: county-level or just below,
    never grass-roots; for the campaign office, only its own nodes and those below them
    (docs/product.md §5.3), its own node even when deeper than LEAD_MAX_DEPTH."""
    paths = campaign_office_paths(user)
    qs: QuerySet[Organization] = Organization.objects.exclude(kind__in=GRASSROOTS_KINDS)
    qs = qs.order_by("path")
    if paths is None:
        return qs.filter(depth__lte=LEAD_MAX_DEPTH)
    under = Q(pk__in=[])
    for p in sorted(paths):
        under |= Q(path__startswith=p)
    return qs.filter(under).filter(Q(depth__lte=LEAD_MAX_DEPTH) | Q(path__in=sorted(paths)))


class ExcludedOrganizationsField(forms.ModelMultipleChoiceField):
    """The organizations left out, chosen among those under the lead organization,
    indented by their depth below it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.lead_depth = 0
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Organization) -> str:
        return "\u3000" * max(obj.depth - self.lead_depth - 1, 0) + obj.full_name


class CampaignForm(forms.ModelForm):
    lead_organization = LeadOrganizationField(
        label=_("lead organization"),
        queryset=Organization.objects.none(),
        help_text=_("The organization whose whole subtree takes part."),
    )
    excluded_organizations = ExcludedOrganizationsField(
        label=_("organizations left out"),
        queryset=Organization.objects.none(),
        required=False,
        widget=forms.SelectMultiple(
            attrs={"size": 10, "data-option-filter": _("Find an organization in the list")}
        ),
        help_text=_(
            "The lead organization's whole subtree takes part except these organizations "
            "and everything under them. Choose several with Ctrl (⌘ on a Mac); on a phone, "
            "tick them in the list."
        ),
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
            "excluded_organizations",
        ]
        widgets = {"starts_on": DATE, "ends_on": DATE}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "lead_organization").queryset = lead_choices(user)
        lead = self.instance.lead_organization if self.instance.lead_organization_id else None
        if lead is None:
            # A new campaign's subtree is not known yet: left out on its edit page.
            del self.fields["excluded_organizations"]
            return
        field = typed_field(self, "excluded_organizations", ExcludedOrganizationsField)
        field.lead_depth = lead.depth
        field.queryset = Organization.objects.filter(
            path__startswith=lead.path, depth__gt=lead.depth
        ).order_by("path")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lead, left_out = data.get("lead_organization"), data.get("excluded_organizations")
        if lead is not None and left_out:
            outside = [o for o in left_out if not o.path.startswith(lead.path) or o == lead]
            if outside:
                self.add_error(
                    "excluded_organizations",
                    _("Not under the lead organization: %(names)s.")
                    % {"names": "、".join(o.full_name for o in outside)},
                )
        return data


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
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("— the copied campaign's —"),
        help_text=_("Empty when copying: the copied campaign's."),
    )

    def __init__(self, *args: Any, campaigns: list[Campaign], user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "lead_organization").queryset = lead_choices(user)
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


def params_form(
    found: Kind, data: Any = None, initial: Any = None, *, campaign: Campaign | None = None
) -> forms.Form | None:
    """The kind's own parameter form, prefixed "params" (None: it takes none). A form
    that declares `takes_campaign` gets the campaign, to offer what the campaign has
    (the standards templates it uses)."""
    if found.params is None:
        return None
    extra: dict[str, Any] = (
        {"campaign": campaign} if getattr(found.params, "takes_campaign", False) else {}
    )
    return found.params(data=data, initial=initial, prefix="params", **extra)
