"""Reads of the working-mechanism register: the organization's page and the batch
selector the live checklist evaluates a whole scope with (docs/product.md §8 "the six mechanisms
in place"; the requirement compares the count with `kind_count()`).

In place = an established date and at least one document (models/mechanisms.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q

from .models import Mechanism, MechanismKind
from .models.mechanisms import DOCUMENT_KIND

_IN_PLACE = Q(established_on__isnull=False, attachments__kind=DOCUMENT_KIND)


def mechanisms_in_place_in(campaign: Any, org_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """{organization id: (kinds in place, custom mechanisms recorded)} for every id
    given (organizations with no mechanism get (0, 0)). "Kinds in place" counts the
    distinct seeded kinds (the six) with an established date and a document; compare
    it with kind_count().

    Cost: ONE grouped query whatever the number of organizations (mechanisms of the
    campaign joined with their document attachments; index mechanism_campaign_org_idx
    and attachment_record_idx)."""
    ids = list(org_ids)
    result = {org_id: (0, 0) for org_id in ids}
    if not ids:
        return result
    rows = (
        Mechanism.objects.filter(campaign=campaign, organization_id__in=ids)
        .order_by()
        .values_list("organization_id")
        .annotate(
            in_place=Count("kind", filter=_IN_PLACE & Q(kind__isnull=False), distinct=True),
            custom=Count("pk", filter=Q(kind__isnull=True), distinct=True),
        )
    )
    for org_id, in_place, custom in rows:
        result[org_id] = (in_place, custom)
    return result


def kind_count() -> int:
    """How many kinds the register expects (the six seeded). One query."""
    return MechanismKind.objects.count()


@dataclass
class KindRow:
    """One line of the register: a kind and the organization's mechanism of it, if any."""

    kind: MechanismKind
    mechanism: Mechanism | None

    @property
    def in_place(self) -> bool:
        return self.mechanism is not None and self.mechanism.is_in_place()


@dataclass
class Register:
    kinds: list[KindRow]
    custom: list[Mechanism]

    @property
    def kinds_in_place(self) -> int:
        return sum(1 for row in self.kinds if row.in_place)

    @property
    def custom_in_place(self) -> int:
        return sum(1 for m in self.custom if m.is_in_place())

    @property
    def complete(self) -> bool:
        return bool(self.kinds) and self.kinds_in_place == len(self.kinds)

    @property
    def missing_kinds(self) -> list[MechanismKind]:
        return [row.kind for row in self.kinds if row.mechanism is None]


def mechanism_register(organization: Any, campaign: Any) -> Register:
    """The organization's register in a campaign: every kind with its mechanism (or
    none) and the custom mechanisms, each annotated with `document_count`. Two queries
    (the kinds; the mechanisms with their document counts)."""
    kinds = list(MechanismKind.objects.order_by("order", "pk"))
    mechanisms = list(
        Mechanism.objects.for_campaign(organization, campaign)
        .with_document_count()
        .order_by("title", "pk")
    )
    by_kind = {m.kind_id: m for m in mechanisms if m.kind_id is not None}
    return Register(
        kinds=[KindRow(kind, by_kind.get(kind.pk)) for kind in kinds],
        custom=[m for m in mechanisms if m.kind_id is None],
    )
