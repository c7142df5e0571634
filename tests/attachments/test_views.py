from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from organizations.models import Organization
from portal.attachments.models import Attachment, AttachmentKind
from portal.attachments.services import attachment_add
from tests.attachments.files import png_bytes, upload
from tests.conftest import World
from tests.utils import check_matrix, client_for

pytestmark = pytest.mark.django_db

# Who may VIEW (download) / RECORD (delete) an attachment of an organization in each
# position relative to the secretary's own organization.
VIEW = {
    "own": {
        "anonymous": 302, "nobody": 404, "outsider": 404, "office": 200, "reviewer": 200,
        "instructor": 200, "secretary": 200, "clerk": 200, "member_user": 404, "admin": 200,
    },
    "parent": {
        "anonymous": 302, "nobody": 404, "outsider": 404, "office": 200, "reviewer": 200,
        "instructor": 404, "secretary": 404, "clerk": 404, "member_user": 404, "admin": 200,
    },
    "far": {
        "anonymous": 302, "nobody": 404, "outsider": 404, "office": 404, "reviewer": 404,
        "instructor": 404, "secretary": 404, "clerk": 404, "member_user": 404, "admin": 200,
    },
}  # fmt: skip
VIEW["child"] = VIEW["own"]
VIEW["sibling"] = VIEW["parent"]
RECORD = {
    "own": {**VIEW["own"], "office": 403, "reviewer": 403, "instructor": 403},
    "parent": {**VIEW["parent"], "office": 403, "reviewer": 403},
    "far": VIEW["far"],
}
RECORD["child"] = RECORD["own"]
RECORD["sibling"] = RECORD["parent"]
POSITIONS = {"own": "own", "child": "child", "parent": "park_a", "sibling": "sibling", "far": "far"}


def attach(world: World, org: Organization, name: str = "会议照片.png", data: bytes | None = None):
    return attachment_add(
        actor=world.admin,
        record=org,
        organization=org,
        kind=AttachmentKind.PHOTO,
        upload=upload(name, data or png_bytes()),
        name=name,
    )


@pytest.mark.parametrize("position", list(POSITIONS))
def test_download_and_inline_view_follow_the_view_matrix(
    world: World, media_root: Path, position: str
) -> None:
    attachment = attach(world, getattr(world, POSITIONS[position]))
    check_matrix(world, reverse("attachments:download", args=[attachment.pk]), VIEW[position])
    check_matrix(world, reverse("attachments:view", args=[attachment.pk]), VIEW[position])


@pytest.mark.parametrize("position", list(POSITIONS))
def test_delete_page_follows_the_record_matrix(
    world: World, media_root: Path, position: str
) -> None:
    attachment = attach(world, getattr(world, POSITIONS[position]))
    check_matrix(world, reverse("attachments:delete", args=[attachment.pk]), RECORD[position])


def test_download_streams_the_file_as_a_private_attachment_with_its_original_name(
    world: World, media_root: Path
) -> None:
    data = png_bytes()
    attachment = attach(world, world.own, "会议 照片.pdf", data)
    response = client_for(world, "clerk").get(reverse("attachments:download", args=[attachment.pk]))
    assert b"".join(response.streaming_content) == data
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == (
        "attachment; filename=\"file.png\"; filename*=UTF-8''%E4%BC%9A%E8%AE%AE%20%E7%85%A7%E7%89%87.png"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_an_ascii_name_keeps_its_letters_in_the_fallback(world: World, media_root: Path) -> None:
    attachment = attach(world, world.own, 'minutes "final".png')
    response = client_for(world, "clerk").get(reverse("attachments:download", args=[attachment.pk]))
    assert response["Content-Disposition"].startswith('attachment; filename="minutes _final.png"')


def test_inline_view_shows_images_and_their_thumbnails_but_not_other_files(
    world: World, media_root: Path
) -> None:
    image = attach(world, world.own)
    text = attach(world, world.own, "notes.txt", b"words")
    client = client_for(world, "secretary")
    response = client.get(reverse("attachments:view", args=[image.pk]))
    assert response["Content-Disposition"].startswith("inline;")
    thumb = client.get(reverse("attachments:view", args=[image.pk]) + "?thumb=1")
    assert thumb["Content-Type"] in {"image/jpeg", "image/png"}
    assert client.get(reverse("attachments:view", args=[text.pk])).status_code == 404


def test_a_missing_file_or_attachment_is_404_not_500(world: World, media_root: Path) -> None:
    attachment = attach(world, world.own)
    (media_root / attachment.file.name).unlink()
    client = client_for(world, "secretary")
    assert client.get(reverse("attachments:download", args=[attachment.pk])).status_code == 404
    assert client.get("/files/999999/").status_code == 404


def test_posting_delete_removes_it_and_returns_to_the_record(
    world: World, media_root: Path
) -> None:
    attachment = attach(world, world.child)
    response = client_for(world, "clerk").post(reverse("attachments:delete", args=[attachment.pk]))
    assert response.status_code == 302
    assert response["Location"] == world.child.get_absolute_url()
    assert not Attachment.objects.exists()


def test_delete_of_a_locked_record_is_refused_with_a_message(
    world: World, media_root: Path, monkeypatch
) -> None:
    attachment = attach(world, world.own)
    monkeypatch.setattr(Organization, "is_editable", lambda self: False, raising=False)
    response = client_for(world, "secretary").post(
        reverse("attachments:delete", args=[attachment.pk]), follow=False
    )
    assert response.status_code == 302
    assert Attachment.objects.filter(pk=attachment.pk).exists()


def test_reviewer_cannot_post_delete(world: World, media_root: Path) -> None:
    attachment = attach(world, world.own)
    check_matrix(
        world,
        reverse("attachments:delete", args=[attachment.pk]),
        {"reviewer": 403, "outsider": 404, "anonymous": 302},
        method="post",
    )
    assert Attachment.objects.filter(pk=attachment.pk).exists()
