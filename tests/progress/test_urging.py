"""Urging (催办, issue #13 point 8): a reviewer or the campaign office reminds the
organizations below them that fail a requirement."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from organizations.models import OrgKind
from portal.notifications.models import Notification
from portal.progress.models import Urge
from portal.progress.urging import URGE_INTERVAL, urge_send
from tests.activities import factories as af
from tests.conftest import World
from tests.factories import add_org
from tests.utils import assert_constant_queries, check_matrix, client_for, committed

pytestmark = pytest.mark.django_db

REQ = "mobilization"


def urge_url(world: World, org: str = "park_a", requirement: str = REQ) -> str:
    campaign = af.campaign_for(world)
    base = reverse("progress:urge", args=[getattr(world, org).pk])
    return f"{base}?requirement={requirement}&campaign={campaign.pk}"


def post(client: Any, world: World, orgs: list[Any], note: str = "", root: str = "park_a") -> Any:
    campaign = af.campaign_for(world)
    return client.post(
        reverse("progress:urge", args=[getattr(world, root).pk]),
        {
            "requirement": REQ,
            "campaign": campaign.pk,
            "organizations": [o.pk for o in orgs],
            "note": note,
        },
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )


def test_urge_page_permissions(world: World) -> None:
    check_matrix(
        world,
        urge_url(world),
        {
            "anonymous": 302,
            "nobody": 404,
            "outsider": 404,  # secretary of another park's branch
            "secretary": 404,  # cannot see park_a
            "instructor": 404,
            "reviewer": 200,
            "office": 200,
            "admin": 200,
        },
    )
    # Who sees the organization without a reviewer or office role: 403.
    check_matrix(
        world,
        urge_url(world, "own"),
        {"secretary": 403, "clerk": 403, "instructor": 403, "reviewer": 200, "office": 200},
    )
    check_matrix(world, urge_url(world, "county"), {"reviewer": 404, "office": 200})


def test_posting_is_refused_to_the_wrong_people_and_urges_nobody(world: World) -> None:
    af.campaign_for(world)
    url = reverse("progress:urge", args=[world.own.pk])
    data = {"requirement": REQ, "organizations": [world.own.pk]}
    check_matrix(
        world,
        url,
        {"anonymous": 302, "nobody": 404, "outsider": 404, "secretary": 403, "instructor": 403},
        method="post",
        data=data,
    )
    assert not Urge.objects.exists()


def test_reviewer_urges_failing_organizations_their_secretaries_and_clerks_are_notified(
    world: World, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.NOTIFY_BY_EMAIL = True
    client = client_for(world, "reviewer")
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, world, [world.own, world.child], note="请本周内召开动员会")
    assert response.status_code == 302
    urges = list(Urge.objects.order_by("organization__path"))
    assert [(u.organization, u.requirement, u.urged_by) for u in urges] == [
        (world.own, REQ, world.reviewer),
        (world.child, REQ, world.reviewer),
    ]
    assert urges[0].note == "请本周内召开动员会"
    notes = Notification.objects.filter(verb="progress.urged")
    assert {n.recipient for n in notes} == {world.secretary, world.clerk}
    assert all("请本周内召开动员会" in n.body for n in notes)
    assert all(str(world.own.pk) in n.url for n in notes)
    # E-mail copies once the transaction commits.
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [world.secretary.email, world.clerk.email]
    )


def test_organizations_outside_the_scope_or_the_node_are_skipped_never_urged(
    world: World,
) -> None:
    client = client_for(world, "reviewer")
    post(client, world, [world.own, world.other, world.far, world.park_b])
    assert list(Urge.objects.values_list("organization", flat=True)) == [world.own.pk]
    # The office at the county posting from park_a: park_b's branch is outside the node.
    post(client_for(world, "office"), world, [world.other], root="park_a")
    assert not Urge.objects.filter(organization=world.other).exists()


def test_an_organization_meeting_the_requirement_is_not_urged(world: World) -> None:
    campaign = af.campaign_for(world)
    af.meeting(world.sibling, campaign, kind="mobilization")
    post(client_for(world, "reviewer"), world, [world.sibling, world.child])
    assert list(Urge.objects.values_list("organization", flat=True)) == [world.child.pk]


def test_a_second_reminder_within_24_hours_is_refused_with_the_time_of_the_first(
    world: World,
) -> None:
    client = client_for(world, "reviewer")
    post(client, world, [world.own])
    first = Urge.objects.get()
    response = post(client, world, [world.own])
    assert Urge.objects.count() == 1
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    shown = timezone.localtime(first.urged_at).strftime("%Y-%m-%d %H:%M")
    assert shown in page and "已催办" in page
    # The office too is refused: once per organization and requirement, whoever sends.
    post(client_for(world, "office"), world, [world.own])
    assert Urge.objects.count() == 1
    # A day later it may be urged again.
    campaign = af.campaign_for(world)
    outcome = urge_send(
        actor=world.office,
        root=world.park_a,
        campaign=campaign,
        requirement=REQ,
        organization_ids=[world.own.pk],
        now=first.urged_at + URGE_INTERVAL + dt.timedelta(minutes=1),
    )
    assert len(outcome.sent) == 1 and not outcome.refused
    # Another requirement is another reminder.
    outcome = urge_send(
        actor=world.office,
        root=world.park_a,
        campaign=campaign,
        requirement="counseling",
        organization_ids=[world.own.pk],
    )
    assert len(outcome.sent) == 1


def test_urged_is_shown_on_the_grid_and_the_organizations_home(world: World) -> None:
    campaign = af.campaign_for(world)
    urge_send(
        actor=world.office,
        root=world.park_a,
        campaign=campaign,
        requirement=REQ,
        organization_ids=[world.own.pk],
        note="抓紧",
        now=timezone.now() - dt.timedelta(days=2, hours=1),
    )
    grid = client_for(world, "reviewer").get(
        reverse("progress:grid", args=[world.park_a.pk]) + f"?failing={REQ}",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert "已催办 2 天前" in grid.content.decode()
    home = client_for(world, "secretary").get(reverse("core:home"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = home.content.decode()
    assert "已催办 2 天前" in html and "抓紧" in html


def test_grid_offers_urging_only_with_a_failing_filter_and_to_those_who_may(world: World) -> None:
    af.campaign_for(world)
    url = reverse("progress:grid", args=[world.park_a.pk])
    reviewer = client_for(world, "reviewer")
    assert 'id="urge-form"' not in reviewer.get(url).content.decode()
    assert 'id="urge-form"' in reviewer.get(url + f"?failing={REQ}").content.decode()
    own = reverse("progress:grid", args=[world.own.pk]) + f"?failing={REQ}"
    assert 'id="urge-form"' not in client_for(world, "secretary").get(own).content.decode()


def test_urge_all_failing_urges_every_failing_organization_of_the_node(world: World) -> None:
    campaign = af.campaign_for(world)
    af.meeting(world.sibling, campaign, kind="mobilization")
    client_for(world, "office").post(
        reverse("progress:urge", args=[world.park_a.pk]),
        {"requirement": REQ, "campaign": campaign.pk, "all": "1"},
    )
    assert set(Urge.objects.values_list("organization", flat=True)) == {
        world.own.pk,
        world.child.pk,
    }


def test_urge_page_query_count_is_constant(world: World) -> None:
    campaign = af.campaign_for(world)
    client = client_for(world, "reviewer")

    def grow() -> None:
        for i in range(12):
            branch = add_org(world.park_a, kind=OrgKind.BRANCH, short_name=f"新支部{i}")
            af.members(branch, 2)
            urge_send(
                actor=world.office,
                root=world.park_a,
                campaign=campaign,
                requirement=REQ,
                organization_ids=[branch.pk],
            )

    client.get(urge_url(world))  # builds the roll-up
    # session, user (2); the organization, grants and roles (3); campaign + phases (2);
    # the roll-up's freshness check (2) and rows (1); the page's organizations (1);
    # their latest reminders (1); the navigation's unread count (1).
    assert_constant_queries(client, urge_url(world), committed(grow), expected=13)
