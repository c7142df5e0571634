from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from activities.models import CounselingRecord, StudyMode
from activities.study.selectors import counseling_coverage, counseling_coverage_in
from activities.study.services import counseling_delete, counseling_update
from portal.progress.scopes import scope_for_subtree
from tests.activities.factories import campaign_for, counseling, members
from tests.conftest import World

pytestmark = pytest.mark.django_db


def test_one_session_recorded_for_many_members_keeps_each_members_organization(
    world: World,
) -> None:
    campaign = campaign_for(world)
    roster = members(world.child, 3)
    records = counseling(roster, campaign, actor=world.clerk)
    assert len(records) == 3
    assert {r.organization_id for r in records} == {world.child.pk}
    assert all(r.recorded_by == world.clerk for r in records)


def test_coverage_counts_members_with_the_minimum_sessions(world: World) -> None:
    campaign = campaign_for(world)
    a, b, c = members(world.child, 3)
    counseling([a, b], campaign)
    coverage = counseling_coverage(world.child, campaign)
    assert (coverage.covered, coverage.total, coverage.uncovered) == (2, 3, [c])
    assert not coverage.complete and coverage.percent == 67


def test_coverage_with_a_campaign_minimum_of_two(world: World) -> None:
    campaign = campaign_for(world)
    campaign.min_counseling_per_member = 2
    campaign.save()
    a, b = members(world.child, 2)
    counseling([a, b], campaign, day="2014-04-15")
    counseling(a, campaign, day="2014-05-15")
    coverage = counseling_coverage(world.child, campaign)
    assert (coverage.covered, coverage.total, coverage.uncovered) == (1, 2, [b])
    scope = scope_for_subtree(world.park_a, campaign)
    assert counseling_coverage_in(campaign, scope.q)[world.child.pk] == (1, 2)


def test_inactive_members_are_left_out_and_other_campaigns_do_not_count(world: World) -> None:
    from activities.seed import ensure_campaign_2014

    campaign = campaign_for(world)
    other = ensure_campaign_2014(world.own)  # a second campaign led lower down
    a, b = members(world.child, 2)
    counseling(a, other)
    b.is_active = False
    b.save()
    coverage = counseling_coverage(world.child, campaign)
    assert (coverage.covered, coverage.total) == (0, 1)


def test_coverage_costs_one_query_whatever_the_size(
    world: World, django_assert_num_queries
) -> None:
    campaign = campaign_for(world)
    counseling(members(world.child, 30), campaign)
    scope = scope_for_subtree(world.county, campaign)
    with django_assert_num_queries(1):
        counseling_coverage(world.child, campaign)
    with django_assert_num_queries(1):
        result = counseling_coverage_in(campaign, scope.q)
    assert result[world.child.pk] == (30, 30)
    assert result[world.own.pk] == (0, 1)  # the world's party member


def test_dates_outside_the_campaign_and_bad_hours_are_refused(world: World) -> None:
    campaign = campaign_for(world)
    a = members(world.child, 1)[0]
    with pytest.raises(ValidationError) as exc:
        counseling(a, campaign, day="2015-01-01")
    assert "date" in exc.value.message_dict
    for hours in ("0", "25"):
        with pytest.raises(ValidationError) as exc:
            counseling(a, campaign, hours=hours)
        assert "hours" in exc.value.message_dict
    assert not CounselingRecord.objects.exists()


def test_a_member_outside_the_campaign_or_off_the_roster_is_refused(world: World) -> None:
    campaign = campaign_for(world)
    far = members(world.far, 1)[0]
    with pytest.raises(ValidationError) as exc:
        counseling(far, campaign)
    assert "campaign" in exc.value.message_dict
    gone = members(world.child, 1)[0]
    gone.is_active = False
    gone.save()
    with pytest.raises(ValidationError):
        counseling(gone, campaign)


def test_update_and_delete(world: World, media_root) -> None:
    campaign = campaign_for(world)
    record = counseling(members(world.child, 1)[0], campaign)[0]
    counseling_update(
        actor=None,
        record=record,
        date=dt.date(2014, 5, 2),
        mode=StudyMode.ONLINE,
        topic="网上学习",
        hours=Decimal("1.5"),
    )
    record.refresh_from_db()
    assert (record.mode, record.hours) == (StudyMode.ONLINE, Decimal("1.5"))
    counseling_delete(actor=None, record=record)
    assert not CounselingRecord.objects.exists()
