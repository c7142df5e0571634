"""Forms of reporting upward and bulletins (docs/product.md §6.6)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activities.models import Campaign, Phase
from portal.attachments.forms import MultipleFileField, MultipleFileInput

from .models import MAX_PHOTOS, MAX_TAGS, TAG_LENGTH, parse_tags


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class ReportForm(forms.Form):
    campaign = forms.ModelChoiceField(label=_("Campaign"), queryset=Campaign.objects.none())
    phase = forms.ModelChoiceField(label=_("Phase"), queryset=Phase.objects.none(), required=False)
    title = forms.CharField(label=_("Title"), max_length=120)
    body = forms.CharField(
        label=_("Text"), max_length=5000, widget=forms.Textarea(attrs={"rows": 8})
    )
    tags = forms.CharField(
        label=_("Tags"),
        max_length=200,
        required=False,
        help_text=_("Separated by commas, for example: 学习, 整改"),
    )
    photos = MultipleFileField(
        label=_("Photos"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/*"}),
    )

    def __init__(self, *args: Any, campaigns: list[Campaign], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        campaign_field = self.fields["campaign"]
        phase_field = self.fields["phase"]
        assert isinstance(campaign_field, forms.ModelChoiceField)
        assert isinstance(phase_field, forms.ModelChoiceField)
        campaign_field.queryset = Campaign.objects.filter(pk__in=[c.pk for c in campaigns])
        campaign_field.choices = [(c.pk, c.name) for c in campaigns]
        phase_field.queryset = Phase.objects.filter(
            campaign__in=[c.pk for c in campaigns]
        ).select_related("campaign")
        self.fields["photos"].help_text = _("Up to %(n)d photos.") % {"n": MAX_PHOTOS}

    def clean_body(self) -> str:
        body: str = self.cleaned_data["body"]
        return body.replace("\r\n", "\n").strip()

    def clean_tags(self) -> list[str]:
        tags = parse_tags(self.cleaned_data.get("tags", ""))
        if len(tags) > MAX_TAGS:
            raise ValidationError(_("At most %(n)d tags.") % {"n": MAX_TAGS})
        if any(len(t) > TAG_LENGTH for t in tags):
            raise ValidationError(_("A tag has at most %(n)d characters.") % {"n": TAG_LENGTH})
        return tags

    def clean_photos(self) -> list[Any]:
        photos = self.cleaned_data.get("photos") or []
        if len(photos) > MAX_PHOTOS:
            raise ValidationError(_("At most %(n)d photos per report.") % {"n": MAX_PHOTOS})
        refused = [p.name for p in photos if not p.inspected.is_image]
        if refused:
            raise ValidationError(
                _("Only photos can be attached: %(names)s") % {"names": ", ".join(refused)}
            )
        return photos

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        campaign, phase = data.get("campaign"), data.get("phase")
        if campaign is not None and phase is not None and phase.campaign_id != campaign.pk:
            self.add_error("phase", _("Choose a phase of the report's campaign."))
        return data


class FeedFilterForm(forms.Form):
    """The feed's filters (GET); invalid values are ignored, never a 500."""

    campaign = forms.ModelChoiceField(
        label=_("Campaign"), queryset=Campaign.objects.none(), required=False
    )
    phase = forms.ModelChoiceField(label=_("Phase"), queryset=Phase.objects.none(), required=False)
    organization = forms.ChoiceField(label=_("Organization"), required=False)
    tag = forms.CharField(label=_("Tag"), max_length=TAG_LENGTH, required=False)
    selected = forms.BooleanField(label=_("Selected only"), required=False)

    def set_options(self, campaigns: list[Any], phases: list[Any], senders: list[Any]) -> None:
        """The choices the page offers: the campaigns reaching the level, their phases
        and the organizations that sent reports (already read, no query)."""
        campaign_field = self.fields["campaign"]
        phase_field = self.fields["phase"]
        org_field = self.fields["organization"]
        assert isinstance(campaign_field, forms.ModelChoiceField)
        assert isinstance(phase_field, forms.ModelChoiceField)
        assert isinstance(org_field, forms.ChoiceField)
        campaign_field.queryset = Campaign.objects.filter(pk__in=[c.pk for c in campaigns])
        campaign_field.choices = [("", _("All campaigns"))] + [(c.pk, c.name) for c in campaigns]
        phase_field.queryset = Phase.objects.filter(pk__in=[p.pk for p in phases])
        phase_field.choices = [("", _("All phases"))] + [
            (p.pk, f"{p.campaign.name} · {p.name}" if len(campaigns) > 1 else p.name)
            for p in phases
        ]
        org_field.choices = [("", _("All organizations"))] + [
            (str(o.pk), o.short_name) for o in senders
        ]


class CompileForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    issuer = forms.CharField(label=_("Issuing office"), max_length=120)
    issued_on = forms.DateField(label=_("Date of issue"), widget=DateInput())
    items = forms.MultipleChoiceField(
        label=_("Selected reports"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The reports selected here and not used in a bulletin yet."),
    )

    def __init__(self, *args: Any, selections: list[Any], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("issued_on", timezone.localdate())
        kwargs["initial"].setdefault("items", [str(s.pk) for s in selections])
        super().__init__(*args, **kwargs)
        items = self.fields["items"]
        assert isinstance(items, forms.MultipleChoiceField)
        items.choices = [
            (str(s.pk), f"{s.report.title} · {s.report.organization.short_name}")
            for s in selections
        ]
