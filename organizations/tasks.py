"""Background work of the organizations app: large spreadsheet imports.

The task is thin (STYLE: tasks take ids, load, call a service); the service,
organizations.imports.import_job_run, is idempotent: a job already past the step is left
alone, and an import killed half-way wrote nothing (one transaction), so a redelivered
task simply runs it again.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils.translation import gettext_lazy as _lazy

from portal.core.queue import Sending, enqueue

logger = logging.getLogger(__name__)

# A 10,000-row roster takes well under a minute; the limit only stops a runaway.
TIME_LIMIT = 900


@shared_task(
    name="organizations.tasks.run_import_job",
    time_limit=TIME_LIMIT,
    soft_time_limit=TIME_LIMIT - 30,
    acks_late=True,
    # A killed pool process puts the message back (the import wrote nothing: one
    # transaction), instead of acknowledging it as failed and leaving the job running.
    reject_on_worker_lost=True,
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


def enqueue_import_job(job_id: int, *, commit: bool) -> Sending:
    """Queue the job once the current transaction commits (portal.core.queue: one fast
    attempt, never raises). With no Redis configured (the embedded default) the task
    runs in this process, synchronously.

    When the broker cannot be reached (docs/product.md §11: a clear message, never a 500; nothing
    was written), the job is not left "running": a check (commit=False) fails with a
    message asking to upload again; a confirmed import (commit=True) goes back to its
    checked preview, file kept, so the user presses "Import now" again a little later
    (import_job_confirm tells them)."""
    from django.utils import timezone

    from .imports.services import import_job_fail, import_job_unsent
    from .models import ImportJob

    def sent() -> None:
        ImportJob.objects.filter(pk=job_id).update(sent_at=timezone.now())

    def failed() -> None:
        if commit:
            import_job_unsent(job_id=job_id)
        else:
            import_job_fail(job_id=job_id, message=str(BROKER_DOWN_UPLOAD))

    return enqueue(run_import_job, args=[job_id, commit], on_sent=sent, on_failed=failed)


@shared_task(name="organizations.tasks.expire_imports", time_limit=300, soft_time_limit=270)
def expire_imports() -> int:
    """Hourly (settings.CELERY_BEAT_SCHEDULE["expire-imports"]): previews never
    confirmed and abandoned jobs lose their files (personal data)."""
    from .imports.services import import_jobs_expire

    return import_jobs_expire()


@shared_task(name="organizations.tasks.resend_imports", time_limit=60, soft_time_limit=50)
def resend_imports() -> int:
    """Every minute (settings.CELERY_BEAT_SCHEDULE["resend-imports"]): send again the
    import steps whose message was lost and those whose worker died."""
    from .imports.services import resend_imports as resend

    return resend()


BROKER_DOWN_UPLOAD = _lazy(
    "The background service is unavailable just now; nothing was saved. "
    "Please upload the file again in a few minutes."
)
BROKER_DOWN_CONFIRM = _lazy(
    "The background service is unavailable just now; nothing was imported. "
    "The preview is kept: press “Import now” again in a few minutes."
)
