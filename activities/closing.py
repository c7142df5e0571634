"""The model guard of closed campaigns (docs/product.md §5.2): no record that belongs to
a closed campaign is saved or deleted, whichever service, page, task or admin writes it.

Every model of the domain apps that reaches a campaign through its foreign keys (a
meeting's `campaign`, an attendance's `meeting.campaign`, a problem item's
`problem_list.campaign`, …; found from the models, like the roll-up's paths to an
organization) is guarded by a pre_save and a pre_delete receiver that raises
portal.core.closed.CampaignClosed when that campaign is closed. The campaign itself is
not guarded (closing and reopening write it); its phases, grades and categories are.

Writes that send no model signal (bulk_create, bulk_update, queryset.update) and the
cross-cutting writes (review transitions, attachments) call
`portal.core.closed.refuse_if_closed` themselves.

Cost: none when the campaign object is already loaded with the record (the services
pass it in), else one query (its status).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models.signals import pre_delete, pre_save

from portal.core.closed import CampaignClosed, is_closed, register_record_check

from .models import Campaign

# The apps whose records belong to a campaign.
GUARDED_APPS = ("activities", "rectification", "bulletins")

# A path is the names of the foreign keys from the record to its campaign.
Path = tuple[str, ...]


def _paths(model: type[models.Model], depth: int = 0) -> list[tuple[int, Path]]:
    """(nullable steps, path) from the model to Campaign, at most three steps."""
    found: list[tuple[int, Path]] = []
    for field in model._meta.concrete_fields:
        if not field.is_relation or not (field.many_to_one or field.one_to_one):
            continue
        target = field.related_model
        if target is None or isinstance(target, str):
            continue
        if target is Campaign:
            found.append((int(field.null), (field.name,)))
        elif depth < 2 and target is not model and target._meta.app_label in GUARDED_APPS:
            found += [
                (nulls + int(field.null), (field.name, *sub))
                for nulls, sub in _paths(target, depth + 1)
            ]
    return found


def campaign_paths(model: type[models.Model]) -> list[Path]:
    """The model's paths to its campaign, the surest first: fewest steps, then fewest
    that may be empty (a problem item's list before its optional category)."""
    ranked = sorted(_paths(model), key=lambda found: (len(found[1]), found[0], found[1]))
    return [path for _nulls, path in ranked]


def _campaign_at(instance: models.Model, path: Path) -> Any:
    """The campaign at the end of the path: the loaded object when it is loaded, else
    its id; None when a step is empty."""
    obj: Any = instance
    for name in path:
        field = obj._meta.get_field(name)
        if getattr(obj, field.attname) is None:
            return None
        if name == path[-1] and not field.is_cached(obj):
            return getattr(obj, field.attname)
        try:
            obj = getattr(obj, name)
        except models.ObjectDoesNotExist:
            return None
    return obj


def campaign_of(instance: models.Model) -> Any:
    """The record's campaign (a Campaign, or its id when not loaded), or None."""
    for path in _GUARDED.get(type(instance), ()):
        found = _campaign_at(instance, path)
        if found is not None:
            return found
    return None


def check(instance: models.Model) -> None:
    """Raise CampaignClosed when the record belongs to a closed campaign."""
    found = campaign_of(instance)
    if found is None:
        return
    if isinstance(found, Campaign):
        if is_closed(found):
            raise CampaignClosed(found)
        return
    campaign = Campaign.all_objects.filter(pk=found).only("pk", "status", "name_zh").first()
    if campaign is not None and is_closed(campaign):
        raise CampaignClosed(campaign)


def _on_save(sender: Any, instance: models.Model, raw: bool = False, **kwargs: Any) -> None:
    if raw:  # loading fixtures
        return
    check(instance)


def _on_delete(sender: Any, instance: models.Model, origin: Any = None, **kwargs: Any) -> None:
    # A cascade: the record whose delete() started it answers for all (checked once).
    if isinstance(origin, models.Model) and origin is not instance and type(origin) in _GUARDED:
        if not getattr(origin, "_closing_checked", False):
            check(origin)
            origin._closing_checked = True  # type: ignore[attr-defined]
        return
    if origin is None or origin is instance:
        check(instance)
        return
    # A queryset's delete(): rows sharing their parent (an announcement's invitations)
    # are checked once per parent.
    seen: set[Any] = origin.__dict__.setdefault("_closing_seen", set())
    first = _GUARDED[type(instance)][0][0]
    attname = getattr(instance._meta.get_field(first), "attname", first)
    key = (first, getattr(instance, attname))
    if key not in seen:
        check(instance)
        seen.add(key)


_GUARDED: dict[type[models.Model], list[Path]] = {}


def guarded_models() -> dict[type[models.Model], list[Path]]:
    """{model: its paths to its campaign} of every guarded model."""
    from django.apps import apps

    found = {}
    for model in apps.get_models():
        meta = model._meta
        if meta.app_label not in GUARDED_APPS or model is Campaign:
            continue
        if model.__name__.startswith("Historical"):
            continue
        paths = campaign_paths(model)
        if paths:
            found[model] = paths
    return found


def connect() -> None:
    """Called from ActivitiesConfig.ready()."""
    _GUARDED.update(guarded_models())
    register_record_check(check)
    for model in _GUARDED:
        uid = f"closing-{model._meta.label}"
        pre_save.connect(_on_save, sender=model, dispatch_uid=uid + "-save")
        pre_delete.connect(_on_delete, sender=model, dispatch_uid=uid + "-delete")
