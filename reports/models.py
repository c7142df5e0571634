"""Report requests: who asked for which report, its progress and the PDF it produced.

The file lives in the default storage under reports/<yyyy>/<mm>/<uuid>.pdf. That
storage is never served by URL (settings.MEDIA_URL points nowhere): the only way to
the file is reports.views.download, which re-checks the report kind's permission.
A request served from an earlier identical one shares that one's stored file. A done
request's file is kept REPORTS_RETENTION_DAYS (services.reports_expire): then the row
stays, "expired" and without a file, and a stored file is deleted once no request that
is kept points to it.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.core.constraints import CheckConstraint


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RENDERING = "rendering", _("rendering")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")
    # Done, and its file deleted after REPORTS_RETENTION_DAYS (services.reports_expire).
    EXPIRED = "expired", _("expired")


# The moves services.py makes, each as one conditional UPDATE (filter on the current
# status) so that two workers or a worker and a retry never both win.
TRANSITIONS: dict[str, set[str]] = {
    ReportStatus.QUEUED: {ReportStatus.RENDERING, ReportStatus.DONE, ReportStatus.FAILED},
    # RENDERING -> RENDERING: a redelivered task after its worker died claims it again;
    # RENDERING -> QUEUED: the resend task requeues a render whose worker vanished.
    ReportStatus.RENDERING: {
        ReportStatus.RENDERING,
        ReportStatus.DONE,
        ReportStatus.FAILED,
        ReportStatus.QUEUED,
    },
    ReportStatus.FAILED: {ReportStatus.QUEUED},
    # DONE -> EXPIRED: the retention task deleted (or let go of) its file.
    ReportStatus.DONE: {ReportStatus.EXPIRED},
    ReportStatus.EXPIRED: set(),
}


def canonical_params(params: dict[str, Any]) -> str:
    """The parameters as one comparable string (sorted keys, no spaces)."""
    return json.dumps(params, sort_keys=True, separators=(",", ":"))


def report_upload_to(instance: ReportRequest, filename: str) -> str:
    now = timezone.now()
    return f"reports/{now:%Y}/{now:%m}/{uuid.uuid4().hex}.pdf"


class ReportRequestQuerySet(models.QuerySet["ReportRequest"]):
    def for_user(self, user: Any) -> ReportRequestQuerySet:
        """The user's own requests (the "my reports" list; index report_user_idx)."""
        return self.filter(requested_by=user)

    def identical(self, kind: str, params_key: str, language: str) -> ReportRequestQuerySet:
        """Requests for the same report (index report_same_idx)."""
        return self.filter(kind=kind, params_key=params_key, language=language)


class ReportRequest(models.Model):
    kind = models.CharField(_("report"), max_length=60)
    params = models.JSONField(_("parameters"), default=dict)
    # canonical_params(params): equality of JSON columns is not portable.
    params_key = models.CharField(max_length=300)
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organization"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.CASCADE,
        related_name="report_requests",
    )
    language = models.CharField(_("language"), max_length=10)
    status = models.CharField(
        _("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.QUEUED
    )
    sent_to_broker = models.BooleanField(default=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    fingerprint = models.CharField(max_length=64, blank=True)
    content_hash = models.CharField(_("content hash"), max_length=64, blank=True)
    file = models.FileField(upload_to=report_upload_to, max_length=200, blank=True)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    reused = models.BooleanField(default=False)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # Automatic attempts left after a failed one (services.MAX_ATTEMPTS in all); a
    # failure with none left is final until the user's "Try again" resets it.
    retries_left = models.PositiveSmallIntegerField(default=2)
    # When the next automatic attempt starts (set with the error of the failed one:
    # the page says "failed, retrying").
    retry_at = models.DateTimeField(null=True, blank=True)
    # Touched every few seconds by the rendering process: a render whose heartbeat
    # stopped had its worker die (services.resend_reports requeues it).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # host:pid of the process that claimed the latest attempt (operators, and the
    # worker-kill test, find the rendering process by it).
    worker = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    render_seconds = models.FloatField(null=True, blank=True)
    pages = models.PositiveIntegerField(null=True, blank=True)
    bytes = models.PositiveBigIntegerField(null=True, blank=True)

    objects = ReportRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("report request")
        verbose_name_plural = _("report requests")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # "My reports", newest first (ReportRequestQuerySet.for_user).
            models.Index(fields=["requested_by", "-created_at"], name="report_user_idx"),
            # The last done identical request, for reuse (services.report_request).
            models.Index(
                fields=["kind", "params_key", "language", "status"], name="report_same_idx"
            ),
            # The resend task's scan of waiting requests.
            models.Index(fields=["status", "sent_to_broker"], name="report_waiting_idx"),
            # The retention task: done requests by age, and who else holds a file.
            models.Index(fields=["status", "finished_at"], name="report_age_idx"),
            models.Index(fields=["file"], name="report_file_idx"),
        ]
        constraints = [
            CheckConstraint(
                condition=models.Q(status__in=ReportStatus.values), name="report_status_valid"
            ),
            CheckConstraint(
                condition=~models.Q(status=ReportStatus.DONE) | ~models.Q(file=""),
                name="report_done_has_file",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("reports:detail", args=[self.pk])

    @property
    def is_pending(self) -> bool:
        return self.status in (ReportStatus.QUEUED, ReportStatus.RENDERING)

    @property
    def is_retrying(self) -> bool:
        """Waiting for an automatic attempt after a failed one."""
        return self.status == ReportStatus.QUEUED and bool(self.error)
