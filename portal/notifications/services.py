"""Writes for notifications.

`notify` is what other apps call (the review workflow first). It writes the rows in the
caller's transaction and enqueues the e-mail copies after commit (portal.core.queue), so
a rolled-back action neither notifies nor mails anybody, and a broker that is down
costs the user's action one refused connection: the copies wait for resend_emails.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation

from portal.core.queue import Sending, enqueue, send_now

from .models import Notification

log = logging.getLogger(__name__)


def _language(user: Any) -> str:
    return getattr(user, "preferred_language", "") or settings.LANGUAGE_CODE


def notify(
    recipients: Iterable[Any],
    *,
    verb: str,
    title: Any,
    body: Any = "",
    url: str = "",
    exclude: Any = None,
) -> list[Notification]:
    """Notify each distinct active recipient once (minus `exclude`, usually the actor).

    `title` and `body` may be lazy translations (gettext_lazy / format_lazy): each row is
    rendered in its recipient's preferred language. One INSERT for all rows; when
    settings.NOTIFY_BY_EMAIL is on, one Celery task per call is enqueued on commit for
    the recipients that have an e-mail address.
    """
    seen: set[int] = set()
    rows: list[Notification] = []
    now = timezone.now()
    for user in recipients:
        if user is None or user.pk in seen or not user.is_active:
            continue
        if exclude is not None and user.pk == exclude.pk:
            continue
        seen.add(user.pk)
        with translation.override(_language(user)):
            rows.append(
                Notification(
                    recipient=user,
                    verb=verb,
                    title=str(title)[:300],
                    body=str(body),
                    url=url,
                    created_at=now,
                )
            )
    return _save_and_mail(rows)


@dataclass(frozen=True)
class Message:
    """One notification for one recipient, for notify_batch()."""

    recipient: Any
    verb: str
    title: Any
    body: Any = ""
    url: str = ""


def notify_batch(messages: Iterable[Message]) -> list[Notification]:
    """Like notify(), for many messages that differ per recipient (the daily reminders):
    each active recipient gets their message rendered in their preferred language. One
    INSERT for all rows and, when settings.NOTIFY_BY_EMAIL is on, one Celery task on
    commit for those with an e-mail address; cost independent of the number of
    messages."""
    rows: list[Notification] = []
    now = timezone.now()
    for message in messages:
        user = message.recipient
        if user is None or not user.is_active:
            continue
        with translation.override(_language(user)):
            rows.append(
                Notification(
                    recipient=user,
                    verb=message.verb,
                    title=str(message.title)[:300],
                    body=str(message.body),
                    url=message.url,
                    created_at=now,
                )
            )
    return _save_and_mail(rows)


def _save_and_mail(rows: list[Notification]) -> list[Notification]:
    """One INSERT for the rows; when settings.NOTIFY_BY_EMAIL is on, those whose
    recipient has an address are marked email_wanted and one mail task is enqueued on
    commit for them (email_enqueue)."""
    if not rows:
        return []
    if getattr(settings, "NOTIFY_BY_EMAIL", False):
        for row in rows:
            row.email_wanted = bool(row.recipient.email)
    created = Notification.objects.bulk_create(rows)
    ids = [n.pk for n in created if n.email_wanted]
    if ids:
        email_enqueue(notification_ids=ids)
    return created


def email_enqueue(*, notification_ids: list[int]) -> Sending:
    """Hand the ids to the mail task once the transaction commits (one fast attempt,
    portal.core.queue). Sent: the rows get email_queued_at. Not sent (the broker is
    down): the in-app notifications stand, the rows keep email_queued_at empty and
    resend_emails sends them later. Never raises into the user's action."""
    from .tasks import send_notification_emails

    def failed() -> None:
        log.warning("notification e-mails %s wait for the broker", notification_ids)

    return enqueue(
        send_notification_emails,
        args=[notification_ids],
        on_sent=lambda: _mark_queued(notification_ids),
        on_failed=failed,
    )


def _mark_queued(notification_ids: list[int]) -> None:
    Notification.objects.filter(pk__in=notification_ids).update(email_queued_at=timezone.now())


# Unsent copies younger than this are left to the on_commit send in flight; a copy
# queued this long ago and still not mailed (its message was lost, or the mail task gave
# up after its retries) is queued again; copies older than RESEND_WINDOW are given up.
FRESH = dt.timedelta(seconds=20)
STALE_QUEUED = dt.timedelta(minutes=30)
RESEND_WINDOW = dt.timedelta(days=2)
RESEND_BATCH = 200


def resend_emails(*, now: dt.datetime | None = None) -> int:
    """Queue again the e-mail copies not mailed yet: never sent to the broker (it was
    down), or queued long ago and still not mailed. Batches of RESEND_BATCH ids per
    task; stops at the first batch the broker refuses. Returns how many rows were
    queued. Periodic (beat, every minute)."""
    now = now or timezone.now()
    due = (
        Notification.objects.filter(
            email_wanted=True, emailed_at__isnull=True, created_at__gte=now - RESEND_WINDOW
        )
        .filter(
            Q(email_queued_at__isnull=True, created_at__lt=now - FRESH)
            | Q(email_queued_at__lt=now - STALE_QUEUED)
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    from .tasks import send_notification_emails

    ids = list(due[:5000])
    queued = 0
    for start in range(0, len(ids), RESEND_BATCH):
        batch = ids[start : start + RESEND_BATCH]
        # The rows are committed: send now (one fast attempt), no on_commit needed.
        if not send_now(send_notification_emails, args=[batch]):
            break  # the broker is still down: next minute
        _mark_queued(batch)
        queued += len(batch)
    return queued


@transaction.atomic
def notification_mark_read(*, actor: Any, notification: Notification) -> None:
    """Mark one of the actor's notifications read (no-op when it already is)."""
    if notification.recipient_id != actor.pk:
        raise ValueError("not the recipient")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )


@transaction.atomic
def notification_mark_all_read(*, actor: Any) -> int:
    """Mark every unread notification of the actor read; returns how many. One UPDATE."""
    return Notification.objects.for_user(actor).unread().update(read_at=timezone.now())
