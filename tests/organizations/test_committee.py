"""The branch committee (posts with their dates) and the Party groups: the page and its
writes (matrix, pinned queries), and who a meeting expects from its kind."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from activities.models import MeetingKind
from organizations import services
from organizations.models import CommitteePost, CommitteeRole, PartyGroup, PartyPost
from organizations.selectors import committee_members
from portal.accounts.permissions import Action
from tests.activities import factories as af
from tests.conftest import World
from tests.factories import MemberFactory
from tests.organizations.helpers import TARGETS, expected, org_of
from tests.utils import assert_constant_queries, check_matrix, client_for

pytestmark = pytest.mark.django_db

DAY = dt.date(2014, 1, 1)


def _committee_url(target: str):
    return lambda w: reverse("organizations:committee", args=[org_of(w, target).pk])


@pytest.mark.parametrize("target", TARGETS)
def test_the_page_follows_the_view_matrix_and_writes_need_record(world: World, target: str) -> None:
    check_matrix(world, _committee_url(target), expected(target))

    def post_url(w: World) -> str:
        return _committee_url(target)(w)

    refused = {p: c for p, c in expected(target, Action.RECORD).items() if c != 200}
    check_matrix(world, post_url, refused, method="post", data={"action": "add_group"})
    assert not PartyGroup.objects.exists()


def test_the_secretary_records_posts_and_groups_with_their_dates(world: World) -> None:
    a, b, c = (
        MemberFactory(organization=world.own, name=n) for n in ("甲委员", "乙委员", "丙党员")
    )
    client = client_for(world, "secretary")
    url = reverse("organizations:committee", args=[world.own.pk])
    response = client.post(url, {"action": "add_post", "member": a.pk,
                                 "role": CommitteeRole.ORGANIZATION, "starts_on": "2013-06-01"})  # fmt: skip
    assert response.status_code == 302
    post = CommitteePost.objects.get()
    assert (post.member, post.role, post.ends_on) == (a, "organization", None)
    response = client.post(url, {"action": "add_group", "group-name": "第一党小组",
                                 "group-leader": b.pk, "group-members": [b.pk, c.pk],
                                 "group-starts_on": "2013-06-01"})  # fmt: skip
    assert response.status_code == 302
    group = PartyGroup.objects.get()
    assert set(group.members.all()) == {b, c} and group.leader == b
    client.post(url, {"action": "end_post", "pk": post.pk, "ends_on": "2014-03-31"})
    post.refresh_from_db()
    assert post.ends_on == dt.date(2014, 3, 31)
    page = client.get(url).content.decode()
    assert "第一党小组" in page and "甲委员" in page
    # a member of another organization cannot be put in a group here
    stranger = MemberFactory(organization=world.child)
    with pytest.raises(ValidationError):
        services.party_group_create(actor=world.secretary, organization=world.own, name="x",
                                    starts_on=DAY, members=[stranger])  # fmt: skip


def test_the_page_runs_a_fixed_number_of_queries(world: World) -> None:
    first = MemberFactory(organization=world.own)
    services.party_group_create(actor=None, organization=world.own, name="第一小组",
                                starts_on=DAY, members=[first])  # fmt: skip

    def grow() -> None:
        for i in range(5):
            m = MemberFactory(organization=world.own)
            services.committee_post_add(actor=None, organization=world.own, member=m,
                                        role=CommitteeRole.OTHER, starts_on=DAY)  # fmt: skip
            services.party_group_create(actor=None, organization=world.own, name=f"第{i}小组",
                                        starts_on=DAY, members=[m], leader=m)  # fmt: skip

    # session, user, organization, grants, the roster (forms), the posts with their
    # members, the groups with their leaders, the groups' members, the navigation's
    # roles, the unread count
    assert_constant_queries(
        client_for(world, "secretary"),
        reverse("organizations:committee", args=[world.own.pk]),
        grow,
        expected=10,
    )


def _eleven(world: World) -> list:
    world.own.members.update(is_active=False)  # a clean roster of eleven
    return [MemberFactory(organization=world.own, name=f"党员{i:02d}") for i in range(11)]


def test_a_branch_committee_meeting_expects_the_committee_not_everyone(world: World) -> None:
    campaign = af.campaign_for(world)
    people = _eleven(world)
    for member, role in zip(people[:3], ("secretary", "organization", "propaganda"), strict=True):
        services.committee_post_add(actor=None, organization=world.own, member=member,
                                    role=role, starts_on=DAY)  # fmt: skip
    services.committee_post_add(actor=None, organization=world.own, member=people[3],
                                role="youth", starts_on=DAY)  # fmt: skip
    services.committee_post_end(
        actor=None, post=CommitteePost.objects.get(member=people[3]), ends_on=dt.date(2014, 3, 1)
    )  # left the committee before the meeting
    committee = af.meeting(world.own, campaign, kind=MeetingKind.BRANCH_COMMITTEE)
    assert committee.expected_count == 3
    assert {a.member for a in committee.attendances.all()} == set(people[:3])
    general = af.meeting(world.own, campaign, kind=MeetingKind.BRANCH_GENERAL)
    assert general.expected_count == 11
    lecture = af.meeting(
        world.own, campaign, kind=MeetingKind.STUDY_SESSION, subkind="party_lecture"
    )
    assert lecture.expected_count == 11


def test_without_posts_the_roster_s_party_posts_are_the_committee(world: World) -> None:
    campaign = af.campaign_for(world)
    people = _eleven(world)
    for member in people[:2]:
        member.party_post = PartyPost.COMMITTEE
        member.save()
    committee = af.meeting(world.own, campaign, kind=MeetingKind.BRANCH_COMMITTEE)
    assert committee.expected_count == 2


def test_the_committee_is_read_in_one_query(world: World, django_assert_num_queries) -> None:
    """The post holders and, while no post is recorded, the roster's Party posts: one
    query either way (issue #20)."""
    people = _eleven(world)
    people[0].party_post = PartyPost.COMMITTEE
    people[0].save()
    with django_assert_num_queries(1):
        assert committee_members(world.own, DAY) == [people[0]]
    services.committee_post_add(actor=None, organization=world.own, member=people[1],
                                role="secretary", starts_on=DAY)  # fmt: skip
    with django_assert_num_queries(1):
        assert committee_members(world.own, DAY) == [people[1]]
    with django_assert_num_queries(1):  # a post recorded, none held that day: nobody
        assert committee_members(world.own, DAY - dt.timedelta(days=1)) == []


def test_a_party_group_meeting_picks_its_group(world: World) -> None:
    campaign = af.campaign_for(world)
    people = _eleven(world)
    group = services.party_group_create(actor=None, organization=world.own, name="一组",
                                        starts_on=DAY, members=people[:4])  # fmt: skip
    with pytest.raises(ValidationError):
        af.meeting(world.own, campaign, kind=MeetingKind.PARTY_GROUP)  # no group picked
    held = af.meeting(world.own, campaign, kind=MeetingKind.PARTY_GROUP, party_group=group,
                      absent={people[0]: "出差"})  # fmt: skip
    assert (held.expected_count, held.present_count) == (4, 3)
    other = services.party_group_create(actor=None, organization=world.child, name="外组",
                                        starts_on=DAY, members=[])  # fmt: skip
    with pytest.raises(ValidationError):
        af.meeting(world.own, campaign, kind=MeetingKind.PARTY_GROUP, party_group=other)


def test_the_meeting_form_marks_who_each_kind_expects(world: World) -> None:
    af.campaign_for(world)
    people = _eleven(world)
    services.committee_post_add(actor=None, organization=world.own, member=people[0],
                                role="secretary", starts_on=DAY)  # fmt: skip
    group = services.party_group_create(actor=None, organization=world.own, name="一组",
                                        starts_on=DAY, members=people[1:3])  # fmt: skip
    page = (
        client_for(world, "secretary")
        .get(reverse("activities:meeting_create", args=[world.own.pk]))
        .content.decode()
    )
    assert page.count('data-committee="1"') == 1
    assert page.count(f'data-groups="{group.pk}"') == 2
    assert "data-party-group" in page
