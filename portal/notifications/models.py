"""In-app notifications: one row per recipient and event.

Written by `portal.notifications.services.notify` in the same transaction as the action
that caused them (so a rolled-back action notifies nobody); e-mail copies go out through
a Celery task enqueued on commit (tasks.py) with portal.core.queue.enqueue; when the
broker is down the row keeps email_queued_at empty and the beat task
resend_notification_emails sends it later. The unread count in the navigation
(portal/core/context_processors.py) is one COUNT over the partial index below.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connections, models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationQuerySet(models.QuerySet["Notification"]):
    def for_user(self, user: Any) -> NotificationQuerySet:
        return self.filter(recipient=user)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)

    def unread_count(self, user: Any) -> int:
        """One COUNT query (partial index notification_unread_idx) of all the user's
        unread notifications (this queryset's own filters are not applied).

        The bell of every page asks for it (portal/core/context_processors.py), so the
        statement is written out, the same as the ORM's `for_user(user).unread()
        .count()`, instead of built and compiled each time: some 0.4 ms of CPU a page
        (issue #20; tests/notifications/test_unread_count.py compares both)."""
        if user is None or not user.is_authenticated:
            return 0
        connection = connections[self.db]
        qn = connection.ops.quote_name
        meta = self.model._meta
        recipient = meta.get_field("recipient").column
        read_at = meta.get_field("read_at").column
        sql = (
            f"SELECT COUNT(*) FROM {qn(meta.db_table)} "  # noqa: S608 - names, not input
            f"WHERE {qn(recipient)} = %s AND {qn(read_at)} IS NULL"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [user.pk])
            row = cursor.fetchone()
        return int(row[0]) if row else 0


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    # A machine-readable key of what happened, e.g. "review.submitted".
    verb = models.CharField(_("event"), max_length=50)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # Set when the e-mail copy was handed to the mail server (idempotent task).
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    # An e-mail copy is wanted (NOTIFY_BY_EMAIL was on and the recipient has an address).
    email_wanted = models.BooleanField(_("e-mail wanted"), default=False)
    # When the mail task for it reached the broker; null while it has not (Redis was
    # down): tasks.resend_notification_emails sends it again.
    email_queued_at = models.DateTimeField(_("e-mail queued at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The notification list: one user's rows, newest first.
            models.Index(fields=["recipient", "-created_at"], name="notification_list_idx"),
            # The unread count on every page: a small partial index.
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
            # The resend task's scan of e-mail copies not yet mailed: a small partial index.
            models.Index(
                fields=["created_at"],
                condition=Q(email_wanted=True, emailed_at__isnull=True),
                name="notification_email_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
