"""Writes for "compare three, show three" pledges (docs/product.md §6.3).

Who may write a member's pledge: anyone with RECORD on the member's organization (the
secretary or clerk writing for members without a login), or the member themselves
through their linked login (Member.user). The same people make it public or take it
back. The public board is created by RECORD on the organization.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.models import Campaign
from organizations.models import Member, Organization
from portal.accounts.permissions import Action, user_can
from portal.core.closed import refuse_record_if_closed
from portal.core.text import join_list

from .models import Pledge, PledgeBoard, PledgeStatus
from .models.pledges import PAIR_FIELDS

PLEDGE_INPUT_FIELDS = PAIR_FIELDS


class EditConflict(ValidationError):
    """Someone else saved the pledge after this form was opened."""


def is_own(user: Any, member: Member) -> bool:
    """Is `member` the person logged in as `user`?"""
    return bool(
        getattr(user, "is_authenticated", False)
        and member.user_id is not None
        and member.user_id == user.pk
    )


def may_write_pledge(user: Any, member: Member, organization: Organization) -> bool:
    """RECORD on the organization, or the member's own login."""
    return is_own(user, member) or user_can(user, Action.RECORD, organization)


def version_token(pledge: Pledge) -> str:
    return pledge.updated_at.isoformat() if pledge.updated_at else ""


def _fields(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(PLEDGE_INPUT_FIELDS)
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")
    return fields


@transaction.atomic
def pledge_create(
    *, actor: Any, member: Member, campaign: Campaign, fields: dict[str, Any]
) -> Pledge:
    """Write the member's pledge for the campaign (not public yet). Needs
    may_write_pledge, a member on the roster and a campaign their organization takes
    part in; one pledge per member and campaign. Queries: campaign check, insert."""
    organization = member.organization
    if actor is not None and not may_write_pledge(actor, member, organization):
        raise PermissionDenied
    if not member.is_active:
        raise ValidationError(_("Only members on the roster make pledges."))
    if not Campaign.objects.for_organization(organization).filter(pk=campaign.pk).exists():
        raise ValidationError(_("This organization does not take part in that campaign."))
    pledge = Pledge(
        member=member,
        organization=organization,
        campaign=campaign,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        **_fields(fields),
    )
    pledge.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            pledge.save()
    except IntegrityError:
        raise ValidationError(_("This member already has a pledge in this campaign.")) from None
    return pledge


@transaction.atomic
def pledge_update(*, actor: Any, pledge: Pledge, fields: dict[str, Any], version: str) -> Pledge:
    """Save changes to a pledge (public or not: a public pledge shows the new text at
    once). Raises EditConflict when it was saved by someone else since `version` (the
    form's version_token) was read; the row is locked while checking. Queries: lock,
    update."""
    if actor is not None and not may_write_pledge(actor, pledge.member, pledge.organization):
        raise PermissionDenied
    current: Pledge = Pledge.objects.select_for_update().get(pk=pledge.pk)
    if version_token(current) != version:
        raise EditConflict(
            _(
                "Someone else changed this pledge while you were editing it. Your changes "
                "were not saved: open the pledge again to see the current text."
            ),
            code="conflict",
        )
    for name, value in _fields(fields).items():
        setattr(current, name, value)
    current.full_clean(validate_constraints=False)
    current.save()
    pledge.__dict__.update({k: getattr(current, k) for k in (*PLEDGE_INPUT_FIELDS, "updated_at")})
    return current


@transaction.atomic
def pledge_set_public(*, actor: Any, pledge: Pledge, public: bool) -> Pledge:
    """Make the pledge public (dated today) or take it off the public board. A pledge
    goes public with all three pairs written. Queries: one UPDATE."""
    if actor is not None and not may_write_pledge(actor, pledge.member, pledge.organization):
        raise PermissionDenied
    if public:
        missing = [label for label, text in pledge.pairs if not text.strip()]
        if missing:
            raise ValidationError(
                _("Write all three pairs before making the pledge public; missing: %(pairs)s.")
                % {"pairs": join_list(missing)}
            )
        changes: dict[str, Any] = {
            "status": PledgeStatus.PUBLIC,
            "made_public_on": timezone.localdate(),
        }
    else:
        changes = {"status": PledgeStatus.DRAFT, "made_public_on": None}
    # A status change is not an edit of the text: the version token stays. An
    # update(): the closed campaign's guard is asked here (activities/closing.py).
    refuse_record_if_closed(pledge)
    Pledge.objects.filter(pk=pledge.pk).update(**changes)
    for name, value in changes.items():
        setattr(pledge, name, value)
    return pledge


@transaction.atomic
def pledge_board_ensure(*, actor: Any, organization: Organization) -> PledgeBoard:
    """The organization's public pledge board, created on first request (RECORD).
    Queries: get-or-create."""
    if actor is not None and not user_can(actor, Action.RECORD, organization):
        raise PermissionDenied
    board, _created = PledgeBoard.objects.get_or_create(
        organization=organization,
        defaults={"created_by": actor if getattr(actor, "is_authenticated", False) else None},
    )
    return board
