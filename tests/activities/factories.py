"""Shared helpers for activities tests: the campaign, meetings and counseling records
built through the services, and the expected permission matrices by position.

Positions are relative to the secretary's own organization in tests.conftest.World:
own, child (below own), parent (park_a, above own), sibling (beside own under park_a),
far (in the other county)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from activities.meetings.services import Mark, meeting_create
from activities.models import Campaign, CounselingRecord, Meeting, MeetingKind, StudyMode
from activities.seed import ensure_campaign_2014
from activities.study.services import counseling_add
from organizations.models import Member, Organization
from tests.conftest import World

POSITIONS = {"own": "own", "child": "child", "parent": "park_a", "sibling": "sibling", "far": "far"}

# Pages that need VIEW on the organization.
VIEW_MATRIX: dict[str, dict[str, int]] = {
    "own": {
        "anonymous": 302, "nobody": 404, "outsider": 404, "office": 200, "reviewer": 200,
        "instructor": 200, "secretary": 200, "clerk": 200, "member_user": 404, "admin": 200,
    },
    "parent": {
        "anonymous": 302, "nobody": 404, "outsider": 404, "office": 200, "reviewer": 200,
        "instructor": 404, "secretary": 404, "clerk": 404, "member_user": 404, "admin": 200,
    },
    "far": {
        "anonymous": 302, "nobody": 404, "outsider": 404, "office": 404, "reviewer": 404,
        "instructor": 404, "secretary": 404, "clerk": 404, "member_user": 404, "admin": 200,
    },
}  # fmt: skip
VIEW_MATRIX["child"] = VIEW_MATRIX["own"]
VIEW_MATRIX["sibling"] = VIEW_MATRIX["parent"]

# Pages that need RECORD (forms, deletes): viewers without the right get 403.
RECORD_MATRIX: dict[str, dict[str, int]] = {
    "own": {**VIEW_MATRIX["own"], "office": 403, "reviewer": 403, "instructor": 403},
    "parent": {**VIEW_MATRIX["parent"], "office": 403, "reviewer": 403},
    "far": VIEW_MATRIX["far"],
}
RECORD_MATRIX["child"] = RECORD_MATRIX["own"]
RECORD_MATRIX["sibling"] = RECORD_MATRIX["parent"]


def campaign_for(world: World) -> Campaign:
    return ensure_campaign_2014(world.county)


def at(day: dt.date | str, hour: int = 9) -> dt.datetime:
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def members(org: Organization, n: int) -> list[Member]:
    from tests.factories import MemberFactory

    return MemberFactory.create_batch(n, organization=org)


def meeting(
    org: Organization,
    campaign: Campaign,
    *,
    kind: str = MeetingKind.MOBILIZATION,
    day: str = "2014-04-10",
    absent: dict[Member, str] | None = None,
    actor: Any = None,
    **values: Any,
) -> Meeting:
    """A meeting of `org` through meeting_create: everyone on the roster present except
    `absent` (member → reason)."""
    marks = {m.pk: Mark(False, reason) for m, reason in (absent or {}).items()}
    return meeting_create(
        actor=actor,
        organization=org,
        values={
            "campaign": campaign,
            "kind": kind,
            "topic": values.pop("topic", "动员大会"),
            "starts_at": at(day, 9),
            "ends_at": at(day, 11),
            **values,
        },
        attendance=marks,
    )


def counseling(
    member: Member | list[Member],
    campaign: Campaign,
    *,
    day: str = "2014-04-15",
    hours: str = "2",
    actor: Any = None,
) -> list[CounselingRecord]:
    return counseling_add(
        actor=actor,
        campaign=campaign,
        members=member if isinstance(member, list) else [member],
        date=dt.date.fromisoformat(day),
        mode=StudyMode.CONCENTRATED,
        topic="党章学习",
        hours=Decimal(hours),
    )
