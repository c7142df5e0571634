"""Taking part by proximity and by industry (docs/product.md §6.1, issue #16 part 1): an
organization attends the open meeting of a park, village (community) or industry
organization of its county; it counts exactly as an ancestor's meeting does, and the
holder's meeting page lists who attended."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from activities.meetings.selectors import (
    meetings_open_to_attend,
    mobilization_held_or_attended,
    mobilization_held_or_attended_in,
)
from activities.meetings.services import Mark, participation_create
from activities.models import MeetingKind, MeetingParticipation
from organizations.models import Organization, OrgKind
from portal.progress import engine
from portal.progress.engine import Level
from portal.progress.scopes import scope_for_org, scope_for_subtree
from tests.activities.factories import campaign_for, meeting, members
from tests.conftest import World
from tests.factories import add_org
from tests.utils import assert_constant_queries, check_matrix, client_for

pytestmark = pytest.mark.django_db

AFTER = dt.date(2015, 1, 1)


def community(world: World) -> Organization:
    return add_org(
        world.working,
        kind=OrgKind.COMMUNITY,
        short_name="东门社区党委",
        full_name="中共东门社区委员会",
    )


def industry(world: World) -> Organization:
    return add_org(
        world.working,
        kind=OrgKind.INDUSTRY_COMMITTEE,
        short_name="建筑业行业党委",
        full_name="中共建筑业行业委员会",
    )


def test_a_branch_attends_a_community_meeting_and_it_counts_like_an_ancestors(
    world: World,
) -> None:
    campaign = campaign_for(world)
    dm = community(world)
    held = meeting(dm, campaign)
    roster = members(world.other, 3)
    assert not mobilization_held_or_attended(world.other, campaign)
    p = participation_create(
        actor=world.outsider,
        organization=world.other,
        meeting=held,
        attendance={roster[0].pk: Mark(False, "出差")},
    )
    assert (p.expected_count, p.present_count, p.absent_count) == (3, 2, 1)
    assert mobilization_held_or_attended(world.other, campaign)
    scope = scope_for_subtree(world.county, campaign, today=AFTER)
    assert world.other.pk in mobilization_held_or_attended_in(campaign, scope.q)
    grid = engine.evaluate(scope_for_org(world.other, campaign, today=AFTER))
    assert grid[world.other.pk]["mobilization"].level == Level.GREEN


def test_what_cannot_be_attended_by_proximity(world: World) -> None:
    campaign = campaign_for(world)
    dm = community(world)
    # A branch's meeting is not a park's, community's or industry organization's.
    for holder in (world.sibling, world.child):
        with pytest.raises(ValidationError) as exc:
            participation_create(
                actor=None, organization=world.other, meeting=meeting(holder, campaign),
                attendance={},
            )  # fmt: skip
        assert exc.value.code == "not_attendable"
    # Internal kinds of a community organization are not open to others.
    special = meeting(dm, campaign, kind=MeetingKind.SPECIAL, topic="专题组织生活会")
    with pytest.raises(ValidationError):
        participation_create(actor=None, organization=world.other, meeting=special, attendance={})
    # Another county's park: not the same county (and not its campaign).
    far_park = add_org(world.other_county, kind=OrgKind.PARK_COMMITTEE, short_name="邻县园区")
    from activities.seed import ensure_campaign_2014

    far_meeting = meeting(far_park, ensure_campaign_2014(world.other_county))
    with pytest.raises(ValidationError):
        participation_create(
            actor=None, organization=world.other, meeting=far_meeting, attendance={}
        )
    # Not a meeting of an organization below oneself, nor one's own.
    with pytest.raises(ValidationError):
        participation_create(
            actor=None, organization=world.working, meeting=meeting(dm, campaign), attendance={}
        )
    with pytest.raises(ValidationError):
        participation_create(
            actor=None, organization=dm, meeting=meeting(dm, campaign, topic="再开"), attendance={}
        )
    # And only once.
    held = meeting(world.park_a, campaign, topic="园区A动员")
    participation_create(actor=None, organization=world.other, meeting=held, attendance={})
    with pytest.raises(ValidationError) as exc:
        participation_create(actor=None, organization=world.other, meeting=held, attendance={})
    assert exc.value.code == "duplicate"


def test_the_list_puts_ancestors_first_then_parks_communities_industry(world: World) -> None:
    campaign = campaign_for(world)
    dm, jz = community(world), industry(world)
    own_park = meeting(world.park_b, campaign, topic="B园区动员", day="2014-04-08")
    by_industry = meeting(jz, campaign, topic="行业动员", day="2014-04-12")
    by_community = meeting(dm, campaign, topic="社区动员", day="2014-04-11")
    other_park = meeting(world.park_a, campaign, topic="A园区动员", day="2014-04-09")
    meeting(world.sibling, campaign, topic="支部动员")  # not open to others
    meeting(dm, campaign, kind=MeetingKind.BRANCH_GENERAL, topic="党员大会")  # internal
    found = list(meetings_open_to_attend(world.other))
    assert found == [own_park, other_park, by_community, by_industry]
    assert list(meetings_open_to_attend(world.other, search="社区")) == [by_community]
    assert list(meetings_open_to_attend(world.other, search="东门")) == [by_community]
    participation_create(actor=None, organization=world.other, meeting=by_community, attendance={})
    assert by_community not in meetings_open_to_attend(world.other)
    # Another county sees none of them.
    assert list(meetings_open_to_attend(world.far)) == []


def _proximity_participation(world: World) -> MeetingParticipation:
    """`other` (under park_b, the outsider's) attends park_a's meeting (the reviewer's)."""
    held = meeting(world.park_a, campaign_for(world))
    return participation_create(actor=None, organization=world.other, meeting=held, attendance={})


def test_the_holders_viewers_read_a_nearby_organizations_attendance_but_not_change_it(
    world: World,
) -> None:
    p = _proximity_participation(world)
    base = {
        "anonymous": 302, "nobody": 404, "member_user": 404, "admin": 200, "office": 200,
        # the holder (park_a) is above their own organization: no view on either side
        "secretary": 404, "clerk": 404, "instructor": 404,
    }  # fmt: skip
    check_matrix(
        world,
        reverse("activities:participation_detail", args=[p.pk]),
        {**base, "reviewer": 200, "outsider": 200},
    )
    for name in ("participation_edit", "participation_delete"):
        check_matrix(
            world,
            reverse(f"activities:{name}", args=[p.pk]),
            {**base, "reviewer": 403, "outsider": 200, "office": 403},
        )


def test_the_holders_meeting_page_lists_the_organizations_that_attended(world: World) -> None:
    p = _proximity_participation(world)
    participation_create(actor=None, organization=world.sibling, meeting=p.meeting, attendance={})
    page = client_for(world, "reviewer").get(p.meeting.get_absolute_url()).content.decode()
    assert "丙公司支部" in page and "乙公司支部" in page
    assert page.count("nearby or same industry") == 1


def test_pick_page_matrix_search_and_constant_queries(world: World) -> None:
    campaign = campaign_for(world)
    dm = community(world)
    meeting(dm, campaign, topic="社区动员")
    url = reverse("activities:participation_create", args=[world.other.pk])
    check_matrix(
        world,
        url,
        {
            "anonymous": 302, "nobody": 404, "secretary": 404, "clerk": 404,
            "instructor": 404, "member_user": 404, "reviewer": 404, "office": 403,
            "outsider": 200, "admin": 200,
        },
    )  # fmt: skip
    client = client_for(world, "outsider")
    page = client.get(url, {"q": "社区"}).content.decode()
    assert "社区动员" in page and "nearby or same industry" in page
    assert "社区动员" not in client.get(url, {"q": "没有这个"}).content.decode()
    partial = client.get(url, {"q": "社区"}, headers={"HX-Request": "true"}).content.decode()
    assert "社区动员" in partial and "<html" not in partial

    def grow() -> None:
        for i in range(10):
            meeting(dm, campaign, topic=f"社区学习{i}", kind=MeetingKind.STUDY_EXCHANGE)
            meeting(world.park_a, campaign, topic=f"园区{i}")
            meeting(world.park_b, campaign, topic=f"上级{i}")

    # session, user, grants, organization; the county, the meetings (2); then the
    # navigation's roles and unread count
    assert_constant_queries(client, url, grow, expected=8)


def test_step_two_records_a_nearby_meeting(world: World) -> None:
    campaign = campaign_for(world)
    held = meeting(community(world), campaign, topic="社区动员")
    roster = members(world.other, 2)
    url = reverse("activities:participation_create", args=[world.other.pk])
    client = client_for(world, "outsider")
    assert client.get(url, {"meeting": held.pk}).status_code == 200
    data = {f"roll-present_{roster[0].pk}": "on", f"roll-reason_{roster[1].pk}": "出差"}
    response = client.post(f"{url}?meeting={held.pk}", data)
    assert response.status_code == 302
    assert MeetingParticipation.objects.filter(meeting=held, organization=world.other).exists()
    # An unknown or foreign meeting is a 404, never a 500.
    assert client.get(url, {"meeting": "x"}).status_code == 404
