"""Keeping a campaign's requirement instances and what is derived from them in step
(portal/progress/models.py RequirementInstance): a new campaign gets the 2014 template's
instances; writing an instance changes the campaign's `requirements_token` (each
process reloads its requirements) and marks every roll-up row of the campaign for a
recompute (rollup.campaign_changed)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save


def requirements_changed(campaign: Any) -> None:
    """The campaign's instances changed (`campaign`: the object or its id)."""
    from activities.models import Campaign
    from activities.models.campaigns import new_token

    from . import rollup

    pk = campaign if isinstance(campaign, int) else campaign.pk
    token = new_token()
    Campaign.all_objects.filter(pk=pk).update(requirements_token=token)
    if not isinstance(campaign, int):
        campaign.requirements_token = token
    rollup.campaign_changed(pk)


def _on_campaign_saved(sender: Any, instance: Any, created: bool = False, **kwargs: Any) -> None:
    if created and not kwargs.get("raw"):
        from .presets import apply_template

        apply_template(instance, new=True)


def _on_instance_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    # The campaign object the caller holds, when loaded, learns the new token too.
    cached = instance._state.fields_cache.get("campaign")
    requirements_changed(cached if cached is not None else instance.campaign_id)


def connect() -> None:
    """Called from ProgressConfig.ready(), before the roll-up connects."""
    from activities.models import Campaign

    from .models import RequirementInstance

    post_save.connect(_on_campaign_saved, sender=Campaign, dispatch_uid="progress-template")
    for signal in (post_save, post_delete):
        signal.connect(
            _on_instance_changed,
            sender=RequirementInstance,
            dispatch_uid=f"progress-instance-{signal}",
        )
