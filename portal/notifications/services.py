"""Writes for notifications.

`notify` is what other apps call (the review workflow first). It writes the rows in the
caller's transaction and enqueues the e-mail copies with transaction.on_commit, so a
rolled-back action neither notifies nor mails anybody.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

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
    if not rows:
        return []
    created = Notification.objects.bulk_create(rows)
    if getattr(settings, "NOTIFY_BY_EMAIL", False):
        ids = [n.pk for n in created if n.recipient.email]
        if ids:
            transaction.on_commit(lambda: _enqueue_emails(ids))
    return created


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
    if not rows:
        return []
    created = Notification.objects.bulk_create(rows)
    if getattr(settings, "NOTIFY_BY_EMAIL", False):
        ids = [n.pk for n in created if n.recipient.email]
        if ids:
            transaction.on_commit(lambda: _enqueue_emails(ids))
    return created


def _enqueue_emails(ids: list[int]) -> None:
    """Hand the ids to the mail task. The in-app rows are already committed: a broker
    or mail failure is logged, never turned into an error for the user's action."""
    from .tasks import send_notification_emails

    try:
        send_notification_emails.delay(ids)
    except Exception:  # the broker may be down; the notifications themselves stand
        log.exception("could not enqueue notification e-mails %s", ids)


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
