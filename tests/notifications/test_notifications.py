"""Notifications: the notify service, e-mail copies, the pages and the bell."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from portal.notifications.models import Notification
from portal.notifications.services import notify
from portal.notifications.tasks import send_notification_emails
from tests.utils import assert_constant_queries, check_matrix, client_for

pytestmark = pytest.mark.django_db


def _notify(
    users: list[Any], title: str = "Plan submitted", url: str = "/x/"
) -> list[Notification]:
    return notify(users, verb="test", title=title, body="Body text", url=url)


def test_notify_writes_one_row_per_distinct_active_recipient(world: Any) -> None:
    world.clerk.is_active = False
    world.clerk.save()
    rows = _notify([world.secretary, world.secretary, world.reviewer, world.clerk])
    assert sorted(n.recipient.username for n in rows) == ["reviewer", "secretary"]
    assert Notification.objects.count() == 2


def test_notify_skips_the_excluded_actor(world: Any) -> None:
    notify([world.secretary, world.reviewer], verb="t", title="x", exclude=world.reviewer)
    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["secretary"]


def test_notify_renders_lazy_text_in_each_recipients_language(world: Any) -> None:
    from django.utils.translation import gettext_lazy

    world.secretary.preferred_language = "en"
    world.secretary.save()
    notify([world.secretary], verb="t", title=gettext_lazy("Notifications"))
    assert Notification.objects.get().title == "Notifications"


def test_rolled_back_action_notifies_nobody(world: Any) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        _notify([world.secretary])
        raise RuntimeError
    assert not Notification.objects.exists()


def test_no_email_when_the_flag_is_off(
    world: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.NOTIFY_BY_EMAIL = False
    with django_capture_on_commit_callbacks(execute=True):
        _notify([world.secretary])
    assert mail.outbox == []


def test_email_sent_on_commit_when_enabled_and_address_known(
    world: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.NOTIFY_BY_EMAIL = True
    settings.SITE_URL = "https://portal.example"
    world.clerk.email = ""
    world.clerk.save()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _notify([world.secretary, world.clerk], title="Returned", url="/plans/1/")
    assert mail.outbox == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [world.secretary.email]
    assert message.subject == "Returned"
    assert "https://portal.example/plans/1/" in message.body
    assert Notification.objects.get(recipient=world.secretary).emailed_at is not None
    assert Notification.objects.get(recipient=world.clerk).emailed_at is None


def test_email_task_is_idempotent(world: Any) -> None:
    [row] = _notify([world.secretary])
    assert send_notification_emails([row.pk]) == 1
    assert send_notification_emails([row.pk]) == 0
    assert len(mail.outbox) == 1


def test_failed_send_releases_the_claim(world: Any, monkeypatch: Any) -> None:
    [row] = _notify([world.secretary])

    def boom(*args: Any, **kwargs: Any) -> None:
        raise ValueError("mail server said no")

    monkeypatch.setattr("portal.notifications.tasks.send_mail", boom)
    with pytest.raises(ValueError):
        send_notification_emails.run([row.pk])
    row.refresh_from_db()
    assert row.emailed_at is None


# --- pages -----------------------------------------------------------------------------


def test_list_matrix(world: Any) -> None:
    check_matrix(
        world,
        reverse("notifications:list"),
        {
            "anonymous": 302,
            "nobody": 200,
            "outsider": 200,
            "office": 200,
            "reviewer": 200,
            "instructor": 200,
            "secretary": 200,
            "clerk": 200,
            "member_user": 200,
            "admin": 200,
        },
    )


def test_list_shows_only_my_notifications_newest_first(world: Any) -> None:
    _notify([world.secretary], title="older one")
    _notify([world.secretary], title="newer one")
    _notify([world.reviewer], title="someone else's")
    response = client_for(world, "secretary").get(reverse("notifications:list"))
    page = list(response.context["page"].object_list)
    assert [n.title for n in page] == ["newer one", "older one"]


def test_list_query_count_is_constant(world: Any) -> None:
    _notify([world.secretary])

    def grow() -> None:
        for i in range(10):
            _notify([world.secretary], title=f"n{i}")

    # session, user, COUNT for the paginator, the page, navigation grants + roles,
    # the unread count for the bell.
    assert_constant_queries(
        client_for(world, "secretary"), reverse("notifications:list"), grow, expected=7
    )


def test_bell_shows_unread_count(world: Any) -> None:
    _notify([world.secretary])
    _notify([world.secretary])
    html = client_for(world, "secretary").get(reverse("notifications:list")).content.decode()
    assert 'class="bell-count">2<' in html


def test_open_marks_read_and_follows_the_link(world: Any) -> None:
    [row] = _notify([world.secretary], url="/reviews/inbox/")
    response = client_for(world, "secretary").post(reverse("notifications:open", args=[row.pk]))
    assert response.status_code == 302
    assert response["Location"] == "/reviews/inbox/"
    row.refresh_from_db()
    assert row.read_at is not None


def test_open_refuses_external_links(world: Any) -> None:
    [row] = _notify([world.secretary], url="https://evil.example/")
    response = client_for(world, "secretary").post(reverse("notifications:open", args=[row.pk]))
    assert response["Location"] == reverse("notifications:list")


def test_someone_elses_notification_is_404(world: Any) -> None:
    [row] = _notify([world.secretary])
    for name in ("notifications:open", "notifications:read"):
        check_matrix(
            world,
            reverse(name, args=[row.pk]),
            {"anonymous": 302, "reviewer": 404, "outsider": 404, "admin": 404},
            method="post",
        )
    row.refresh_from_db()
    assert row.read_at is None


def test_mark_read_requires_post(world: Any) -> None:
    [row] = _notify([world.secretary])
    response = client_for(world, "secretary").get(reverse("notifications:read", args=[row.pk]))
    assert response.status_code == 405


def test_mark_one_and_all_read(world: Any) -> None:
    rows = _notify([world.secretary]) + _notify([world.secretary]) + _notify([world.secretary])
    other = _notify([world.reviewer])
    client = client_for(world, "secretary")
    client.post(reverse("notifications:read", args=[rows[0].pk]))
    assert Notification.objects.for_user(world.secretary).unread().count() == 2
    response = client.post(reverse("notifications:read_all"))
    assert response.status_code == 302
    assert Notification.objects.for_user(world.secretary).unread().count() == 0
    other[0].refresh_from_db()
    assert other[0].read_at is None
    assert Notification.objects.unread_count(world.secretary) == 0


def test_read_timestamp_is_kept_when_marked_twice(world: Any) -> None:
    [row] = _notify([world.secretary])
    Notification.objects.filter(pk=row.pk).update(read_at=timezone.now() - dt.timedelta(days=1))
    client_for(world, "secretary").post(reverse("notifications:read", args=[row.pk]))
    row.refresh_from_db()
    assert (timezone.now() - row.read_at).days >= 1
