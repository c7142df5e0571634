"""Writes for attachments. Callers (domain views) check permissions first through
portal.accounts.permissions; these services check the data and the owning record's
editability."""

from __future__ import annotations

import contextlib
import io
import logging
from typing import IO, TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from portal.core.closed import refuse_record_if_closed

from .models import Attachment, AttachmentKind, PendingUpload, owner_is_editable

if TYPE_CHECKING:
    from organizations.models import Organization
from .validators import inspect_upload

logger = logging.getLogger(__name__)

THUMBNAIL_SIZE = (480, 480)


def _make_thumbnail(data: bytes) -> tuple[bytes, str] | None:
    """A small copy for list pages on phones, turned upright by its EXIF orientation.
    JPEG for photos, PNG where the image has transparency."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.seek(0)
            thumb = ImageOps.exif_transpose(img) or img
            thumb.thumbnail(THUMBNAIL_SIZE)
            out = io.BytesIO()
            if thumb.mode in ("RGBA", "LA", "P"):
                thumb.save(out, format="PNG", optimize=True)
                return out.getvalue(), ".png"
            thumb.convert("RGB").save(out, format="JPEG", quality=80)
            return out.getvalue(), ".jpg"
    except (OSError, ValueError) as exc:  # the original was verified; a thumbnail is optional
        logger.warning("thumbnail failed: %s", exc)
        return None


def _delete_files_on_commit(names: list[str], storage: Any) -> None:
    def delete() -> None:
        for name in names:
            try:
                storage.delete(name)
            except OSError as exc:  # a missing file must not break the request
                logger.warning("could not delete %s: %s", name, exc)

    transaction.on_commit(delete)


@transaction.atomic
def attachment_add(
    *,
    actor: Any,
    record: models.Model,
    organization: Organization,
    kind: str,
    upload: IO[bytes],
    name: str,
) -> Attachment:
    """Store one file for `record` (scoped to `organization`).

    `kind` "" lets the content decide; an `attachment_kind` attribute on `upload`
    overrides it for that file. Checks the content (portal.attachments.validators.inspect_upload), writes the file
    under a random name and, for images, a thumbnail. Raises ValidationError when the
    file is refused or the record is no longer editable. Queries: 1 insert (plus the
    content-type lookup, cached per process). If this call fails, the files it wrote
    are removed; if an enclosing transaction rolls back after it returned, the file
    stays on disk with no row pointing at it (unreachable, never served).
    """
    refuse_record_if_closed(record)  # a closed campaign's records (docs/product.md §5.2)
    if not owner_is_editable(record):
        raise ValidationError(_("This record is locked; files cannot be added."))
    # A kind picked for this one file (attachment forms, kept files) wins over the
    # batch's; with none, the content decides (an image is a photo).
    kind = getattr(upload, "attachment_kind", "") or kind
    inspected = inspect_upload(upload, name)
    if not kind:
        kind = AttachmentKind.PHOTO if inspected.is_image else AttachmentKind.DOCUMENT
    if kind not in AttachmentKind.values:
        raise ValidationError({"kind": _("Choose a valid kind.")})
    upload.seek(0)
    data = upload.read()
    attachment = Attachment(
        record=record,
        organization=organization,
        kind=kind,
        original_name=(name or "file")[-200:],
        size=inspected.size,
        mime_type=inspected.mime_type,
        extension=inspected.extension,
        sha256=inspected.sha256,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    written: list[str] = []
    try:
        attachment.file.save("upload" + inspected.extension, ContentFile(data), save=False)
        written.append(attachment.file.name)
        if inspected.is_image:
            thumb = _make_thumbnail(data)
            if thumb is not None:
                attachment.thumbnail.save("thumb" + thumb[1], ContentFile(thumb[0]), save=False)
                written.append(attachment.thumbnail.name)
        attachment.full_clean(exclude=["uploaded_by"])  # None for system imports
        attachment.save()
    except Exception as exc:
        for stored in written:
            with contextlib.suppress(OSError):
                attachment.file.storage.delete(stored)
        if isinstance(exc, OSError):
            # A full, read-only or unmounted disk: the form comes back with a message
            # instead of a 500, and nothing is half-written.
            logger.exception("attachment could not be stored")
            raise ValidationError(
                _("The file could not be stored; please try again later.")
            ) from exc
        raise
    return attachment


@transaction.atomic
def attachment_delete(*, actor: Any, attachment: Attachment) -> None:
    """Delete the row; the files go once the transaction commits. Raises
    ValidationError when the owning record is locked. Queries: the record (1) and the
    delete (1)."""
    refuse_record_if_closed(attachment.record)
    if not owner_is_editable(attachment.record):
        raise ValidationError(_("This record is locked; its files cannot be removed."))
    names = [n for n in (attachment.file.name, attachment.thumbnail.name) if n]
    storage = attachment.file.storage
    attachment.delete()
    _delete_files_on_commit(names, storage)
    logger.info("attachment %s deleted by %s", attachment.original_name, actor)


def attachments_delete_for(*, record: models.Model) -> int:
    """Remove every attachment of a record that is being deleted (called by the owning
    record's delete service inside its transaction). Returns how many."""
    rows = list(Attachment.objects.for_record(record))
    if not rows:
        return 0
    names = [n for a in rows for n in (a.file.name, a.thumbnail.name) if n]
    storage = rows[0].file.storage
    Attachment.objects.filter(pk__in=[a.pk for a in rows]).delete()
    _delete_files_on_commit(names, storage)
    return len(rows)


@transaction.atomic
def pending_upload_create(
    *, actor: Any, form_key: str, upload: IO[bytes], name: str, kind: str = ""
) -> PendingUpload:
    """Keep one file of a rejected form for `actor` (see portal/attachments/pending.py).
    Checked by content as attachment_add checks it. Queries: 1 insert."""
    inspected = inspect_upload(upload, name)
    upload.seek(0)
    data = upload.read()
    row = PendingUpload(
        owner=actor,
        form_key=form_key[:300],
        original_name=(name or "file")[-200:],
        size=inspected.size,
        mime_type=inspected.mime_type,
        extension=inspected.extension,
        sha256=inspected.sha256,
        kind=kind if kind in AttachmentKind.values else "",
    )
    row.file.save("upload" + inspected.extension, ContentFile(data), save=False)
    try:
        row.full_clean()
        row.save()
    except Exception:
        row.file.storage.delete(row.file.name)
        raise
    return row


def pending_uploads_delete(*, rows: list[PendingUpload]) -> int:
    """Remove kept files (used, removed by their owner, or expired); the files go once
    the transaction commits. Queries: 1 delete."""
    if not rows:
        return 0
    names = [row.file.name for row in rows if row.file.name]
    storage = rows[0].file.storage
    PendingUpload.objects.filter(pk__in=[row.pk for row in rows]).delete()
    _delete_files_on_commit(names, storage)
    return len(rows)


@transaction.atomic
def pending_uploads_expire(*, now: Any = None) -> int:
    """Remove the kept files nobody came back for (older than
    settings.PENDING_UPLOAD_HOURS). Returns how many."""
    rows = list(PendingUpload.objects.expired(now))
    return pending_uploads_delete(rows=rows)


@transaction.atomic
def attachments_add_all(
    *,
    actor: Any,
    record: models.Model,
    organization: Organization,
    uploads: list[Any],
    kind: str = "",
) -> list[Attachment]:
    """Store several files for `record`, all or none (attachment_add for each; each
    file's own `attachment_kind` wins over `kind`)."""
    return [
        attachment_add(
            actor=actor,
            record=record,
            organization=organization,
            kind=kind,
            upload=upload,
            name=upload.name or "",
        )
        for upload in uploads
    ]
