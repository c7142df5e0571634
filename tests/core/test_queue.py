"""portal.core.queue: one fast attempt after commit, never an exception, the outcome
recorded."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.db import transaction

from portal.core import queue
from portal.core.tasks import ping
from tests.core.broker import BrokerSpy, assert_one_fast_attempt, broker_down, broker_up

__all__ = ["broker_down", "broker_up"]  # fixtures used below

pytestmark = pytest.mark.django_db


def test_send_now_with_the_broker_down_makes_one_short_attempt_and_returns_false(
    broker_down: BrokerSpy, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="portal.core.queue"):
        assert queue.send_now(ping, args=["key"]) is False
    assert_one_fast_attempt(broker_down)
    assert broker_down.publishes == []  # nothing reached the publish step
    assert "not sent to the broker" in caplog.text


def test_send_now_with_the_broker_up_publishes_once_without_retry(broker_up: BrokerSpy) -> None:
    assert queue.send_now(ping, args=["key"]) is True
    assert_one_fast_attempt(broker_up)
    [(name, args, options)] = broker_up.publishes
    assert (name, args) == ("portal.core.tasks.ping", ["key"])
    assert options["retry"] is False and options["connection"] is not None


def test_enqueue_sends_after_commit_and_records_the_outcome(
    broker_down: BrokerSpy, django_capture_on_commit_callbacks: Any
) -> None:
    outcomes: list[str] = []
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        sending = queue.enqueue(
            ping,
            args=["key"],
            on_sent=lambda: outcomes.append("sent"),
            on_failed=lambda: outcomes.append("failed"),
        )
        assert sending.sent is None and broker_down.attempts == []  # not yet
    assert sending.sent is False and outcomes == ["failed"]
    assert_one_fast_attempt(broker_down)


def test_a_rolled_back_transaction_sends_nothing(broker_up: BrokerSpy) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        queue.enqueue(ping, args=["key"])
        raise RuntimeError
    assert broker_up.attempts == [] and broker_up.publishes == []


def test_a_failing_callback_is_logged_not_raised(
    broker_down: BrokerSpy,
    django_capture_on_commit_callbacks: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def boom() -> None:
        raise RuntimeError("database gone")

    with django_capture_on_commit_callbacks(execute=True):
        sending = queue.enqueue(ping, args=["key"], on_failed=boom)
    assert sending.sent is False
    assert "recording the send of portal.core.tasks.ping failed" in caplog.text


def test_eager_mode_runs_the_task_in_process(django_capture_on_commit_callbacks: Any) -> None:
    from django.core.cache import cache

    with django_capture_on_commit_callbacks(execute=True):
        sending = queue.enqueue(ping, args=["queue-test-key"])
    assert sending.sent is True
    assert cache.get("queue-test-key", "").startswith("pong")
