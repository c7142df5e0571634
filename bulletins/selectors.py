"""Reads of reporting upward and bulletins: a fixed number of queries per page."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType

from portal.attachments.models import Attachment

from .models import Bulletin, Selection, UpwardReport


def photos_of(reports: list[UpwardReport]) -> dict[int, list[Attachment]]:
    """{report pk: its photos, in upload order}: one query for any number of reports
    (the content type is cached per process)."""
    if not reports:
        return {}
    content_type = ContentType.objects.get_for_model(UpwardReport)
    photos: dict[int, list[Attachment]] = {r.pk: [] for r in reports}
    rows = Attachment.objects.filter(
        content_type=content_type, object_id__in=list(photos), mime_type__startswith="image/"
    ).order_by("uploaded_at", "pk")
    for attachment in rows:
        photos[attachment.object_id].append(attachment)
    return photos


def feed(
    level: Any, *, campaign: Any = None, phase: Any = None, tag: str = "", org: Any = None
) -> Any:
    """The reports of the level's subtree, newest first, filtered."""
    qs = UpwardReport.objects.in_subtree(org if org is not None else level).for_feed()
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    if phase is not None:
        qs = qs.filter(phase=phase)
    if tag:
        qs = qs.with_tag(tag)
    return qs


def selections_of(level: Any, reports: list[UpwardReport]) -> dict[int, Selection]:
    """{report pk: the level's selection} for the reports on a page: one query."""
    if not reports:
        return {}
    rows = Selection.objects.filter(
        organization=level, report__in=[r.pk for r in reports]
    ).select_related("bulletin")
    return {s.report_id: s for s in rows}


def bulletin_items(bulletin: Bulletin) -> list[tuple[UpwardReport, list[Attachment]]]:
    """The bulletin's reports in order with their photos: two queries."""
    reports = [
        s.report
        for s in bulletin.items.select_related("report__organization", "report__phase").order_by(
            "position", "pk"
        )
    ]
    photos = photos_of(reports)
    return [(r, photos.get(r.pk, [])) for r in reports]
