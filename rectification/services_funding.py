"""Writes for funding receipts (docs/product.md §6.3).

Every function takes keyword-only arguments and the acting user (None = the system),
checks RECORD at the receipt's organization (PermissionDenied otherwise), validates
with full_clean() and writes in one transaction. Edits carry the `updated_at` the user
saw; a mismatch means someone else saved in between and the edit is refused. Evidence
files are portal.attachments rows of kind "evidence". The required minimum and the
shortfall are computed, never stored (models/funding.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from portal.accounts.permissions import Action, user_can
from portal.attachments.models import Attachment
from portal.attachments.services import attachment_add, attachments_delete_for

from .models import FundingReceipt
from .models.funding import EVIDENCE_KIND

RECEIPT_FIELDS = ("source", "amount", "received_on", "note")

STALE_MESSAGE = _(
    "This record was changed by someone else since you opened it; reload the page and "
    "make your changes again."
)


def _check(actor: Any, organization: Any) -> None:
    if actor is not None and not user_can(actor, Action.RECORD, organization):
        raise PermissionDenied


def _assign(instance: Any, fields: Mapping[str, Any]) -> None:
    unknown = set(fields) - set(RECEIPT_FIELDS)
    if unknown:
        raise TypeError(f"FundingReceipt fields not settable here: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(instance, name, value)


def _attribute(instance: Any, actor: Any) -> None:
    if getattr(actor, "pk", None):
        instance._history_user = actor


@transaction.atomic
def funding_receipt_create(
    *, actor: Any, organization: Any, campaign: Any, fields: Mapping[str, Any]
) -> FundingReceipt:
    """Record money received from one source (RECORD). Queries: 1 insert, 1 history
    insert (plus the foreign-key checks of full_clean)."""
    _check(actor, organization)
    if not organization.path.startswith(campaign.lead_organization.path):
        raise ValidationError(_("The organization does not take part in this campaign."))
    receipt = FundingReceipt(
        organization=organization,
        campaign=campaign,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    _assign(receipt, fields)
    receipt.full_clean()
    _attribute(receipt, actor)
    receipt.save()
    return receipt


@transaction.atomic
def funding_receipt_update(
    *,
    actor: Any,
    receipt: FundingReceipt,
    fields: Mapping[str, Any],
    seen_updated_at: dt.datetime | None = None,
) -> FundingReceipt:
    """Edit a receipt (RECORD); refused when someone saved in between."""
    current: FundingReceipt = (
        FundingReceipt.objects.select_for_update(of=("self",))
        .select_related("organization", "campaign")
        .get(pk=receipt.pk)
    )
    _check(actor, current.organization)
    if seen_updated_at is not None and current.updated_at != seen_updated_at:
        raise ValidationError(STALE_MESSAGE, code="stale")
    _assign(current, fields)
    current.full_clean()
    _attribute(current, actor)
    current.save()
    return current


@transaction.atomic
def funding_receipt_delete(*, actor: Any, receipt: FundingReceipt) -> None:
    """Delete a receipt and its evidence (files removed once committed)."""
    _check(actor, receipt.organization)
    attachments_delete_for(record=receipt)
    _attribute(receipt, actor)
    receipt.delete()


@transaction.atomic
def funding_receipt_add_evidence(
    *, actor: Any, receipt: FundingReceipt, uploads: Iterable[IO[bytes]]
) -> list[Attachment]:
    """Attach evidence files (RECORD), each checked by content (ValidationError for a
    refused file: no row of the batch is kept)."""
    _check(actor, receipt.organization)
    return [
        attachment_add(
            actor=actor,
            record=receipt,
            organization=receipt.organization,
            kind=EVIDENCE_KIND,
            upload=upload,
            name=getattr(upload, "name", "") or "evidence",
        )
        for upload in uploads
    ]
