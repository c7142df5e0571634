"""Forms for the phase 2 pages. Edit forms carry the `updated_at` the user saw (a hidden
field) so the services can refuse an edit made on a stale copy."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from organizations.models import Member
from portal.core.formfields import model_choice_field

from ..models import (
    AppraisalGrade,
    AppraisalSession,
    ExaminationMethod,
    OneToOneTalk,
    SelfExamination,
)
from ..models.phase2 import STATEMENT_SECTIONS
from .services import (
    SESSION_FIELDS,
    STALE_MESSAGE,
    STATEMENT_FIELDS,
    TALK_FIELDS,
    TallyEntry,
)

MAX_VOTES = 100_000


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class SeenVersionForm(forms.Form):
    """A hidden copy of the record's `updated_at` when the form was opened."""

    seen = forms.CharField(widget=forms.HiddenInput, required=False)

    @staticmethod
    def seen_initial(instance: models.Model) -> dict[str, str]:
        return {"seen": instance.updated_at.isoformat()}  # type: ignore[attr-defined]

    def clean_seen(self) -> dt.datetime | None:
        raw = self.cleaned_data.get("seen") or ""
        try:
            value = dt.datetime.fromisoformat(raw)
        except ValueError:
            value = None
        if value is None or value.tzinfo is None:
            # A hidden field has no place to show its error: report it on the form.
            self.add_error(None, ValidationError(STALE_MESSAGE, code="stale"))
            return None
        return value


# --- one-to-one talks ----------------------------------------------------------------------


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Member) -> str:
        return obj.name if obj.is_active else _("%(name)s (left)") % {"name": obj.name}


def _roster(organization: Any, *keep: int | None) -> models.QuerySet[Member]:
    """Active members of the organization, plus members an existing record refers to."""
    ids = [pk for pk in keep if pk]
    return (
        Member.objects.filter(organization=organization)
        .filter(models.Q(is_active=True) | models.Q(pk__in=ids))
        .order_by("name", "pk")
    )


class TalkForm(forms.ModelForm):
    seen = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = OneToOneTalk
        fields = TALK_FIELDS
        field_classes = {"initiator_member": MemberChoiceField, "partner_member": MemberChoiceField}
        widgets = {
            "talked_on": DateInput(),
            "summary": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        talk = self.instance
        roster = _roster(talk.organization, talk.initiator_member_id, talk.partner_member_id)
        model_choice_field(self, "initiator_member").queryset = roster
        model_choice_field(self, "partner_member").queryset = roster
        self.editing = editing
        if editing:
            self.initial.setdefault("seen", talk.updated_at.isoformat())
        else:
            del self.fields["seen"]

    def clean_seen(self) -> dt.datetime | None:
        return SeenVersionForm.clean_seen(self)  # type: ignore[arg-type]

    def service_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in TALK_FIELDS}


class TalkFilterForm(forms.Form):
    date_from = forms.DateField(
        label=pgettext_lazy("date range", "from"), required=False, widget=DateInput()
    )
    date_to = forms.DateField(
        label=pgettext_lazy("date range", "to"), required=False, widget=DateInput()
    )
    member = forms.ModelChoiceField(
        label=_("member"), queryset=Member.objects.none(), required=False
    )

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "member").queryset = Member.objects.filter(
            organization=organization
        ).order_by("name", "pk")

    def filters(self) -> dict[str, Any]:
        """The valid filters only: a bad value is ignored (and shown), never a 500."""
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v}

    def apply(self, talks: Any) -> Any:
        """`talks` narrowed by the valid filters: the talk list and its export
        (activities/resources.py) both filter through here."""
        filters = self.filters() if self.is_bound else {}
        if filters.get("date_from"):
            talks = talks.filter(talked_on__gte=filters["date_from"])
        if filters.get("date_to"):
            talks = talks.filter(talked_on__lte=filters["date_to"])
        if filters.get("member"):
            talks = talks.involving(filters["member"])
        return talks


# --- self-examination statements -----------------------------------------------------------


class StatementForm(forms.ModelForm):
    methods = forms.MultipleChoiceField(
        label=_("methods used"),
        choices=ExaminationMethod.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("How the problems were found; pick every one that applies."),
    )
    seen = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = SelfExamination
        fields = STATEMENT_FIELDS
        widgets = {
            "problems": forms.Textarea(attrs={"rows": 10}),
            "causes": forms.Textarea(attrs={"rows": 8}),
            "rectification": forms.Textarea(attrs={"rows": 8}),
        }

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            self.initial.setdefault("seen", self.instance.updated_at.isoformat())
        else:
            del self.fields["seen"]

    def clean_seen(self) -> dt.datetime | None:
        return SeenVersionForm.clean_seen(self)  # type: ignore[arg-type]

    def clean(self) -> dict[str, Any]:
        # Browsers post CRLF; store LF so that versions and review diffs compare equal.
        super().clean()
        data = self.cleaned_data
        for name in STATEMENT_SECTIONS:
            if isinstance(data.get(name), str):
                data[name] = data[name].replace("\r\n", "\n").replace("\r", "\n")
        return data

    def service_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in STATEMENT_FIELDS}


# --- democratic appraisal ----------------------------------------------------------------


class SessionForm(forms.ModelForm):
    seen = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = AppraisalSession
        fields = SESSION_FIELDS
        widgets = {
            "starts_on": DateInput(),
            "ends_on": DateInput(),
            "unable_note": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("expected", "present", "unable_count"):
            self.fields[name].widget.attrs.update(min="0", inputmode="numeric")
        if editing:
            self.initial.setdefault("seen", self.instance.updated_at.isoformat())
        else:
            del self.fields["seen"]

    def clean_seen(self) -> dt.datetime | None:
        return SeenVersionForm.clean_seen(self)  # type: ignore[arg-type]

    def service_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in SESSION_FIELDS}


class TallyForm(forms.Form):
    """One member's row on the tally page: a number input per grade, the determination,
    absent, written feedback and handling. Prefixed "m<member id>"."""

    absent = forms.BooleanField(label=_("absent"), required=False)
    feedback_given = forms.BooleanField(label=_("written feedback given"), required=False)
    handling = forms.CharField(
        label=_("handling"), required=False, max_length=2000, widget=forms.TextInput()
    )

    def __init__(
        self, *args: Any, member: Member, grades: list[AppraisalGrade], **kwargs: Any
    ) -> None:
        kwargs.setdefault("prefix", f"m{member.pk}")
        super().__init__(*args, **kwargs)
        self.member = member
        self.grades = grades
        self._grades_by_pk = {g.pk: g for g in grades}
        self.vote_fields: list[str] = []
        for grade in grades:
            name = f"v_{grade.code}"
            self.fields[name] = forms.IntegerField(
                label=grade.name,
                required=False,
                min_value=0,
                max_value=MAX_VOTES,
                widget=forms.NumberInput(attrs={"min": "0", "inputmode": "numeric"}),
            )
            self.vote_fields.append(name)
        # Choices from the grades already loaded: no query per row.
        self.fields["determination"] = forms.TypedChoiceField(
            label=_("determination"),
            choices=[("", "—")] + [(g.pk, g.name) for g in grades],
            coerce=int,
            required=False,
            empty_value=None,
        )

    def vote_bound_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.vote_fields]

    def entry(self) -> TallyEntry:
        data = self.cleaned_data
        votes = {g.code: data.get(f"v_{g.code}") or 0 for g in self.grades}
        return TallyEntry(
            votes={code: n for code, n in votes.items() if n},
            determination=(
                self._grades_by_pk.get(determination)
                if (determination := data.get("determination")) is not None
                else None
            ),
            absent=bool(data.get("absent")),
            feedback_given=bool(data.get("feedback_given")),
            handling=data.get("handling") or "",
        )


class RedoForm(forms.Form):
    reason = forms.CharField(
        label=_("reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Why the appraisal must be redone, for example: done as a formality."),
    )
