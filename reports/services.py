"""Writes of report requests: ask, send to the broker, render, retry, resend.

Every status change is one conditional UPDATE that names the status (and, for a
worker's result, the attempt) it expects, so a duplicate task delivery, a redelivery
after a killed worker and a user's retry can never finish a request twice: the
models.TRANSITIONS table lists the moves.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import time
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import DatabaseError, InterfaceError, OperationalError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal.accounts.permissions import can_view_personal_data
from portal.core.heartbeat import Heartbeat
from portal.core.queue import send_now

from . import registry
from .models import TRANSITIONS, ReportRequest, ReportStatus, canonical_params
from .rendering import render_html, render_pdf

logger = logging.getLogger(__name__)

# A queued request that was sent but has not started after this long is sent again
# (its message was lost with a Redis that kept no data); a request still "rendering"
# this long after its start had its worker die without a redelivery.
STALE_QUEUED = dt.timedelta(minutes=10)
# Waiting requests younger than this are left to the on_commit send in flight.
FRESH = dt.timedelta(seconds=20)
# Attempts a request gets before it is "failed" for good (the user can try again), and
# the pause before each automatic retry: a storage or database hiccup heals itself, a
# broken report does not loop for ever.
MAX_ATTEMPTS = 3
RETRY_DELAYS = (5, 30)
# The rendering process touches heartbeat_at this often; a render whose heartbeat is
# older than STALE_HEARTBEAT lost its worker (killed, machine gone) and is requeued
# by resend_reports (beat, every 15 s) instead of waiting for a redelivery.
HEARTBEAT_SECONDS = 10
STALE_HEARTBEAT = dt.timedelta(seconds=45)
# Report files younger than this are never swept as unreferenced: a render saves its
# file a moment before it records it.
ORPHAN_MIN_AGE = dt.timedelta(hours=1)


def _move(queryset: Any, *, from_status: str, to_status: str, **fields: Any) -> int:
    """Move the rows of `queryset` that are still in `from_status` to `to_status` (one
    conditional UPDATE; returns how many moved). Raises ValueError for a move that
    models.TRANSITIONS does not list."""
    if to_status not in TRANSITIONS[from_status]:
        raise ValueError(f"report request: {from_status} -> {to_status} is not allowed")
    moved: int = queryset.filter(status=from_status).update(status=to_status, **fields)
    return moved


def retention() -> dt.timedelta:
    """How long a done request's file is kept (settings.REPORTS_RETENTION_DAYS)."""
    return dt.timedelta(days=int(getattr(settings, "REPORTS_RETENTION_DAYS", 30)))


# A file is reused only from a request younger than the retention less this margin, so
# reports_expire never deletes a file that a render is about to share.
REUSE_MARGIN = dt.timedelta(days=1)


def _last_done(kind: str, params_key: str, language: str) -> ReportRequest | None:
    reusable_since = timezone.now() - max(retention() - REUSE_MARGIN, dt.timedelta(0))
    return (
        ReportRequest.objects.identical(kind, params_key, language)
        .filter(status=ReportStatus.DONE, finished_at__gte=reusable_since)
        .exclude(file="")
        .order_by("-finished_at", "-pk")
        .first()
    )


def _copy_result(target: ReportRequest, source: ReportRequest) -> dict[str, Any]:
    return {
        "file": source.file.name,
        "file_name": source.file_name,
        "content_hash": source.content_hash,
        "pages": source.pages,
        "bytes": source.bytes,
        "reused": True,
    }


@transaction.atomic
def report_request(
    *, actor: Any, kind: registry.ReportKind, params: registry.Params, language: str
) -> ReportRequest:
    """Record the request and send it to the workers once the transaction commits.

    Runs kind.check (Http404 / PermissionDenied). Served at once, without a task, when
    the kind has a fingerprint equal to that of the last done identical request.
    Side effects: one row; after commit, a broker message (see report_send)."""
    organization = kind.check(actor, params)
    params = dict(params)
    if kind.personal_data:
        params["unmasked"] = organization is not None and can_view_personal_data(
            actor, organization
        )
    key = canonical_params(params)
    fingerprint = ""
    now = timezone.now()
    request = ReportRequest(
        kind=kind.slug,
        params=params,
        params_key=key,
        organization=organization,
        requested_by=actor,
        language=language,
        created_at=now,
    )
    if kind.fingerprint is not None:
        import hashlib

        fingerprint = hashlib.sha256(kind.fingerprint(params).encode("utf-8")).hexdigest()
        request.fingerprint = fingerprint
        last = _last_done(kind.slug, key, language)
        if last is not None and last.fingerprint == fingerprint:
            for field, value in _copy_result(request, last).items():
                setattr(request, field, value)
            request.status = ReportStatus.DONE
            request.finished_at = now
            request.render_seconds = 0.0
    request.full_clean(exclude=["file"])
    request.save()
    if request.status == ReportStatus.QUEUED:
        transaction.on_commit(lambda: report_send(request_id=request.pk))
    return request


def report_send(*, request_id: int, countdown: float | None = None) -> bool:
    """Hand the request to the broker; True when it got there. With Redis down this
    fails after one short connection attempt (portal.core.queue.send_now: no retry
    loop, never raises) and leaves sent_to_broker false for resend_reports. In the
    embedded default (eager) the task runs right here."""
    from .tasks import render_report

    if not send_now(render_report, args=[request_id], countdown=countdown):
        return False
    ReportRequest.objects.filter(pk=request_id).update(sent_to_broker=True, sent_at=timezone.now())
    return True


def _claim(request_id: int) -> tuple[ReportRequest, int] | None:
    """Take the request for this delivery: queued or rendering -> rendering, attempts+1.
    None when it is done or failed already (a duplicate delivery: nothing to do)."""
    with transaction.atomic():
        request = (
            # of=self: the organization is an outer join (nullable), which PostgreSQL
            # will not lock.
            ReportRequest.objects.select_for_update(of=("self",))
            .select_related("organization", "requested_by")
            .filter(pk=request_id)
            .first()
        )
        if request is None or request.status not in (
            ReportStatus.QUEUED,
            ReportStatus.RENDERING,
        ):
            return None
        attempt = request.attempts + 1
        _move(
            ReportRequest.objects.filter(pk=request_id),
            from_status=request.status,
            to_status=ReportStatus.RENDERING,
            attempts=attempt,
            started_at=timezone.now(),
            heartbeat_at=timezone.now(),
            retry_at=None,
            worker=f"{socket.gethostname()}:{os.getpid()}"[:100],
        )
        request.attempts = attempt
        return request, attempt


def _finish(request_id: int, attempt: int, *, status: str, **fields: Any) -> bool:
    """RENDERING (this attempt) -> DONE / FAILED; False when a later attempt took over."""
    return bool(
        _move(
            ReportRequest.objects.filter(pk=request_id, attempts=attempt),
            from_status=ReportStatus.RENDERING,
            to_status=status,
            finished_at=timezone.now(),
            **fields,
        )
    )


def _with_fresh_connection(action: Any) -> Any:
    """Run a database write; when the connection is broken (the database restarted or
    dropped it), close it and run the write once more on a new one."""
    from django.db import connection

    try:
        return action()
    except (InterfaceError, OperationalError):
        logger.warning("database connection lost: retrying on a new one", exc_info=True)
        connection.close()
        return action()


def _record_failure(request_id: int, attempt: int, message: str, seconds: float) -> None:
    """This attempt failed: back to the queue with the reason shown ("failed, retrying")
    and an automatic retry after a pause, or FAILED once no retry is left. Recorded on a
    fresh connection when the old one is gone; if even that fails the heartbeat rule of
    resend_reports requeues the request once the database is back."""

    def record() -> tuple[bool, float | None]:
        with transaction.atomic():
            row = (
                ReportRequest.objects.select_for_update()
                .filter(pk=request_id, attempts=attempt, status=ReportStatus.RENDERING)
                .values("retries_left")
                .first()
            )
            if row is None:
                return False, None  # a later attempt owns the request
            left = row["retries_left"]
            if left <= 0:
                _finish(
                    request_id,
                    attempt,
                    status=ReportStatus.FAILED,
                    error=message,
                    render_seconds=seconds,
                )
                return False, None
            delay = float(RETRY_DELAYS[min(MAX_ATTEMPTS - 1 - left, len(RETRY_DELAYS) - 1)])
            _move(
                ReportRequest.objects.filter(pk=request_id, attempts=attempt),
                from_status=ReportStatus.RENDERING,
                to_status=ReportStatus.QUEUED,
                error=message,
                retries_left=left - 1,
                retry_at=timezone.now() + dt.timedelta(seconds=delay),
                sent_to_broker=False,
                sent_at=None,
                render_seconds=seconds,
            )
            return True, delay

    try:
        retry, delay = _with_fresh_connection(record)
    except (DatabaseError, InterfaceError):
        logger.exception("report %s: the failure could not be recorded", request_id)
        return
    if retry:
        report_send(request_id=request_id, countdown=delay)


def _failure_message(exc: BaseException) -> str:
    from celery.exceptions import SoftTimeLimitExceeded

    if isinstance(exc, SoftTimeLimitExceeded):
        return _("The report took too long to render.")
    if isinstance(exc, OSError):
        return _("The report file could not be stored (%(error)s).") % {
            "error": exc.strerror or exc.__class__.__name__
        }
    if isinstance(exc, DatabaseError | InterfaceError):
        return _("The database could not be reached while the report was made.")
    return _("The report could not be rendered (%(error)s).") % {"error": exc.__class__.__name__}


def report_render(*, request_id: int) -> None:
    """The worker's job: render the request's report unless it is finished already.

    Reuses the last done identical request's file when the HTML hashes the same;
    otherwise writes a new PDF. Whatever fails — the renderer, the storage, the
    database — the request records why (_record_failure): retried automatically after a
    pause up to MAX_ATTEMPTS, then "failed" with a retry button. A file written for a
    result that could not be recorded is deleted. Idempotent (see _claim / _finish)."""
    from django.core.files.storage import default_storage

    from .models import report_upload_to

    claimed = _with_fresh_connection(lambda: _claim(request_id))
    if claimed is None:
        return
    request, attempt = claimed
    started = time.monotonic()
    name = ""
    try:
        beating = ReportRequest.objects.filter(
            pk=request_id, attempts=attempt, status=ReportStatus.RENDERING
        )
        with Heartbeat(beating, HEARTBEAT_SECONDS):
            kind = registry.get(request.kind)
            rendered = render_html(
                kind,
                request.params,
                request.language,
                request.organization,
                requested_by=request.requested_by,
            )
            last = _last_done(request.kind, request.params_key, request.language)
            if last is not None and last.content_hash == rendered.content_hash:
                _finish(
                    request_id,
                    attempt,
                    status=ReportStatus.DONE,
                    render_seconds=time.monotonic() - started,
                    error="",
                    **_copy_result(request, last),
                )
                return
            pdf = render_pdf(rendered.final(timezone.now()), rendered.attachment_roots)
            name = default_storage.save(report_upload_to(request, ""), ContentFile(pdf.data))
            won = _finish(
                request_id,
                attempt,
                status=ReportStatus.DONE,
                file=name,
                file_name=f"{rendered.file_stem}.pdf",
                content_hash=rendered.content_hash,
                reused=False,
                pages=pdf.pages,
                bytes=len(pdf.data),
                render_seconds=time.monotonic() - started,
                error="",
            )
        if not won:  # a later attempt owns the request: keep exactly one file
            _delete_file(name)
    except Exception as exc:
        logger.exception("report %s failed (attempt %s)", request_id, attempt)
        if name:
            _delete_file(name)  # nothing records it: no orphan left behind
        with translation.override(request.language or None):
            message = _failure_message(exc)
        _record_failure(request_id, attempt, message, time.monotonic() - started)


def _delete_file(name: str) -> None:
    from django.core.files.storage import default_storage

    try:
        default_storage.delete(name)
    except OSError:
        logger.exception("report file %s could not be deleted (the sweep will)", name)


@transaction.atomic
def report_retry(*, actor: Any, request: ReportRequest) -> bool:
    """A failed request goes back to the queue (its owner's retry button). Runs the
    kind's check again. False when it was not failed (a double click)."""
    registry.get(request.kind).check(actor, request.params)
    moved = _move(
        ReportRequest.objects.filter(pk=request.pk),
        from_status=ReportStatus.FAILED,
        to_status=ReportStatus.QUEUED,
        error="",
        sent_to_broker=False,
        sent_at=None,
        started_at=None,
        finished_at=None,
        retry_at=None,
        retries_left=MAX_ATTEMPTS - 1,
    )
    if moved:
        transaction.on_commit(lambda: report_send(request_id=request.pk))
    return bool(moved)


def resend_reports(*, now: dt.datetime | None = None) -> int:
    """Send again what is waiting without a live message: queued and never sent (Redis
    was down), queued and sent long ago without starting, and renders whose worker died
    (heartbeat older than STALE_HEARTBEAT: recorded as a failed attempt, so the page
    says why and the retries stay bounded). Returns how many were handed to the broker.
    Periodic (beat, every 15 s)."""
    now = now or timezone.now()
    stale = ReportRequest.objects.filter(
        status=ReportStatus.RENDERING, heartbeat_at__lt=now - STALE_HEARTBEAT
    ).values_list("pk", "attempts", "language")
    for pk, attempt, language in list(stale):
        with translation.override(language or None):
            message = _("The background worker stopped while making the report.")
        _record_failure(pk, attempt, message, 0.0)
    waiting = ReportRequest.objects.filter(status=ReportStatus.QUEUED).filter(
        Q(sent_to_broker=False, created_at__lt=now - FRESH, retry_at__isnull=True)
        | Q(sent_to_broker=False, retry_at__lt=now)
        | Q(sent_to_broker=True, sent_at__lt=now - STALE_QUEUED)
    )
    sent = 0
    for pk in waiting.order_by("pk").values_list("pk", flat=True)[:500]:
        if report_send(request_id=pk):
            sent += 1
        else:
            break  # the broker is still down: try again next time
    return sent


def reports_sweep_orphans(*, now: dt.datetime | None = None) -> int:
    """Delete stored report files that no request points to (left by a crash between
    writing a file and recording it), older than ORPHAN_MIN_AGE. Returns how many.
    Daily (with reports_expire). Queries: one per 500 files found."""
    from django.core.files.storage import default_storage

    now = now or timezone.now()
    names: list[str] = []

    def walk(folder: str) -> None:
        try:
            dirs, files = default_storage.listdir(folder)
        # No reports folder yet, or a storage (S3-like) that cannot list: nothing to sweep.
        except (FileNotFoundError, NotImplementedError):
            return
        names.extend(f"{folder}/{f}" for f in files)
        for d in dirs:
            walk(f"{folder}/{d}")

    walk("reports")
    removed = 0
    for start in range(0, len(names), 500):
        batch = names[start : start + 500]
        held = set(ReportRequest.objects.filter(file__in=batch).values_list("file", flat=True))
        for name in batch:
            if name in held:
                continue
            try:
                if default_storage.get_modified_time(name) > now - ORPHAN_MIN_AGE:
                    continue
                default_storage.delete(name)
                removed += 1
            except OSError:
                logger.exception("orphan report file %s could not be deleted", name)
    return removed


def reports_expire(*, now: dt.datetime | None = None) -> int:
    """Done requests finished more than REPORTS_RETENTION_DAYS ago become "expired"
    (the row stays, its file field cleared; the page offers to make it again), and each
    of their stored files is deleted unless a request that is kept (a younger one that
    reused it) still points to it. Returns how many requests expired. Daily (beat).
    Queries: one SELECT of the old requests, then per 500 one UPDATE and one SELECT of
    the files still held; then one storage delete per file let go."""
    from django.core.files.storage import default_storage

    now = now or timezone.now()
    old = list(
        ReportRequest.objects.filter(
            status=ReportStatus.DONE, finished_at__lt=now - retention()
        ).values_list("pk", "file")
    )
    expired = 0
    for start in range(0, len(old), 500):
        batch = [pk for pk, _name in old[start : start + 500]]
        expired += _move(
            ReportRequest.objects.filter(pk__in=batch),
            from_status=ReportStatus.DONE,
            to_status=ReportStatus.EXPIRED,
            file="",
        )
    names = sorted({name for _pk, name in old if name})
    held: set[str] = set()
    for start in range(0, len(names), 500):
        held.update(
            ReportRequest.objects.filter(file__in=names[start : start + 500])
            .values_list("file", flat=True)
            .distinct()
        )
    for name in names:
        if name in held:
            continue
        try:
            default_storage.delete(name)
        except OSError:
            logger.exception("report file %s could not be deleted", name)
    return expired
