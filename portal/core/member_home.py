"""What a party member's home page gathers for them (docs/product.md §1, §6.1): the
announced meetings they are invited to and their answers, their study sessions and
notes, their pledges, their released appraisal results, the answers to the opinions
they gave (or that were addressed to them by name), and the problem-list items they are
responsible for.

One query per section whatever the number of records (each list is cut at a limit and
links to its full page where there is one): six queries, pinned in
tests/core/test_member_home.py.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from activities.announcements.services import reply_text, when_text
from activities.models import Invitation, Opinion, OpinionStatus
from activities.models.phase2 import AppraisalResult
from activities.models.study import CounselingRecord
from organizations.models import Member
from portal.reviews.models import ReviewStatus
from rectification.models import ItemStatus, Pledge, ProblemItem

MEETING_LIMIT = 10
STUDY_LIMIT = 5
PLEDGE_LIMIT = 5
RESULT_LIMIT = 3
OPINION_LIMIT = 5
ITEM_LIMIT = 10


def member_overview(member: Member) -> dict[str, Any]:
    now = timezone.now()
    invitations = list(
        Invitation.objects.filter(member=member, announcement__starts_at__gt=now)
        .filter(announcement__meeting__isnull=True)
        .select_related("announcement__organization")
        .order_by("announcement__starts_at", "pk")[:MEETING_LIMIT]
    )
    for invitation in invitations:
        announcement = invitation.announcement
        invitation.when = when_text(announcement.starts_at, announcement.ends_at)  # type: ignore[attr-defined]
        invitation.answer = reply_text(invitation)  # type: ignore[attr-defined]
    study = list(
        CounselingRecord.objects.of_member(member)
        .select_related("campaign")
        .annotate(files=Count("attachments"))
        .order_by("-date", "-pk")[:STUDY_LIMIT]
    )
    pledges = list(
        Pledge.objects.filter(member=member)
        .select_related("campaign")
        .order_by("-campaign__starts_on", "-pk")[:PLEDGE_LIMIT]
    )
    results = list(
        AppraisalResult.objects.released()
        .filter(member=member)
        .select_related("session__campaign", "determination")
        .order_by("-session__starts_on", "-pk")[:RESULT_LIMIT]
    )
    opinions = list(
        Opinion.objects.filter(Q(given_by_member=member) | Q(addressed_member=member))
        .filter(status__in=[OpinionStatus.ANSWERED, OpinionStatus.ADOPTED])
        .order_by("-received_on", "-pk")[:OPINION_LIMIT]
    )
    for opinion in opinions:
        opinion.given_by_me = opinion.given_by_member_id == member.pk  # type: ignore[attr-defined]
    items = list(
        ProblemItem.objects.filter(
            responsible_member=member,
            problem_list__review_status=ReviewStatus.APPROVED,
        )
        .exclude(status=ItemStatus.CLOSED)
        .select_related("problem_list__organization")
        .order_by("deadline", "pk")[:ITEM_LIMIT]
    )
    today = timezone.localdate()
    for item in items:
        item.is_overdue = item.deadline < today  # type: ignore[attr-defined]
    return {
        "invitations": invitations,
        "study_records": study,
        "pledges": pledges,
        "appraisal_results": results,
        "answered_opinions": opinions,
        "my_items": items,
    }
