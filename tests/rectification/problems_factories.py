"""Builders for the problem-list tests (test_problems*.py and the browser journeys).

Lists and items are written through the services (as the system, or as the site
administrator where a review action needs an actor with authority anywhere), so the
timeline events and the adoption of opinions happen as in real use. `force_*` helpers
put a record in a state directly, for test setup only."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from activities.models import Campaign, ProblemCategory
from activities.seed import ensure_campaign_2014
from portal.progress.rollup import mark_changed
from portal.reviews.models import ReviewStatus
from portal.reviews.services import review_transition
from rectification import services_problems as services
from rectification.models import (
    ClosureRequest,
    ExtensionRequest,
    ProblemItem,
    ProblemList,
    SourceKind,
)
from tests.conftest import World

# Positions relative to the secretary's organization (world.own), as in the other apps'
# matrices: the organization each test object belongs to.
ORG_NAMES = ("own", "child", "park_a", "sibling", "other", "far")


def campaign_for(world: World, org: Any = None) -> Campaign:
    """The 2014 campaign that `org` takes part in (the other county runs its own)."""
    if org is not None and org.path.startswith(world.other_county.path):
        return ensure_campaign_2014(world.other_county)
    return ensure_campaign_2014(world.county)


def category(campaign: Campaign, code: str = "cohesion") -> ProblemCategory:
    return ProblemCategory.objects.get(campaign=campaign, code=code)


def make_list(world: World, org: Any = None, **fields: Any) -> ProblemList:
    org = org or world.own
    fields.setdefault("title", f"{org.short_name}问题清单")
    fields.setdefault("intro", "通过征求意见、对照检查和专题组织生活会查找的问题。")
    return services.problem_list_create(
        actor=None, organization=org, campaign=campaign_for(world, org), **fields
    )


def item_fields(plist: ProblemList, **overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "description": "理论学习不够深入，学习制度落实不到位。",
        "category": category(plist.campaign),
        "source_kind": SourceKind.HIGHER_LEVEL,
        "source_note": "县委督导组指出",
        "measures": "每月集中学习一次，书记带头讲党课。",
        "responsible_name": "张书记",
        "responsible_post": "党委书记",
        "deadline": timezone.localdate() + dt.timedelta(days=60),
    }
    fields.update(overrides)
    return fields


def make_item(plist: ProblemList, **overrides: Any) -> ProblemItem:
    return services.item_create(actor=None, problem_list=plist, **item_fields(plist, **overrides))


def submitter(world: World, org: Any) -> Any:
    """Who sends `org`'s records up: its secretary where they may, else the site
    administrator."""
    return world.secretary if org.path.startswith(world.own.path) else world.admin


def decider(world: World, org: Any) -> Any:
    """Who approves or returns `org`'s records: the reviewer where they may (strictly
    below park_a), else a second site administrator (nobody decides on their own
    submission)."""
    if org.path.startswith(world.park_a.path) and org.pk != world.park_a.pk:
        return world.reviewer
    from tests.factories import UserFactory

    return UserFactory(username="chief", is_superuser=True, is_staff=True)


def approve(world: World, plist: ProblemList) -> ProblemList:
    """Submit and approve through the engine (see submitter and decider)."""
    org = plist.organization
    review_transition(plist, action="submit", actor=submitter(world, org))
    review_transition(plist, action="approve", actor=decider(world, org))
    plist.refresh_from_db()
    return plist


def approved_list(world: World, org: Any = None, items: int = 1, **item_kw: Any) -> ProblemList:
    plist = make_list(world, org)
    for _i in range(items):
        make_item(plist, **item_kw)
    return approve(world, plist)


def force_list_status(plist: ProblemList, status: str) -> None:
    ProblemList.objects.filter(pk=plist.pk).update(review_status=status)
    mark_changed([plist.organization_id])  # update() sends no signal
    plist.refresh_from_db()


def force_item_status(item: ProblemItem, status: str) -> None:
    closed_at = timezone.now() if status == "closed" else None
    ProblemItem.objects.filter(pk=item.pk).update(status=status, closed_at=closed_at)
    mark_changed([item.problem_list.organization_id])
    item.refresh_from_db()


def keep_running(campaign: Campaign) -> Campaign:
    """The 2014 campaign made to run until after today (its end and its phase 3's end
    moved), so that its items are judged as of today (Campaign.as_of) — the 2014
    campaign itself has ended and is judged as of 2014-09-30."""
    from activities.models import Phase
    from portal.progress.rollup import campaign_changed

    end = timezone.localdate() + dt.timedelta(days=90)
    Campaign.objects.filter(pk=campaign.pk).update(ends_on=end)
    Phase.objects.filter(campaign=campaign, number=3).update(ends_on=end)
    campaign_changed(campaign.pk)  # update() sends no signal
    campaign.refresh_from_db()
    return campaign


def force_deadline(item: ProblemItem, deadline: dt.date) -> None:
    ProblemItem.objects.filter(pk=item.pk).update(deadline=deadline)
    mark_changed([item.problem_list.organization_id])
    item.refresh_from_db()


def photo(name: str = "整改照片.png", color: str = "red") -> SimpleUploadedFile:
    """A small real PNG (uploads are checked by content)."""
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def request_closure(world: World, item: ProblemItem, note: str = "已整改完毕。") -> ClosureRequest:
    return services.closure_request_submit(
        actor=submitter(world, item.problem_list.organization),
        item=item,
        note=note,
        uploads=[photo()],
    )


def request_extension(world: World, item: ProblemItem, days: int = 30) -> ExtensionRequest:
    return services.extension_request_submit(
        actor=submitter(world, item.problem_list.organization),
        item=item,
        new_deadline=item.deadline + dt.timedelta(days=days),
        reason="需要协调资金，延期一个月。",
    )


__all__ = ["ReviewStatus"]
