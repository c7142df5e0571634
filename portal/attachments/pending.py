"""Files that survive a rejected form.

A file chosen in a form the server rejects is kept as a PendingUpload (checked by
content exactly as an attachment is, owned by the user, tied to the page and field it
was chosen in) and shown on the re-rendered form as a chip ("Chosen: IMG_0412.jpg ✕",
with its kind). When the form is sent again, the chips' hidden inputs bring the kept
files back; when the form succeeds they are stored with the record and the pending
rows go. A view does:

    pending = PendingFiles(request, files_form)          # before is_valid()
    if ... all forms valid:
        service(..., uploads=pending.uploads())          # kept + newly chosen files
        pending.done()
        return redirect(...)
    pending.keep()                                       # rejected: keep the new files
    return render(...)

Queries: reading the kept rows of a sent form (1, only when the form names some);
one insert per newly kept file; one delete when done.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction
from django.forms import BaseForm, ChoiceField
from django.http import HttpRequest

from .models import AttachmentKind, PendingUpload
from .services import pending_upload_create, pending_uploads_delete

logger = logging.getLogger(__name__)

# Kinds a non-image file defaults to, the first one the form offers.
_DOCUMENT_DEFAULTS = (
    AttachmentKind.DOCUMENT,
    AttachmentKind.EVIDENCE,
    AttachmentKind.STUDY_NOTES,
    AttachmentKind.OTHER,
)


def default_kind(mime_type: str, allowed: Iterable[str] | None = None) -> str:
    """The kind a file gets unless the user picks one: a photo for an image, else a
    document (or the nearest kind the form offers). "" when the form offers none."""
    allowed_list = list(allowed) if allowed is not None else list(AttachmentKind.values)
    if not allowed_list:
        return ""
    if mime_type.startswith("image/") and AttachmentKind.PHOTO in allowed_list:
        return AttachmentKind.PHOTO
    for kind in _DOCUMENT_DEFAULTS:
        if kind in allowed_list:
            return kind
    others = [k for k in allowed_list if k != AttachmentKind.PHOTO]
    return others[0] if others else allowed_list[0]


class PendingFiles:
    """The kept files of one file field of one form (see the module docstring)."""

    def __init__(self, request: HttpRequest, form: BaseForm, field: str = "files") -> None:
        self.request = request
        self.form = form
        self.field = field
        self.name = form.add_prefix(field) + "_pending"
        self.key = f"{request.path}#{form.add_prefix(field)}"[:300]
        self.rows: list[PendingUpload] = []
        self._kept = False
        self._opened: list[File] = []
        # Newly chosen files the disk would not take as pending: still handed to the
        # service, whose own storage error then reaches the form (never dropped).
        self.unkept: list[Any] = []
        user = request.user
        kind_field = form.fields.get("kind")
        self.kinds: list[tuple[str, str]] = []
        if isinstance(kind_field, ChoiceField):
            # django-stubs types the getter as the setter's input (a mapping, a Choices
            # class, a callable); Django has already normalized it to (value, label) pairs.
            pairs: Iterable[tuple[str, str]] = kind_field.choices  # type: ignore[assignment]
            self.kinds = [(v, label) for v, label in pairs if v]
        if form.is_bound and user.is_authenticated:
            ids = [int(v) for v in request.POST.getlist(self.name) if v.isdigit()]
            if ids:
                self.rows = list(PendingUpload.objects.for_form(user, self.key).filter(pk__in=ids))
            allowed = {v for v, _label in self.kinds}
            for row in self.rows:
                chosen = request.POST.get(f"{self.name}_kind_{row.pk}", "")
                if chosen in allowed:
                    row.kind = chosen
        if self.rows:
            form.fields[field].required = False
        form.fields[field].widget.pending = self

    def chips(self) -> list[dict[str, Any]]:
        return [
            {
                "row": row,
                "kind_name": f"{self.name}_kind_{row.pk}",
                "kind": row.kind or default_kind(row.mime_type, [v for v, _l in self.kinds]),
            }
            for row in self.rows
        ]

    def keep(self) -> None:
        """Keep the files newly chosen in this (rejected) submission. Idempotent."""
        if self._kept or not self.form.is_bound or not self.request.user.is_authenticated:
            return
        self._kept = True
        cleaned = getattr(self.form, "cleaned_data", {}).get(self.field)
        if cleaned is None:  # the field refused some files: keep those it accepted
            cleaned = getattr(self.form.fields[self.field], "accepted", None)
        cleaned = cleaned or []
        if not isinstance(cleaned, list | tuple):
            cleaned = [cleaned]
        for upload in cleaned:
            try:
                row = pending_upload_create(
                    actor=self.request.user,
                    form_key=self.key,
                    upload=upload,
                    name=upload.name or "",
                    kind=getattr(upload, "attachment_kind", ""),
                )
            except (OSError, ValidationError):
                # The disk cannot take it (the form already says so): not kept.
                logger.warning("pending upload not kept", exc_info=True)
                self.unkept.append(upload)
                continue
            self.rows.append(row)

    def uploads(self) -> list[File]:
        """Every file for the record: the kept ones, then the new ones. Each carries
        its kind (`attachment_kind`, "" when none was picked)."""
        self.keep()
        files: list[File] = []
        self._opened = files
        for row in self.rows:
            try:
                handle = row.file.open("rb")
            except OSError:  # removed from storage meanwhile: as if it were not chosen
                logger.warning("pending upload %s missing from storage", row.pk)
                continue
            upload = File(handle, name=row.original_name)
            upload.attachment_kind = row.kind  # type: ignore[attr-defined]
            files.append(upload)
        for upload in self.unkept:
            upload.seek(0)
            files.append(upload)
        return files

    @transaction.atomic
    def done(self) -> None:
        """The form succeeded: the kept files are stored with the record."""
        for upload in self._opened:
            upload.close()
        if self.rows:
            pending_uploads_delete(rows=self.rows)
            self.rows = []
