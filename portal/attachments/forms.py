"""An upload form any record's page can embed: several files at once, with a kind.

    form = AttachmentForm(request.POST or None, request.FILES or None,
                          kinds=MEETING_ATTACHMENT_KINDS)
    if form.is_valid():
        for upload in form.cleaned_data["files"]:
            attachment_add(actor=..., record=..., organization=..., kind=form.cleaned_data["kind"],
                           upload=upload, name=upload.name)

Files are checked by content while the form is cleaned, so errors show beside the field.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from .models import AttachmentKind
from .validators import ACCEPT, inspect_upload

MAX_FILES_PER_UPLOAD = 20


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field taking several files; each one is checked by content."""

    widget = MultipleFileInput

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        uploads = [f for f in data if f] if isinstance(data, list | tuple) else [data]
        uploads = [f for f in uploads if f]
        if not uploads:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        if len(uploads) > MAX_FILES_PER_UPLOAD:
            raise ValidationError(
                _("Upload at most %(n)d files at a time.") % {"n": MAX_FILES_PER_UPLOAD},
                code="too_many",
            )
        errors: list[ValidationError] = []
        cleaned = []
        for upload in uploads:
            try:
                upload = single(upload, initial)
                inspect_upload(upload, upload.name)
            except ValidationError as exc:
                errors.append(exc)
            else:
                cleaned.append(upload)
        if errors:
            raise ValidationError(errors)
        return cleaned


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of file"), choices=AttachmentKind.choices)
    files = MultipleFileField(label=_("Files"))

    def __init__(self, *args: Any, kinds: Iterable[str] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "att")
        super().__init__(*args, **kwargs)
        if kinds is not None:
            allowed = list(kinds)
            self.fields["kind"].choices = [
                (value, label) for value, label in AttachmentKind.choices if value in allowed
            ]
        self.fields["files"].help_text = _(
            "Images, PDF, Word (.docx), Excel (.xlsx) or plain text; several at once, "
            "up to %(limit)s each."
        ) % {"limit": filesizeformat(settings.UPLOAD_MAX_BYTES)}
