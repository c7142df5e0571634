"""Reports sent upward and bulletins for the tests, made through the services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from activities.models import Campaign
from activities.seed import ensure_campaign_2014
from bulletins.models import Bulletin, UpwardReport
from bulletins.services import bulletin_compile, report_select, report_submit
from tests.attachments.files import png_bytes, upload
from tests.conftest import World


def campaign_for(world: World) -> Campaign:
    return ensure_campaign_2014(world.county)


def photo(name: str = "photo.png") -> Any:
    return upload(name, png_bytes(), "image/png")


def make_report(
    world: World,
    org: Any = None,
    *,
    title: str = "学习动员情况",
    body: str = "组织党员集中学习。",
    photos: int = 0,
    tags: str = "",
    phase: Any = None,
    actor: Any = None,
) -> UpwardReport:
    return report_submit(
        actor=actor or world.admin,
        organization=org or world.own,
        campaign=campaign_for(world),
        phase=phase,
        title=title,
        body=body,
        tags=tags,
        photos=[photo(f"p{i}.png") for i in range(photos)],
    )


def compile_from(world: World, level: Any, reports: list[UpwardReport], **kw: Any) -> Bulletin:
    """Select the reports for `level` and compile its next bulletin from them."""
    actor = kw.pop("actor", world.office)
    selections = [report_select(actor=actor, level=level, report=r) for r in reports]
    return bulletin_compile(
        actor=actor,
        level=level,
        campaign=campaign_for(world),
        selection_ids=[s.pk for s in selections],
        title=kw.pop("title", ""),
        issuer=kw.pop("issuer", ""),
        issued_on=kw.pop("issued_on", dt.date(2014, 5, 20)),
    )
