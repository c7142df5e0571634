"""Report file retention (services.reports_expire, daily beat task expire_reports): done
requests older than REPORTS_RETENTION_DAYS expire, their files are deleted only when no
kept request shares them, and the page says so and offers to make the report again."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from reports import services
from reports.models import ReportRequest, ReportStatus
from reports.tasks import expire_reports
from tests.conftest import World
from tests.reports.helpers import ask, fake_render_pdf
from tests.utils import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _setup(media_root: Any, monkeypatch: Any, settings: Any) -> None:
    monkeypatch.setattr("reports.services.render_pdf", fake_render_pdf)
    settings.REPORTS_RETENTION_DAYS = 30


def _age(report: ReportRequest, days: int) -> None:
    ReportRequest.objects.filter(pk=report.pk).update(
        finished_at=timezone.now() - dt.timedelta(days=days)
    )


def _done(world: World, **params: Any) -> ReportRequest:
    report = ask(client_for(world, "secretary"), "rollup", **params)
    assert report.status == ReportStatus.DONE, report.error
    return report


def test_an_old_done_request_expires_and_its_file_is_deleted(world: World) -> None:
    old = _done(world, organization=world.own.pk)
    young = _done(world, organization=world.child.pk)
    _age(old, 31)
    _age(young, 29)
    name = old.file.name
    assert services.reports_expire() == 1
    old.refresh_from_db()
    young.refresh_from_db()
    assert (old.status, old.file.name) == (ReportStatus.EXPIRED, "")
    assert not default_storage.exists(name)
    assert young.status == ReportStatus.DONE and default_storage.exists(young.file.name)
    assert services.reports_expire() == 0  # nothing left to do


def test_a_file_shared_with_a_kept_request_is_not_deleted_until_that_one_expires(
    world: World,
) -> None:
    first = _done(world, organization=world.own.pk)
    reused = _done(world, organization=world.own.pk)  # same data: the same stored file
    assert reused.reused and reused.file.name == first.file.name
    name = first.file.name
    _age(first, 40)
    _age(reused, 10)
    assert services.reports_expire() == 1
    first.refresh_from_db()
    assert first.status == ReportStatus.EXPIRED
    assert default_storage.exists(name)  # still held by the kept request
    _age(reused, 31)
    assert services.reports_expire() == 1
    reused.refresh_from_db()
    assert reused.status == ReportStatus.EXPIRED
    assert not default_storage.exists(name)


def test_a_file_about_to_expire_is_not_reused(world: World) -> None:
    first = _done(world, organization=world.own.pk)
    _age(first, 29)  # within a day of the retention: not shared any more
    again = _done(world, organization=world.own.pk)
    assert not again.reused and again.file.name != first.file.name


def test_other_statuses_are_left_alone(world: World) -> None:
    report = _done(world, organization=world.own.pk)
    ReportRequest.objects.filter(pk=report.pk).update(
        status=ReportStatus.FAILED, file="", created_at=timezone.now() - dt.timedelta(days=90)
    )
    assert services.reports_expire() == 0
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED


def test_the_page_says_the_file_expired_and_offers_to_make_it_again(world: World) -> None:
    report = _done(world, organization=world.own.pk)
    _age(report, 31)
    expire_reports()  # the beat task
    client = client_for(world, "secretary")
    html = client.get(f"/reports/{report.pk}/").content.decode()
    assert "The file of this report has expired" in html and "30 days" in html
    assert 'action="/reports/new/rollup/"' in html
    assert f'name="organization" value="{world.own.pk}"' in html
    assert "hx-trigger" not in html  # nothing to wait for
    assert client.get(f"/reports/{report.pk}/download/").status_code == 404
    again = ask(client, "rollup", organization=world.own.pk)
    assert again.pk != report.pk and again.status == ReportStatus.DONE


def test_the_beat_task_runs_daily(settings: Any) -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["expire-reports"]
    assert entry["task"] == expire_reports.name
    assert entry["schedule"].hour == {3}
