"""A party member's home page gathers what is theirs (docs/product.md §1, §6.1): meetings
to attend with their answers, study sessions and notes, pledges, the released appraisal
result, answered opinions addressed to them and the rectification tasks they own — and
nobody else's; in a fixed number of queries."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.announcements.services import reply_give
from activities.models import AddressedTo, Invitation, Reply
from organizations.models import Member
from rectification.models import ProblemItem, ProblemList
from tests.activities.announcement_factories import announce
from tests.activities.factories import campaign_for, counseling
from tests.activities.opinions_factories import OpinionFactory, answered_kwargs
from tests.activities.phase2_factories import closed_session
from tests.conftest import World
from tests.factories import MemberFactory
from tests.rectification.problems_factories import approved_list
from tests.rectification.standards_factories import pledge_of
from tests.utils import assert_constant_queries, client_for

pytestmark = pytest.mark.django_db

HOME = reverse("core:home")


def _theirs(world: World, *, n: int = 1, tag: str = "") -> Member:
    """n records of each kind for the member_user's member, and as many for a
    colleague (who must not show)."""
    me = Member.objects.get(user=world.member_user)
    colleague = Member.objects.filter(organization=world.own).exclude(pk=me.pk).first()
    colleague = colleague or MemberFactory(organization=world.own, name="同事")
    campaign = campaign_for(world)
    for i in range(n):
        announce(world, days=2 + i, topic=f"支部党员大会{tag}{i}")
        counseling([me, colleague], campaign, day=f"2014-04-{10 + i:02d}")
        OpinionFactory(
            organization=world.own,
            campaign=campaign,
            addressed_to=AddressedTo.MEMBER,
            addressed_member=me,
            content=f"希望多下车间听意见{tag}{i}",
            **answered_kwargs(f"已安排每周下车间{tag}{i}"),
        )
    plist = ProblemList.objects.filter(organization=world.own).first()
    if plist is None:  # one list per organization and campaign
        approved_list(world, world.own, items=1, responsible_member=me)
    else:  # more items on the approved list, copied from its first
        first = plist.items.order_by("number").first()
        copies = []
        for i in range(n):
            copy = ProblemItem.objects.get(pk=first.pk)
            copy.pk = None
            copy.number = plist.items.count() + i + 1
            copies.append(copy)
        ProblemItem.objects.bulk_create(copies)
    return me


def test_the_member_sees_what_is_theirs(world: World) -> None:
    me = _theirs(world)
    pledge_of(world, me, commitments="带头完成攻坚任务")
    closed_session(world.own, campaign_for(world), ["fair"])
    invitation = Invitation.objects.get(member=me)
    reply_give(actor=world.member_user, invitation=invitation, reply=Reply.ABSENT, reason="出差")

    response = client_for(world, "member_user").get(HOME, HTTP_ACCEPT_LANGUAGE="zh-hans")
    page = response.content.decode()
    ctx = response.context
    assert [i.announcement.topic for i in ctx["invitations"]] == ["支部党员大会0"]
    assert "本人回复：不能参加（出差）" in page
    assert reverse("activities:my_meeting", args=[invitation.announcement_id]) in page
    assert len(ctx["study_records"]) == 1 and ctx["study_records"][0].member_id == me.pk
    assert "带头完成攻坚任务" in page
    assert len(ctx["appraisal_results"]) == 1
    assert "已安排每周下车间0" in page
    assert "我的意见及答复" in page
    assert [item.responsible_member_id for item in ctx["my_items"]] == [me.pk]
    for heading in ("待参加的会议", "我的学习记录和心得", "我的评议结果", "我负责的整改任务"):
        assert heading in page


def test_an_unanswered_meeting_asks_for_an_answer_and_past_ones_leave(world: World) -> None:
    from django.utils import timezone

    from activities.models import MeetingAnnouncement

    announcement = announce(world)
    page = client_for(world, "member_user").get(HOME, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "尚未回复" in page.content.decode()
    MeetingAnnouncement.objects.filter(pk=announcement.pk).update(starts_at=timezone.now())
    response = client_for(world, "member_user").get(HOME)
    assert response.context["invitations"] == []


def test_the_member_home_runs_a_fixed_number_of_queries(world: World) -> None:
    _theirs(world)

    def grow() -> None:
        me = _theirs(world, n=10, tag="x")
        pledge_of(world, me)
        closed_session(world.own, campaign_for(world), ["fair"])
        MemberFactory.create_batch(10, organization=world.own)

    # session, user, roles, the member with organization and enterprise; meetings
    # invited to, study sessions with note counts, pledges, released appraisal results,
    # answered opinions addressed to them, problem items they own; the navigation's
    # grants and unread count
    assert_constant_queries(client_for(world, "member_user"), HOME, grow, expected=12)


def test_the_member_reads_the_answers_to_the_opinions_they_gave(world: World) -> None:
    """docs/product.md §6.1: an opinion recorded as given by the member shows with its
    answer on their home page once answered; a colleague's does not."""
    from activities.models import OpinionStatus
    from activities.opinions.services import opinion_create
    from tests.activities.opinions_factories import first_category

    me = Member.objects.get(user=world.member_user)
    colleague = MemberFactory(organization=world.own)
    campaign = campaign_for(world)
    mine = opinion_create(
        actor=world.clerk,
        organization=world.own,
        campaign=campaign,
        source="frontline",
        channel="face_to_face",
        addressed_to=AddressedTo.TEAM,
        content="建议车间增设党员示范岗",
        given_by_member=me,
        received_on=campaign.starts_on,
    )
    OpinionFactory(
        organization=world.own,
        campaign=campaign,
        given_by_member=colleague,
        content="同事的意见",
        **answered_kwargs("同事意见的答复"),
    )
    client = client_for(world, "member_user")
    assert client.get(HOME).context["answered_opinions"] == []  # not answered yet
    from activities.models import Opinion

    Opinion.objects.filter(pk=mine.pk).update(
        status=OpinionStatus.ANSWERED,
        category=first_category(campaign),
        answer_text="已在一车间设立示范岗",
        answered_at=timezone.now(),
    )
    page = client.get(HOME, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "已在一车间设立示范岗" in page and "本人提出" in page
    assert "同事意见的答复" not in page


def test_an_opinion_is_given_by_a_member_of_its_own_organization(world: World) -> None:
    from django.core.exceptions import ValidationError

    from activities.opinions.services import opinion_create

    stranger = MemberFactory(organization=world.sibling)
    campaign = campaign_for(world)
    with pytest.raises(ValidationError) as exc:
        opinion_create(
            actor=world.clerk,
            organization=world.own,
            campaign=campaign,
            source="frontline",
            channel="face_to_face",
            addressed_to=AddressedTo.TEAM,
            content="意见",
            given_by_member=stranger,
            received_on=campaign.starts_on,
        )
    assert "given_by_member" in exc.value.error_dict
