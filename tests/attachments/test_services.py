from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from organizations.models import Organization
from portal.attachments.models import Attachment, AttachmentKind
from portal.attachments.services import (
    attachment_add,
    attachment_delete,
    attachments_delete_for,
)
from tests.attachments.files import jpeg_bytes, png_bytes, upload
from tests.conftest import World

pytestmark = pytest.mark.django_db


def add(world: World, name: str, data: bytes, record=None) -> Attachment:
    record = record or world.own
    return attachment_add(
        actor=world.secretary,
        record=record,
        organization=world.own,
        kind=AttachmentKind.PHOTO,
        upload=upload(name, data),
        name=name,
    )


def test_file_is_stored_under_a_random_name_with_the_detected_extension(
    world: World, media_root: Path
) -> None:
    data = png_bytes()
    attachment = add(world, "../../etc/会议照片.pdf", data)
    assert re.fullmatch(r"attachments/\d{4}/\d{2}/[0-9a-f]{32}\.png", attachment.file.name)
    assert (media_root / attachment.file.name).read_bytes() == data
    assert attachment.original_name == "../../etc/会议照片.pdf"
    assert attachment.download_name == "../../etc/会议照片.png"
    assert attachment.sha256 == hashlib.sha256(data).hexdigest()
    assert (attachment.size, attachment.mime_type) == (len(data), "image/png")
    assert attachment.uploaded_by == world.secretary
    assert Attachment.objects.for_record(world.own).get() == attachment


def test_photos_get_a_small_thumbnail(world: World, media_root: Path) -> None:
    from PIL import Image

    attachment = add(world, "big.jpg", jpeg_bytes((2000, 1500)))
    with Image.open(media_root / attachment.thumbnail.name) as thumb:
        assert max(thumb.size) <= 480
    text = add(world, "notes.txt", b"plain words")
    assert not text.thumbnail


def test_a_refused_file_writes_nothing(world: World, media_root: Path) -> None:
    with pytest.raises(ValidationError):
        add(world, "photo.jpg", b"not an image at all")
    assert not Attachment.objects.exists()
    assert not (media_root / "attachments").exists()


def test_a_locked_record_takes_no_files_and_loses_none(
    world: World, media_root: Path, monkeypatch
) -> None:
    attachment = add(world, "a.png", png_bytes())
    monkeypatch.setattr(Organization, "is_editable", lambda self: False, raising=False)
    with pytest.raises(ValidationError):
        add(world, "b.png", png_bytes())
    with pytest.raises(ValidationError):
        attachment_delete(actor=world.secretary, attachment=Attachment.objects.get())
    assert Attachment.objects.get() == attachment


def test_delete_removes_the_row_and_after_commit_the_files(
    world: World, media_root: Path, django_capture_on_commit_callbacks
) -> None:
    attachment = add(world, "a.png", png_bytes())
    paths = [media_root / attachment.file.name, media_root / attachment.thumbnail.name]
    assert all(p.exists() for p in paths)
    with django_capture_on_commit_callbacks(execute=True):
        attachment_delete(actor=world.secretary, attachment=attachment)
    assert not Attachment.objects.exists()
    assert not any(p.exists() for p in paths)


def test_deleting_a_record_removes_all_its_attachments(
    world: World, media_root: Path, django_capture_on_commit_callbacks
) -> None:
    kept = add(world, "other.png", png_bytes(), record=world.child)
    first = add(world, "a.png", png_bytes())
    add(world, "b.txt", b"words")
    with django_capture_on_commit_callbacks(execute=True):
        assert attachments_delete_for(record=world.own) == 2
    assert list(Attachment.objects.all()) == [kept]
    assert not (media_root / first.file.name).exists()
