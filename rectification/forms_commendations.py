"""Forms for the commendation pages: one create form per kind (the subject is an
investor member or a model organization) and an edit form for the honour itself."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from organizations.models import Member

from .forms_mechanisms import DateInput, VersionedFormMixin, _crlf_to_lf
from .models import Commendation, CommendationKind
from .services_commendations import COMMENDATION_FIELDS


class InvestorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Member) -> str:
        return f"{obj.name} · {obj.organization.short_name}"


class CommendationForm(VersionedFormMixin, forms.ModelForm):
    """The honour (title, citation, date, giver) and, when creating, its subject:
    `member` for a typical investor, `subject` (one of `organizations`) for a model
    organization."""

    seen = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Commendation
        fields = COMMENDATION_FIELDS
        widgets = {
            "commended_on": DateInput(),
            "citation": forms.Textarea(attrs={"rows": 6}),
        }

    def __init__(
        self,
        *args: Any,
        kind: str,
        members: Any = None,
        organizations: list[Any] | None = None,
        editing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._setup_version(self.instance, editing)
        self.kind = kind
        self._organizations = {str(o.pk): o for o in organizations or []}
        subject: forms.Field | None = None
        if editing:
            pass
        elif kind == CommendationKind.TYPICAL_INVESTOR:
            subject = InvestorChoiceField(
                label=_("Investor member"),
                queryset=members,
                help_text=_(
                    "Investor members on the roster of this organization and those below it."
                ),
            )
            name = "member"
        else:
            subject = forms.ChoiceField(
                label=_("Model organization"),
                choices=[("", "---------")]
                + [
                    (pk, "\u3000" * max(o.depth - 1, 0) + o.short_name)
                    for pk, o in self._organizations.items()
                ],
                help_text=_("This organization or one below it."),
            )
            name = "subject"
        if subject is not None:
            # The subject first, then the honour.
            self.fields = {name: subject, **self.fields}

    def clean_subject(self) -> Any:
        return self._organizations.get(self.cleaned_data.get("subject") or "")

    def clean_citation(self) -> Any:
        return _crlf_to_lf(self.cleaned_data.get("citation"))

    @property
    def subject(self) -> Any:
        return self.cleaned_data.get("member") or self.cleaned_data.get("subject")

    def service_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in COMMENDATION_FIELDS}
