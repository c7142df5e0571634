"""Fixtures for the broker-down tests (import them into a test module by name).

`broker_down`: Celery as in production (not eager) with the broker on a closed local
port, so every connection is refused at once; records each connection attempt with the
timeouts it was made with, and every Task.apply_async call.

`broker_up`: Celery as in production against the Redis at 127.0.0.1:6379 (skipped when
none answers): the connection is real, but Task.apply_async only records its call and
publishes nothing, so no message is left for anybody's worker.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from typing import Any

import pytest
from celery.app.task import Task
from kombu.connection import Connection

from portal.celery import app


@dataclass
class BrokerSpy:
    # One dict per connection attempt: connect_timeout and the transport options.
    attempts: list[dict[str, Any]] = field(default_factory=list)
    # One (task name, args, options) per Task.apply_async call.
    publishes: list[tuple[str, list[Any], dict[str, Any]]] = field(default_factory=list)

    def reset(self) -> None:
        self.attempts.clear()
        self.publishes.clear()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again on leaving: connections are refused


def _spy(monkeypatch: pytest.MonkeyPatch, url: str, *, publish: bool) -> BrokerSpy:
    spy = BrokerSpy()
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    monkeypatch.setitem(app.conf, "broker_url", url)
    original_factory = Connection._connection_factory

    def factory(self: Connection) -> Any:
        spy.attempts.append(
            {"connect_timeout": self.connect_timeout, **dict(self.transport_options)}
        )
        return original_factory(self)

    monkeypatch.setattr(Connection, "_connection_factory", factory)
    original_apply_async = Task.apply_async

    def apply_async(self: Task, args: Any = None, kwargs: Any = None, **options: Any) -> Any:
        spy.publishes.append((self.name, list(args or []), options))
        if publish:
            return original_apply_async(self, args, kwargs, **options)
        return None

    monkeypatch.setattr(Task, "apply_async", apply_async)
    return spy


@pytest.fixture
def broker_down(monkeypatch: pytest.MonkeyPatch) -> BrokerSpy:
    return _spy(monkeypatch, f"redis://127.0.0.1:{_closed_port()}/0", publish=False)


@pytest.fixture
def broker_up(monkeypatch: pytest.MonkeyPatch) -> BrokerSpy:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    return _spy(monkeypatch, "redis://127.0.0.1:6379/15", publish=False)


def assert_one_fast_attempt(spy: BrokerSpy) -> None:
    """Exactly one connection attempt, made with the helper's short timeouts."""
    from portal.core import queue

    assert len(spy.attempts) == 1, spy.attempts
    attempt = spy.attempts[0]
    assert attempt["connect_timeout"] == queue.CONNECT_TIMEOUT <= 3
    assert attempt["socket_connect_timeout"] == queue.CONNECT_TIMEOUT
    assert attempt["socket_timeout"] == queue.SOCKET_TIMEOUT <= 5
    assert attempt["max_retries"] == 0
