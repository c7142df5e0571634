"""Forms for meetings, attendance lists, shared attendance and criticism entries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from organizations.models import Member, Organization, PartyGroup
from portal.accounts.models import Role, User
from portal.attachments.models import AttachmentKind
from portal.core.formfields import choice_field, model_choice_field

from ..models import (
    SUBKINDS,
    Attendance,
    Campaign,
    CriticismEntry,
    Meeting,
    MeetingKind,
    MeetingSubkind,
    Phase,
)
from ..models.campaigns import preferred_campaign
from .services import Mark

# Kinds of file a meeting takes (docs/product.md §6.1).
MEETING_ATTACHMENT_KINDS = (
    AttachmentKind.NOTICE,
    AttachmentKind.MINUTES,
    AttachmentKind.SIGN_IN,
    AttachmentKind.PHOTO,
    AttachmentKind.OTHER,
)

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format=DATETIME_FORMAT)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


def subkind_choices() -> list[Any]:
    """The forms grouped under their kind, so a phone's picker shows which is which."""
    groups: list[Any] = [("", "—")]
    for kind, values in SUBKINDS.items():
        groups.append((MeetingKind(kind).label, [(v, MeetingSubkind(v).label) for v in values]))
    return groups


class VersionField(forms.CharField):
    """The `updated_at` the editor loaded, carried in a hidden input; the services
    refuse the save when the record changed since (concurrent edits)."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)

    def to_python(self, value: Any) -> dt.datetime | None:  # type: ignore[override]
        value = super().to_python(value)
        if not value:
            return None
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError:
            raise forms.ValidationError(
                _("The form was damaged; open the page again."), code="bad_version"
            ) from None


class MeetingForm(forms.ModelForm):
    version = VersionField()

    class Meta:
        model = Meeting
        fields = [
            "kind",
            "party_group",
            "subkind",
            "topic",
            "campaign",
            "starts_at",
            "ends_at",
            "place",
            "chair",
            "chair_name",
            "minute_taker",
            "minute_taker_name",
            "agenda",
            "content",
            "resolutions",
            "non_voting_attendees",
            "guide_name",
            "guide_organization",
            "guide_user",
            "secretary_report",
            "improvement_measures",
        ]
        widgets = {
            "starts_at": DateTimeLocalInput(),
            "ends_at": DateTimeLocalInput(),
            "agenda": forms.Textarea(attrs={"rows": 3}),
            "content": forms.Textarea(attrs={"rows": 6}),
            "resolutions": forms.Textarea(attrs={"rows": 3}),
            "non_voting_attendees": forms.Textarea(attrs={"rows": 2}),
            "secretary_report": forms.Textarea(attrs={"rows": 6}),
            "improvement_measures": forms.Textarea(attrs={"rows": 4}),
        }

    # Shown in their own fieldset, only for special organizational-life meetings.
    SPECIAL_FIELDS = (
        "guide_name",
        "guide_organization",
        "guide_user",
        "secretary_report",
        "improvement_measures",
    )

    def __init__(
        self,
        *args: Any,
        organization: Organization,
        campaigns: Sequence[Campaign],
        roster: Sequence[Member],
        groups: Sequence[Any] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].widget.attrs["data-meeting-kind"] = ""
        # The organization's Party groups, loaded by the view (no query to render).
        group_field = model_choice_field(self, "party_group")
        group_field.queryset = PartyGroup.objects.filter(organization=organization)
        group_field.choices = [("", "—")] + [(g.pk, g.name) for g in groups]
        group_field.widget.attrs["data-party-group"] = ""
        choice_field(self, "subkind").choices = subkind_choices()
        self.fields["subkind"].help_text = _("Only for study sessions and study exchanges.")
        # Choices from the lists the view already loaded: no query to render them. The
        # querysets still validate a posted value (one query each on POST).
        campaign_field = model_choice_field(self, "campaign")
        campaign_field.queryset = Campaign.objects.filter(pk__in=[c.pk for c in campaigns])
        campaign_field.choices = [(c.pk, str(c)) for c in campaigns]
        preferred = preferred_campaign(campaigns)
        if not self.instance.pk and preferred is not None:
            campaign_field.initial = preferred.pk
        roster_ids = [m.pk for m in roster]
        for name in ("chair", "minute_taker"):
            current = getattr(self.instance, name) if getattr(self.instance, f"{name}_id") else None
            people = list(roster) + ([current] if current and current.pk not in roster_ids else [])
            model_choice_field(self, name).queryset = Member.objects.filter(
                pk__in=[m.pk for m in people]
            )
            choice_field(self, name).choices = [("", "—")] + [(m.pk, m.name) for m in people]
        ancestors = [p for p in organization.ancestor_paths if p != organization.path]
        model_choice_field(self, "guide_organization").queryset = Organization.objects.filter(
            path__in=ancestors
        )
        # Reviewers and instructors responsible for the organization: the people who
        # would attend its special meeting for the higher level.
        model_choice_field(self, "guide_user").queryset = (
            User.objects.filter(
                role_assignments__organization__path__in=organization.ancestor_paths,
                role_assignments__role__in=[Role.REVIEWER, Role.INSTRUCTOR],
            )
            .distinct()
            .order_by("full_name", "username")
        )
        self.fields["guide_user"].help_text = _(
            "If the guide has an account: the reviewer or instructor who attended."
        )
        if self.instance.pk:
            self.fields["version"].initial = self.instance.updated_at.isoformat()

    def main_fields(self) -> list[forms.BoundField]:
        return [
            self[name]
            for name in self.fields
            if name not in self.SPECIAL_FIELDS and name != "version"
        ]

    def special_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.SPECIAL_FIELDS]

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class AttendanceForm(forms.Form):
    """The attendance list as a checklist: one "present" box per member (ticked by
    default) and a reason box that must be filled when the member is absent."""

    def __init__(
        self,
        *args: Any,
        members: Sequence[Member],
        rows: Iterable[Attendance] = (),
        suggestions: Mapping[int, Mark] | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("prefix", "roll")
        super().__init__(*args, **kwargs)
        self.members = list(members)
        existing = {row.member_id: row for row in rows}
        # The members' own answers to the announcement (docs/product.md §6.1): a new
        # list starts from them; the recorder confirms or changes each.
        suggested = suggestions or {}
        for member in self.members:
            row = existing.get(member.pk) or suggested.get(member.pk)
            self.fields[f"present_{member.pk}"] = forms.BooleanField(
                label=member.name,
                required=False,
                initial=row.present if row else True,
                widget=forms.CheckboxInput(attrs={"data-present": ""}),
            )
            self.fields[f"reason_{member.pk}"] = forms.CharField(
                label=_("Reason for absence"),
                required=False,
                max_length=200,
                initial=(getattr(row, "absence_reason", None) or getattr(row, "reason", ""))
                if row
                else "",
                widget=forms.TextInput(
                    attrs={"data-reason": "", "placeholder": _("Reason for absence")}
                ),
            )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        for member in self.members:
            present = data.get(f"present_{member.pk}")
            reason = (data.get(f"reason_{member.pk}") or "").strip()
            if not present and not reason:
                self.add_error(f"reason_{member.pk}", _("Give the reason for the absence."))
        return data

    def error_label(self, name: str) -> str:
        """The error summary's label: which member's reason is missing."""
        for member in self.members:
            if name == f"reason_{member.pk}":
                return _("Reason %(name)s was absent") % {"name": member.name}
        return ""

    def marks(self) -> dict[int, Mark]:
        return {
            m.pk: Mark(
                bool(self.cleaned_data.get(f"present_{m.pk}")),
                self.cleaned_data.get(f"reason_{m.pk}") or "",
            )
            for m in self.members
        }

    def lines(self) -> list[tuple[Member, forms.BoundField, forms.BoundField]]:
        return [(m, self[f"present_{m.pk}"], self[f"reason_{m.pk}"]) for m in self.members]

    def present_initial(self) -> int:
        """How many boxes start ticked (the live counter's first value)."""
        if self.is_bound:
            return sum(1 for m in self.members if self.data.get(self.add_prefix(f"present_{m.pk}")))
        return sum(1 for m in self.members if self.fields[f"present_{m.pk}"].initial)

    def quorum_met_initially(self) -> bool:
        return self.present_initial() * 2 > len(self.members)


class ParticipationForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example who led your members there."),
    )
    version = VersionField()


class CriticismForm(forms.ModelForm):
    class Meta:
        model = CriticismEntry
        fields = ["kind", "by_member", "about_member", "points"]
        widgets = {"points": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, listed: Sequence[Member], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ids = [m.pk for m in listed]
        for name in ("by_member", "about_member"):
            model_choice_field(self, name).queryset = Member.objects.filter(pk__in=ids)
            choice_field(self, name).choices = [("", "—")] + [(m.pk, m.name) for m in listed]


class MeetingFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("all kinds")), *MeetingKind.choices]
    )
    phase = forms.TypedChoiceField(label=_("Phase"), required=False, coerce=int, empty_value=None)
    date_from = forms.DateField(
        label=pgettext_lazy("date range", "From"), required=False, widget=DateInput()
    )
    date_to = forms.DateField(
        label=pgettext_lazy("date range", "To"), required=False, widget=DateInput()
    )

    def __init__(self, *args: Any, phases: Sequence[Phase], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Choices from the phases already loaded (with their campaigns): no query here.
        choice_field(self, "phase").choices = [("", _("all phases"))] + [
            (p.pk, f"{p.campaign} · {p.number}. {p}") for p in phases
        ]

    def apply(self, meetings: Any) -> Any:
        """The meetings narrowed by the valid filters (the list page and its export)."""
        if not (self.is_bound and self.is_valid()):
            return meetings
        data = self.cleaned_data
        if data["kind"]:
            meetings = meetings.filter(kind=data["kind"])
        if data["phase"]:
            meetings = meetings.filter(phase_id=data["phase"])
        if data["date_from"]:
            meetings = meetings.filter(starts_at__date__gte=data["date_from"])
        if data["date_to"]:
            meetings = meetings.filter(starts_at__date__lte=data["date_to"])
        return meetings
