"""Forms for study counseling records."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from organizations.models import Member
from portal.attachments.models import AttachmentKind
from portal.core.formfields import choice_field

from ..meetings.forms import DateInput
from ..models import Campaign, StudyMode
from ..models.campaigns import preferred_campaign

# Kinds of file a counseling record takes: study notes and experience essays.
STUDY_ATTACHMENT_KINDS = (AttachmentKind.STUDY_NOTES, AttachmentKind.OTHER)


class SessionForm(forms.Form):
    """One study session: what every form below shares."""

    campaign = forms.TypedChoiceField(label=_("Campaign"), coerce=int)
    date = forms.DateField(label=_("Date"), widget=DateInput())
    mode = forms.ChoiceField(label=_("Form"), choices=StudyMode.choices)
    topic = forms.CharField(label=_("Topic"), max_length=200)
    hours = forms.DecimalField(
        label=_("Hours"),
        max_digits=4,
        decimal_places=1,
        min_value=Decimal("0.5"),
        max_value=Decimal("24"),
        initial=Decimal("2"),
        widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
    )

    def __init__(self, *args: Any, campaigns: Sequence[Campaign], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.campaigns = {c.pk: c for c in campaigns}
        choice_field(self, "campaign").choices = [(c.pk, str(c)) for c in campaigns]
        if len(campaigns) == 1:
            self.fields["campaign"].widget = forms.HiddenInput()
        preferred = preferred_campaign(campaigns)
        if preferred is not None:
            self.fields["campaign"].initial = preferred.pk

    def session(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "campaign": self.campaigns[data["campaign"]],
            "date": data["date"],
            "mode": data["mode"],
            "topic": data["topic"],
            "hours": data["hours"],
        }


class CounselingBatchForm(SessionForm):
    """The same session for one or many members of the roster (a checklist)."""

    members = forms.TypedMultipleChoiceField(
        label=_("Members"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple(attrs={"data-member-check": ""}),
    )

    def __init__(
        self,
        *args: Any,
        roster: Sequence[Member],
        campaigns: Sequence[Campaign],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, campaigns=campaigns, **kwargs)
        self.roster = {m.pk: m for m in roster}
        choice_field(self, "members").choices = [(m.pk, m.name) for m in roster]
        self.order_fields(["members"])

    def chosen(self) -> list[Member]:
        return [self.roster[pk] for pk in self.cleaned_data["members"]]


class CounselingEditForm(forms.Form):
    """Correcting a record: member and campaign stay."""

    date = SessionForm.base_fields["date"]
    mode = SessionForm.base_fields["mode"]
    topic = SessionForm.base_fields["topic"]
    hours = SessionForm.base_fields["hours"]


class CounselingFilterForm(forms.Form):
    campaign = forms.TypedChoiceField(label=_("Campaign"), coerce=int, required=False)
    uncovered = forms.BooleanField(label=_("Only members not yet covered"), required=False)

    def __init__(self, *args: Any, campaigns: Sequence[Campaign], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "campaign").choices = [(c.pk, str(c)) for c in campaigns]


def counseling_filters(data: Any, org: Any) -> tuple[CounselingFilterForm, Campaign | None, bool]:
    """The counseling list's filters, read the same way by the page and its export
    (activities/resources.py): (the form, the campaign asked for or the running one,
    only members not yet covered). One query (the organization's campaigns)."""
    from ..models.campaigns import campaigns_newest_first, pick_campaign

    campaigns = campaigns_newest_first(org)
    form = CounselingFilterForm(data or None, campaigns=campaigns)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    campaign = pick_campaign(campaigns, str(filters.get("campaign") or ""))
    return form, campaign, bool(filters.get("uncovered"))
