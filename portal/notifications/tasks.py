"""E-mail copies of notifications (when settings.NOTIFY_BY_EMAIL is on), and the beat
task that queues again the copies the broker did not take (Redis was down)."""

from __future__ import annotations

import logging
import smtplib

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from . import services
from .models import Notification

log = logging.getLogger(__name__)


@shared_task(
    name="portal.notifications.tasks.send_notification_emails",
    time_limit=120,
    soft_time_limit=100,
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=True,
    max_retries=3,
)
def send_notification_emails(notification_ids: list[int]) -> int:
    """Send the e-mail copy of each notification not yet mailed; returns how many went.

    Idempotent: a row is claimed (emailed_at set) before its message is sent, and the
    claim is released when sending fails, so a retry sends only what did not go.
    Queries: one SELECT, then one UPDATE per message.
    """
    sent = 0
    rows = Notification.objects.filter(
        pk__in=notification_ids, emailed_at__isnull=True
    ).select_related("recipient")
    for notification in rows:
        email = notification.recipient.email
        if not email:
            continue
        claimed = Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(
            emailed_at=timezone.now()
        )
        if not claimed:
            continue
        link = f"{settings.SITE_URL}{notification.url}" if notification.url else ""
        message = "\n\n".join(part for part in (notification.body, link) if part)
        try:
            send_mail(notification.title, message or notification.title, None, [email])
        except Exception:
            Notification.objects.filter(pk=notification.pk).update(emailed_at=None)
            raise
        sent += 1
    return sent


@shared_task(
    name="portal.notifications.tasks.resend_notification_emails",
    time_limit=60,
    soft_time_limit=50,
)
def resend_notification_emails() -> int:
    """Every minute (settings.CELERY_BEAT_SCHEDULE["resend-notification-emails"]): queue
    again the e-mail copies that never reached the broker or were lost with it."""
    return services.resend_emails()
