"""Files that survive a rejected form (portal/attachments/pending.py): kept for their
owner only, checked by content, brought back by the form, stored with the record when
it succeeds, removed when unused."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.models import Meeting, MeetingKind
from portal.attachments.models import Attachment, AttachmentKind, PendingUpload
from portal.attachments.pending import default_kind
from portal.attachments.services import pending_upload_create
from portal.attachments.tasks import remove_expired_pending_uploads
from tests.activities.factories import campaign_for, members
from tests.attachments.files import PDF, png_bytes, upload
from tests.conftest import World
from tests.utils import check_matrix, client_for, count_queries

pytestmark = pytest.mark.django_db


def _meeting_post(campaign: Any, **overrides: Any) -> dict[str, Any]:
    data = {
        "kind": MeetingKind.MOBILIZATION,
        "subkind": "",
        "topic": "动员大会",
        "campaign": campaign.pk,
        "starts_at": "2014-04-10T09:00",
        "ends_at": "2014-04-10T11:00",
        "place": "三楼会议室",
        "att-kind": "",
    }
    data.update(overrides)
    return data


def _rejected_with_photo(world: World) -> tuple[Any, Any, dict[str, Any], Any]:
    campaign = campaign_for(world)
    absent = members(world.child, 1)[0]
    data = _meeting_post(campaign)  # `absent` is not ticked and has no reason
    data["att-files"] = [upload("IMG_0412.png", png_bytes())]
    client = client_for(world, "secretary")
    url = reverse("activities:meeting_create", args=[world.child.pk])
    response = client.post(url, data)
    return client, url, data, (response, absent)


def test_a_rejected_meeting_keeps_the_chosen_photo_and_saves_it_once_corrected(
    world: World, media_root: Path
) -> None:
    client, url, data, (response, absent) = _rejected_with_photo(world)
    assert response.status_code == 200 and not Meeting.objects.exists()
    kept = PendingUpload.objects.get()
    assert kept.owner == world.secretary and kept.original_name == "IMG_0412.png"
    html = response.content.decode()
    assert "data-error-summary" in html and f'href="#id_roll-reason_{absent.pk}"' in html
    assert f'name="att-files_pending" value="{kept.pk}"' in html
    assert "IMG_0412.png" in html
    # Sent again with only the reason filled in: no file chosen this time.
    again = {k: v for k, v in data.items() if k != "att-files"}
    again[f"roll-reason_{absent.pk}"] = "出差"
    again["att-files_pending"] = str(kept.pk)
    response = client.post(url, again)
    meeting = Meeting.objects.get()
    assert response.status_code == 302
    saved = Attachment.objects.for_record(meeting).get()
    assert saved.original_name == "IMG_0412.png"
    assert saved.kind == AttachmentKind.PHOTO  # from the content: an image is a photo
    assert not PendingUpload.objects.exists()


def test_a_kept_file_left_out_with_its_cross_is_not_saved(world: World, media_root: Path) -> None:
    client, url, data, (_response, absent) = _rejected_with_photo(world)
    again = {k: v for k, v in data.items() if k != "att-files"}
    again[f"roll-reason_{absent.pk}"] = "出差"  # the chip was removed: no pending id sent
    assert client.post(url, again).status_code == 302
    assert not Attachment.objects.exists()


def test_another_users_kept_file_is_neither_taken_nor_shown(world: World, media_root: Path) -> None:
    _client, url, data, (_response, absent) = _rejected_with_photo(world)
    kept = PendingUpload.objects.get()
    other = client_for(world, "clerk")  # same organization, another person
    again = {k: v for k, v in data.items() if k != "att-files"}
    again[f"roll-reason_{absent.pk}"] = "出差"
    again["att-files_pending"] = str(kept.pk)
    assert other.post(url, again).status_code == 302
    assert not Attachment.objects.exists()
    assert PendingUpload.objects.filter(pk=kept.pk).exists()


def test_a_kept_file_is_tied_to_the_form_it_was_chosen_in(world: World, media_root: Path) -> None:
    client, _url, data, _rest = _rejected_with_photo(world)
    kept = PendingUpload.objects.get()
    # The same field name on another organization's meeting form does not take it.
    other_url = reverse("activities:meeting_create", args=[world.own.pk])
    campaign_for(world)
    again = {k: v for k, v in data.items() if k != "att-files"}
    again["att-files_pending"] = str(kept.pk)
    for member in world.own.members.all():
        again[f"roll-present_{member.pk}"] = "on"
    client.post(other_url, again)
    assert not Attachment.objects.exists()


def test_a_refused_file_is_not_kept(world: World, media_root: Path) -> None:
    campaign = campaign_for(world)
    members(world.child, 1)
    data = _meeting_post(campaign)
    data["att-files"] = [upload("IMG_0412.jpg", b"<html>not an image</html>")]
    response = client_for(world, "secretary").post(
        reverse("activities:meeting_create", args=[world.child.pk]), data
    )
    assert response.status_code == 200
    assert response.context["files"].errors["files"]
    assert not PendingUpload.objects.exists()


def test_kept_files_are_checked_by_content_like_attachments(world: World, media_root: Path) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        pending_upload_create(
            actor=world.secretary,
            form_key="/x#f",
            upload=upload("a.png", b"GIF89a junk"),
            name="a.png",
        )
    row = pending_upload_create(
        actor=world.secretary,
        form_key="/x#f",
        upload=upload("scan.pdf", png_bytes()),
        name="scan.pdf",
    )
    assert (row.mime_type, row.extension) == ("image/png", ".png")  # the content decides


def test_expired_kept_files_are_removed_with_their_files(world: World, media_root: Path) -> None:
    old = pending_upload_create(
        actor=world.secretary, form_key="/x#f", upload=upload("old.pdf", PDF), name="old.pdf"
    )
    fresh = pending_upload_create(
        actor=world.secretary, form_key="/x#f", upload=upload("new.pdf", PDF), name="new.pdf"
    )
    PendingUpload.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - dt.timedelta(hours=25)
    )
    path = Path(old.file.path)
    assert path.exists()
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        assert remove_expired_pending_uploads() == 1
    assert list(PendingUpload.objects.all()) == [fresh]
    assert not path.exists()


def test_the_cleanup_runs_from_the_beat_schedule(settings: Any) -> None:
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "portal.attachments.tasks.remove_expired_pending_uploads" in tasks


def test_a_kept_file_is_served_to_its_owner_only(world: World, media_root: Path) -> None:
    row = pending_upload_create(
        actor=world.secretary,
        form_key="/x#f",
        upload=upload("IMG.png", png_bytes()),
        name="IMG.png",
    )
    url = reverse("attachments:pending", args=[row.pk])
    check_matrix(
        world,
        url,
        {
            "anonymous": 302, "nobody": 404, "outsider": 404, "clerk": 404, "reviewer": 404,
            "office": 404, "admin": 404, "secretary": 200,
        },
    )  # fmt: skip
    response = client_for(world, "secretary").get(url)
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    # Queries: the session, the user, the row, the audit row of the download.
    assert count_queries(client_for(world, "secretary"), url) == 4


def test_the_kind_defaults_from_the_content() -> None:
    meeting_kinds = ["notice", "minutes", "sign_in", "photo", "other"]
    assert default_kind("image/jpeg", meeting_kinds) == AttachmentKind.PHOTO
    assert default_kind("application/pdf", meeting_kinds) == AttachmentKind.OTHER
    assert default_kind("application/pdf") == AttachmentKind.DOCUMENT
    assert default_kind("image/png", ["evidence"]) == AttachmentKind.EVIDENCE


def test_each_new_file_takes_its_own_kind_or_its_content_kind(
    world: World, media_root: Path
) -> None:
    campaign = campaign_for(world)
    present = members(world.child, 1)[0]
    data = _meeting_post(campaign)
    data[f"roll-present_{present.pk}"] = "on"
    data["att-files"] = [
        upload("photo.png", png_bytes()),
        upload("notice.pdf", PDF),
        upload("scan.png", png_bytes()),
    ]
    data["att-kind_1"] = "notice"
    data["att-kind_2"] = "sign_in"
    response = client_for(world, "secretary").post(
        reverse("activities:meeting_create", args=[world.child.pk]), data
    )
    assert response.status_code == 302
    kinds = {a.original_name: a.kind for a in Attachment.objects.all()}
    assert kinds == {"photo.png": "photo", "notice.pdf": "notice", "scan.png": "sign_in"}


def test_an_upload_with_one_refused_file_keeps_the_accepted_ones(
    world: World, media_root: Path
) -> None:
    from tests.activities.factories import meeting

    held = meeting(world.child, campaign_for(world))
    url = reverse("activities:meeting_attachments", args=[held.pk])
    client = client_for(world, "secretary")
    response = client.post(
        url,
        {
            "att-kind": "",
            "att-files": [upload("会场.png", png_bytes()), upload("坏.jpg", b"not an image")],
        },
    )
    assert response.status_code == 200
    assert response.context["attachment_form"].errors["files"]
    kept = PendingUpload.objects.get()
    assert kept.original_name == "会场.png"
    assert "会场.png" in response.content.decode()
    # Sent again without choosing anything: the kept photo is stored, as a photo.
    response = client.post(url, {"att-kind": "", "att-files_pending": str(kept.pk)})
    assert response.status_code == 302
    saved = Attachment.objects.for_record(held).get()
    assert (saved.original_name, saved.kind) == ("会场.png", AttachmentKind.PHOTO)
    assert not PendingUpload.objects.exists()
