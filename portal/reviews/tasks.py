"""Celery tasks of the review workflow (thin: they call services)."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(
    name="portal.reviews.tasks.run_review_batch",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=300,
    time_limit=330,
)
def run_review_batch(batch_id: int) -> None:
    """Decide the records of one bulk decision (idempotent: a rerun goes on where the
    last run stopped)."""
    services.review_batch_run(batch_id=batch_id)
