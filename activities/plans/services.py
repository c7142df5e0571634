"""Writes for activity plans (docs/product.md §5). Review state changes are not here: they go
through portal.reviews.services.review_transition (the plan page's buttons post to
reviews:transition)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from organizations.models import Organization
from portal.accounts.permissions import Action, user_can
from portal.reviews.models import RecordLocked, is_editable

from ..models import PLAN_SECTIONS, ActivityPlan, Campaign

PLAN_INPUT_FIELDS = ("title", *PLAN_SECTIONS)


class EditConflict(ValidationError):
    """Someone else saved the record after this form was opened."""


def version_token(plan: ActivityPlan) -> str:
    """The value the edit form carries to detect concurrent edits."""
    return plan.updated_at.isoformat() if plan.updated_at else ""


def _fields(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(PLAN_INPUT_FIELDS)
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")
    return fields


@transaction.atomic
def activity_plan_create(
    *, actor: Any, organization: Organization, campaign: Campaign, **fields: Any
) -> ActivityPlan:
    """Write the organization's plan for the campaign as a draft. Needs RECORD on the
    organization and a campaign the organization takes part in; one plan per pair.
    Queries: campaign check, insert, history row."""
    if actor is not None and not user_can(actor, Action.RECORD, organization):
        raise PermissionDenied
    if not Campaign.objects.for_organization(organization).filter(pk=campaign.pk).exists():
        raise ValidationError(_("This organization does not take part in that campaign."))
    plan = ActivityPlan(
        organization=organization, campaign=campaign, created_by=actor, **_fields(fields)
    )
    plan.full_clean()
    plan._history_user = actor  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError:
        raise ValidationError(_("The organization already has a plan for this campaign.")) from None
    return plan


@transaction.atomic
def activity_plan_update(
    *, actor: Any, plan: ActivityPlan, version: str, **fields: Any
) -> ActivityPlan:
    """Save the authors' changes to a draft or returned plan.

    Raises RecordLocked when the plan is submitted or approved, EditConflict when it
    was saved by someone else since `version` (the form's version_token) was read.
    The row is locked while checking, so two saves cannot both pass. Queries: lock,
    update, history row."""
    if actor is not None and not user_can(actor, Action.RECORD, plan.organization):
        raise PermissionDenied
    current: ActivityPlan = ActivityPlan.objects.select_for_update().get(pk=plan.pk)
    if not is_editable(current):
        raise RecordLocked
    if version_token(current) != version:
        raise EditConflict(
            _(
                "Someone else changed this plan while you were editing it. Your changes "
                "were not saved: open the plan again to see the current text."
            ),
            code="conflict",
        )
    for name, value in _fields(fields).items():
        setattr(current, name, value)
    current.full_clean()
    current._history_user = actor  # type: ignore[attr-defined]
    current.save()
    plan.__dict__.update({k: getattr(current, k) for k in (*PLAN_INPUT_FIELDS, "updated_at")})
    return current
