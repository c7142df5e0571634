"""Report rendering under faults: the storage, the database connection or the worker
fails, and the request says so within seconds, retries a bounded number of times and
leaves no file behind that nothing references."""

from __future__ import annotations

import datetime as dt
import errno
import os
import time
from typing import Any

import pytest
from django.core.files.storage import FileSystemStorage
from django.db import InterfaceError
from django.test import Client
from django.utils import timezone

from reports import registry, services
from reports.models import ReportRequest, ReportStatus
from tests.conftest import World
from tests.reports.helpers import fake_render_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(media_root: Any) -> None:
    pass


@pytest.fixture
def sends(monkeypatch: Any) -> list[tuple[int, float | None]]:
    """Sends to the broker, recorded instead of run (a worker would run them later)."""
    sent: list[tuple[int, float | None]] = []

    def record(*, request_id: int, countdown: float | None = None) -> bool:
        sent.append((request_id, countdown))
        return True

    monkeypatch.setattr("reports.services.report_send", record)
    return sent


def queued(world: World) -> ReportRequest:
    return services.report_request(
        actor=world.secretary,
        kind=registry.get("rollup"),
        params={"organization": world.own.pk},
        language="en",
    )


def stored(media_root: Any) -> list[Any]:
    folder = media_root / "reports"
    return sorted(folder.rglob("*.pdf")) if folder.exists() else []


def read_only_disk(*args: Any, **kwargs: Any) -> str:
    raise OSError(errno.EROFS, "Read-only file system")


def test_a_storage_failure_shows_failed_retrying_with_the_reason_then_renders(
    world: World, monkeypatch: Any, sends: list[Any], media_root: Any
) -> None:
    monkeypatch.setattr("reports.services.render_pdf", fake_render_pdf)
    monkeypatch.setattr(FileSystemStorage, "save", read_only_disk)
    report = queued(world)
    started = time.monotonic()
    services.report_render(request_id=report.pk)
    report.refresh_from_db()
    assert time.monotonic() - started < 10
    assert report.status == ReportStatus.QUEUED and report.is_retrying
    assert report.error == "The report file could not be stored (Read-only file system)."
    assert report.retries_left == 1
    assert report.retry_at is not None and report.retry_at > timezone.now()
    assert sends == [(report.pk, 5.0)]  # the automatic retry, after a pause

    client = Client()
    client.force_login(world.secretary)
    page = client.get(f"/reports/{report.pk}/status/").content.decode()
    assert "Failed, retrying" in page and "Read-only file system" in page

    monkeypatch.undo()  # the disk is writable again
    monkeypatch.setattr("reports.services.render_pdf", fake_render_pdf)
    services.report_render(request_id=report.pk)  # the retry's delivery
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE and report.error == "" and report.attempts == 2
    assert len(stored(media_root)) == 1


def test_retries_are_bounded_then_failed_with_a_retry_button(
    world: World, monkeypatch: Any, sends: list[Any]
) -> None:
    monkeypatch.setattr("reports.services.render_pdf", fake_render_pdf)
    monkeypatch.setattr(FileSystemStorage, "save", read_only_disk)
    report = queued(world)
    for _ in range(services.MAX_ATTEMPTS):
        services.report_render(request_id=report.pk)
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED and report.attempts == services.MAX_ATTEMPTS
    assert [countdown for _pk, countdown in sends] == [5.0, 30.0]
    client = Client()
    client.force_login(world.secretary)
    page = client.get(f"/reports/{report.pk}/").content.decode()
    assert "Try again" in page and "Read-only file system" in page
    # The user's retry gives it a full set of attempts again.
    assert services.report_retry(actor=world.secretary, request=report)
    report.refresh_from_db()
    assert report.retries_left == services.MAX_ATTEMPTS - 1


def test_a_lost_database_connection_is_recorded_on_a_new_one_and_leaves_no_file(
    world: World, monkeypatch: Any, sends: list[Any], media_root: Any
) -> None:
    """The connection drops between writing the PDF and recording it: the file is
    removed, the failure recorded (on a fresh connection), and the retry renders once."""
    monkeypatch.setattr("reports.services.render_pdf", fake_render_pdf)
    real_finish = services._finish
    calls = {"n": 0}

    def dropped_once(*args: Any, **kwargs: Any) -> bool:
        calls["n"] += 1
        if calls["n"] == 1:
            raise InterfaceError("connection already closed")
        return real_finish(*args, **kwargs)

    monkeypatch.setattr("reports.services._finish", dropped_once)
    closed: list[bool] = []
    monkeypatch.setattr(
        "django.db.connection.close", lambda: closed.append(True)
    )  # inside the test's transaction a real close would end the test's connection
    report = queued(world)
    services.report_render(request_id=report.pk)
    report.refresh_from_db()
    assert report.is_retrying
    assert report.error == "The database could not be reached while the report was made."
    assert stored(media_root) == []  # the unrecorded file was deleted
    services.report_render(request_id=report.pk)
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE and len(stored(media_root)) == 1


def test_a_render_whose_worker_died_is_requeued_after_its_heartbeat_stops(
    world: World, sends: list[Any]
) -> None:
    report = queued(world)
    claimed = services._claim(report.pk)
    assert claimed is not None
    now = timezone.now()
    # Still beating: left alone.
    assert services.resend_reports(now=now + dt.timedelta(seconds=30)) == 0
    report.refresh_from_db()
    assert report.status == ReportStatus.RENDERING
    services.resend_reports(now=now + services.STALE_HEARTBEAT + dt.timedelta(seconds=5))
    report.refresh_from_db()
    assert report.status == ReportStatus.QUEUED and report.is_retrying
    assert report.error == "The background worker stopped while making the report."
    assert sends and sends[-1][0] == report.pk


@pytest.mark.django_db(transaction=True)  # the heartbeat thread has its own connection
def test_the_heartbeat_is_touched_while_a_render_runs(
    world: World, monkeypatch: Any, sends: list[Any]
) -> None:
    monkeypatch.setattr(services, "HEARTBEAT_SECONDS", 0.05)
    seen: list[Any] = []

    def slow(html: str, roots: list[str]) -> Any:
        first = ReportRequest.objects.values_list("heartbeat_at", flat=True).get()
        time.sleep(0.4)
        seen.append((first, ReportRequest.objects.values_list("heartbeat_at", flat=True).get()))
        return fake_render_pdf(html, roots)

    monkeypatch.setattr("reports.services.render_pdf", slow)
    report = queued(world)
    services.report_render(request_id=report.pk)
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE
    before, after = seen[0]
    assert after > before


def test_the_sweep_removes_only_old_unreferenced_report_files(
    world: World, monkeypatch: Any, media_root: Any
) -> None:
    monkeypatch.setattr("reports.services.render_pdf", fake_render_pdf)
    with monkeypatch.context() as m:
        m.setattr("reports.services.report_send", lambda **kw: True)
        report = queued(world)
    services.report_render(request_id=report.pk)
    report.refresh_from_db()
    kept = media_root / report.file.name
    orphan = media_root / "reports" / "2026" / "01" / "orphan.pdf"
    young = media_root / "reports" / "2026" / "01" / "young.pdf"
    for path in (orphan, young):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"%PDF-")
    old = time.time() - 2 * 3600
    os.utime(orphan, (old, old))
    os.utime(kept, (old, old))
    assert services.reports_sweep_orphans() == 1
    assert not orphan.exists() and young.exists() and kept.exists()
