"""A party member's home page gathers what is theirs (docs/product.md §1, §6.1): meetings
to attend with their answers, study sessions and notes, pledges, the released appraisal
result, answered opinions addressed to them and the rectification tasks they own — and
nobody else's; in a fixed number of queries."""

from __future__ import annotations

import pytest
from django.urls import reverse

from activities.models import AddressedTo, Invitation, Reply
from activities.services_announcements import reply_give
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
