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

from portal.core.heartbeat import Heartbeat

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


# A step sent to the broker that has not started after this long lost its message (a
# Redis restart without persistence); a running step without a heartbeat for this long
# lost its worker. Either is sent again, up to MAX_ATTEMPTS starts, then the job fails
# with a message and its file (personal data) is deleted.
STALE_SENT = dt.timedelta(minutes=2)
STALE_HEARTBEAT = dt.timedelta(seconds=60)
HEARTBEAT_SECONDS = 10
MAX_ATTEMPTS = 3


def stuck_since(job: ImportJob, now: dt.datetime | None = None) -> dt.datetime | None:
    """When a running job was last heard of, if that is too long ago; None when it is
    fine (or not running)."""
    now = now or timezone.now()
    if job.status in (ImportJob.Status.CHECKING, ImportJob.Status.IMPORTING) and (
        job.heartbeat_at is not None and (job.sent_at is None or job.heartbeat_at >= job.sent_at)
    ):
        return job.heartbeat_at if job.heartbeat_at < now - STALE_HEARTBEAT else None
    if job.status in (ImportJob.Status.UPLOADED, ImportJob.Status.IMPORTING) and job.sent_at:
        return job.sent_at if job.sent_at < now - STALE_SENT else None
    return None


def _run_again(job: ImportJob) -> bool:
    """Send a stuck job's step again (a check goes back to "uploaded" first), or fail it
    when it has started MAX_ATTEMPTS times. True when sent."""
    from ..tasks import enqueue_import_job

    if job.attempts >= MAX_ATTEMPTS:
        import_job_fail(
            job_id=job.pk,
            message=_(
                "The import was interrupted %(n)s times and has stopped; nothing was "
                "saved. Please upload the file again."
            )
            % {"n": job.attempts},
        )
        return False
    if job.status == ImportJob.Status.CHECKING:
        try:
            job.transition(ImportJob.Status.UPLOADED)
        except ValidationError:
            return False  # it moved on meanwhile
    ImportJob.objects.filter(pk=job.pk).update(sent_at=None, heartbeat_at=None)
    return bool(enqueue_import_job(job.pk, commit=job.status == ImportJob.Status.IMPORTING).sent)


def resend_imports(*, now: dt.datetime | None = None) -> int:
    """Send again the steps whose message was lost or whose worker died (stuck_since).
    Returns how many were sent. Periodic (beat, every minute). Queries: one SELECT of
    the running jobs, then a few per stuck job."""
    now = now or timezone.now()
    sent = 0
    running = ImportJob.objects.filter(status__in=ImportJob.RUNNING).exclude(
        sent_at__isnull=True, heartbeat_at__isnull=True
    )
    for job in running.order_by("pk")[:100]:
        if stuck_since(job, now) is not None:
            with translation.override(job.language or settings.LANGUAGE_CODE):
                sent += _run_again(job)
    return sent


def import_job_retry(*, actor: Any, job: ImportJob) -> bool:
    """The owner's "Try again" on a job that looks stuck: the same as resend_imports
    does for it, at once. False when the job is not stuck (a double click)."""
    if job.user_id != actor.pk:
        raise ValidationError(_("This import belongs to someone else."))
    job.refresh_from_db()
    if stuck_since(job) is None:
        return False
    return _run_again(job)


def background_threshold() -> int:
    """Files with more rows than this are checked and imported by a background task."""
    return int(getattr(settings, "IMPORT_BACKGROUND_ROWS", 2000))


def import_jobs_expire() -> int:
    """Previews never confirmed within IMPORT_KEEP_HOURS (default 24) expire and their
    files, which hold personal data, are deleted; so are those of jobs abandoned before
    they started. Run on every upload and hourly (beat). Returns the count."""
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
    # Jobs never heard of since (their process died before the step was sent or run):
    # failed, so that their files go too.
    abandoned = ImportJob.objects.filter(
        status__in=ImportJob.RUNNING,
        created_at__lt=cutoff,
        sent_at__isnull=True,
        heartbeat_at__isnull=True,
    ).values_list("pk", flat=True)
    for pk in list(abandoned):
        import_job_fail(job_id=pk, message=_("The import was abandoned; nothing was saved."))
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
    try:
        stored = default_storage.save(f"imports/{uuid.uuid4().hex}", uploaded)
    except OSError as exc:
        logger.exception("import upload could not be stored")
        raise FileRejected(_("The file could not be stored; please try again later.")) from exc
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
    # Heard of now: the check's old heartbeat must not make the import look stuck.
    job.heartbeat_at = timezone.now()
    job.transition(ImportJob.Status.IMPORTING, save_fields=["progress", "heartbeat_at"])
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

    job.attempts += 1
    job.heartbeat_at = timezone.now()
    ImportJob.objects.filter(pk=job.pk).update(attempts=job.attempts, heartbeat_at=job.heartbeat_at)
    beating = ImportJob.objects.filter(pk=job.pk, status=expected)
    with (
        translation.override(job.language or settings.LANGUAGE_CODE),
        Heartbeat(beating, HEARTBEAT_SECONDS),
    ):
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
