"""Forms for problem lists, items, publishing and the closure and extension requests.
Edit forms carry the record's `updated_at` (hidden `version`) so that the services can
refuse an edit made on a stale copy."""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar, overload

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activities.models import (
    CriticismEntry,
    Opinion,
    OpinionStatus,
    ProblemCategory,
    SelfExamination,
)
from organizations.models import Member
from portal.attachments.forms import MultipleFileField
from portal.core.formfields import model_choice_field
from portal.core.text import labelled

from .models import ProblemItem, ProblemList, SourceKind
from .models.problems import NOTICE_DAYS


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


T = TypeVar("T")


@overload
def normalize_text(value: str) -> str: ...
@overload
def normalize_text(value: T) -> T: ...
def normalize_text(value: Any) -> Any:
    """Browsers post CRLF; store LF so that review snapshots compare equal."""
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n")
    return value


class ProblemListForm(forms.ModelForm):
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = ProblemList
        fields = ["title", "intro"]
        widgets = {"intro": forms.Textarea(attrs={"rows": 5})}
        help_texts = {"title": _("For example: 甲公司党委党的群众路线教育实践活动问题清单")}

    def clean_intro(self) -> str:
        intro: str = self.cleaned_data.get("intro", "")
        return normalize_text(intro)


class OpinionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Opinion) -> str:
        return f"{obj.received_on:%Y-%m-%d} · {obj}"


class StatementChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: SelfExamination) -> str:
        return str(obj.get_subject_display())


class CriticismChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: CriticismEntry) -> str:
        about = f" → {obj.about_member.name}" if obj.about_member is not None else ""
        points = obj.points.strip().replace("\n", " ")
        return f"{obj.meeting.starts_at:%Y-%m-%d} · {obj.get_kind_display()} · " + labelled(
            f"{obj.by_member.name}{about}", points[:40]
        )


class MemberSelect(forms.Select):
    """Each member's name and post on its option, so that static/portal/js/forms.js
    fills in the responsible person as soon as a member is picked."""

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        member = getattr(option["value"], "instance", None)
        if member is not None:
            option["attrs"]["data-fill-name"] = member.name
            option["attrs"]["data-fill-post"] = member.post or member.get_party_post_display() or ""
        return option


class MemberChoiceField(forms.ModelChoiceField):
    widget = MemberSelect

    def label_from_instance(self, obj: Member) -> str:
        return f"{obj.name} ({obj.post})" if obj.post else obj.name


class ProblemItemForm(forms.ModelForm):
    """An item of `problem_list`. The choices are the list's campaign categories and
    the organization's own origins of that campaign: opinions not yet adopted (received,
    sorted or answered), statements, criticism at its meetings; and its active members.
    An item that adopted an opinion keeps it (those two fields are shown, not editable).
    Rendering costs one query per choice list (five)."""

    version = forms.CharField(widget=forms.HiddenInput, required=False)
    source_opinion = OpinionChoiceField(
        queryset=Opinion.objects.none(), required=False, label=_("Opinion")
    )
    source_statement = StatementChoiceField(
        queryset=SelfExamination.objects.none(),
        required=False,
        label=_("Self-examination statement"),
    )
    source_criticism = CriticismChoiceField(
        queryset=CriticismEntry.objects.none(),
        required=False,
        label=_("Criticism at the special meeting"),
    )
    responsible_member = MemberChoiceField(
        queryset=Member.objects.none(),
        required=False,
        label=_("Responsible member"),
        help_text=_("Pick from the roster, or type the name below for someone off the roster."),
    )

    class Meta:
        model = ProblemItem
        fields = [
            "description",
            "category",
            "source_kind",
            "source_opinion",
            "source_statement",
            "source_criticism",
            "source_note",
            "measures",
            "responsible_member",
            "responsible_name",
            "responsible_post",
            "deadline",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "measures": forms.Textarea(attrs={"rows": 4}),
            "deadline": DateInput(),
        }
        help_texts = {
            "source_kind": _(
                "Where the problem was found. For an opinion, a statement or a criticism, "
                "pick it below: the item links back to it."
            ),
        }

    def __init__(self, *args: Any, problem_list: ProblemList, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org, campaign = problem_list.organization, problem_list.campaign
        model_choice_field(self, "category").queryset = ProblemCategory.objects.filter(
            campaign=campaign
        ).order_by("order", "pk")
        model_choice_field(self, "category").empty_label = None
        opinions = Opinion.objects.filter(
            organization=org,
            campaign=campaign,
            status__in=[OpinionStatus.RECEIVED, OpinionStatus.SORTED, OpinionStatus.ANSWERED],
            problem_items__isnull=True,
        )
        current = self.instance.source_opinion_id if self.instance.pk else None
        if current:
            opinions = Opinion.objects.filter(pk=current) | opinions
        model_choice_field(self, "source_opinion").queryset = opinions.order_by(
            "-received_on", "-pk"
        )
        model_choice_field(self, "source_statement").queryset = SelfExamination.objects.filter(
            organization=org, campaign=campaign
        ).order_by("subject")
        model_choice_field(self, "source_criticism").queryset = (
            CriticismEntry.objects.filter(meeting__organization=org, meeting__campaign=campaign)
            .select_related("meeting", "by_member", "about_member")
            .order_by("meeting__starts_at", "pk")
        )
        model_choice_field(self, "responsible_member").queryset = Member.objects.filter(
            organization=org, is_active=True
        ).order_by("name", "pk")
        self.fields["responsible_member"].widget.attrs.update(
            {
                "data-fills-name": self["responsible_name"].auto_id,
                "data-fills-post": self["responsible_post"].auto_id,
            }
        )
        if current:
            # The adoption cannot be undone: the source stays this opinion.
            for name in ("source_kind", "source_opinion"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _(
                    "This item adopted the opinion; it stays its source."
                )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        for name in ("description", "measures"):
            data[name] = normalize_text(data.get(name))
        return data


class PublishForm(forms.Form):
    published_on = forms.DateField(
        label=_("Notice period from"), widget=DateInput(), help_text=_("The day it is posted.")
    )
    notice_ends_on = forms.DateField(
        label=_("Notice period to"),
        widget=DateInput(),
        help_text=_("The last day of the notice period, for example a week later."),
    )
    audience = forms.CharField(
        label=_("Audience"),
        max_length=200,
        help_text=_("Whom the notice is for, e.g. 全体党员和职工 (all members and employees)."),
    )

    def __init__(self, *args: Any, problem_list: ProblemList, **kwargs: Any) -> None:
        start = problem_list.published_on or timezone.localdate()
        kwargs.setdefault(
            "initial",
            {
                "published_on": start,
                "notice_ends_on": problem_list.notice_ends_on
                or start + dt.timedelta(days=NOTICE_DAYS - 1),
                "audience": problem_list.audience or _("all Party members and employees"),
            },
        )
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("published_on"), data.get("notice_ends_on")
        if start and end and end < start:
            self.add_error("notice_ends_on", _("The notice period cannot end before it starts."))
        return data


class ClosureRequestForm(forms.Form):
    note = forms.CharField(
        label=_("What was done"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        required=False,
        help_text=_("How the problem was rectified; the evidence files show it."),
    )
    # Django's form metaclass moves declared fields off the class, so this does not
    # shadow BaseForm.files (the uploads) at run time; mypy sees only the class body.
    files = MultipleFileField(label=_("Evidence files"))  # type: ignore[assignment]

    def __init__(self, *args: Any, files_required: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["files"].required = files_required
        self.fields["files"].help_text = _(
            "Photos, scans or documents showing the rectification (images, PDF, Word, "
            "Excel or text); several at once."
        )

    def clean_note(self) -> str:
        note: str = self.cleaned_data.get("note", "")
        return normalize_text(note).strip()


class ExtensionRequestForm(forms.Form):
    new_deadline = forms.DateField(label=_("New deadline"), widget=DateInput())
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )

    def clean_reason(self) -> str:
        reason: str = self.cleaned_data.get("reason", "")
        return normalize_text(reason).strip()


__all__ = [
    "ClosureRequestForm",
    "ExtensionRequestForm",
    "ProblemItemForm",
    "ProblemListForm",
    "PublishForm",
    "SourceKind",
]
