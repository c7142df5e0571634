"""Files attached to any record (meetings, counseling records, statements, evidence…).

A cross-cutting app: it sees the owning record only through a generic foreign key and
a small interface the record may implement (see `owner_is_editable` and
`owner_opens_to`). Scoping uses the `organization` column, so permission checks never
need the owning record.

Files are stored under MEDIA_ROOT/attachments/<yyyy>/<mm>/<uuid><ext>: the extension
comes from the type detected from the content, never from the user's file name, and
the user's name is kept only in `original_name` for the download header.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AttachmentKind(models.TextChoices):
    NOTICE = "notice", _("notice")
    MINUTES = "minutes", _("minutes")
    SIGN_IN = "sign_in", _("sign-in sheet")
    PHOTO = "photo", _("photo")
    EVIDENCE = "evidence", _("evidence")
    DOCUMENT = "document", _("document")
    STUDY_NOTES = "study_notes", _("study notes or experience essay")
    OTHER = "other", _("other")


def _stored_name(folder: str, extension: str) -> str:
    now = timezone.now()
    return f"{folder}/{now:%Y}/{now:%m}/{uuid.uuid4().hex}{extension}"


def attachment_upload_to(instance: Attachment, filename: str) -> str:
    """Ignore the user's file name: a random name with the detected extension."""
    return _stored_name("attachments", instance.extension)


def thumbnail_upload_to(instance: Attachment, filename: str) -> str:
    extension = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return _stored_name("attachments/thumbs", extension)


class AttachmentQuerySet(models.QuerySet["Attachment"]):
    def for_record(self, record: models.Model) -> AttachmentQuerySet:
        """Attachments of one record (index attachment_record_idx)."""
        return self.filter(
            content_type=ContentType.objects.get_for_model(record), object_id=record.pk
        )


class Attachment(models.Model):
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="attachments",
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=AttachmentKind.choices, default=AttachmentKind.OTHER
    )
    file = models.FileField(_("file"), upload_to=attachment_upload_to, max_length=200)
    thumbnail = models.FileField(upload_to=thumbnail_upload_to, max_length=200, blank=True)
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveBigIntegerField(_("size"))
    mime_type = models.CharField(_("type"), max_length=100)
    extension = models.CharField(max_length=10)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "pk"]
        indexes = [
            # The attachments of one record, on every detail page (for_record()).
            models.Index(fields=["content_type", "object_id"], name="attachment_record_idx"),
            # Records joined with their attachments of one kind, e.g. the live
            # checklist's "mechanisms in place" (a document each) over a county of a
            # province: an index-only nested loop instead of a scan of every attachment
            # (bench/explain.py: 946 ms -> 75 ms at province scale).
            models.Index(
                fields=["content_type", "object_id", "kind"], name="attachment_record_kind_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("attachments:download", args=[self.pk])

    @property
    def is_image(self) -> bool:
        return self.mime_type.startswith("image/")

    @property
    def download_name(self) -> str:
        """The user's name, with the extension of the type actually stored: a PNG
        uploaded as "scan.pdf" downloads as "scan.png"."""
        stem = (
            self.original_name.rsplit(".", 1)[0]
            if "." in self.original_name
            else self.original_name
        )
        return f"{stem or 'file'}{self.extension}"


def owner_is_editable(record: Any) -> bool:
    """An owning record may define `is_editable()` (e.g. False once submitted for
    review); without it, records are editable."""
    check = getattr(record, "is_editable", None)
    return bool(check()) if callable(check) else True


def owner_opens_to(record: Any, user: Any) -> bool:
    """An owning record may define `attachments_open_to(user)` to let people outside the
    organization's roles see and manage its attachments (a party member's own counseling
    record). Without it, only the organization's VIEW / RECORD grants count."""
    check = getattr(record, "attachments_open_to", None)
    return bool(check(user)) if callable(check) and record is not None else False


def pending_upload_to(instance: PendingUpload, filename: str) -> str:
    return _stored_name("attachments/pending", instance.extension)


class PendingUploadQuerySet(models.QuerySet["PendingUpload"]):
    def expired(self, now: Any = None) -> PendingUploadQuerySet:
        """Kept longer than PENDING_UPLOAD_HOURS: their form was never sent again."""
        now = now or timezone.now()
        return self.filter(created_at__lt=now - dt.timedelta(hours=settings.PENDING_UPLOAD_HOURS))

    def for_form(self, owner: Any, form_key: str) -> PendingUploadQuerySet:
        return self.filter(owner=owner, form_key=form_key)


class PendingUpload(models.Model):
    """A file chosen in a form the server rejected: kept (checked by content, as an
    attachment is) so the user need not choose it again. Only its owner sees it, only
    the form it was chosen in (form_key: the page's path and the field) takes it; it
    becomes an Attachment when that form succeeds, and is removed when left unused
    (portal.attachments.tasks.remove_expired_pending_uploads)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    form_key = models.CharField(max_length=300)
    file = models.FileField(upload_to=pending_upload_to, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveBigIntegerField(_("size"))
    mime_type = models.CharField(_("type"), max_length=100)
    extension = models.CharField(max_length=10)
    sha256 = models.CharField(max_length=64)
    kind = models.CharField(_("kind"), max_length=20, choices=AttachmentKind.choices, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = PendingUploadQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["owner", "form_key"], name="pending_upload_form_idx"),
            models.Index(fields=["created_at"], name="pending_upload_created_idx"),
        ]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("attachments:pending", args=[self.pk])

    @property
    def is_image(self) -> bool:
        return self.mime_type.startswith("image/")
