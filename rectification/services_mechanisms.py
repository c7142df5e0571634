"""Writes for the working-mechanism register (docs/product.md §6.3).

Every function takes keyword-only arguments and the acting user (None = the system),
checks RECORD at the mechanism's organization (PermissionDenied otherwise), validates
with full_clean() and writes in one transaction. Edits carry the `updated_at` the user
saw; a mismatch means someone else saved in between and the edit is refused (docs/product.md §11).
Documents are portal.attachments rows of kind "document".
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

from .models import Mechanism
from .models.mechanisms import DOCUMENT_KIND

MECHANISM_FIELDS = ("kind", "title", "established_on", "summary")

STALE_MESSAGE = _(
    "This record was changed by someone else since you opened it; reload the page and "
    "make your changes again."
)


def _check(actor: Any, organization: Any) -> None:
    if actor is not None and not user_can(actor, Action.RECORD, organization):
        raise PermissionDenied


def _assign(instance: Any, fields: Mapping[str, Any]) -> None:
    unknown = set(fields) - set(MECHANISM_FIELDS)
    if unknown:
        raise TypeError(f"Mechanism fields not settable here: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(instance, name, value)


def _check_campaign(campaign: Any, organization: Any) -> None:
    """The campaign must be one the organization takes part in (its lead organization
    is the node or an ancestor)."""
    if not organization.path.startswith(campaign.lead_organization.path):
        raise ValidationError(_("The organization does not take part in this campaign."))


def _user_or_none(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _attribute(instance: Any, actor: Any) -> None:
    """The simple-history row names the actor outside web requests too."""
    if getattr(actor, "pk", None):
        instance._history_user = actor


@transaction.atomic
def mechanism_create(
    *, actor: Any, organization: Any, campaign: Any, fields: Mapping[str, Any]
) -> Mechanism:
    """Add a mechanism of a seeded kind or a custom one to the register (RECORD). A kind
    already in the organization's register for the campaign is refused
    (ValidationError). Queries: the unique check, 1 insert, 1 history insert."""
    _check(actor, organization)
    _check_campaign(campaign, organization)
    mechanism = Mechanism(
        organization=organization, campaign=campaign, created_by=_user_or_none(actor)
    )
    _assign(mechanism, fields)
    mechanism.full_clean()
    _attribute(mechanism, actor)
    mechanism.save()
    return mechanism


@transaction.atomic
def mechanism_update(
    *,
    actor: Any,
    mechanism: Mechanism,
    fields: Mapping[str, Any],
    seen_updated_at: dt.datetime | None = None,
) -> Mechanism:
    """Edit a mechanism (RECORD); refused when someone saved in between."""
    current: Mechanism = (
        Mechanism.objects.select_for_update(of=("self",))
        .select_related("organization", "campaign")
        .get(pk=mechanism.pk)
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
def mechanism_delete(*, actor: Any, mechanism: Mechanism) -> None:
    """Delete a mechanism and its documents (files removed once committed)."""
    _check(actor, mechanism.organization)
    attachments_delete_for(record=mechanism)
    _attribute(mechanism, actor)
    mechanism.delete()


@transaction.atomic
def mechanism_add_documents(
    *, actor: Any, mechanism: Mechanism, uploads: Iterable[IO[bytes]]
) -> list[Attachment]:
    """Attach documents (RECORD); each file is checked by content
    (ValidationError for a refused file: no row of the batch is kept)."""
    _check(actor, mechanism.organization)
    return [
        attachment_add(
            actor=actor,
            record=mechanism,
            organization=mechanism.organization,
            kind=DOCUMENT_KIND,
            upload=upload,
            name=getattr(upload, "name", "") or "document",
        )
        for upload in uploads
    ]
