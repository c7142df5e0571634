"""An opinion left in the public online box notifies the organization's own secretaries
and clerks, once, after it is committed (activities.opinions.services)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from activities.models import AddressedTo, Opinion
from activities.opinions import services as services
from portal.accounts.models import Role
from portal.accounts.services import role_assign
from portal.notifications.models import Notification
from tests.activities.opinions_factories import campaigns_for, make_box
from tests.activities.test_public_box import box_url, form_data
from tests.conftest import World
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache() -> Any:
    cache.clear()
    yield
    cache.clear()


def more_people(world: World) -> dict[str, Any]:
    """A second clerk of `own` (notified), an inactive secretary of `own`, a clerk of
    the child branch below it and a secretary at the park above it (none notified)."""
    people = {
        "clerk2": (Role.CLERK, world.own, True),
        "inactive": (Role.SECRETARY, world.own, False),
        "child_clerk": (Role.CLERK, world.child, True),
        "park_secretary": (Role.SECRETARY, world.park_a, True),
    }
    users = {}
    for name, (role, org, active) in people.items():
        users[name] = UserFactory(username=name, is_active=active)
        role_assign(actor=None, user=users[name], role=role, organization=org)
    return users


def submit(world: World, box: Any, content: str = "食堂饭菜太贵") -> Opinion:
    return services.opinion_submit_online(
        box=box,
        campaign=campaigns_for(world)[0],
        content=content,
        addressed_to=AddressedTo.TEAM,
    )


def test_the_organizations_secretaries_and_clerks_are_notified_once_per_opinion(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    extra = more_people(world)
    box = make_box(world.own)
    with django_capture_on_commit_callbacks(execute=True):
        first = submit(world, box, "食堂饭菜太贵")
    with django_capture_on_commit_callbacks(execute=True):
        second = submit(world, box, "班车太少")

    rows = Notification.objects.filter(verb="opinion.online")
    expected = {world.secretary.pk, world.clerk.pk, extra["clerk2"].pk}
    for opinion in (first, second):
        mine = rows.filter(url=opinion.get_absolute_url())
        recipients = list(mine.values_list("recipient_id", flat=True))
        assert sorted(recipients) == sorted(expected)  # each exactly once
    assert rows.count() == 2 * len(expected)
    note = rows.filter(recipient=world.secretary, url=second.get_absolute_url()).get()
    assert "班车太少" in note.body
    assert world.own.short_name in note.title


def test_nobody_is_notified_before_the_opinion_is_committed(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    box = make_box(world.own)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        submit(world, box)
    assert len(_notifying(callbacks)) == 1
    assert not Notification.objects.exists()


def _notifying(callbacks: list[Any]) -> list[Any]:
    """The opinion's own on-commit callback (others, e.g. the requirement roll-up's
    refresh, are registered too)."""
    return [c for c in callbacks if "opinion_submit_online" in c.__qualname__]


def test_the_notification_costs_two_queries(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    more_people(world)
    box = make_box(world.own)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        submit(world, box)
    with CaptureQueriesContext(connection) as ctx:
        _notifying(callbacks)[0]()
    # recipients (one query), the notification rows (one insert)
    assert len(ctx.captured_queries) == 2


def test_an_opinion_through_the_public_page_notifies_its_organization_only(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    campaigns_for(world)
    box = make_box(world.own)
    other_box = make_box(world.other)
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(box_url(box), form_data(box))
    # Post/redirect/get: the sender lands on the box's thank-you page.
    assert response.status_code == 302
    assert response["Location"].startswith(box_url(box).rstrip("/") + "/thanks/")
    assert Opinion.objects.count() == 1
    recipients = set(
        Notification.objects.filter(verb="opinion.online").values_list("recipient_id", flat=True)
    )
    assert recipients == {world.secretary.pk, world.clerk.pk}
    assert world.outsider.pk not in recipients  # secretary of the other box's organization
    assert other_box.pk  # the other organization's box exists but got nothing
