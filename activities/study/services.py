"""Writes for study counseling records. Views check the actor's rights first (a RECORD
holder for anyone in the organization; a party member only for themselves)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from organizations.models import Member
from portal.attachments.services import attachments_delete_for
from portal.core.closed import refuse_if_closed
from portal.progress.rollup import mark_changed

from ..models import Campaign, CounselingRecord


def _check_campaign(campaign: Campaign, member: Member, date: dt.date) -> None:
    errors: dict[str, Any] = {}
    if not member.organization.path.startswith(campaign.lead_organization.path):
        errors["campaign"] = _("%(member)s's organization does not take part in that campaign.") % {
            "member": member
        }
    elif date and not campaign.starts_on <= date <= campaign.ends_on:
        errors["date"] = _("The campaign runs from %(start)s to %(end)s.") % {
            "start": campaign.starts_on,
            "end": campaign.ends_on,
        }
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def counseling_add(
    *,
    actor: Any,
    campaign: Campaign,
    members: Iterable[Member],
    date: dt.date,
    mode: str,
    topic: str,
    hours: Decimal,
) -> list[CounselingRecord]:
    """Record one study session for each of `members` (the same session for many, or
    one member's own). Each record keeps the member's organization at the time.
    Members must be on a roster. Raises ValidationError; writes nothing then. Queries:
    one insert for all."""
    refuse_if_closed(campaign)  # a bulk insert: no model guard (activities/closing.py)
    members = list(members)
    if not members:
        raise ValidationError({"members": _("Pick at least one member.")})
    records = []
    for member in members:
        if not member.is_active:
            raise ValidationError(
                {"members": _("%(member)s is no longer on the roster.") % {"member": member}}
            )
        _check_campaign(campaign, member, date)
        record = CounselingRecord(
            member=member,
            organization_id=member.organization_id,
            campaign=campaign,
            date=date,
            mode=mode,
            topic=topic.strip(),
            hours=hours,
            recorded_by=actor,
        )
        record.full_clean(exclude=["member", "organization", "campaign", "recorded_by"])
        records.append(record)
    created = CounselingRecord.objects.bulk_create(records)
    mark_changed({r.organization_id for r in created}, model=CounselingRecord)  # no signals
    return created


@transaction.atomic
def counseling_update(
    *,
    actor: Any,
    record: CounselingRecord,
    date: dt.date,
    mode: str,
    topic: str,
    hours: Decimal,
) -> CounselingRecord:
    """Correct a session's date, form, topic or hours (member and campaign stay)."""
    _check_campaign(record.campaign, record.member, date)
    record.date, record.mode, record.topic, record.hours = date, mode, topic.strip(), hours
    record.full_clean(exclude=["member", "organization", "campaign", "recorded_by"])
    record.save()
    return record


@transaction.atomic
def counseling_delete(*, actor: Any, record: CounselingRecord) -> None:
    """Delete a session with its notes (files removed after commit)."""
    attachments_delete_for(record=record)
    record.delete()
