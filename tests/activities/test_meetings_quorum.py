"""The quorum warning (docs/product.md §6.1) of a meeting held by an organization with no members
of its own (e.g. a park committee's mobilization meeting attended by the enterprises'
organizations): no "0 of 0 … no quorum", the attending organizations' totals instead."""

from __future__ import annotations

import pytest
from django.urls import reverse

from activities.meetings.services import Mark, participation_create
from activities.meetings.services import roster as roster_of
from tests.activities.factories import campaign_for, meeting, members
from tests.conftest import World
from tests.utils import client_for

pytestmark = pytest.mark.django_db


def test_a_meeting_of_a_holder_without_members_has_no_quorum_to_check(world: World) -> None:
    campaign = campaign_for(world)
    assert not roster_of(world.park_a)
    held = meeting(world.park_a, campaign, topic="园区动员大会")
    assert held.expected_count == 0
    assert not held.quorum_applies and held.quorum_met

    _x, y = members(world.own, 2)
    participation_create(
        actor=None, organization=world.own, meeting=held, attendance={y.pk: Mark(False, "出差")}
    )
    expected = len(roster_of(world.own))
    page = client_for(world, "reviewer").get(held.get_absolute_url()).content.decode()
    assert "No quorum" not in page
    assert "Present 0 of 0" not in page
    assert "no quorum applies" in page
    assert f"In all, present {expected - 1} of {expected} expected" in page

    listing = client_for(world, "reviewer").get(
        reverse("activities:meeting_list", args=[world.park_a.pk])
    )
    assert listing.status_code == 200
    body = listing.content.decode()
    assert "园区动员大会" in body and "no quorum" not in body and "0 / 0" not in body


def test_a_meeting_with_members_still_warns_without_quorum(world: World) -> None:
    campaign = campaign_for(world)
    a, _b = members(world.child, 2)
    held = meeting(world.child, campaign, absent={a: "病假"})
    assert held.quorum_applies and not held.quorum_met
    page = client_for(world, "secretary").get(held.get_absolute_url()).content.decode()
    assert "No quorum" in page and "no quorum applies" not in page
