"""Celery tasks keeping the requirement roll-up current (portal/progress/rollup.py)."""

from __future__ import annotations

from collections.abc import Callable

from celery import shared_task
from django.utils import timezone

from activities.models import Campaign

from . import engine, rollup
from .models import Standing


@shared_task(name="portal.progress.tasks.refresh_standings", time_limit=600, soft_time_limit=570)
def refresh_standings(
    organization_ids: list[int] | None = None,
    codes: list[str] | None = None,
    models: list[str] | None = None,
) -> int:
    """Recompute the roll-up rows of these organizations in every campaign that has
    rows for them (sent after each commit that changed their records; `models`: the
    models written, so that only the campaign's requirements reading them are
    re-evaluated; `codes`: requirement codes, as sent before #18); without ids (beat),
    every row that is marked or whose date has come. Returns the rows written."""
    rows = Standing.objects.all()
    if organization_ids is not None:
        rows = rows.filter(organization_id__in=organization_ids)
    else:
        rows = rows.filter(stale_from__lte=timezone.localdate())
    by_campaign: dict[int, set[int]] = {}
    for campaign_id, org_id in rows.values_list("campaign_id", "organization_id"):
        by_campaign.setdefault(campaign_id, set()).add(org_id)
    done = 0
    # A closed campaign's rows are frozen (docs/product.md §5.2).
    for campaign in (
        Campaign.objects.running().filter(pk__in=by_campaign).prefetch_related("phases")
    ):
        wanted = engine.affected_by(campaign, models) if models is not None else codes
        done += rollup.refresh(campaign, by_campaign[campaign.pk], codes=wanted)
    return done


def _progress(campaign_id: int) -> Callable[[int, int], None]:
    def report(done: int, total: int) -> None:
        Campaign.all_objects.filter(pk=campaign_id).update(rebuild_done=done, rebuild_total=total)

    return report


@shared_task(name="portal.progress.tasks.rebuild_standings", time_limit=3600, soft_time_limit=3500)
def rebuild_standings(campaign_id: int | None = None) -> int:
    """Recompute every row of one campaign (a new one, one the office changed or
    reopened: its page shows the progress, Campaign.rebuild_done of rebuild_total) or of
    all open campaigns (nightly: a safety net for any change that escaped marking; a
    closed campaign's rows stay frozen, docs/product.md §5.2)."""
    campaigns = Campaign.objects.select_related("lead_organization").prefetch_related("phases")
    campaigns = campaigns.filter(pk=campaign_id) if campaign_id is not None else campaigns.running()
    done = 0
    for campaign in campaigns:
        done += rollup.rebuild(
            campaign, progress=_progress(campaign.pk) if campaign_id is not None else None
        )
    if campaign_id is None:
        rollup.analyze_sqlite()
    return done
