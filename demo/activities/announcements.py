"""The demo's announced meeting (docs/product.md §6.1, "Announcing a meeting"):
`build_announcement_demo(users)`, called by `manage.py seed_demo` once the running
campaign exists.

The secretary of the demo member's organization announces a branch general meeting
three days ahead through the service (so the members with a login get their notice,
the `member` login among them, whose answer stays pending); a colleague without a login
told the secretary by phone that they cannot attend, which the demo writes on their
invitation directly (a member without a login cannot answer through the portal).
Idempotent: nothing is written when the organization already has an announcement.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from activities.announcements.services import announcement_create
from activities.models import Invitation, MeetingAnnouncement, MeetingKind, Reply
from demo.activities.campaign import running_demo_campaign
from organizations.models import Member, Organization
from portal.accounts.models import User

DAYS_AHEAD = 3


@transaction.atomic
def build_announcement_demo(users: dict[str, User]) -> MeetingAnnouncement | None:
    member_user, secretary = users.get("member"), users.get("secretary")
    member = Member.objects.select_related("organization").filter(user=member_user).first()
    if member is None or secretary is None:
        return None
    org = member.organization
    if MeetingAnnouncement.objects.filter(organization=org).exists():
        return None
    county = Organization.objects.get(path=org.path[: Organization.steplen])
    campaign = running_demo_campaign(county)  # led by the county
    if campaign is None:
        return None
    day = timezone.localdate() + dt.timedelta(days=DAYS_AHEAD)
    starts = timezone.make_aware(dt.datetime.combine(day, dt.time(14, 30)))
    announcement = announcement_create(
        actor=secretary,
        organization=org,
        values={
            "campaign": campaign,
            "kind": MeetingKind.BRANCH_GENERAL,
            "topic": "支部党员大会：通报整改落实情况",
            "starts_at": starts,
            "ends_at": starts + dt.timedelta(hours=2),
            "place": "公司办公楼三楼党员活动室",
            "agenda": "一、通报问题清单整改进展\n二、征求党员对整改措施的意见\n三、讨论建章立制草案",
        },
    )
    colleague = (
        Invitation.objects.filter(announcement=announcement, member__user__isnull=True)
        .order_by("member__name", "pk")
        .first()
    )
    if colleague is not None:
        Invitation.objects.filter(pk=colleague.pk).update(
            reply=Reply.ABSENT, reason="出差（外地客户验厂）", replied_at=timezone.now()
        )
    return announcement
