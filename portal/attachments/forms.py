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
from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from portal.core.formfields import choice_field

from .models import AttachmentKind
from .pending import default_kind
from .validators import ACCEPT, inspect_upload

MAX_FILES_PER_UPLOAD = 20


class MultipleFileInput(forms.ClearableFileInput):
    """Several files at once; after a rejected form, the files kept from it are listed
    under the input (portal/attachments/pending.py sets `pending`)."""

    allow_multiple_selected = True
    pending: Any = None

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        html = super().render(name, value, attrs, renderer)
        chips = self.pending.chips() if self.pending is not None else []
        input_id = (attrs or {}).get("id") or self.attrs.get("id") or ""
        return html + render_to_string(
            "attachments/_file_extras.html",
            {
                "chips": chips,
                "pending_name": self.pending.name if self.pending is not None else "",
                "kinds": self.pending.kinds if self.pending is not None else [],
                "name": name,
                "camera_id": f"{input_id}_camera" if input_id else "",
            },
        )


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
                upload.inspected = inspect_upload(upload, upload.name)
            except ValidationError as exc:
                errors.append(exc)
            else:
                cleaned.append(upload)
        # The files that passed, even when others did not: a rejected form keeps them
        # (portal/attachments/pending.py), so only the refused ones are chosen again.
        self.accepted = cleaned
        if errors:
            raise ValidationError(errors)
        return cleaned


class AttachmentForm(forms.Form):
    """Files with a kind each: the kind picked beside a file (`kind_<n>` for the n-th
    new file, added by static/portal/js/forms.js), else the one picked for the batch,
    else what the content says (an image is a photo)."""

    kind = forms.ChoiceField(
        label=_("Kind of file"), choices=AttachmentKind.choices, required=False
    )
    # Django's form metaclass moves declared fields off the class, so this does not
    # shadow BaseForm.files (the uploads) at run time; mypy sees only the class body.
    files = MultipleFileField(label=_("Files"))  # type: ignore[assignment]

    def __init__(self, *args: Any, kinds: Iterable[str] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "att")
        super().__init__(*args, **kwargs)
        self.allowed_kinds = list(kinds) if kinds is not None else list(AttachmentKind.values)
        choice_field(self, "kind").choices = [
            ("", _("By content (images: photo)")),
            *[
                (value, label)
                for value, label in AttachmentKind.choices
                if value in self.allowed_kinds
            ],
        ]
        self.fields["kind"].widget.attrs["data-kind-choices"] = ""
        self.fields["files"].help_text = _(
            "Images, PDF, Word (.docx), Excel (.xlsx) or plain text; several at once, "
            "up to %(limit)s each."
        ) % {"limit": filesizeformat(settings.UPLOAD_MAX_BYTES)}

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        batch = data.get("kind") or ""
        for index, upload in enumerate(data.get("files") or []):
            own = self.data.get(self.add_prefix(f"kind_{index}"), "")
            inspected = getattr(upload, "inspected", None)
            mime = inspected.mime_type if inspected is not None else ""
            upload.attachment_kind = (
                own
                if own in self.allowed_kinds
                else batch or default_kind(mime, self.allowed_kinds)
            )
        return data
