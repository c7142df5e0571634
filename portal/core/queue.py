"""Sending Celery tasks from web requests: one fast attempt, never an exception.

Celery's own `.delay()` retries a failed publish (task_publish_retry_policy: up to three
more tries, each of which may wait out the connection timeout, and kombu's connection
retries on top), so with Redis
down a user's request hangs for seconds and may end in a 500. Every send from the web
side goes through `enqueue()` instead:

- after the current transaction commits (transaction.on_commit, robust), so a worker
  never looks for a row that is not committed yet and a rolled-back action sends nothing;
- one connection attempt (`ensure_connection(max_retries=0)`) with short socket
  timeouts (CONNECT_TIMEOUT / SOCKET_TIMEOUT) and a publish without retry
  (PUBLISH_OPTIONS): a refused connection fails at once, a silent host within
  CONNECT_TIMEOUT;
- never raises: the outcome is `Sending.sent` (None until the transaction commits) and
  the caller's `on_sent` / `on_failed` callbacks, which record it on the caller's row
  (e.g. Notification.email_queued_at, ReportRequest.sent_to_broker) so that a periodic
  task (beat) can send it again once the broker is back.

With no REDIS_URL (CELERY_TASK_ALWAYS_EAGER, the embedded default) the task runs right
here, in-process; an exception it raises is logged and counts as "not sent".

Workers are the opposite: they keep reconnecting for ever (settings:
CELERY_BROKER_CONNECTION_MAX_RETRIES = None).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)

# Seconds. Redis on the same host or network answers in milliseconds; a refused
# connection (Redis stopped) fails at once, an unreachable host after CONNECT_TIMEOUT.
CONNECT_TIMEOUT = 2.0
SOCKET_TIMEOUT = 3.0
# Retries after the first connection attempt (kombu counts retries, not attempts).
CONNECTION_RETRIES = 0
# Given to Task.apply_async: no publish retry loop.
PUBLISH_OPTIONS: dict[str, Any] = {"retry": False}
# Given to the broker connection (kombu transport options; merged over the settings').
TRANSPORT_OPTIONS: dict[str, Any] = {
    "socket_connect_timeout": CONNECT_TIMEOUT,
    "socket_timeout": SOCKET_TIMEOUT,
    "max_retries": CONNECTION_RETRIES,
}


@dataclass
class Sending:
    """What became of one enqueue(): `sent` is None while the transaction is open, then
    True (handed to the broker, or run in-process when eager) or False (not sent)."""

    task: str
    sent: bool | None = None


def send_now(
    task: Any,
    *,
    args: Sequence[Any] = (),
    kwargs: dict[str, Any] | None = None,
    countdown: float | None = None,
) -> bool:
    """Publish `task` now with one attempt; True when the broker took it. Never raises.
    `countdown`: seconds before a worker runs it (ignored in-process, where it runs at
    once)."""
    app = task.app
    try:
        if app.conf.task_always_eager:
            task.apply_async(args=list(args), kwargs=kwargs or {})
        else:
            with app.connection_for_write(
                connect_timeout=CONNECT_TIMEOUT, transport_options=TRANSPORT_OPTIONS
            ) as connection:
                connection.ensure_connection(max_retries=CONNECTION_RETRIES)
                task.apply_async(
                    args=list(args),
                    kwargs=kwargs or {},
                    connection=connection,
                    countdown=countdown,
                    **PUBLISH_OPTIONS,
                )
    except Exception as exc:  # kombu / redis raise many types; all mean "not sent"
        logger.warning("task %s%r not sent to the broker: %r", task.name, tuple(args), exc)
        return False
    return True


def enqueue(
    task: Any,
    *,
    args: Sequence[Any] = (),
    kwargs: dict[str, Any] | None = None,
    on_sent: Callable[[], None] | None = None,
    on_failed: Callable[[], None] | None = None,
) -> Sending:
    """Send `task` once the current transaction commits (at once outside a transaction)
    with send_now(), then call `on_sent` or `on_failed` (their exceptions are logged,
    never raised). Returns the Sending, filled in when the send has happened."""
    sending = Sending(task=task.name)

    def send() -> None:
        sending.sent = send_now(task, args=args, kwargs=kwargs)
        callback = on_sent if sending.sent else on_failed
        if callback is not None:
            try:
                callback()
            except Exception:
                logger.exception("recording the send of %s failed", task.name)

    transaction.on_commit(send, robust=True)
    return sending
