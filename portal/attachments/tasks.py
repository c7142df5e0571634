"""Periodic clean-up of files kept from rejected forms (settings.CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from .services import pending_uploads_expire


@shared_task(
    name="portal.attachments.tasks.remove_expired_pending_uploads",
    time_limit=300,
    soft_time_limit=270,
)
def remove_expired_pending_uploads() -> int:
    """Idempotent: removes whatever has expired by now."""
    return pending_uploads_expire()
