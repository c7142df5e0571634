"""A report request with Redis down (broker on a closed port): answered with the
request's page and a clear message, no 500, one short connection attempt; the request
is kept queued and unsent, and the resend beat task sends it once the broker answers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from reports import services
from reports.models import ReportRequest, ReportStatus
from reports.tasks import render_report
from tests.conftest import World
from tests.core.broker import BrokerSpy, assert_one_fast_attempt, broker_down, broker_up
from tests.reports.helpers import ask
from tests.utils import client_for

__all__ = ["broker_down", "broker_up"]  # fixtures used below

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(media_root: Any) -> None:
    pass


def test_asking_with_the_broker_down_answers_with_a_clear_message_and_keeps_it(
    world: World, broker_down: BrokerSpy
) -> None:
    client = client_for(world, "secretary")
    report = ask(client, "rollup", organization=world.own.pk)  # asserts the 302
    assert_one_fast_attempt(broker_down)
    assert broker_down.publishes == []
    assert report.status == ReportStatus.QUEUED and not report.sent_to_broker
    page = client.get(f"/reports/{report.pk}/")
    assert page.status_code == 200
    assert "will start when the background service is back" in page.content.decode()


def test_resend_sends_it_once_the_broker_answers(world: World, broker_up: BrokerSpy) -> None:
    report = services.report_request(
        actor=world.secretary,
        kind=services.registry.get("rollup"),
        params={"organization": world.own.pk},
        language="en",
    )  # recorded; its on-commit send never ran (as if Redis had been down)
    later = timezone.now() + dt.timedelta(minutes=1)
    assert services.resend_reports(now=later) == 1
    [(name, args, options)] = broker_up.publishes
    assert (name, args) == (render_report.name, [report.pk])
    assert options["retry"] is False
    report.refresh_from_db()
    assert report.sent_to_broker and report.status == ReportStatus.QUEUED
    assert services.resend_reports(now=later) == 0  # sent: not again


def test_resend_with_the_broker_still_down_makes_one_attempt(
    world: World, broker_down: BrokerSpy
) -> None:
    for org in (world.own, world.child):
        services.report_request(
            actor=world.secretary,
            kind=services.registry.get("rollup"),
            params={"organization": org.pk},
            language="en",
        )
    assert services.resend_reports(now=timezone.now() + dt.timedelta(minutes=1)) == 0
    assert_one_fast_attempt(broker_down)  # stops at the first refusal
    assert not ReportRequest.objects.filter(sent_to_broker=True).exists()
