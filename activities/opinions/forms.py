"""Forms for opinions (clerk's entry, sorting, answering, filters) and for the public
online suggestion box (submission with anti-spam fields, receipt lookup)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from portal.core import public_guard
from portal.core.formfields import choice_field

from ..models import AddressedTo, OpinionChannel, OpinionSource, OpinionStatus, ProblemCategory

PUBLIC_CONTENT_MAX = 2000
# The public form carries a signed "started at" stamp; a person needs a few seconds to
# write an opinion, a script does not. Stamps older than FORM_MAX_AGE are refused too.
MIN_FILL_SECONDS = public_guard.MIN_FILL_SECONDS
FORM_MAX_AGE = public_guard.FORM_CLAIM_SECONDS
FORM_SALT = "activities.public-box.form-started"


def _category_choices(
    categories: Sequence[ProblemCategory], blank: str | Promise
) -> list[tuple[str, str | Promise]]:
    return [("", blank)] + [(str(c.pk), c.name) for c in categories]


# What each campaign category means, in the words of an employee who is not a Party
# member (the public box only; secretaries sort opinions into the categories
# themselves). Keyed by ProblemCategory.code; other codes show the category's name.
PUBLIC_CATEGORY_LABELS = {
    "cohesion": _("How the Party leaders here work together"),
    "two_roles": _("Whether the Party organization and its members help the company and staff"),
    "mechanisms": _("How Party work here is organized (meetings, rules)"),
    "consciousness": _("Whether Party members set an example at work"),
    "discipline": _("Whether Party members keep to the rules"),
    "dedication": _("Whether Party members are willing to help and take on hard tasks"),
    "secretary": _("The Party secretary"),
    "investor": _("The owner or investor, if a Party member"),
    "other": _("Something else"),
}


def _public_category_choices(categories: Sequence[ProblemCategory]) -> list[tuple[str, str]]:
    return [("", "—")] + [
        (str(c.pk), str(PUBLIC_CATEGORY_LABELS.get(c.code, c.name))) for c in categories
    ]


def _pick(categories: Sequence[ProblemCategory], value: str) -> ProblemCategory | None:
    for category in categories:
        if str(category.pk) == value:
            return category
    return None


class OpinionForm(forms.Form):
    """An opinion received offline, typed in by the secretary or clerk."""

    content = forms.CharField(label=_("Opinion"), max_length=5000, widget=forms.Textarea)
    source = forms.ChoiceField(label=_("Source"), choices=OpinionSource.choices)
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[c for c in OpinionChannel.choices if c[0] != OpinionChannel.ONLINE],
    )
    addressed_to = forms.ChoiceField(label=_("Addressed to"), choices=AddressedTo.choices)
    addressed_member = forms.ChoiceField(
        label=_("Member addressed (from the roster)"),
        required=False,
        help_text=_("Only when the opinion is addressed to a named member."),
    )
    addressed_member_name = forms.CharField(
        label=_("Member addressed (name, if not on the roster)"), max_length=50, required=False
    )
    given_by_member = forms.ChoiceField(
        label=_("Given by a member (from the roster)"),
        required=False,
        help_text=_(
            "When a Party member of this organization gave the opinion: they will read "
            "its answer on their own home page."
        ),
    )
    received_on = forms.DateField(
        label=_("Received on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    category = forms.ChoiceField(
        label=_("Category"),
        required=False,
        help_text=_("Leave empty to sort the opinion later."),
    )
    submitter_name = forms.CharField(
        label=_("Submitter's name (optional)"),
        max_length=50,
        required=False,
        help_text=_("Leave name and contact empty for an anonymous opinion."),
    )
    submitter_contact = forms.CharField(
        label=_("Submitter's contact (optional)"), max_length=100, required=False
    )

    def __init__(
        self,
        *args: Any,
        categories: Sequence[ProblemCategory],
        members: Sequence[Any],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._categories = categories
        self._members = members
        choice_field(self, "category").choices = _category_choices(categories, "—")
        choice_field(self, "addressed_member").choices = [("", "—")] + [
            (str(m.pk), m.name) for m in members
        ]
        choice_field(self, "given_by_member").choices = choice_field(
            self, "addressed_member"
        ).choices
        if not self.is_bound:
            self.initial.setdefault("received_on", timezone.localdate())
            self.initial.setdefault("source", OpinionSource.FRONTLINE)

    def clean_category(self) -> ProblemCategory | None:
        return _pick(self._categories, self.cleaned_data.get("category") or "")

    def clean_addressed_member(self) -> Any:
        value = self.cleaned_data.get("addressed_member") or ""
        return next((m for m in self._members if str(m.pk) == value), None)

    def clean_given_by_member(self) -> Any:
        value = self.cleaned_data.get("given_by_member") or ""
        return next((m for m in self._members if str(m.pk) == value), None)

    def service_fields(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class SortForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"))

    def __init__(self, *args: Any, categories: Sequence[ProblemCategory], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._categories = categories
        choice_field(self, "category").choices = _category_choices(categories, "—")

    def clean_category(self) -> ProblemCategory:
        category = _pick(self._categories, self.cleaned_data.get("category") or "")
        if category is None:
            raise forms.ValidationError(_("Pick a category."))
        return category


class AnswerForm(forms.Form):
    answer_text = forms.CharField(
        label=_("Answer"),
        max_length=5000,
        widget=forms.Textarea,
        help_text=_(
            "Written feedback. The team and the organization's members see it; so does the "
            "submitter of an online-box opinion."
        ),
    )

    def clean_answer_text(self) -> str:
        text: str = self.cleaned_data["answer_text"].strip()
        if not text:
            raise forms.ValidationError(_("Write the answer."))
        return text


class OpinionFilterForm(forms.Form):
    campaign = forms.ChoiceField(label=_("Campaign"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("all")), *OpinionStatus.choices]
    )
    source = forms.ChoiceField(
        label=_("Source"), required=False, choices=[("", _("all")), *OpinionSource.choices]
    )
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("all")), *OpinionChannel.choices]
    )
    category = forms.ChoiceField(label=_("Category"), required=False)
    unanswered = forms.BooleanField(label=_("Unanswered only"), required=False)

    def __init__(
        self,
        *args: Any,
        campaigns: Sequence[Any],
        categories: Sequence[ProblemCategory],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._categories = categories
        choice_field(self, "campaign").choices = [(str(c.pk), c.name) for c in campaigns]
        choice_field(self, "category").choices = _category_choices(categories, _("all"))

    def clean_category(self) -> ProblemCategory | None:
        return _pick(self._categories, self.cleaned_data.get("category") or "")

    def filters(self) -> dict[str, Any]:
        """The valid filters only: a bad value in one field does not drop the others."""
        self.is_valid()
        return {k: v for k, v in getattr(self, "cleaned_data", {}).items() if v}

    def apply(self, opinions: Any) -> Any:
        """The opinions narrowed by the valid filters (the list page and its export)."""
        filters = self.filters() if self.is_bound else {}
        for field in ("status", "source", "channel", "category"):
            if field in filters:
                opinions = opinions.filter(**{field: filters[field]})
        if filters.get("unanswered"):
            opinions = opinions.unanswered()
        return opinions


class BoxIntroForm(forms.Form):
    intro = forms.CharField(
        label=_("Introduction shown on the box page"),
        max_length=1000,
        required=False,
        widget=forms.Textarea,
        help_text=_("For example who reads the opinions and when to expect a reply."),
    )


# --- the public box ---------------------------------------------------------------------


def form_started_token(box_id: int, at: float | None = None) -> str:
    """A signed stamp of when the form was served (portal/core/public_guard.py)."""
    return public_guard.served_stamp(FORM_SALT, "b", box_id, at)


class PublicOpinionForm(forms.Form):
    """The public form. Only the opinion itself is required; nothing personal is."""

    content = forms.CharField(
        label=_("Your opinion or suggestion"),
        max_length=PUBLIC_CONTENT_MAX,
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": PUBLIC_CONTENT_MAX}),
        help_text=_("Up to 2,000 characters."),
    )
    addressed_to = forms.ChoiceField(
        label=_("Addressed to"), choices=AddressedTo.choices, initial=AddressedTo.TEAM
    )
    addressed_member_name = forms.CharField(
        label=_("Name of the member (optional)"),
        max_length=50,
        required=False,
        help_text=_("Only if your opinion is addressed to a named member."),
    )
    category = forms.ChoiceField(label=_("What is it about? (optional)"), required=False)
    source = forms.ChoiceField(
        label=_("You are (optional)"),
        required=False,
        choices=[("", _("prefer not to say")), *OpinionSource.choices],
    )
    submitter_name = forms.CharField(
        label=_("Your name (optional)"),
        max_length=50,
        required=False,
        help_text=_("You may stay anonymous."),
    )
    submitter_contact = forms.CharField(
        label=_("Phone or e-mail (optional)"),
        max_length=100,
        required=False,
        help_text=_("Only if you would like to be contacted. Not required to read the reply."),
    )
    # Honeypot: hidden from people by CSS (.hp-field); scripts tend to fill every input.
    website = forms.CharField(label=_("Leave this field empty"), required=False)
    # Checked in clean(): a hidden field's own errors would not be shown to anyone.
    started = forms.CharField(widget=forms.HiddenInput, required=False)

    HONEYPOT = "website"

    def __init__(
        self, *args: Any, box_id: int, categories: Sequence[ProblemCategory], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._box_id = box_id
        self._categories = categories
        choice_field(self, "category").choices = _public_category_choices(categories)
        self.fields[self.HONEYPOT].widget.attrs.update({"autocomplete": "off", "tabindex": "-1"})
        self.stale_stamp = False
        if not self.is_bound:
            self.initial["started"] = form_started_token(box_id)

    def visible_fields(self) -> list[Any]:
        # The honeypot is rendered apart, inside its hidden wrapper.
        return [f for f in super().visible_fields() if f.name != self.HONEYPOT]

    def clean_category(self) -> ProblemCategory | None:
        return _pick(self._categories, self.cleaned_data.get("category") or "")

    def clean_content(self) -> str:
        text: str = self.cleaned_data["content"].strip()
        if not text:
            raise forms.ValidationError(_("Write your opinion."))
        return text

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        public_guard.check_served_form(
            self,
            salt=FORM_SALT,
            key="b",
            ident=self._box_id,
            say=public_guard.GuardMessages(
                not_sent=_("Your opinion could not be sent. Please try again."),
                expired=_("This form has expired. Please send your opinion again."),
                too_quick=_("That was very quick. Please check your opinion and send it again."),
            ),
        )
        if data.get("addressed_to") != AddressedTo.MEMBER:
            data["addressed_member_name"] = ""
        elif not data.get("addressed_member_name"):
            self.add_error(
                "addressed_member_name", _("Name the member, or choose another addressee.")
            )
        return data

    def refreshed_data(self) -> Any:
        """The submitted data with a new stamp, for re-showing an expired form."""
        data = self.data.copy()  # type: ignore[attr-defined]  # a bound form's QueryDict
        data["started"] = form_started_token(self._box_id)
        return data


class ReceiptLookupForm(forms.Form):
    code = forms.CharField(
        label=_("Receipt code"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
        help_text=_("The code you were given when you sent your opinion, e.g. 7K3QM-P9XWD."),
    )
