"""Item-level comparison of a resubmitted record (portal/reviews/diff.py compare_items,
the problem list's items through the engine, and snapshots in the old text format)."""

from __future__ import annotations

from typing import Any

import pytest

from portal.reviews.diff import ADDED, CHANGED, REMOVED, ItemsChange, compare
from portal.reviews.models import ReviewEvent
from portal.reviews.selectors import changes_since_last_return, timeline
from portal.reviews.services import review_transition
from rectification import services_problems as services
from rectification.models import ProblemList
from tests.rectification.problems_factories import make_item, make_list
from tests.utils import client_for


def item(key: int, n: int, **fields: str) -> dict[str, Any]:
    return {"key": key, "n": n, "fields": fields}


OLD = {
    "title": "清单",
    "items": [
        item(11, 1, description="学习不深入", deadline="2014-09-30"),
        item(12, 2, description="制度不落实", deadline="2014-10-31"),
        item(13, 3, description="联系群众少", deadline="2014-11-30"),
        item(14, 4, description="作风不扎实", deadline="2014-12-31"),
    ],
}


def test_items_are_matched_by_key_and_marked_added_removed_changed() -> None:
    new = {
        "title": "清单",
        "items": [
            item(11, 1, description="学习不深入", deadline="2014-09-30"),
            # 12 removed; 13 renumbered but unchanged; 14 changed; 15 added.
            item(13, 2, description="联系群众少", deadline="2014-11-30"),
            item(14, 3, description="作风不扎实", deadline="2015-01-31"),
            item(15, 4, description="经费保障不足", deadline="2014-12-31"),
        ],
    }
    [title, items] = compare(OLD, new)
    assert not title.changed and title.is_items is False
    assert isinstance(items, ItemsChange) and items.changed
    assert [(i.key, i.number, i.state) for i in items.items] == [
        ("12", "2", REMOVED),
        ("14", "3", CHANGED),
        ("15", "4", ADDED),
    ]
    # The changed item lists only its changed field, old → new, and its old number.
    changed = items.items[1]
    assert [(f.label, f.old, f.new) for f in changed.changed_fields] == [
        ("deadline", "2014-12-31", "2015-01-31")
    ]
    assert changed.renumbered and changed.old_number == "4"
    # Unchanged items (even renumbered ones) are kept apart, for a collapsed count.
    assert [i.key for i in items.unchanged] == ["11", "13"]
    assert (items.added, items.removed, items.modified) == (1, 1, 1)


def test_identical_item_lists_are_unchanged() -> None:
    [_title, items] = compare(OLD, {"title": "清单", "items": list(OLD["items"])})
    assert not items.changed and len(items.unchanged) == 4


def test_an_old_text_snapshot_is_compared_with_the_items_written_as_text() -> None:
    old = {"items": "1. 学习不深入 | 2014-09-30\n2. 制度不落实 | 2014-10-31"}
    new = {
        "items": [
            item(11, 1, description="学习不深入", deadline="2014-09-30"),
            item(12, 2, description="制度不落实", deadline="2014-11-30"),
        ]
    }
    [change] = compare(old, new)
    assert change.is_items is False and change.changed
    assert change.new == "1. 学习不深入 | 2014-09-30\n2. 制度不落实 | 2014-11-30"
    assert "<del>10</del><ins>11</ins>" in change.diff_html


pytestmark_db = pytest.mark.django_db


def _returned_list(world: Any) -> ProblemList:
    plist = make_list(world, world.child)
    for text in ("理论学习不够深入。", "组织生活不经常。", "联系群众不紧密。"):
        make_item(plist, description=text)
    review_transition(plist, action="submit", actor=world.secretary)
    review_transition(plist, action="return", actor=world.reviewer, comment="第二项要具体。")
    return plist


@pytestmark_db
def test_a_resubmitted_problem_list_shows_its_fourth_item_as_new(world: Any) -> None:
    plist = _returned_list(world)
    second = plist.items.get(number=2)
    services.item_update(
        actor=world.secretary,
        item=second,
        version=services.version_token(second),
        measures="每月召开一次组织生活会。",
    )
    make_item(plist, description="经费保障不足。")
    review_transition(plist, action="resubmit", actor=world.secretary)

    changes = changes_since_last_return(plist, timeline(plist))
    [items] = [c for c in changes if c.key == "items"]
    assert [(i.number, i.state) for i in items.items] == [("2", CHANGED), ("4", ADDED)]
    assert [f.key for f in items.items[0].changed_fields] == ["measures"]
    assert len(items.unchanged) == 2

    page = client_for(world, "reviewer").get(
        plist.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    html = page.content.decode()
    assert "第 4 项为新增" in html
    assert "第 2 项有修改" in html
    assert "2 项未修改" in html
    # The reviewer's own return comment stands above the comparison.
    assert html.index("第二项要具体。") < html.index("第 4 项为新增")


@pytestmark_db
def test_an_event_stored_in_the_old_text_format_still_renders(world: Any) -> None:
    plist = _returned_list(world)
    # The return as stored before items were listed one by one: one line per item.
    # (Events are append-only: the old-format return is written as a later copy.)
    event = ReviewEvent.objects.for_record(plist).filter(action="return").get()
    items = plist.items.select_related("category").order_by("number")
    event.pk = None
    event.snapshot = {
        "title": plist.title,
        "intro": plist.intro,
        "items": "\n".join(i.snapshot_line() for i in items),
    }
    event.save()
    review_transition(plist, action="resubmit", actor=world.secretary)
    changes = changes_since_last_return(plist, timeline(plist))
    # The items written the old way equal the old text: nothing changed.
    assert [c.key for c in changes if c.changed] == []
    page = client_for(world, "reviewer").get(
        plist.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert "退回后没有修改。" in page.content.decode()
