"""The item lifecycle (rectification/models/problems.py): the transition table, checked
exhaustively; overdue; the validation of categories, origins and responsible people."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from activities.models import OpinionStatus
from activities.seed import ensure_campaign_2014
from rectification.models import (
    ITEM_TRANSITIONS,
    IllegalItemTransition,
    ItemAction,
    ItemEvent,
    ItemStatus,
    ProblemItem,
    SourceKind,
)
from tests.activities.opinions_factories import OpinionFactory
from tests.factories import MemberFactory
from tests.rectification.problems_factories import (
    approved_list,
    category,
    force_deadline,
    force_item_status,
    force_list_status,
    item_fields,
    keep_running,
    make_item,
    make_list,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
TODAY_FROM_CLOCK = True  # read again before each test (tests/conftest.py)
OPN, PRG, REQ, CLS = "open", "in_progress", "closure_requested", "closed"

# The table as the issue states it, written out by hand: (from, action) -> to.
EXPECTED = {
    (OPN, "edit"): OPN,
    (OPN, "start"): PRG,
    (OPN, "add_evidence"): OPN,
    (PRG, "add_evidence"): PRG,
    (OPN, "request_closure"): REQ,
    (PRG, "request_closure"): REQ,
    (REQ, "withdraw_closure"): PRG,
    (REQ, "reject_closure"): PRG,
    (REQ, "close"): CLS,
    **{(s, "request_extension"): s for s in (OPN, PRG, REQ)},
    **{(s, "approve_extension"): s for s in (OPN, PRG, REQ)},
    **{(s, "withdraw_extension"): s for s in (OPN, PRG, REQ, CLS)},
    **{(s, "reject_extension"): s for s in (OPN, PRG, REQ, CLS)},
}
ACTIONS = [a for a in ItemAction.values if a != ItemAction.CREATE]


def test_transition_table_is_the_one_specified() -> None:
    assert {(str(s), str(a)): str(t) for (s, a), t in ITEM_TRANSITIONS.items()} == EXPECTED


def _kwargs(action: str, item: ProblemItem) -> dict[str, Any]:
    return {
        "comment": "理由",
        "new_deadline": item.deadline + dt.timedelta(days=10)
        if action in ("approve_extension", "request_extension")
        else None,
    }


@pytest.mark.parametrize("status", ItemStatus.values)
@pytest.mark.parametrize("action", ACTIONS)
def test_every_move_is_allowed_exactly_as_the_table_says(
    world: Any, status: str, action: str
) -> None:
    plist = make_list(world)
    item = make_item(plist)
    # Edits happen while the list is written; everything else once it is approved.
    force_list_status(plist, "draft" if action == "edit" else "approved")
    force_item_status(item, status)
    events_before = ItemEvent.objects.filter(item=item).count()
    expected = EXPECTED.get((status, action))
    if expected is None:
        with pytest.raises(IllegalItemTransition):
            item.transition(action, actor=world.secretary, **_kwargs(action, item))
        item.refresh_from_db()
        assert item.status == status
        assert ItemEvent.objects.filter(item=item).count() == events_before
        return
    event = item.transition(action, actor=world.secretary, **_kwargs(action, item))
    item.refresh_from_db()
    assert item.status == expected
    assert (event.from_status, event.to_status, event.action) == (status, expected, action)
    assert event.actor == world.secretary
    assert ItemEvent.objects.filter(item=item).count() == events_before + 1
    if expected == CLS:
        assert item.closed_at is not None


@pytest.mark.parametrize("action", ["start", "request_closure", "request_extension"])
@pytest.mark.parametrize("list_status", ["draft", "submitted", "returned"])
def test_lifecycle_moves_wait_for_the_approved_list(
    world: Any, action: str, list_status: str
) -> None:
    plist = make_list(world)
    item = make_item(plist)
    force_list_status(plist, list_status)
    with pytest.raises(IllegalItemTransition):
        item.transition(action, actor=None, comment="x", new_deadline=item.deadline)
    assert ItemEvent.objects.filter(item=item).count() == 1  # the creation only


@pytest.mark.parametrize("list_status", ["submitted", "approved"])
def test_edits_are_refused_once_the_list_is_submitted_or_approved(
    world: Any, list_status: str
) -> None:
    plist = make_list(world)
    item = make_item(plist)
    force_list_status(plist, list_status)
    with pytest.raises(IllegalItemTransition):
        item.transition("edit", actor=None)


@pytest.mark.parametrize("action", ["reject_closure", "reject_extension", "request_extension"])
def test_rejections_and_extension_requests_need_a_reason(world: Any, action: str) -> None:
    plist = approved_list(world)
    item = plist.items.get()
    force_item_status(item, REQ if action == "reject_closure" else PRG)
    with pytest.raises(ValidationError):
        item.transition(action, actor=None, comment="  ", new_deadline=item.deadline)


def test_approved_extension_moves_the_deadline_and_only_later(world: Any) -> None:
    item = approved_list(world).items.get()
    with pytest.raises(ValidationError):
        item.transition("approve_extension", actor=None, new_deadline=item.deadline)
    later = item.deadline + dt.timedelta(days=15)
    event = item.transition("approve_extension", actor=None, new_deadline=later)
    item.refresh_from_db()
    assert item.deadline == later == event.new_deadline


def test_a_stale_instance_cannot_move_the_item(world: Any) -> None:
    item = approved_list(world).items.get()
    stale = ProblemItem.objects.get(pk=item.pk)
    item.transition("start", actor=None)
    with pytest.raises(IllegalItemTransition):
        stale.transition("request_closure", actor=None)


# --- overdue ---------------------------------------------------------------------------------


def test_overdue_is_past_the_deadline_and_not_closed(world: Any) -> None:
    plist = approved_list(world, items=4)
    keep_running(plist.campaign)  # a finished campaign is judged as of its end
    late, today, closed_late, future = plist.items.order_by("number")
    force_deadline(late, TODAY - dt.timedelta(days=3))
    force_deadline(today, TODAY)
    force_deadline(closed_late, TODAY - dt.timedelta(days=9))
    force_item_status(closed_late, CLS)
    force_deadline(future, TODAY + dt.timedelta(days=1))
    assert list(ProblemItem.objects.overdue(TODAY)) == [late]
    assert late.days_overdue(TODAY) == 3
    assert [i.days_overdue(TODAY) for i in (today, closed_late, future)] == [0, 0, 0]
    # Tomorrow the item due today is overdue too.
    tomorrow = TODAY + dt.timedelta(days=1)
    assert set(ProblemItem.objects.overdue(tomorrow)) == {late, today}


# --- validation ------------------------------------------------------------------------------


def test_category_must_belong_to_the_lists_campaign(world: Any) -> None:
    plist = make_list(world)
    elsewhere = ensure_campaign_2014(world.other_county)
    with pytest.raises(ValidationError) as exc:
        make_item(plist, category=category(elsewhere))
    assert "category" in exc.value.message_dict


@pytest.mark.parametrize(
    ("kind", "field"),
    [
        (SourceKind.OPINION, "source_opinion"),
        (SourceKind.SELF_EXAMINATION, "source_statement"),
        (SourceKind.SPECIAL_MEETING, "source_criticism"),
    ],
)
def test_linked_sources_need_their_origin(world: Any, kind: str, field: str) -> None:
    plist = make_list(world)
    with pytest.raises(ValidationError) as exc:
        make_item(plist, source_kind=kind)
    assert field in exc.value.message_dict


def test_origin_of_another_organization_is_refused(world: Any) -> None:
    plist = make_list(world)
    theirs = OpinionFactory(
        organization=world.sibling, campaign=plist.campaign, status=OpinionStatus.SORTED
    )
    with pytest.raises(ValidationError) as exc:
        make_item(plist, source_kind=SourceKind.OPINION, source_opinion=theirs)
    assert "source_opinion" in exc.value.message_dict
    theirs.refresh_from_db()
    assert theirs.status == OpinionStatus.SORTED


def test_links_of_other_kinds_are_dropped(world: Any) -> None:
    plist = make_list(world)
    opinion = OpinionFactory(
        organization=world.own, campaign=plist.campaign, status=OpinionStatus.SORTED
    )
    item = make_item(plist, source_kind=SourceKind.HIGHER_LEVEL, source_opinion=opinion)
    assert item.source_opinion is None
    opinion.refresh_from_db()
    assert opinion.status == OpinionStatus.SORTED


def test_responsible_member_gives_name_and_post_and_must_be_ours(world: Any) -> None:
    plist = make_list(world)
    ours = MemberFactory(organization=world.own, name="李明", post="车间主任")
    item = make_item(plist, responsible_member=ours, responsible_name="", responsible_post="")
    assert (item.responsible_name, item.responsible_post) == ("李明", "车间主任")
    assert item.responsible_display == "李明 (车间主任)"
    theirs = MemberFactory(organization=world.sibling)
    with pytest.raises(ValidationError) as exc:
        make_item(plist, responsible_member=theirs)
    assert "responsible_member" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        make_item(plist, responsible_name=" ", responsible_member=None)
    assert "responsible_name" in exc.value.message_dict


def test_items_are_numbered_in_order_per_list(world: Any) -> None:
    first, second = make_list(world), make_list(world, world.sibling)
    numbers = [make_item(first).number, make_item(first).number, make_item(second).number]
    assert numbers == [1, 2, 1]
    assert item_fields(first)["category"].campaign == first.campaign
