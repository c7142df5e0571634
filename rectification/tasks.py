"""Celery tasks of the rectification app (thin: each calls a service)."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.utils import timezone

from .reminders import send_daily_reminders


@shared_task(
    name="rectification.tasks.daily_reminders",
    time_limit=600,
    soft_time_limit=540,
)
def daily_reminders() -> dict[str, Any]:
    """The daily reminders (rectification/reminders.py) for today's local date, run by
    beat at 07:30 (settings.CELERY_BEAT_SCHEDULE["daily-reminders"]). Idempotent: a
    second run the same day (a retry, a redelivery after a lost worker) sends nothing
    already sent. Returns the run's counts."""
    return send_daily_reminders(timezone.localdate()).as_dict()
