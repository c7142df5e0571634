"""Forms for standards checklists (docs/product.md §6.3): the organization's self-assessment of one
item (with evidence files), and the reviewer's score of each item."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from portal.attachments.forms import MultipleFileField

from .models import AssessmentEntry, StandardTemplate
from .services_standards import ItemValues, version_token

NOTE_MAX = 2000


def _clean_text(value: str) -> str:
    # Browsers post CRLF; store LF so that snapshots compare equal.
    return (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()


class _ItemForm(forms.Form):
    """met (templates of met / not-met items) or score (scored templates), and a note."""

    def __init__(
        self, *args: Any, entry: AssessmentEntry, template: StandardTemplate, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.entry = entry
        self.template = template
        item = entry.item
        if template.is_scored:
            self.fields["score"] = forms.IntegerField(
                label=_("Score"),
                min_value=0,
                max_value=item.points,
                help_text=_("From 0 to %(n)d points.") % {"n": item.points},
            )
        else:
            self.fields["met"] = forms.BooleanField(label=_("This item is met"), required=False)
        self.fields["note"] = forms.CharField(
            label=_("Note"),
            required=False,
            max_length=NOTE_MAX,
            widget=forms.Textarea(attrs={"rows": 3}),
        )

    def clean_note(self) -> str:
        return _clean_text(self.cleaned_data.get("note", ""))

    def item_values(self) -> ItemValues:
        data = self.cleaned_data
        return ItemValues(
            met=bool(data.get("met")), score=data.get("score"), note=data.get("note", "")
        )


class SelfAssessmentForm(_ItemForm):
    """The organization's assessment of one item, with new evidence files."""

    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        entry = self.entry
        self.fields["note"].help_text = _("What is there, where, since when (optional).")
        self.fields["files"] = MultipleFileField(label=_("Evidence files"), required=False)
        self.fields["files"].help_text = _(
            "Photos or documents showing the item: images, PDF, Word, Excel or text, "
            "several at once, up to %(limit)s each. An item marked met needs at least "
            "one file before the checklist can be submitted."
        ) % {"limit": filesizeformat(settings.UPLOAD_MAX_BYTES)}
        if not self.is_bound:
            self.initial.update(
                {
                    "version": version_token(entry),
                    "met": entry.self_met,
                    "score": entry.self_score,
                    "note": entry.self_note,
                }
            )


class ReviewerItemForm(_ItemForm):
    """The reviewer's score of one item; starts from the reviewer's earlier values, or
    from the self-assessment when the item was not scored yet."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        entry: AssessmentEntry = kwargs["entry"]
        kwargs.setdefault("prefix", f"item-{entry.item.order}")
        super().__init__(*args, **kwargs)
        self.fields["note"].label = _("Reviewer's note")
        if "met" in self.fields:
            self.fields["met"].label = _("Met, as checked by the reviewer")
        else:
            self.fields["score"].label = _("Score given by the reviewer")
        if not self.is_bound:
            if entry.reviewed:
                self.initial.update(
                    {
                        "met": entry.reviewer_met,
                        "score": entry.reviewer_score,
                        "note": entry.reviewer_note,
                    }
                )
            else:
                self.initial.update({"met": entry.self_met, "score": entry.self_score})
