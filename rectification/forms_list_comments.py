"""Forms for the problem list open to comment (the period, the public comment form
with the suggestion box's anti-spam fields, answering and adopting) and for revisions
(docs/product.md §6.3.1)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from activities.models import ProblemCategory
from portal.core import public_guard

from .forms_problems import DateInput, normalize_text
from .models import CommenterRole, ProblemItem, RevisionItem
from .models.list_comments import COMMENT_MAX

FORM_SALT = "rectification.list-comment.form-started"


class CommentPeriodForm(forms.Form):
    opens_on = forms.DateField(label=_("Open for comment from"), widget=DateInput())
    closes_on = forms.DateField(
        label=_("Open for comment until"),
        widget=DateInput(),
        required=False,
        help_text=_("Leave empty for two weeks."),
    )


def form_started_token(period_id: int, at: float | None = None) -> str:
    """A signed stamp of when the form was served (portal/core/public_guard.py)."""
    return public_guard.served_stamp(FORM_SALT, "p", period_id, at)


class PublicCommentForm(forms.Form):
    """The public form: only the comment is required, nothing personal is."""

    content = forms.CharField(
        label=_("Your comment on the problem list"),
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": COMMENT_MAX}),
        help_text=_(
            "A problem missing from the list, a measure that would not work, a deadline "
            "too far away. Up to 2,000 characters."
        ),
    )
    role = forms.ChoiceField(
        label=_("You are (optional)"),
        required=False,
        choices=[("", _("prefer not to say")), *CommenterRole.choices],
    )
    commenter_name = forms.CharField(
        label=_("Your name (optional)"),
        max_length=50,
        required=False,
        help_text=_("You may stay anonymous."),
    )
    # Honeypot, hidden by CSS (.hp-field), as on the suggestion box.
    website = forms.CharField(label=_("Leave this field empty"), required=False)
    started = forms.CharField(widget=forms.HiddenInput, required=False)

    HONEYPOT = "website"

    def __init__(self, *args: Any, period_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._period_id = period_id
        self.fields[self.HONEYPOT].widget.attrs.update({"autocomplete": "off", "tabindex": "-1"})
        self.stale_stamp = False
        if not self.is_bound:
            self.initial["started"] = form_started_token(period_id)

    def visible_fields(self) -> list[Any]:
        return [f for f in super().visible_fields() if f.name != self.HONEYPOT]

    def clean_content(self) -> str:
        text = normalize_text(self.cleaned_data["content"]).strip()
        if not text:
            raise forms.ValidationError(_("Write your comment."))
        return str(text)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        public_guard.check_served_form(
            self,
            salt=FORM_SALT,
            key="p",
            ident=self._period_id,
            say=public_guard.GuardMessages(
                not_sent=_("Your comment could not be sent. Please try again."),
                expired=_("This form has expired. Please send your comment again."),
                too_quick=_("That was very quick. Please check your comment and send it again."),
            ),
        )
        return data

    def refreshed_data(self) -> Any:
        data = self.data.copy()  # type: ignore[attr-defined]  # a bound form's QueryDict
        data["started"] = form_started_token(self._period_id)
        return data


class CommentAnswerForm(forms.Form):
    answer_text = forms.CharField(
        label=_("Answer"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Why the comment is not taken into the list, or what is done about it."),
    )


class ItemChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ProblemItem) -> str:
        return str(obj)


class CommentAdoptForm(forms.Form):
    item = ItemChoiceField(
        queryset=ProblemItem.objects.none(),
        required=False,
        label=_("Item of the list it went into (optional)"),
    )
    note = forms.CharField(
        label=_("How it was adopted (optional)"),
        max_length=300,
        required=False,
        help_text=_("For example: the measures of item 3 now include it."),
    )

    def __init__(self, *args: Any, items: Sequence[ProblemItem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["item"]
        assert isinstance(field, ItemChoiceField)
        field.queryset = ProblemItem.objects.filter(pk__in=[i.pk for i in items])
        field.choices = [("", "—")] + [(str(i.pk), str(i)) for i in items]


class RevisionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the revision"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("How the new problems were found after the list was approved."),
    )

    def clean_reason(self) -> str:
        return str(normalize_text(self.cleaned_data["reason"])).strip()


class RevisionItemForm(forms.ModelForm):
    class Meta:
        model = RevisionItem
        fields = [
            "description",
            "category",
            "source_kind",
            "source_note",
            "measures",
            "responsible_name",
            "responsible_post",
            "deadline",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "measures": forms.Textarea(attrs={"rows": 3}),
            "deadline": DateInput(),
        }

    def __init__(self, *args: Any, categories: Sequence[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category = self.fields["category"]
        assert isinstance(category, forms.ModelChoiceField)
        category.queryset = ProblemCategory.objects.filter(pk__in=[c.pk for c in categories])
        category.choices = [("", "—")] + [(str(c.pk), c.name) for c in categories]

    def clean_description(self) -> str:
        return str(normalize_text(self.cleaned_data["description"])).strip()

    def clean_measures(self) -> str:
        return str(normalize_text(self.cleaned_data["measures"])).strip()
