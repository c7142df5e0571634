"""A failing disk (read-only, full, unmounted) when a file is uploaded: the form comes
back with "the file could not be stored, try again later", logged, never a 500, and
nothing half-written."""

from __future__ import annotations

import errno
from typing import Any

import pytest
from django.core.files.storage import FileSystemStorage

from organizations.models import ImportJob
from portal.attachments.models import Attachment
from tests.conftest import World
from tests.organizations.test_io_support import member_values, table, xlsx_bytes
from tests.rectification.records_factories import make_receipt, pdf
from tests.utils import client_for

pytestmark = pytest.mark.django_db

MESSAGE = "The file could not be stored; please try again later."


def read_only(*args: Any, **kwargs: Any) -> str:
    raise OSError(errno.EROFS, "Read-only file system")


def test_evidence_upload_on_a_read_only_disk_says_so(
    world: World, media_root: Any, monkeypatch: Any
) -> None:
    receipt = make_receipt(world)
    monkeypatch.setattr(FileSystemStorage, "save", read_only)
    client = client_for(world, "secretary")
    response = client.post(
        receipt.get_absolute_url(), {"att-kind": "evidence", "att-files": [pdf()]}, follow=True
    )
    # The form comes back with the message (no 500, no "attached" success for a file
    # that was never stored) and nothing is half-written.
    assert response.status_code == 200
    html = response.content.decode()
    assert MESSAGE in html
    assert "The evidence was attached." not in html
    assert not Attachment.objects.for_record(receipt).exists()


def test_import_upload_on_a_read_only_disk_says_so(
    world: World, media_root: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(FileSystemStorage, "save", read_only)
    client = client_for(world, "secretary")
    data = xlsx_bytes(table([member_values(0, world.own)]))
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("roster.xlsx", data)
    response = client.post(f"/io/import/members/?org={world.own.pk}", {"file": upload})
    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    assert not ImportJob.objects.exists()
