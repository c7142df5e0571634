"""Imports whose message was lost or whose worker died are sent again (by beat, or the
user's "Try again"), a bounded number of times; a job that fails or is abandoned loses
its file (the roster is personal data)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from organizations.imports import services
from organizations.models import ImportJob, Member
from organizations.tasks import run_import_job
from tests.conftest import World
from tests.core.broker import BrokerSpy, broker_up
from tests.organizations.test_io_support import citizen_id, member_values, table, xlsx_bytes
from tests.organizations.test_io_views import job_of, upload
from tests.utils import client_for

__all__ = ["broker_up"]  # fixture used below

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _media(media_root: Any) -> None:
    """Uploaded files go to a temporary MEDIA_ROOT."""


@pytest.fixture
def confirmed(world: World, settings: Any, broker_up: BrokerSpy) -> ImportJob:
    """A large roster, checked, confirmed: its import message went to the broker (which
    records it and runs nothing: as if it were lost)."""
    client = client_for(world, "secretary")
    job = job_of(upload(client, xlsx_bytes(table([member_values(i, world.own) for i in range(3)]))))
    settings.IMPORT_BACKGROUND_ROWS = 1
    client.post(f"/io/jobs/{job.pk}/confirm/")
    job.refresh_from_db()
    assert job.status == ImportJob.Status.IMPORTING and job.sent_at is not None
    assert len(broker_up.publishes) == 1
    return job


def test_a_lost_import_message_is_sent_again_and_the_import_done_once(
    confirmed: ImportJob, broker_up: BrokerSpy
) -> None:
    soon = timezone.now() + dt.timedelta(seconds=30)
    assert services.resend_imports(now=soon) == 0  # not overdue yet
    later = timezone.now() + services.STALE_SENT + dt.timedelta(seconds=5)
    assert services.resend_imports(now=later) == 1
    assert len(broker_up.publishes) == 2
    # The worker takes the resent message; the first one never comes back.
    assert run_import_job(confirmed.pk, True) == "done"
    assert run_import_job(confirmed.pk, True) == "done"  # a late duplicate: nothing
    assert Member.objects.filter(id_number=citizen_id(0)).count() == 1
    assert services.resend_imports(now=later + dt.timedelta(minutes=5)) == 0


def test_an_import_whose_worker_died_is_requeued_then_fails_after_three_starts(
    confirmed: ImportJob, broker_up: BrokerSpy
) -> None:
    stored = confirmed.stored_name
    for start in range(1, services.MAX_ATTEMPTS + 1):
        # A worker starts the step, then dies (its heartbeat stops).
        now = timezone.now()
        ImportJob.objects.filter(pk=confirmed.pk).update(
            attempts=start, sent_at=now - dt.timedelta(seconds=1), heartbeat_at=now
        )
        later = timezone.now() + services.STALE_HEARTBEAT + dt.timedelta(seconds=5)
        services.resend_imports(now=later)
    confirmed.refresh_from_db()
    assert confirmed.status == ImportJob.Status.FAILED
    assert "interrupted 3 times" in confirmed.failure
    assert not default_storage.exists(stored)  # personal data not kept
    assert len(broker_up.publishes) == 1 + services.MAX_ATTEMPTS - 1


def test_the_owner_can_send_a_stuck_import_again_from_its_page(
    world: World, confirmed: ImportJob, broker_up: BrokerSpy
) -> None:
    client = client_for(world, "secretary")
    page = client.get(f"/io/jobs/{confirmed.pk}/").content.decode()
    assert "Try again" not in page  # just sent: not stuck
    assert client.post(f"/io/jobs/{confirmed.pk}/retry/").status_code == 302
    assert len(broker_up.publishes) == 1  # a retry of a healthy job does nothing
    sent = timezone.now() - services.STALE_SENT - dt.timedelta(seconds=1)
    # Sent (after the confirm's heartbeat) long ago, and no worker started it since.
    ImportJob.objects.filter(pk=confirmed.pk).update(
        sent_at=sent, heartbeat_at=sent - dt.timedelta(seconds=1)
    )
    page = client.get(f"/io/jobs/{confirmed.pk}/").content.decode()
    assert "Try again" in page
    response = client.post(f"/io/jobs/{confirmed.pk}/retry/", follow=True)
    assert "The import was sent again." in response.content.decode()
    assert len(broker_up.publishes) == 2


def test_retry_is_the_owners_alone(world: World, confirmed: ImportJob) -> None:
    url = f"/io/jobs/{confirmed.pk}/retry/"
    assert client_for(world, "anonymous").post(url).status_code == 302
    for persona in ("outsider", "reviewer", "clerk", "office"):
        assert client_for(world, persona).post(url).status_code == 404, persona
    assert client_for(world, "secretary").get(url).status_code == 405


def test_an_abandoned_job_loses_its_file(world: World, settings: Any) -> None:
    client = client_for(world, "secretary")
    job = job_of(upload(client, xlsx_bytes(table([member_values(0, world.own)]))))
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.UPLOADED,
        sent_at=None,
        heartbeat_at=None,
        created_at=timezone.now() - dt.timedelta(hours=25),
    )
    assert services.import_jobs_expire() == 1
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert not default_storage.exists(job.stored_name)
