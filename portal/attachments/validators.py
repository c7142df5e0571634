"""Upload checks by content, never by the name or the browser's Content-Type.

Accepted: JPEG, PNG, GIF and WebP images (re-checked with Pillow), PDF, .docx and .xlsx
(a zip holding [Content_Types].xml and the main part), and plain text (UTF-8 or
GB 18030). Binary formats identify themselves by their signature, so their detected type
wins over the name: a PNG uploaded as "scan.pdf" is stored as a PNG. Plain text has no
signature, so it is accepted only when the name also says text (.txt, .csv, .md): a
".jpg" whose content is text is refused.
"""

from __future__ import annotations

import hashlib
import io
import threading
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageFile, UnidentifiedImageError

IMAGE_TYPES = {
    "image/jpeg": (".jpg", "JPEG"),
    "image/png": (".png", "PNG"),
    "image/gif": (".gif", "GIF"),
    "image/webp": (".webp", "WEBP"),
}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OFFICE_TYPES = {DOCX: (".docx", "word/document.xml"), XLSX: (".xlsx", "xl/workbook.xml")}
TEXT_EXTENSIONS = {".txt", ".csv", ".md"}
# What the file picker offers; the server decides by content anyway.
ACCEPT = "image/jpeg,image/png,image/gif,image/webp,application/pdf,.docx,.xlsx,.txt,.csv,.md"
# Larger images are refused before decoding (decompression bombs).
MAX_IMAGE_PIXELS = 40_000_000
# Markup in an image means a polyglot meant to be run by a browser; the chance of
# these byte strings occurring by accident in compressed image data is negligible.
MARKUP_MARKERS = (b"<script", b"<html", b"<?php", b"<svg", b"<iframe", b"javascript:")


@dataclass(frozen=True)
class Inspected:
    mime_type: str
    extension: str
    size: int
    sha256: str

    @property
    def is_image(self) -> bool:
        return self.mime_type in IMAGE_TYPES


def _read_all(upload: IO[bytes]) -> bytes:
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    return data


def _extension_of(name: str) -> str:
    return "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _unsupported() -> ValidationError:
    return ValidationError(
        _(
            "This type of file is not accepted. Upload an image (JPEG, PNG, GIF, WebP), "
            "a PDF, a Word (.docx) or Excel (.xlsx) document, or a plain-text file."
        ),
        code="unsupported",
    )


_TRUNCATION_FLAG = threading.Lock()


@contextmanager
def _truncated_images_refused():
    """Pillow's ImageFile.LOAD_TRUNCATED_IMAGES is a process-wide switch, and
    WeasyPrint turns it on when imported (weasyprint/images.py): decode with it off,
    whoever imported what, so that a cut-off upload is refused rather than padded."""
    with _TRUNCATION_FLAG:
        before = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = before


def _check_image(data: bytes, mime: str) -> None:
    bad = ValidationError(_("The image is damaged or is not really an image."), code="bad_image")
    lowered = data.lower()
    if any(marker in lowered for marker in MARKUP_MARKERS) or zipfile.is_zipfile(io.BytesIO(data)):
        raise bad
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.verify()
        # verify() leaves the image unusable; reopen to check the format and decode
        # every pixel (catches truncated data verify() does not read).
        with Image.open(io.BytesIO(data)) as img:
            if img.format != IMAGE_TYPES[mime][1]:
                raise bad
            width, height = img.size
            if width * height > MAX_IMAGE_PIXELS:
                raise ValidationError(
                    _("The image is too large (%(w)d × %(h)d pixels).") % {"w": width, "h": height},
                    code="image_too_large",
                )
            with _truncated_images_refused():
                img.load()
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise bad from None


def _office_type(data: bytes) -> str:
    """DOCX or XLSX judged by the archive's parts (not by filetype's guess, which only
    sees the first 8 KiB); anything else in a zip is refused."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ValidationError(_("The document is damaged."), code="bad_document") from None
    if "[Content_Types].xml" in names:
        for mime, (_extension, main_part) in OFFICE_TYPES.items():
            if main_part in names:
                return mime
    raise _unsupported()


def _is_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        # Control characters betray a binary file; the head is enough to tell.
        return all(ch.isprintable() or ch in "\r\n\t\f" for ch in text[:100_000])
    return False


def inspect_upload(upload: IO[bytes], name: str) -> Inspected:
    """Check one uploaded file and say what it really is.

    Raises ValidationError (translatable message) for an empty or oversized file, a type
    not accepted, an image Pillow cannot verify and decode, a polyglot, a damaged
    Office document, or text under a non-text name. Reads the file once into memory
    (bounded by settings.UPLOAD_MAX_BYTES, checked first from the size).
    """
    size = getattr(upload, "size", None)
    limit = settings.UPLOAD_MAX_BYTES
    if size is not None and size > limit:
        raise ValidationError(
            _("%(name)s is too large (%(size)s); the limit is %(limit)s.")
            % {"name": name, "size": filesizeformat(size), "limit": filesizeformat(limit)},
            code="too_large",
        )
    data = _read_all(upload)
    if len(data) > limit:
        raise ValidationError(
            _("%(name)s is too large (%(size)s); the limit is %(limit)s.")
            % {"name": name, "size": filesizeformat(len(data)), "limit": filesizeformat(limit)},
            code="too_large",
        )
    if not data:
        raise ValidationError(_("%(name)s is empty.") % {"name": name}, code="empty")
    guess = filetype.guess(data[:8192])
    mime = guess.mime if guess else ""
    if mime in IMAGE_TYPES:
        _check_image(data, mime)
        extension = IMAGE_TYPES[mime][0]
    elif mime == "application/pdf":
        extension = ".pdf"
    elif mime in OFFICE_TYPES or mime == "application/zip":
        mime = _office_type(data)
        extension = OFFICE_TYPES[mime][0]
    elif guess is None and _extension_of(name) in TEXT_EXTENSIONS and _is_text(data):
        mime, extension = "text/plain", _extension_of(name)
    else:
        raise _unsupported()
    return Inspected(
        mime_type=mime,
        extension=extension,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
