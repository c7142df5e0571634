"""The request pipeline in-process (the embedded default runs tasks eagerly): exactly
one finish per request whatever the deliveries, failures with a clear message and a
retry, the resend of what never reached the broker, and the fingerprint shortcut."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.test import TestCase
from django.utils import timezone

from reports import registry, services
from reports.models import ReportRequest, ReportStatus
from reports.rendering import RenderedPDF
from reports.tasks import HARD_TIME_LIMIT, SOFT_TIME_LIMIT, render_report
from tests.conftest import World
from tests.reports.helpers import fake_render_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(media_root: Any) -> None:
    pass


def queued(world: World, slug: str = "rollup", **params: Any) -> ReportRequest:
    """A request recorded but not sent (its on-commit send never runs here)."""
    return services.report_request(
        actor=world.secretary,
        kind=registry.get(slug),
        params=params or {"organization": world.own.pk},
        language="en",
    )


def stored_pdfs(media_root: Any) -> list[Any]:
    return (
        sorted((media_root / "reports").rglob("*.pdf")) if (media_root / "reports").exists() else []
    )


def test_render_task_is_reliable_by_configuration() -> None:
    assert render_report.acks_late and render_report.reject_on_worker_lost
    assert (
        render_report.soft_time_limit
        == SOFT_TIME_LIMIT
        < HARD_TIME_LIMIT
        == render_report.time_limit
    )
    # The broker must not redeliver a render that is still running.
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > HARD_TIME_LIMIT
    assert settings.CELERY_BEAT_SCHEDULE["resend-reports"]["task"] == "reports.tasks.resend_reports"


def test_asking_records_the_request_and_sends_it_on_commit(world: World, monkeypatch: Any) -> None:
    monkeypatch.setattr("reports.services.render_pdf", fake_render_pdf)
    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        report = queued(world)
    assert report.status == ReportStatus.QUEUED and not report.sent_to_broker
    assert len(callbacks) == 1
    callbacks[0]()
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE and report.sent_to_broker
    assert report.attempts == 1 and report.bytes and report.render_seconds is not None


def test_a_done_request_is_left_alone_by_a_second_delivery(
    world: World, monkeypatch: Any, media_root: Any
) -> None:
    monkeypatch.setattr("reports.services.render_pdf", fake_render_pdf)
    report = queued(world)
    services.report_render(request_id=report.pk)
    report.refresh_from_db()
    finished = (report.finished_at, report.file.name, report.attempts)
    services.report_render(request_id=report.pk)
    report.refresh_from_db()
    assert (report.finished_at, report.file.name, report.attempts) == finished
    assert len(stored_pdfs(media_root)) == 1


def test_a_redelivery_during_the_render_finishes_it_exactly_once(
    world: World, monkeypatch: Any, media_root: Any
) -> None:
    """The first delivery's worker is slow; a redelivery claims the request (attempt 2)
    and finishes it; the first one's result is then refused and its file removed."""
    report = queued(world)
    calls: list[int] = []

    def slow_then_redelivered(html: str, roots: list[str]) -> RenderedPDF:
        calls.append(1)
        if len(calls) == 1:
            services.report_render(request_id=report.pk)  # the redelivery, meanwhile
        return fake_render_pdf(html + str(len(calls)), roots)

    monkeypatch.setattr("reports.services.render_pdf", slow_then_redelivered)
    services.report_render(request_id=report.pk)
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE and report.attempts == 2
    files = stored_pdfs(media_root)
    assert len(files) == 1 and files[0].name in report.file.name


def test_a_render_error_fails_with_a_message_and_a_retry_renders_it(
    world: World, monkeypatch: Any
) -> None:
    def broken(html: str, roots: list[str]) -> RenderedPDF:
        raise ValueError("layout exploded")

    monkeypatch.setattr("reports.services.render_pdf", broken)
    report = queued(world)
    services.report_render(request_id=report.pk)
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED
    assert report.error == "The report could not be rendered (ValueError)."
    assert not report.file

    monkeypatch.setattr("reports.services.render_pdf", fake_render_pdf)
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert services.report_retry(actor=world.secretary, request=report)
    report.refresh_from_db()
    # Three attempts (the first and two automatic retries), then the user's retry.
    assert report.status == ReportStatus.DONE and report.error == "" and report.attempts == 4
    # A second click on the retry button of a request no longer failed does nothing.
    assert not services.report_retry(actor=world.secretary, request=report)


def test_a_render_over_the_soft_time_limit_says_so(world: World, monkeypatch: Any) -> None:
    def too_slow(html: str, roots: list[str]) -> RenderedPDF:
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr("reports.services.render_pdf", too_slow)
    report = queued(world)
    services.report_render(request_id=report.pk)
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED
    assert report.error == "The report took too long to render."


def test_resend_sends_what_never_reached_the_broker_and_requeues_lost_renders(
    world: World, monkeypatch: Any
) -> None:
    monkeypatch.setattr("reports.services.render_pdf", fake_render_pdf)
    now = timezone.now()
    unsent = queued(world)
    fresh = queued(world, organization=world.child.pk)
    lost = queued(world, "org-dossier", organization=world.own.pk)
    ReportRequest.objects.filter(pk=unsent.pk).update(created_at=now - dt.timedelta(minutes=2))
    ReportRequest.objects.filter(pk=lost.pk).update(
        status=ReportStatus.RENDERING,
        attempts=1,
        sent_to_broker=True,
        created_at=now - dt.timedelta(hours=1),
        started_at=now - dt.timedelta(seconds=HARD_TIME_LIMIT * 3),
        heartbeat_at=now - services.STALE_HEARTBEAT - dt.timedelta(seconds=1),
    )
    # The lost render is requeued as a failed attempt and sent by itself; the unsent
    # request is the one the loop hands to the broker.
    assert services.resend_reports(now=now) == 1
    states = dict(ReportRequest.objects.values_list("pk", "status"))
    assert states[unsent.pk] == ReportStatus.DONE
    assert states[lost.pk] == ReportStatus.DONE
    assert states[fresh.pk] == ReportStatus.QUEUED  # its own on-commit send is in flight
    assert services.resend_reports(now=now) == 0


def test_resend_stops_at_the_first_failure_while_the_broker_is_down(
    world: World, monkeypatch: Any
) -> None:
    sent: list[int] = []
    monkeypatch.setattr(
        "reports.services.report_send",
        lambda *, request_id, countdown=None: sent.append(request_id) and False,
    )
    for org in (world.own, world.child):
        report = queued(world, organization=org.pk)
        ReportRequest.objects.filter(pk=report.pk).update(
            created_at=timezone.now() - dt.timedelta(minutes=5)
        )
    assert services.resend_reports() == 0
    assert len(sent) == 1


def test_a_kind_with_a_fingerprint_is_served_at_once_from_the_last_file(
    world: World, monkeypatch: Any
) -> None:
    monkeypatch.setattr("reports.services.render_pdf", fake_render_pdf)
    version = {"n": 1}
    rollup = registry.get("rollup")
    kind = registry.ReportKind(
        slug="test-fingerprinted",
        title="Fingerprinted",
        template=rollup.template,
        params=("organization",),
        check=rollup.check,
        build_context=rollup.build_context,
        fingerprint=lambda params: f"v{version['n']}",
    )
    monkeypatch.setitem(registry._KINDS, kind.slug, kind)
    with TestCase.captureOnCommitCallbacks(execute=True):
        first = services.report_request(
            actor=world.secretary, kind=kind, params={"organization": world.own.pk}, language="en"
        )
    first.refresh_from_db()
    assert first.status == ReportStatus.DONE and not first.reused
    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        second = services.report_request(
            actor=world.secretary, kind=kind, params={"organization": world.own.pk}, language="en"
        )
    assert second.status == ReportStatus.DONE and second.reused and not callbacks
    assert second.file.name == first.file.name
    version["n"] = 2
    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        third = services.report_request(
            actor=world.secretary, kind=kind, params={"organization": world.own.pk}, language="en"
        )
    assert third.status == ReportStatus.QUEUED and len(callbacks) == 1


def test_moves_outside_the_transition_table_are_refused(world: World) -> None:
    report = queued(world)
    done = ReportRequest.objects.filter(pk=report.pk)
    with pytest.raises(ValueError):
        services._move(done, from_status=ReportStatus.DONE, to_status=ReportStatus.QUEUED)
    with pytest.raises(ValueError):
        services._move(done, from_status=ReportStatus.FAILED, to_status=ReportStatus.DONE)
    # A move from a status the row is no longer in changes nothing.
    assert services._move(done, from_status=ReportStatus.FAILED, to_status=ReportStatus.QUEUED) == 0
