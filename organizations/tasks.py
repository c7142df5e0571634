"""Background work of the organizations app: large spreadsheet imports.

The task is thin (STYLE: tasks take ids, load, call a service); the service,
organizations.imports.import_job_run, is idempotent: a job already past the step is left
alone, and an import killed half-way wrote nothing (one transaction), so a redelivered
task simply runs it again.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

# A 10,000-row roster takes well under a minute; the limit only stops a runaway.
TIME_LIMIT = 900


@shared_task(
    name="organizations.tasks.run_import_job",
    time_limit=TIME_LIMIT,
    soft_time_limit=TIME_LIMIT - 30,
    acks_late=True,
)
def run_import_job(job_id: int, commit: bool) -> str:
    """Check (commit=False) or import (commit=True) ImportJob `job_id`. Returns the
    job's status afterwards ("missing" if it was deleted)."""
    from .imports import import_job_run
    from .models import ImportJob

    job = ImportJob.objects.select_related("user", "organization").filter(pk=job_id).first()
    if job is None:
        return "missing"
    return import_job_run(job=job, commit=commit).status


def enqueue_import_job(job_id: int, *, commit: bool) -> None:
    """Queue the job once the current transaction commits. With no Redis configured
    (the embedded default) the task runs in this process, synchronously."""

    def send() -> None:
        if not settings.REDIS_URL:
            run_import_job.apply(args=(job_id, commit))
            return
        try:
            run_import_job.delay(job_id, commit)
        except Exception:  # kombu raises several types when Redis is unreachable
            # SPEC §11: a clear message, never a 500; nothing was written.
            from .imports import import_job_fail

            logger.exception("cannot queue import job %s", job_id)
            import_job_fail(
                job_id=job_id,
                message=_(
                    "The background worker cannot be reached just now; nothing was saved. "
                    "Please upload the file again in a few minutes."
                ),
            )

    transaction.on_commit(send)
