"""Reads about meetings that other parts of the portal rely on, chiefly the live
checklist (docs/product.md §8): "mobilization meeting held or attended", "at least M study
exchanges", "special meeting held with a higher-level guide present".

Each requirement comes in two forms:
- for one organization: `<fact>(org, campaign)`, one query;
- for a whole scope: `<fact>_in(campaign, org_q)`, a fixed number of grouped queries
  whatever the number of organizations. `org_q(prefix)` returns the Q that restricts a
  model whose organization is reachable as `prefix` to the scope; pass the checklist
  engine's `Scope.q` (portal/progress/engine.py).

Shared attendance: a meeting counts for the organization that held it and for every
organization that recorded a MeetingParticipation in it (members of a branch attending
its park committee's mobilization meeting). Only ancestors' meetings can be attended
(activities.services_meetings.participation_create).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from django.db.models import Count, Q, QuerySet

from organizations.models import Organization

from .models import Campaign, Meeting, MeetingKind, MeetingParticipation

OrgQ = Callable[[str], Q]


def mobilization_held_or_attended(org: Organization, campaign: Campaign) -> bool:
    """The organization held a mobilization meeting in the campaign, or recorded its
    members' attendance at one held above it. One query."""
    return (
        Meeting.objects.filter(campaign=campaign, kind=MeetingKind.MOBILIZATION)
        .held_or_attended_by(org)
        .exists()
    )


def study_exchange_count(org: Organization, campaign: Campaign) -> int:
    """Study exchanges the organization held or attended in the campaign. One query."""
    return (
        Meeting.objects.filter(campaign=campaign, kind=MeetingKind.STUDY_EXCHANGE)
        .held_or_attended_by(org)
        .count()
    )


def special_meeting_with_guide(org: Organization, campaign: Campaign) -> bool:
    """The organization held a special organizational-life meeting in the campaign with
    a higher-level guide recorded as present (docs/product.md §6.2). One query."""
    return (
        Meeting.objects.filter(organization=org, campaign=campaign, kind=MeetingKind.SPECIAL)
        .exclude(guide_name="")
        .exists()
    )


def _held_and_attended_counts(campaign: Campaign, kind: str, org_q: OrgQ) -> Counter[int]:
    """{organization id: meetings of `kind` held or attended} over the scope. Two
    grouped queries."""
    counts: Counter[int] = Counter()
    held = (
        Meeting.objects.filter(org_q("organization"), campaign=campaign, kind=kind)
        .values("organization_id")
        .annotate(n=Count("pk"))
    )
    for row in held:
        counts[row["organization_id"]] += row["n"]
    attended = (
        MeetingParticipation.objects.filter(
            org_q("organization"), meeting__campaign=campaign, meeting__kind=kind
        )
        .values("organization_id")
        .annotate(n=Count("pk"))
    )
    for row in attended:
        counts[row["organization_id"]] += row["n"]
    return counts


def held_and_attended_counts_by_kind(
    campaign: Campaign, kinds: list[str], org_q: OrgQ
) -> dict[str, Counter[int]]:
    """{kind: {organization id: meetings of that kind held or attended}} over the scope,
    for several kinds at once. Two grouped queries."""
    counts: dict[str, Counter[int]] = {kind: Counter() for kind in kinds}
    held = (
        Meeting.objects.filter(org_q("organization"), campaign=campaign, kind__in=kinds)
        .values_list("kind", "organization_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for kind, org_id, n in held:
        counts[kind][org_id] += n
    attended = (
        MeetingParticipation.objects.filter(
            org_q("organization"), meeting__campaign=campaign, meeting__kind__in=kinds
        )
        .values_list("meeting__kind", "organization_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for kind, org_id, n in attended:
        counts[kind][org_id] += n
    return counts


def mobilization_held_or_attended_in(campaign: Campaign, org_q: OrgQ) -> set[int]:
    """Ids of the organizations in scope that held or attended a mobilization meeting.
    Two grouped queries."""
    return set(_held_and_attended_counts(campaign, MeetingKind.MOBILIZATION, org_q))


def study_exchange_counts_in(campaign: Campaign, org_q: OrgQ) -> dict[int, int]:
    """{organization id: study exchanges held or attended}; organizations with none are
    absent. Two grouped queries."""
    return dict(_held_and_attended_counts(campaign, MeetingKind.STUDY_EXCHANGE, org_q))


def special_meetings_with_guide_in(campaign: Campaign, org_q: OrgQ) -> set[int]:
    """Ids of the organizations in scope that held a special meeting with a guide. One
    query."""
    return set(
        Meeting.objects.filter(org_q("organization"), campaign=campaign, kind=MeetingKind.SPECIAL)
        .exclude(guide_name="")
        .values_list("organization_id", flat=True)
        .distinct()
    )


def meetings_open_to_attend(
    org: Organization, campaign: Campaign | None = None
) -> QuerySet[Meeting]:
    """Meetings held by the organization's ancestors that it has not yet recorded
    attendance at, newest first: what its secretary may pick on the shared-attendance
    page. One query when evaluated."""
    ancestors = [p for p in org.ancestor_paths if p != org.path]
    qs = (
        Meeting.objects.filter(organization__path__in=ancestors)
        .exclude(pk__in=MeetingParticipation.objects.filter(organization=org).values("meeting_id"))
        .select_related("organization", "campaign")
        .order_by("-starts_at", "-pk")
    )
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    return qs
