"""The bell's count (NotificationQuerySet.unread_count), written out as SQL (issue #20),
counts what the ORM's for_user(user).unread().count() counts, in one query."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from portal.notifications.models import Notification
from portal.notifications.services import notify

pytestmark = pytest.mark.django_db


def _orm(user: Any) -> int:
    return Notification.objects.for_user(user).unread().count()


def test_the_same_count_as_the_orm(world: Any, django_assert_num_queries: Any) -> None:
    users = [world.secretary, world.reviewer, world.clerk]
    for user in users:
        with django_assert_num_queries(1):
            count = Notification.objects.unread_count(user)
        assert count == 0 == _orm(user)
    notify([world.secretary, world.reviewer], verb="t", title="one")
    notify([world.secretary], verb="t", title="two")
    notify([world.secretary], verb="t", title="three")
    Notification.objects.filter(recipient=world.secretary, title="two").update(
        read_at=timezone.now()
    )
    expected = {world.secretary: 2, world.reviewer: 1, world.clerk: 0}
    for user, n in expected.items():
        with django_assert_num_queries(1):
            count = Notification.objects.unread_count(user)
        assert count == n == _orm(user)


def test_no_count_for_anonymous(django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(0):
        assert Notification.objects.unread_count(AnonymousUser()) == 0
        assert Notification.objects.unread_count(None) == 0
