from __future__ import annotations

import pytest
from django.db.models import Q

from activities.meetings.selectors import (
    meetings_open_to_attend,
    mobilization_held_or_attended,
    mobilization_held_or_attended_in,
    special_meeting_with_guide,
    special_meetings_with_guide_in,
    study_exchange_count,
    study_exchange_counts_in,
)
from activities.meetings.services import participation_create
from activities.models import MeetingKind
from portal.progress.scopes import scope_for_subtree
from tests.activities.factories import campaign_for, meeting, members
from tests.conftest import World

pytestmark = pytest.mark.django_db


def test_mobilization_counts_for_the_holder_and_for_who_attended_it(world: World) -> None:
    campaign = campaign_for(world)
    held = meeting(world.park_a, campaign, kind=MeetingKind.MOBILIZATION)
    members(world.sibling, 2)
    assert mobilization_held_or_attended(world.park_a, campaign)
    assert not mobilization_held_or_attended(world.sibling, campaign)
    participation_create(actor=None, organization=world.sibling, meeting=held, attendance={})
    assert mobilization_held_or_attended(world.sibling, campaign)
    # A meeting of another kind does not count.
    other = meeting(world.park_a, campaign, kind=MeetingKind.OPINION_FORUM)
    participation_create(actor=None, organization=world.child, meeting=other, attendance={})
    assert not mobilization_held_or_attended(world.child, campaign)


def test_study_exchanges_held_and_attended_are_both_counted(world: World) -> None:
    campaign = campaign_for(world)
    meeting(world.child, campaign, kind=MeetingKind.STUDY_EXCHANGE)
    meeting(world.child, campaign, kind=MeetingKind.STUDY_SESSION)
    above = meeting(world.own, campaign, kind=MeetingKind.STUDY_EXCHANGE)
    participation_create(actor=None, organization=world.child, meeting=above, attendance={})
    assert study_exchange_count(world.child, campaign) == 2
    assert study_exchange_count(world.own, campaign) == 1


def test_special_meeting_counts_only_with_a_guide(world: World) -> None:
    campaign = campaign_for(world)
    meeting(world.child, campaign, kind=MeetingKind.SPECIAL, day="2014-06-20")
    assert not special_meeting_with_guide(world.child, campaign)
    meeting(world.child, campaign, kind=MeetingKind.SPECIAL, day="2014-06-21", guide_name="李")
    assert special_meeting_with_guide(world.child, campaign)


def test_scope_versions_agree_and_cost_a_fixed_number_of_queries(
    world: World, django_assert_num_queries
) -> None:
    campaign = campaign_for(world)
    mob = meeting(world.park_a, campaign, kind=MeetingKind.MOBILIZATION)
    participation_create(actor=None, organization=world.sibling, meeting=mob, attendance={})
    meeting(world.own, campaign, kind=MeetingKind.MOBILIZATION)
    meeting(world.child, campaign, kind=MeetingKind.STUDY_EXCHANGE)
    meeting(world.own, campaign, kind=MeetingKind.SPECIAL, day="2014-06-20", guide_name="王")
    meeting(world.far, campaign_for_far(world), kind=MeetingKind.MOBILIZATION)
    scope = scope_for_subtree(world.county, campaign)
    with django_assert_num_queries(5):
        mob_ids = mobilization_held_or_attended_in(campaign, scope.q)
        exchanges = study_exchange_counts_in(campaign, scope.q)
        special = special_meetings_with_guide_in(campaign, scope.q)
    assert mob_ids == {world.park_a.pk, world.sibling.pk, world.own.pk}
    assert exchanges == {world.child.pk: 1}
    assert special == {world.own.pk}
    by_id = lambda prefix: Q(**{f"{prefix}_id__in": [world.child.pk]})  # noqa: E731
    assert study_exchange_counts_in(campaign, by_id) == {world.child.pk: 1}


def campaign_for_far(world: World):
    from activities.seed import ensure_campaign_2014

    return ensure_campaign_2014(world.other_county)


def test_open_to_attend_lists_ancestors_meetings_not_yet_recorded(world: World) -> None:
    campaign = campaign_for(world)
    county = meeting(world.county, campaign)
    park = meeting(world.park_a, campaign)
    meeting(world.sibling, campaign)
    meeting(world.child, campaign)
    meeting(world.own, campaign)
    assert set(meetings_open_to_attend(world.own)) == {county, park}
    participation_create(actor=None, organization=world.own, meeting=park, attendance={})
    assert list(meetings_open_to_attend(world.own, campaign)) == [county]
