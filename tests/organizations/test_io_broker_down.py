"""A confirmed import when the background service (Redis) is down: one fast attempt, a
clear message, no 500, and the job back at its checked preview (file kept) rather than
lost or stuck "importing"; confirming again once the broker answers sends it."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.storage import default_storage

from organizations.models import ImportJob, Member
from organizations.tasks import run_import_job
from tests.conftest import World
from tests.core.broker import BrokerSpy, assert_one_fast_attempt, broker_down, broker_up
from tests.organizations.test_io_support import citizen_id, member_values, table, xlsx_bytes
from tests.organizations.test_io_views import job_of, upload
from tests.utils import client_for

__all__ = ["broker_down", "broker_up"]  # fixtures used below

# transaction=True: the confirm view's on-commit send runs inside the request, as in
# production, so its outcome reaches the page's message.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _media(media_root: Any) -> None:
    """Uploaded files go to a temporary MEDIA_ROOT."""


@pytest.fixture
def checked_job(world: World, settings: Any) -> ImportJob:
    """A large (background) roster checked in process, ready to confirm."""
    client = client_for(world, "secretary")
    job = job_of(upload(client, xlsx_bytes(table([member_values(i, world.own) for i in range(3)]))))
    assert job.status == ImportJob.Status.CHECKED
    settings.IMPORT_BACKGROUND_ROWS = 1  # from now on the file counts as large
    return job


def test_confirm_with_the_broker_down_keeps_the_preview_and_says_so(
    world: World, checked_job: ImportJob, broker_down: BrokerSpy
) -> None:
    client = client_for(world, "secretary")
    response = client.post(f"/io/jobs/{checked_job.pk}/confirm/", follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "The background service is unavailable just now; nothing was imported." in html
    assert "Import now" in html  # the preview again, to press later
    checked_job.refresh_from_db()
    assert checked_job.status == ImportJob.Status.CHECKED and not checked_job.is_running
    assert default_storage.exists(checked_job.stored_name)
    assert not Member.objects.filter(id_number=citizen_id(0)).exists()
    assert_one_fast_attempt(broker_down)
    assert broker_down.publishes == []


def test_confirm_again_once_the_broker_answers_sends_the_import(
    world: World, checked_job: ImportJob, broker_up: BrokerSpy
) -> None:
    client = client_for(world, "secretary")
    response = client.post(f"/io/jobs/{checked_job.pk}/confirm/", follow=True)
    assert response.status_code == 200
    assert "unavailable" not in response.content.decode()
    [(name, args, options)] = broker_up.publishes
    assert (name, args) == (run_import_job.name, [checked_job.pk, True])
    assert options["retry"] is False
    checked_job.refresh_from_db()
    assert checked_job.status == ImportJob.Status.IMPORTING
    assert checked_job.progress == 0  # not the check's 100 % while the import waits
    # What the worker then does with the message (run here).
    assert run_import_job(checked_job.pk, True) == "done"
    assert Member.objects.filter(id_number=citizen_id(0)).exists()
