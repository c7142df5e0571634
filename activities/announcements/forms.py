"""Forms for announcing a meeting and for a member's answer (docs/product.md §6.1)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from organizations.models import Organization, PartyGroup

from ..meetings.forms import DateTimeLocalInput, VersionField
from ..models import Campaign, Invitation, MeetingAnnouncement, Reply
from ..models.campaigns import preferred_campaign
from .services import ANNOUNCEMENT_FIELDS


class AnnouncementForm(forms.ModelForm):
    version = VersionField()

    class Meta:
        model = MeetingAnnouncement
        fields = [
            "kind",
            "party_group",
            "topic",
            "campaign",
            "starts_at",
            "ends_at",
            "place",
            "agenda",
        ]
        widgets = {
            "starts_at": DateTimeLocalInput(),
            "ends_at": DateTimeLocalInput(),
            "agenda": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(
        self,
        *args: Any,
        organization: Organization,
        campaigns: Sequence[Campaign],
        groups: Sequence[PartyGroup] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # Choices from the lists the view loaded: no query to render them.
        group_field = cast(forms.ModelChoiceField, self.fields["party_group"])
        group_field.queryset = PartyGroup.objects.filter(organization=organization)
        group_field.choices = [("", "—")] + [(g.pk, g.name) for g in groups]
        campaign_field = cast(forms.ModelChoiceField, self.fields["campaign"])
        campaign_field.queryset = Campaign.objects.filter(pk__in=[c.pk for c in campaigns])
        campaign_field.choices = [(c.pk, str(c)) for c in campaigns]
        preferred = preferred_campaign(campaigns) if campaigns else None
        if not self.instance.pk and preferred is not None:
            campaign_field.initial = preferred.pk
        self.fields["place"].required = True
        self.fields["agenda"].help_text = _("What the meeting will deal with, one item a line.")
        if self.instance.pk:
            self.fields["version"].initial = self.instance.updated_at.isoformat()

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in ANNOUNCEMENT_FIELDS}


class ReplyForm(forms.Form):
    reply = forms.ChoiceField(
        label=_("Will you attend?"),
        choices=[(Reply.ATTEND, Reply.ATTEND.label), (Reply.ABSENT, Reply.ABSENT.label)],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Why you cannot attend"),
        required=False,
        max_length=200,
        help_text=_("Required when you cannot attend, e.g. on a business trip."),
    )

    def __init__(self, *args: Any, invitation: Invitation, **kwargs: Any) -> None:
        if invitation.reply:
            kwargs.setdefault("initial", {"reply": invitation.reply, "reason": invitation.reason})
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("reply") == Reply.ABSENT and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why you cannot attend."))
        return data
