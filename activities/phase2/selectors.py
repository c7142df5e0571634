"""Reads of the phase 2 records: what the pages show and what the live checklist
(portal/progress, the requirements of activities) asks.

Each checklist selector has a single-organization form and a batch form taking a list
of organization ids; the requirement grid evaluates ~2,000 organizations at once with
the batch forms, whose cost is a fixed number of grouped queries, never one per
organization.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from organizations.models import Member

from ..models import AppraisalResult, OneToOneTalk, SelfExamination, SessionStatus

# --- one-to-one talks ----------------------------------------------------------------------


def _talk_count(campaign: Any, side: str) -> Coalesce:
    counts = (
        OneToOneTalk.objects.filter(campaign=campaign, **{side: OuterRef("pk")})
        .order_by()
        .values(side)
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))


def talk_counts_per_member(organization: Any, campaign: Any) -> list[Member]:
    """The organization's active members, each annotated with `talks` (talks in the
    campaign in which the member took part, on either side), ordered by name. One
    query (two correlated counts)."""
    rows = (
        Member.objects.filter(organization=organization, is_active=True)
        .annotate(
            as_initiator=_talk_count(campaign, "initiator_member"),
            as_partner=_talk_count(campaign, "partner_member"),
        )
        .order_by("name", "pk")
    )
    members: list[Any] = list(rows)  # each given `talks` below
    for member in members:
        member.talks = member.as_initiator + member.as_partner
    return members


# --- self-examination statements -----------------------------------------------------------


def statements_status_batch(
    organization_ids: Iterable[int], campaign: Any
) -> dict[int, dict[str, str]]:
    """{organization id: {subject: review status}} for the campaign, for every id given;
    subjects without a statement are absent from the inner dict (so "approved" means
    `statuses.get(StatementSubject.TEAM) == ReviewStatus.APPROVED`).

    Cost: one query whatever the number of organizations (index
    self_examination_one_per_subject)."""
    ids = list(organization_ids)
    statuses: dict[int, dict[str, str]] = {org_id: {} for org_id in ids}
    if not ids:
        return statuses
    rows = (
        SelfExamination.objects.filter(organization_id__in=ids, campaign=campaign)
        .order_by()
        .values_list("organization_id", "subject", "review_status")
    )
    for org_id, subject, status in rows:
        statuses[org_id][subject] = status
    return statuses


def statements_status(organization: Any, campaign: Any) -> dict[str, str]:
    """{subject: review status} of one organization's statements; see
    statements_status_batch. One query."""
    return statements_status_batch([organization.pk], campaign)[organization.pk]


# --- democratic appraisal ----------------------------------------------------------------


def appraisal_coverage_batch(
    organization_ids: Iterable[int], campaign: Any
) -> dict[int, tuple[int, int]]:
    """{organization id: (appraised, total)} for the campaign, for every id given.

    Only a closed session counts (an open one, or one the higher level ordered redone,
    is not an appraisal yet): `appraised` = active members still on its roster with a
    determination in the organization's closed session; `total` = active members on the roster less those
    the closed session marked absent. An organization without a closed session gets
    (0, active members).

    Cost: two grouped queries whatever the number of organizations (active members
    per organization; results of closed sessions per organization)."""
    ids = list(organization_ids)
    if not ids:
        return {}
    members = dict(
        Member.objects.filter(organization_id__in=ids, is_active=True)
        .order_by()
        .values("organization_id")
        .annotate(n=Count("pk"))
        .values_list("organization_id", "n")
    )
    results = {
        org_id: (appraised, absent)
        for org_id, appraised, absent in AppraisalResult.objects.filter(
            session__organization_id__in=ids,
            session__campaign=campaign,
            session__status=SessionStatus.CLOSED,
            member__is_active=True,
            # Only members still on the organization's roster: one who was appraised
            # and then moved away is not one of its members any more (found by
            # tests/progress/test_grid_property.py).
            member__organization_id=F("session__organization_id"),
        )
        .order_by()
        .values("session__organization_id")
        .annotate(
            appraised=Count("pk", filter=Q(determination__isnull=False)),
            absent=Count("pk", filter=Q(absent=True)),
        )
        .values_list("session__organization_id", "appraised", "absent")
    }
    coverage: dict[int, tuple[int, int]] = {}
    for org_id in ids:
        appraised, absent = results.get(org_id, (0, 0))
        coverage[org_id] = (appraised, members.get(org_id, 0) - absent)
    return coverage


def appraisal_coverage(organization: Any, campaign: Any) -> tuple[int, int]:
    """(appraised, total) for one organization; see appraisal_coverage_batch. Two
    queries."""
    return appraisal_coverage_batch([organization.pk], campaign)[organization.pk]
