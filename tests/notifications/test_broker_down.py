"""Notification e-mails with Redis down: the action succeeds, the in-app notifications
stand, the e-mail copies are kept unsent and the beat task queues them once the broker
answers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from portal.notifications.models import Notification
from portal.notifications.services import notify, resend_emails
from portal.notifications.tasks import resend_notification_emails, send_notification_emails
from portal.reviews.models import ReviewStatus
from tests.activities.plans_factories import plan_at
from tests.core.broker import BrokerSpy, assert_one_fast_attempt, broker_down, broker_up
from tests.utils import client_for

__all__ = ["broker_down", "broker_up"]  # fixtures used below

pytestmark = pytest.mark.django_db


def test_submitting_with_the_broker_down_succeeds_and_keeps_the_emails_to_resend(
    world: Any, settings: Any, broker_down: BrokerSpy, django_capture_on_commit_callbacks: Any
) -> None:
    settings.NOTIFY_BY_EMAIL = True
    plan = plan_at(world, world.own)
    url = reverse("reviews:transition", args=["activities.activityplan", plan.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world, "secretary").post(url, {"action": "submit"})
    assert response.status_code == 302  # the action went through, no 500
    plan.refresh_from_db()
    assert plan.review_status == ReviewStatus.SUBMITTED
    assert_one_fast_attempt(broker_down)  # one e-mail task for the action, one attempt
    rows = list(Notification.objects.filter(email_wanted=True))
    assert {n.recipient for n in rows} == {world.reviewer, world.instructor}
    assert all(n.email_queued_at is None and n.emailed_at is None for n in rows)
    assert mail.outbox == []


def test_resend_queues_the_unsent_emails_once_the_broker_answers(
    world: Any, settings: Any, broker_up: BrokerSpy, django_capture_on_commit_callbacks: Any
) -> None:
    settings.NOTIFY_BY_EMAIL = True
    rows = notify([world.reviewer, world.instructor], verb="t", title="Plan submitted")
    ids = sorted(n.pk for n in rows)
    later = timezone.now() + dt.timedelta(minutes=1)
    assert resend_emails(now=later) == 2
    [(name, args, options)] = broker_up.publishes
    assert name == send_notification_emails.name and sorted(args[0]) == ids
    assert options["retry"] is False
    assert Notification.objects.filter(pk__in=ids, email_queued_at__isnull=False).count() == 2
    # Queued now: not sent again until it is stale (lost with the broker).
    assert resend_emails(now=later) == 0
    assert resend_emails(now=later + dt.timedelta(hours=1)) == 2
    # Mailed: never again.
    send_notification_emails(ids)
    assert len(mail.outbox) == 2
    assert resend_emails(now=later + dt.timedelta(hours=2)) == 0


def test_resend_with_the_broker_still_down_keeps_them_and_stops_after_one_attempt(
    world: Any, settings: Any, broker_down: BrokerSpy
) -> None:
    settings.NOTIFY_BY_EMAIL = True
    notify([world.reviewer, world.instructor], verb="t", title="Plan submitted")
    assert resend_emails(now=timezone.now() + dt.timedelta(minutes=1)) == 0
    assert_one_fast_attempt(broker_down)
    assert not Notification.objects.filter(email_queued_at__isnull=False).exists()


def test_resend_leaves_fresh_old_and_unwanted_rows_alone(
    world: Any, settings: Any, broker_up: BrokerSpy
) -> None:
    settings.NOTIFY_BY_EMAIL = False
    notify([world.reviewer], verb="t", title="no e-mail wanted")
    settings.NOTIFY_BY_EMAIL = True
    notify([world.instructor], verb="t", title="fresh")
    now = timezone.now()
    assert resend_emails(now=now) == 0  # the on-commit send may still be in flight
    assert resend_emails(now=now + dt.timedelta(days=3)) == 0  # given up after 2 days
    assert broker_up.publishes == []


def test_the_beat_task_is_scheduled_every_minute(settings: Any) -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["resend-notification-emails"]
    assert entry["task"] == resend_notification_emails.name
    assert entry["schedule"] == 60.0
