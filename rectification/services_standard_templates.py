"""Writes for the standards checklist templates a campaign uses, edited by the office in
the portal (docs/product.md §6.3, "Standards templates"): the campaign's templates, their
items (text, points, check method, evidence needed), order and pass rule.

Who: those who compose the campaign (docs/product.md §5.3): site administrators, and
the campaign office for the campaigns led at its node or below it; anyone else gets
PermissionDenied. A template is shared by the campaigns that use it (a copy uses its
source's): the office changes a template, or its items, only while every campaign using
it is one it composes; otherwise the service refuses and the office makes a new version,
which only its campaign then uses.

A template some organization has started assessing itself against is *in use*: its
results mean something only against the items it had. Its items cannot then be added,
removed, reordered or re-weighted (points, check method), nor its pass rule changed:
the service refuses with a message saying so, never silently. Wording (names, evidence
text, description) may still be corrected. To change the standard itself, the office
makes a new version (`template_new_version`): a copy with the next version number and
the same items, which the campaign uses from then on; organizations that started on the
old version keep it, and the checklist counts the newest version an organization has
(rectification/selectors_standards.py).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from activities.models import Campaign
from portal.accounts.permissions import (
    campaign_office_paths,
    composes_campaign_led_at,
    composes_campaigns,
)
from portal.core.closed import refuse_if_closed

from .models import StandardAssessment, StandardItem, StandardTemplate

TEMPLATE_FIELDS = (
    "code",
    "name_zh",
    "name_en",
    "description_zh",
    "description_en",
    "pass_rule",
    "pass_score",
    "star_thresholds",
)
# What changes a template's results: refused once it is in use.
TEMPLATE_RULE_FIELDS = ("pass_rule", "pass_score", "star_thresholds")
ITEM_FIELDS = (
    "name_zh",
    "name_en",
    "points",
    "check_method",
    "evidence_required_zh",
    "evidence_required_en",
)
ITEM_RULE_FIELDS = ("points", "check_method")
# An order no item has, for the moment two items swap places.
PARKED = 32767


def _require_office(
    actor: Any, *, campaign: Campaign | None = None, template: StandardTemplate | None = None
) -> None:
    """The actor composes the campaign; changing a template, they compose every
    campaign using it (one query; none for a site administrator)."""
    if actor is None or not composes_campaigns(actor):
        raise PermissionDenied
    if campaign is not None and not composes_campaign_led_at(actor, campaign.lead_organization):
        raise PermissionDenied
    if template is None or campaign_office_paths(actor) is None:
        return
    leads = Campaign.all_objects.filter(standard_templates=template).values_list(
        "lead_organization__path", flat=True
    )
    mine = [composes_campaign_led_at(actor, path) for path in leads]
    if not any(mine) and campaign is None:
        raise PermissionDenied
    if not all(mine):
        raise ValidationError(
            _(
                "Campaigns your office does not compose also use “%(name)s”: make a new "
                "version to change it for your campaign."
            )
            % {"name": template.name}
        )


def in_use(template: StandardTemplate) -> bool:
    """Some organization has started an assessment against it (in any campaign)."""
    return StandardAssessment.objects.filter(template=template).exists()


def _refuse_in_use(template: StandardTemplate) -> None:
    if in_use(template):
        raise ValidationError(
            _(
                "Organizations have already assessed themselves against “%(name)s”: its "
                "items, points and pass rule can no longer change. Make a new version "
                "to change the standard."
            )
            % {"name": template.name}
        )


@transaction.atomic
def template_create(*, actor: Any, campaign: Campaign, fields: dict[str, Any]) -> StandardTemplate:
    """A new template (version 1, or the next version of an existing code), used by the
    campaign. Queries: the code's latest version, insert, link."""
    _require_office(actor, campaign=campaign)
    refuse_if_closed(campaign)  # docs/product.md §5.2
    values = {k: v for k, v in fields.items() if k in TEMPLATE_FIELDS}
    latest = StandardTemplate.objects.filter(code=values.get("code")).aggregate(v=Max("version"))
    template = StandardTemplate(**values, version=(latest["v"] or 0) + 1)
    template.full_clean()
    template.save()
    template.campaigns.add(campaign)
    return template


@transaction.atomic
def template_update(
    *, actor: Any, template: StandardTemplate, fields: dict[str, Any]
) -> StandardTemplate:
    """Change the template's wording and, while no one uses it, its pass rule. The code
    is not changed here (the checklist's requirements name it)."""
    _require_office(actor, template=template)
    values = {k: v for k, v in fields.items() if k in TEMPLATE_FIELDS and k != "code"}
    if any(getattr(template, k) != values[k] for k in TEMPLATE_RULE_FIELDS if k in values):
        _refuse_in_use(template)
    for name, value in values.items():
        setattr(template, name, value)
    template.full_clean()
    template.save()
    return template


@transaction.atomic
def template_remove(*, actor: Any, campaign: Campaign, template: StandardTemplate) -> None:
    """The campaign stops using the template (it stays, with its results, for the
    campaigns that used it). Refused while organizations of this campaign have
    assessments against it."""
    _require_office(actor, campaign=campaign)
    refuse_if_closed(campaign)  # docs/product.md §5.2
    if StandardAssessment.objects.filter(template=template, campaign=campaign).exists():
        raise ValidationError(
            _(
                "Organizations of this campaign have already assessed themselves against "
                "“%(name)s”: the campaign keeps it."
            )
            % {"name": template.name}
        )
    template.campaigns.remove(campaign)


@transaction.atomic
def template_new_version(
    *, actor: Any, campaign: Campaign, template: StandardTemplate
) -> StandardTemplate:
    """A copy of the template and its items with the next version number, used by the
    campaign from now on: the old version stays with the campaign only while some of
    its organizations have assessments against it, inactive for new ones. Queries: the
    latest version, insert, items, bulk insert, links."""
    _require_office(actor, campaign=campaign)
    refuse_if_closed(campaign)  # docs/product.md §5.2
    latest = StandardTemplate.objects.filter(code=template.code).aggregate(v=Max("version"))
    copy = StandardTemplate(
        **{name: getattr(template, name) for name in TEMPLATE_FIELDS},
        version=(latest["v"] or template.version) + 1,
    )
    copy.full_clean()
    copy.save()
    StandardItem.objects.bulk_create(
        StandardItem(template=copy, order=item.order, **{n: getattr(item, n) for n in ITEM_FIELDS})
        for item in template.items.order_by("order")
    )
    copy.campaigns.add(campaign)
    if not StandardAssessment.objects.filter(template=template, campaign=campaign).exists():
        template.campaigns.remove(campaign)
    return copy


def _next_order(template: StandardTemplate) -> int:
    found = template.items.aggregate(o=Max("order"))["o"]
    return (found or 0) + 1


@transaction.atomic
def item_create(*, actor: Any, template: StandardTemplate, fields: dict[str, Any]) -> StandardItem:
    """A new item at the end of the template. Refused once the template is in use."""
    _require_office(actor, template=template)
    _refuse_in_use(template)
    item = StandardItem(
        template=template,
        order=_next_order(template),
        **{k: v for k, v in fields.items() if k in ITEM_FIELDS},
    )
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def item_update(*, actor: Any, item: StandardItem, fields: dict[str, Any]) -> StandardItem:
    """Change an item's wording; its points and check method only while the template is
    not in use."""
    _require_office(actor, template=item.template)
    values = {k: v for k, v in fields.items() if k in ITEM_FIELDS}
    if any(getattr(item, k) != values[k] for k in ITEM_RULE_FIELDS if k in values):
        _refuse_in_use(item.template)
    for name, value in values.items():
        setattr(item, name, value)
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def item_delete(*, actor: Any, item: StandardItem) -> None:
    """Remove an item; the later ones move up. Refused once the template is in use (its
    assessments have an entry for the item)."""
    _require_office(actor, template=item.template)
    template = item.template
    _refuse_in_use(template)
    order = item.order
    item.delete()
    for later in template.items.filter(order__gt=order).order_by("order"):
        later.order -= 1
        later.save(update_fields=["order"])


@transaction.atomic
def item_move(*, actor: Any, item: StandardItem, up: bool) -> None:
    """Swap the item with the one above (`up`) or below it; nothing at either end.
    Refused once the template is in use (the entries are shown in item order)."""
    _require_office(actor, template=item.template)
    template = item.template
    _refuse_in_use(template)
    neighbours = template.items.filter(
        order__lt=item.order if up else 10**6, order__gt=-1 if up else item.order
    ).order_by("-order" if up else "order")
    other = neighbours.first()
    if other is None:
        return
    mine, theirs = item.order, other.order
    # The (template, order) pair is unique: park one item out of the way first.
    item.order = PARKED
    item.save(update_fields=["order"])
    other.order = mine
    other.save(update_fields=["order"])
    item.order = theirs
    item.save(update_fields=["order"])
