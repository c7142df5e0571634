"""Download, inline view and delete of attachments, each behind the organization's
grants: VIEW to read, RECORD to delete (plus whoever the owning record opens itself to,
see models.owner_opens_to). Anonymous → login; cannot see → 404; can see but may not
delete → 403."""

from __future__ import annotations

import os
import unicodedata
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import File
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from portal.accounts.permissions import Action, user_can

from .models import Attachment, PendingUpload, owner_opens_to
from .services import attachment_delete


def _get_attachment_for_user(user: Any, pk: Any, action: Action = Action.VIEW) -> Attachment:
    """The attachment if `user` may do `action` to it; 404 when they cannot even see it.
    Queries: the attachment with its organization (1); the owning record (1) only when
    the user's grants do not already allow the action."""
    try:
        attachment = Attachment.objects.select_related("organization").get(pk=int(pk))
    except (Attachment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    org = attachment.organization
    if user_can(user, action, org):
        return attachment
    if owner_opens_to(attachment.record, user):
        return attachment
    if user_can(user, Action.VIEW, org):
        raise PermissionDenied
    raise Http404


def _content_disposition(disposition: str, name: str) -> str:
    """RFC 6266 with an ASCII fallback and the UTF-8 name RFC 5987-encoded, so that
    Chinese file names survive every browser. `name` ends with our own ASCII extension
    (Attachment.download_name)."""
    stem, extension = os.path.splitext(name)
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    ascii_stem = "".join(c if c.isalnum() or c in "-_ " else "_" for c in ascii_stem).strip(" _")
    fallback = (ascii_stem or "file") + extension
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _file_response(field: File, content_type: str, name: str, disposition: str) -> FileResponse:
    try:
        handle = field.open("rb")
    except (OSError, ValueError):  # missing from storage: as if it did not exist
        raise Http404 from None
    response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = _content_disposition(disposition, name)
    response["X-Content-Type-Options"] = "nosniff"
    # Private data: never kept by shared caches or the browser's disk cache.
    add_never_cache_headers(response)
    patch_cache_control(response, private=True, no_store=True)
    return response


@login_required
@require_GET
def download(request: HttpRequest, pk: int) -> FileResponse:
    attachment = _get_attachment_for_user(request.user, pk)
    return _file_response(
        attachment.file, attachment.mime_type, attachment.download_name, "attachment"
    )


@login_required
@require_GET
def view(request: HttpRequest, pk: int) -> FileResponse:
    """Images only, shown inline (`?thumb=1`: the small copy made at upload)."""
    attachment = _get_attachment_for_user(request.user, pk)
    if not attachment.is_image:
        raise Http404
    if request.GET.get("thumb") and attachment.thumbnail:
        field = attachment.thumbnail
        mime = "image/png" if field.name.endswith(".png") else "image/jpeg"
    else:
        field, mime = attachment.file, attachment.mime_type
    return _file_response(field, mime, attachment.download_name, "inline")


@login_required
@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = _get_attachment_for_user(request.user, pk, Action.RECORD)
    record = attachment.record
    back = (
        record.get_absolute_url()
        if record is not None and hasattr(record, "get_absolute_url")
        else reverse("core:home")
    )
    if request.method == "POST":
        try:
            attachment_delete(actor=request.user, attachment=attachment)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, _("%(name)s was removed.") % {"name": attachment.original_name}
            )
        return redirect(back)
    return render(
        request,
        "attachments/confirm_delete.html",
        {"attachment": attachment, "record": record, "back": back},
    )


@login_required
@require_GET
def pending(request: HttpRequest, pk: int) -> FileResponse:
    """A file kept from a rejected form, for its owner only (anyone else: 404, as if it
    did not exist). Images inline (the chip's preview), other files as a download.
    Queries: the row (1)."""
    row = PendingUpload.objects.filter(pk=pk, owner=request.user.pk).first()
    if row is None:
        raise Http404
    disposition = "inline" if row.is_image else "attachment"
    stem = row.original_name.rsplit(".", 1)[0] if "." in row.original_name else row.original_name
    return _file_response(row.file, row.mime_type, f"{stem or 'file'}{row.extension}", disposition)
