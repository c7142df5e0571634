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
its park committee's mobilization meeting). An organization may attend the meetings of
its ancestors (affiliation) and, by proximity or industry, the open meetings of a park,
village/community or industry organization of its own county (docs/product.md §6.1,
"Taking part by proximity"); activities.meetings.services.participation_create checks
it. The checklist counts either kind of attendance the same way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from organizations.models import HOSTING_KINDS, Organization, OrgKind

from ..models import Campaign, Meeting, MeetingKind, MeetingParticipation

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
    campaign: Campaign, kinds: list[str], org_q: OrgQ, *, phase: int | None = None
) -> dict[str, Counter[int]]:
    """{kind: {organization id: meetings of that kind held or attended}} over the scope,
    for several kinds at once; with `phase` (a number), only the meetings of that phase
    of the campaign. Two grouped queries."""
    counts: dict[str, Counter[int]] = {kind: Counter() for kind in kinds}
    in_phase = Q() if phase is None else Q(phase__number=phase)
    held = (
        Meeting.objects.filter(org_q("organization"), in_phase, campaign=campaign, kind__in=kinds)
        .values_list("kind", "organization_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for kind, org_id, n in held:
        counts[kind][org_id] += n
    in_phase = Q() if phase is None else Q(meeting__phase__number=phase)
    attended = (
        MeetingParticipation.objects.filter(
            org_q("organization"), in_phase, meeting__campaign=campaign, meeting__kind__in=kinds
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


# Kinds of meeting another organization may attend by proximity or industry: the open
# ones. A holder's internal meetings (branch general or committee meetings, Party group
# meetings, its special organizational-life meeting) are not attended from outside.
PROXIMITY_KINDS = (
    MeetingKind.MOBILIZATION,
    MeetingKind.INVESTOR_FORUM,
    MeetingKind.STUDY_SESSION,
    MeetingKind.STUDY_EXCHANGE,
    MeetingKind.OPINION_FORUM,
    MeetingKind.THEMED_DAY,
)
# "Nearest kinds first" after the organization's own ancestors.
PROXIMITY_HOLDER_ORDER = (OrgKind.PARK_COMMITTEE, OrgKind.COMMUNITY, OrgKind.INDUSTRY_COMMITTEE)


def county_path(org: Organization) -> str:
    """The path of the organization's county: its nearest county-committee ancestor (or
    itself), else the root of its tree. One query."""
    found = (
        Organization.objects.filter(path__in=org.ancestor_paths, kind=OrgKind.COUNTY_COMMITTEE)
        .order_by("-depth")
        .values_list("path", flat=True)
        .first()
    )
    return found or org.path[: org.steplen]


def is_ancestor_of(holder: Organization, org: Organization) -> bool:
    return holder.pk != org.pk and org.path.startswith(holder.path)


def attendable_by_proximity(meeting: Meeting, org: Organization, county: str) -> bool:
    """May `org` (of the county at path `county`) attend `meeting`, held by a park,
    village/community or industry organization of the same county that is neither the
    organization itself nor below it, of an open kind, in a campaign it takes part in?
    No query when the meeting came with its organization and campaign's lead."""
    holder = meeting.organization
    return (
        holder.kind in HOSTING_KINDS
        and meeting.kind in PROXIMITY_KINDS
        and holder.path.startswith(county)
        and not holder.path.startswith(org.path)
        and org.path.startswith(meeting.campaign.lead_organization.path)
    )


def meetings_open_to_attend(
    org: Organization, campaign: Campaign | None = None, search: str = ""
) -> QuerySet[Meeting]:
    """Meetings the organization may record its members' attendance at and has not yet
    recorded: those of its ancestors (nearest first), then the open meetings of the
    parks, villages/communities and industry organizations of its county (in that
    order), newest first within each; `search` narrows by topic or holder name. What
    its secretary picks on the shared-attendance page. Two queries when evaluated (the
    county, the meetings)."""
    ancestors = [p for p in org.ancestor_paths if p != org.path]
    county = county_path(org)
    proximity = (
        Q(organization__kind__in=HOSTING_KINDS, kind__in=PROXIMITY_KINDS)
        & Q(organization__path__startswith=county)
        & ~Q(organization__path__startswith=org.path)
        & Q(campaign__lead_organization__path__in=org.ancestor_paths)
        & ~Q(campaign__excluded_organizations__path__in=org.ancestor_paths)
    )
    qs = (
        Meeting.objects.filter(Q(organization__path__in=ancestors) | proximity)
        .exclude(pk__in=MeetingParticipation.objects.filter(organization=org).values("meeting_id"))
        .select_related("organization", "campaign__lead_organization")
        .annotate(
            nearness=Case(
                When(organization__path__in=ancestors, then=Value(0)),
                *[
                    When(organization__kind=kind, then=Value(n))
                    for n, kind in enumerate(PROXIMITY_HOLDER_ORDER, start=1)
                ],
                default=Value(len(PROXIMITY_HOLDER_ORDER) + 1),
                output_field=IntegerField(),
            )
        )
        .order_by("nearness", "-organization__depth", "-starts_at", "-pk")
    )
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    text = (search or "").strip()
    if text:
        qs = qs.filter(
            Q(topic__icontains=text)
            | Q(organization__short_name__icontains=text)
            | Q(organization__full_name__icontains=text)
        )
    return qs
