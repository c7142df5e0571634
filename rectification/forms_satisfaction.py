"""Forms of the satisfaction evaluation (docs/product.md §6.5): the secretary's settings and
batches of codes, and the public ballot with the suggestion box's anti-spam fields (a
honeypot and a signed "started at" stamp for the minimum fill time)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.core import public_guard

from .models import SatisfactionChoice, SatisfactionQuestion, SurveyMode
from .models.satisfaction import MAX_BATCH_SIZE, normalize_ballot_code

# A person needs a few seconds to read five questions; a script does not.
FORM_SALT = "rectification.satisfaction.form-started"


class SurveyForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("Who may vote"),
        choices=SurveyMode.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "With printed codes each code gives one ballot; one per device lets each phone "
            "or computer vote once, up to the limit below."
        ),
    )
    max_ballots = forms.IntegerField(
        label=_("Most ballots (one per device mode)"), min_value=1, max_value=5000, initial=100
    )
    is_open = forms.BooleanField(label=_("Open for voting"), required=False, initial=True)


class BatchForm(forms.Form):
    label = forms.CharField(
        label=_("Codes for"),
        max_length=100,
        help_text=_("For example the meeting the codes are handed out at."),
    )
    size = forms.IntegerField(
        label=_("Number of codes"), min_value=1, max_value=MAX_BATCH_SIZE, initial=30
    )


def form_started_token(survey_id: int, at: float | None = None) -> str:
    """A signed stamp of when the form was served (portal/core/public_guard.py)."""
    return public_guard.served_stamp(FORM_SALT, "s", survey_id, at)


class BallotForm(forms.Form):
    """One radio group per question; the code in codes mode; nothing personal."""

    code = forms.CharField(
        label=_("Your ballot code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
        help_text=_("The code on the slip you were given, e.g. ABCD-EFGH."),
    )
    # Honeypot: hidden from people by CSS (.hp-field); scripts tend to fill every input.
    website = forms.CharField(label=_("Leave this field empty"), required=False)
    started = forms.CharField(widget=forms.HiddenInput, required=False)

    HONEYPOT = "website"

    def __init__(
        self,
        *args: Any,
        survey_id: int,
        questions: Sequence[SatisfactionQuestion],
        needs_code: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._survey_id = survey_id
        self.questions = list(questions)
        if not needs_code:
            del self.fields["code"]
        for question in self.questions:
            self.fields[f"q{question.pk}"] = forms.ChoiceField(
                label=question.name,
                choices=SatisfactionChoice.choices,
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose an answer.")},
            )
        self.fields[self.HONEYPOT].widget.attrs.update({"autocomplete": "off", "tabindex": "-1"})
        self.stale_stamp = False
        if not self.is_bound:
            self.initial["started"] = form_started_token(survey_id)

    def visible_fields(self) -> list[Any]:
        return [f for f in super().visible_fields() if f.name != self.HONEYPOT]

    def clean_code(self) -> str:
        code = normalize_ballot_code(self.cleaned_data.get("code", ""))
        if not code:
            raise forms.ValidationError(_("This code is not valid or has already been used."))
        return code

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        public_guard.check_served_form(
            self,
            salt=FORM_SALT,
            key="s",
            ident=self._survey_id,
            say=public_guard.GuardMessages(
                not_sent=_("Your ballot could not be sent. Please try again."),
                expired=_("This form has expired. Please fill it in again."),
                too_quick=_("That was very quick. Please check your answers and send them again."),
            ),
        )
        return data

    def answers(self) -> dict[int, str]:
        return {q.pk: self.cleaned_data[f"q{q.pk}"] for q in self.questions}

    def refreshed_data(self) -> Any:
        data = self.data.copy()  # type: ignore[attr-defined]  # a QueryDict when bound
        data["started"] = form_started_token(self._survey_id)
        return data
