"""Operational tasks of the portal shell."""

from __future__ import annotations

import socket

from celery import shared_task
from django.core.cache import cache


@shared_task(name="portal.core.tasks.ping", time_limit=30, soft_time_limit=20)
def ping(reply_key: str = "") -> str:
    """Prove that a worker takes tasks from the broker: returns "pong <hostname>".

    There is no result backend, so a caller that wants the answer passes `reply_key`
    and the task also stores the answer in Django's cache (Redis in production) for
    five minutes. scripts/run-production.sh --check relies on this. Idempotent.
    """
    hostname = ping.request.hostname or socket.gethostname()  # None when run eagerly
    answer = f"pong {hostname}"
    if reply_key:
        cache.set(reply_key, answer, timeout=300)
    return answer
