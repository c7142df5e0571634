"""Writes for commendations (docs/product.md §6.3): typical investors and model organizations.

Who may propose (decided here, documented in models/commendations.py): RECORD at the
subject's organization (the model organization, or the investor member's) or above.
Commendations are conferred by a higher level: the proposal is submitted and confirmed
through portal.reviews (review_transition), not here. Editing and deleting follow the
same rule, and only while the proposal is a draft or returned (RecordLocked else); the
subject and kind of a recorded commendation do not change.

Every function takes keyword-only arguments and the acting user (None = the system),
validates with full_clean() and writes in one transaction; edits carry the
`updated_at` the user saw and are refused when someone saved in between.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from portal.accounts.permissions import Action, user_can
from portal.reviews.models import RecordLocked, is_editable

from .models import Commendation, CommendationKind

# What a form hands in besides the subject (the member or the model organization).
COMMENDATION_FIELDS = ("title", "citation", "commended_on", "commended_by")

STALE_MESSAGE = _(
    "This record was changed by someone else since you opened it; reload the page and "
    "make your changes again."
)


def may_commend(user: Any, kind: str, organization: Any) -> bool:
    """May `user` propose (edit, delete the proposal of) a commendation of `kind` about
    `organization` (the model organization, or the investor member's organization)?
    The RECORD holders of that organization or one above it; the higher level confirms
    through the review workflow, it does not record. Cost: the user's cached grants."""
    if user is None:
        return True  # the system
    return user_can(user, Action.RECORD, organization)


def _check_editable(commendation: Commendation) -> None:
    """A proposal waiting for confirmation, or confirmed, is locked for its authors."""
    if not is_editable(commendation):
        raise RecordLocked


def _check(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _assign(commendation: Commendation, fields: Mapping[str, Any]) -> None:
    unknown = set(fields) - set(COMMENDATION_FIELDS)
    if unknown:
        raise TypeError(f"Commendation fields not settable here: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(commendation, name, value)


def _attribute(instance: Any, actor: Any) -> None:
    if getattr(actor, "pk", None):
        instance._history_user = actor


@transaction.atomic
def commendation_create(
    *,
    actor: Any,
    organization: Any,
    campaign: Any,
    kind: str,
    subject: Any,
    fields: Mapping[str, Any],
) -> Commendation:
    """Record a commendation from `organization`'s page. `subject` is the investor
    member (kind "investor") or the model organization (kind "model_org"); it must be
    `organization` itself or lie below it. PermissionDenied when the actor may not
    commend that subject (may_commend); ValidationError for bad data."""
    if kind == CommendationKind.TYPICAL_INVESTOR:
        if subject is None:
            raise ValidationError({"member": _("Pick the investor member.")})
        target, member, field = subject.organization, subject, "member"
    elif kind == CommendationKind.MODEL_ORGANIZATION:
        if subject is None:
            raise ValidationError({"subject": _("Pick the model organization.")})
        target, member, field = subject, None, "subject"
    else:
        raise ValidationError({"kind": _("Choose a valid kind.")})
    _check(may_commend(actor, kind, target))
    if not target.path.startswith(organization.path):
        raise ValidationError({field: _("Pick this organization or one below it.")})
    if not target.path.startswith(campaign.lead_organization.path):
        raise ValidationError(_("The organization does not take part in this campaign."))
    commendation = Commendation(
        organization=target,
        campaign=campaign,
        kind=kind,
        member=member,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    _assign(commendation, fields)
    commendation.full_clean()
    _attribute(commendation, actor)
    commendation.save()
    return commendation


@transaction.atomic
def commendation_update(
    *,
    actor: Any,
    commendation: Commendation,
    fields: Mapping[str, Any],
    seen_updated_at: dt.datetime | None = None,
) -> Commendation:
    """Edit the honour's title, citation, date and giver (the subject and kind stay:
    delete and record again to change them). Refused when someone saved in between."""
    current: Commendation = (
        Commendation.objects.select_for_update(of=("self",))
        .select_related("organization", "campaign", "member")
        .get(pk=commendation.pk)
    )
    _check(may_commend(actor, current.kind, current.organization))
    _check_editable(current)
    if seen_updated_at is not None and current.updated_at != seen_updated_at:
        raise ValidationError(STALE_MESSAGE, code="stale")
    _assign(current, fields)
    current.full_clean()
    _attribute(current, actor)
    current.save()
    return current


@transaction.atomic
def commendation_delete(*, actor: Any, commendation: Commendation) -> None:
    """Delete a proposal (see may_commend) while it is a draft or returned."""
    _check(may_commend(actor, commendation.kind, commendation.organization))
    _check_editable(commendation)
    _attribute(commendation, actor)
    commendation.delete()
