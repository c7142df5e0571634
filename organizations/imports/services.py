"""The services behind the import pages (organizations/views_io.py) and the
background task (organizations/tasks.py)."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ..models import (
    ImportJob,
    Organization,
)
from .engine import (
    Importer,
    ImportReport,
)
from .enterprises import EnterpriseImporter
from .members import MemberImporter
from .orgs import OrganizationImporter
from .reading import (
    FileRejected,
    check_upload,
    count_rows,
    xlsx_expanded_size,
)

logger = logging.getLogger(__name__)

IMPORTERS: dict[str, type[Importer]] = {
    "members": MemberImporter,
    "organizations": OrganizationImporter,
    "enterprises": EnterpriseImporter,
}


# --- services behind the pages and the task ------------------------------------------------


def background_threshold() -> int:
    """Files with more rows than this are checked and imported by a background task."""
    return int(getattr(settings, "IMPORT_BACKGROUND_ROWS", 2000))


def import_jobs_expire() -> int:
    """Previews never confirmed within IMPORT_KEEP_HOURS (default 24) expire and their
    files, which hold personal data, are deleted. Run on every upload (an indexed
    query, usually finding nothing), so no schedule is needed. Returns the count."""
    hours = int(getattr(settings, "IMPORT_KEEP_HOURS", 24))
    cutoff = timezone.now() - dt.timedelta(hours=hours)
    expired = 0
    for job in ImportJob.objects.filter(status=ImportJob.Status.CHECKED, created_at__lt=cutoff):
        try:
            job.transition(ImportJob.Status.EXPIRED)
        except ValidationError:
            continue  # confirmed meanwhile
        default_storage.delete(job.stored_name)
        expired += 1
    return expired


def import_job_fail(*, job_id: int, message: str) -> None:
    """Mark a job that could not run (e.g. the broker is down) as failed, with a message
    for the user; its file is deleted. Nothing was written."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or job.status not in (ImportJob.Status.UPLOADED, ImportJob.Status.IMPORTING):
        return
    job.failure = message[:200]
    _finish(job, ImportJob.Status.FAILED, None)


@transaction.atomic
def import_job_create(
    *,
    actor: Any,
    kind: str,
    uploaded: Any,
    organization: Organization | None = None,
) -> ImportJob:
    """Check the upload (size, type by content), store it under imports/<uuid> in the
    default storage (never served by URL) and create the job. Raises FileRejected."""
    if kind not in IMPORTERS:
        raise FileRejected(_("Unknown kind of import."))
    import_jobs_expire()
    fmt = check_upload(uploaded, uploaded.size)
    rows = count_rows(uploaded, fmt)
    stored = default_storage.save(f"imports/{uuid.uuid4().hex}", uploaded)
    job = ImportJob(
        user=actor,
        kind=kind,
        organization=organization,
        file_name=(getattr(uploaded, "name", "") or "upload")[:200],
        stored_name=stored,
        file_format=fmt,
        language=(get_language() or settings.LANGUAGE_CODE)[:10],
        total_rows=rows,
    )
    job.full_clean()
    job.save()
    return job


def _expands_past_request_limit(job: ImportJob) -> bool:
    """A workbook whose XML expands past IMPORT_REQUEST_MAX_XML_MB (default 16) is parsed
    only by the worker (its memory is capped per child), whatever its row count: a web
    process never holds a large workbook's shared strings."""
    if job.file_format != "xlsx":
        return False
    limit = int(getattr(settings, "IMPORT_REQUEST_MAX_XML_MB", 16)) * 1024 * 1024
    with default_storage.open(job.stored_name, "rb") as fileobj:
        return xlsx_expanded_size(fileobj) > limit


def import_job_unsent(*, job_id: int) -> None:
    """A confirmed import whose task the broker did not take goes back to its checked
    preview (file kept), so it is neither lost nor shown as running for ever. One
    conditional UPDATE of a job still "importing" (no worker can have it: the message
    never reached the broker); ImportJob.transition() has no IMPORTING → CHECKED move,
    and this is the one place that needs it."""
    ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.IMPORTING).update(
        status=ImportJob.Status.CHECKED
    )


def import_job_start(*, job: ImportJob) -> bool | None:
    """Run the job's next step (check, or import after confirmation): in this process for
    small files, as a background task for large ones (progress on the job row).
    Returns False when the task could not be sent (the broker is down; see
    tasks.enqueue_import_job for what became of the job), None while the send waits
    for the current transaction to commit, True otherwise."""
    from ..tasks import enqueue_import_job

    commit = job.status == ImportJob.Status.IMPORTING
    if job.total_rows > background_threshold() or _expands_past_request_limit(job):
        return enqueue_import_job(job.pk, commit=commit).sent
    import_job_run(job=job, commit=commit)
    return True


def import_job_confirm(*, actor: Any, job: ImportJob) -> None:
    """The user confirmed a clean preview: import for real. Raises ValidationError with
    a message for the user when the background service cannot be reached (the job is
    back to its preview, see import_job_unsent)."""
    from ..tasks import BROKER_DOWN_CONFIRM

    if job.user_id != actor.pk:
        raise ValidationError(_("This import belongs to someone else."))
    # The bar starts again from nothing (the check that came before ended at 100 %).
    job.progress = 0
    job.transition(ImportJob.Status.IMPORTING, save_fields=["progress"])
    if import_job_start(job=job) is False:
        job.status = ImportJob.Status.CHECKED
        raise ValidationError(str(BROKER_DOWN_CONFIRM))


def import_job_run(*, job: ImportJob, commit: bool) -> ImportJob:
    """Check (commit=False) or import (commit=True) the job's stored file and record the
    outcome on the job. Idempotent: a job already past this step is left alone.
    Queries: a fixed number for reading plus batched writes (see the importers)."""
    job.refresh_from_db()
    if not commit and job.status == ImportJob.Status.UPLOADED:
        job.transition(ImportJob.Status.CHECKING)
    expected = ImportJob.Status.IMPORTING if commit else ImportJob.Status.CHECKING
    if job.status != expected:
        return job

    def progress(percent: int) -> None:
        # Outside a transaction only: inside one, pollers would not see it anyway.
        if not transaction.get_connection().in_atomic_block:
            ImportJob.objects.filter(pk=job.pk).update(progress=percent)

    with translation.override(job.language or settings.LANGUAGE_CODE):
        importer = IMPORTERS[job.kind](
            actor=job.user, default_organization=job.organization, file_name=job.file_name
        )
        try:
            with default_storage.open(job.stored_name, "rb") as fileobj:
                report = importer.run(fileobj, job.file_format, commit=commit, progress=progress)
        except FileRejected as exc:
            report = importer.report
            report.add_error(0, "", exc.message)
        except Exception:
            logger.exception("import job %s failed", job.pk)
            job.failure = _("The import stopped because of an internal error; nothing was saved.")
            _finish(job, ImportJob.Status.FAILED, None)
            return job
    if report.error_count:
        status = ImportJob.Status.REJECTED
    else:
        status = ImportJob.Status.DONE if commit else ImportJob.Status.CHECKED
    _finish(job, status, report)
    return job


def _finish(job: ImportJob, status: str, report: ImportReport | None) -> None:
    if report is not None:
        job.summary = report.summary()
        job.errors = report.errors
        job.error_count = report.error_count
    job.progress = 100
    job.finished_at = timezone.now()
    job.transition(
        status,
        save_fields=["summary", "errors", "error_count", "progress", "failure", "finished_at"],
    )
    if status != ImportJob.Status.CHECKED:
        # The file holds personal data: keep it no longer than the job needs it.
        default_storage.delete(job.stored_name)
