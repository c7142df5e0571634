"""Writes for problem lists (rectification/services_problems.py): adopting opinions,
editing while the list is written, the closure and extension requests reviewed
through the shared engine (and its after_review_transition hook), publishing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from activities.models import Opinion, OpinionStatus
from portal.attachments.models import Attachment
from portal.reviews.models import RecordLocked, ReviewEvent
from portal.reviews.selectors import changes_since_last_return, timeline
from portal.reviews.services import review_transition
from rectification import services_problems as services
from rectification.models import (
    ClosureRequest,
    ExtensionRequest,
    ProblemItem,
    ProblemList,
    SourceKind,
)
from tests.activities.opinions_factories import OpinionFactory, answered_kwargs
from tests.rectification.problems_factories import (
    approve,
    approved_list,
    campaign_for,
    force_item_status,
    item_fields,
    make_item,
    make_list,
    photo,
    request_closure,
    request_extension,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _files_in_tmp(media_root: Any) -> None:
    """Evidence files go to a temporary MEDIA_ROOT."""


@pytest.fixture(autouse=True)
def _english() -> Any:
    """Labels written by the services (the adopted item's name, the changed fields)
    are in the active language: English here."""
    with translation.override("en"):
        yield


def _opinion(world: Any, status: str = OpinionStatus.SORTED, org: Any = None, **kw: Any) -> Opinion:
    fields = answered_kwargs() if status == OpinionStatus.ANSWERED else {"status": status}
    return OpinionFactory(
        organization=org or world.own, campaign=campaign_for(world, org), **{**fields, **kw}
    )


def _actions(item: ProblemItem) -> list[tuple[str, str, str]]:
    return list(item.events.order_by("at", "pk").values_list("action", "from_status", "to_status"))


# --- adopting opinions ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status", [OpinionStatus.RECEIVED, OpinionStatus.SORTED, OpinionStatus.ANSWERED]
)
def test_item_from_an_opinion_adopts_it_with_a_link_both_ways(world: Any, status: str) -> None:
    plist = make_list(world)
    make_item(plist)
    opinion = _opinion(world, status)
    item = services.item_create(
        actor=world.secretary,
        problem_list=plist,
        **item_fields(plist, source_kind=SourceKind.OPINION, source_opinion=opinion),
    )
    opinion.refresh_from_db()
    assert opinion.status == OpinionStatus.ADOPTED
    assert opinion.adopted_item_label == "Problem list item 2"
    assert opinion.adopted_item_url == item.get_absolute_url()
    assert item.source_opinion == opinion
    assert opinion.problem_items.get() == item
    # A received opinion is sorted into the item's category first.
    assert opinion.category == item.category
    assert opinion.events.last().actor == world.secretary


def test_an_adopted_opinion_cannot_be_adopted_again(world: Any) -> None:
    plist = make_list(world)
    opinion = _opinion(world)
    first = make_item(plist, source_kind=SourceKind.OPINION, source_opinion=opinion)
    with pytest.raises(ValidationError) as exc:
        make_item(plist, source_kind=SourceKind.OPINION, source_opinion=opinion)
    assert "source_opinion" in exc.value.message_dict
    assert list(plist.items.all()) == [first]
    opinion.refresh_from_db()
    assert opinion.adopted_item_url == first.get_absolute_url()


def test_opinion_of_another_organization_or_campaign_is_refused(world: Any) -> None:
    plist = make_list(world)
    for opinion in (_opinion(world, org=world.sibling), _opinion(world, org=world.far)):
        with pytest.raises(ValidationError):
            make_item(plist, source_kind=SourceKind.OPINION, source_opinion=opinion)
        opinion.refresh_from_db()
        assert opinion.status == OpinionStatus.SORTED
    assert not plist.items.exists()


def test_picking_an_opinion_while_editing_adopts_it(world: Any) -> None:
    plist = make_list(world)
    item = make_item(plist)
    opinion = _opinion(world)
    services.item_update(
        actor=world.clerk,
        item=item,
        version=services.version_token(item),
        **item_fields(plist, source_kind=SourceKind.OPINION, source_opinion=opinion),
    )
    opinion.refresh_from_db()
    assert opinion.status == OpinionStatus.ADOPTED
    assert opinion.adopted_item_url == item.get_absolute_url()
    [_create, (action, _f, _t)] = _actions(item)
    assert action == "edit"
    assert "source" in item.events.last().comment


def test_an_item_that_adopted_an_opinion_keeps_it_and_cannot_be_deleted(world: Any) -> None:
    plist = make_list(world)
    opinion = _opinion(world)
    item = make_item(plist, source_kind=SourceKind.OPINION, source_opinion=opinion)
    with pytest.raises(ValidationError):
        services.item_update(
            actor=world.secretary,
            item=item,
            version=services.version_token(item),
            **item_fields(plist, source_kind=SourceKind.HIGHER_LEVEL),
        )
    with pytest.raises(ValidationError):
        services.item_delete(actor=world.secretary, item=item)
    assert ProblemItem.objects.get(pk=item.pk).source_opinion == opinion


# --- writing the list -------------------------------------------------------------------------


def test_one_list_per_organization_and_campaign(world: Any) -> None:
    make_list(world)
    with pytest.raises(ValidationError):
        make_list(world)


def test_list_needs_a_campaign_of_the_organization(world: Any) -> None:
    with pytest.raises(ValidationError):
        services.problem_list_create(
            actor=world.secretary,
            organization=world.own,
            campaign=campaign_for(world, world.far),
            title="x",
        )


def test_writing_needs_record(world: Any) -> None:
    plist = make_list(world)
    for user in (world.reviewer, world.office, world.instructor, world.outsider):
        with pytest.raises(PermissionDenied):
            services.item_create(actor=user, problem_list=plist, **item_fields(plist))
    services.item_create(actor=world.clerk, problem_list=plist, **item_fields(plist))


def test_edit_records_the_changed_fields_and_refuses_a_stale_version(world: Any) -> None:
    plist = make_list(world)
    item = make_item(plist)
    stale = services.version_token(item)
    services.item_update(
        actor=world.secretary,
        item=item,
        version=stale,
        **item_fields(plist, measures="新的措施", deadline=item.deadline + dt.timedelta(days=1)),
    )
    assert item.events.last().comment == "measures, deadline"
    with pytest.raises(services.EditConflict):
        services.item_update(actor=world.secretary, item=item, version=stale, **item_fields(plist))
    # Saving without a change writes no event.
    item.refresh_from_db()
    services.item_update(
        actor=world.secretary,
        item=item,
        version=services.version_token(item),
        **item_fields(plist, measures="新的措施", deadline=item.deadline),
    )
    assert item.events.count() == 2


def test_edit_comment_lists_the_changed_fields_with_the_chinese_enumeration_comma(
    world: Any,
) -> None:
    plist = make_list(world)
    item = make_item(plist)
    with translation.override("zh-hans"):
        services.item_update(
            actor=world.secretary,
            item=item,
            version=services.version_token(item),
            **item_fields(
                plist, measures="新的措施", deadline=item.deadline + dt.timedelta(days=1)
            ),
        )
        labels = [
            str(ProblemItem._meta.get_field(name).verbose_name) for name in ("measures", "deadline")
        ]
    assert labels != ["measures", "deadline"]  # the zh-hans field names
    assert item.events.last().comment == "、".join(labels)


@pytest.mark.parametrize("action", ["submit", "approve"])
def test_items_are_locked_once_the_list_is_submitted(world: Any, action: str) -> None:
    plist = make_list(world)
    item = make_item(plist)
    review_transition(plist, action="submit", actor=world.secretary)
    if action == "approve":
        review_transition(plist, action="approve", actor=world.reviewer)
    with pytest.raises(RecordLocked):
        make_item(plist)
    with pytest.raises(RecordLocked):
        services.item_update(
            actor=world.secretary,
            item=item,
            version=services.version_token(item),
            **item_fields(plist),
        )
    with pytest.raises(RecordLocked):
        services.item_delete(actor=world.secretary, item=item)
    with pytest.raises(RecordLocked):
        services.problem_list_update(
            actor=world.secretary,
            problem_list=plist,
            version=services.version_token(plist),
            title="x",
        )


def test_an_empty_list_cannot_be_submitted(world: Any) -> None:
    plist = make_list(world)
    with pytest.raises(ValidationError):
        review_transition(plist, action="submit", actor=world.secretary)


def test_reviewer_sees_which_items_changed_since_the_return(world: Any) -> None:
    plist = make_list(world)
    make_item(plist)
    second = make_item(plist, measures="旧措施")
    review_transition(plist, action="submit", actor=world.secretary)
    review_transition(plist, action="return", actor=world.reviewer, comment="措施要具体")
    services.item_update(
        actor=world.secretary,
        item=second,
        version=services.version_token(second),
        **item_fields(plist, measures="每周一检查"),
    )
    review_transition(plist, action="resubmit", actor=world.secretary)
    changes = {c.key: c for c in changes_since_last_return(plist, timeline(plist))}
    assert not changes["title"].changed
    assert changes["items"].changed
    # Item by item: only the second item changed, and only its measures.
    items = changes["items"]
    [changed] = items.items
    assert (changed.key, changed.number, changed.state) == (str(second.pk), "2", "changed")
    [field] = changed.changed_fields
    assert (field.key, field.old, field.new) == ("measures", "旧措施", "每周一检查")
    assert [i.number for i in items.unchanged] == ["1"]


# --- closure --------------------------------------------------------------------------------


def test_closure_rejected_then_resubmitted_with_more_evidence_then_closed(world: Any) -> None:
    item = approved_list(world).items.get()
    services.item_start(actor=world.clerk, item=item)
    closure = services.closure_request_submit(
        actor=world.secretary, item=item, note="已建立学习制度。", uploads=[photo()]
    )
    item.refresh_from_db()
    assert item.status == "closure_requested"
    assert closure.review_status == "submitted"

    review_transition(closure, action="return", actor=world.reviewer, comment="照片看不清")
    item.refresh_from_db()
    assert item.status == "in_progress"
    assert item.events.last().comment == "照片看不清"

    services.closure_request_add_evidence(
        actor=world.clerk, closure_request=closure, note=None, uploads=[photo("学习记录.png")]
    )
    assert Attachment.objects.for_record(closure).count() == 2
    review_transition(closure, action="resubmit", actor=world.secretary)
    review_transition(closure, action="approve", actor=world.reviewer)
    item.refresh_from_db()
    assert item.status == "closed" and item.closed_at is not None
    assert _actions(item) == [
        ("create", "", "open"),
        ("start", "open", "in_progress"),
        ("request_closure", "in_progress", "closure_requested"),
        ("reject_closure", "closure_requested", "in_progress"),
        ("add_evidence", "in_progress", "in_progress"),
        ("request_closure", "in_progress", "closure_requested"),
        ("close", "closure_requested", "closed"),
    ]
    assert [e.actor for e in item.events.order_by("at", "pk")][-1] == world.reviewer
    assert [e.action for e in timeline(closure)] == ["submit", "return", "resubmit", "approve"]


def test_closure_without_evidence_is_refused_and_nothing_is_kept(world: Any) -> None:
    item = approved_list(world).items.get()
    with pytest.raises(ValidationError):
        services.closure_request_submit(actor=world.secretary, item=item, note="done", uploads=[])
    assert not ClosureRequest.objects.exists()
    item.refresh_from_db()
    assert item.status == "open"


def test_closure_needs_submit_and_an_approved_list(world: Any) -> None:
    plist = make_list(world)
    item = make_item(plist)
    with pytest.raises(ValidationError):
        services.closure_request_submit(
            actor=world.secretary, item=item, note="", uploads=[photo()]
        )
    approve(world, plist)
    for user in (world.clerk, world.reviewer, world.office):
        with pytest.raises(PermissionDenied):
            services.closure_request_submit(actor=user, item=item, note="", uploads=[photo()])


def test_withdrawn_closure_puts_the_item_back_in_progress(world: Any) -> None:
    item = approved_list(world).items.get()
    closure = request_closure(world, item)
    review_transition(closure, action="withdraw", actor=world.secretary)
    item.refresh_from_db()
    assert item.status == "in_progress"
    # Submitting again reuses the same request.
    again = services.closure_request_submit(actor=world.secretary, item=item, note="", uploads=[])
    assert again.pk == closure.pk and again.review_status == "submitted"


def test_a_waiting_or_closed_item_cannot_be_requested_again(world: Any) -> None:
    item = approved_list(world).items.get()
    closure = request_closure(world, item)
    with pytest.raises(ValidationError):
        request_closure(world, item)
    review_transition(closure, action="approve", actor=world.reviewer)
    with pytest.raises(ValidationError):
        request_closure(world, item)


def test_evidence_is_locked_while_the_request_waits(world: Any) -> None:
    closure = request_closure(world, approved_list(world).items.get())
    with pytest.raises(RecordLocked):
        services.closure_request_add_evidence(
            actor=world.secretary, closure_request=closure, uploads=[photo()]
        )


def test_the_reviewer_cannot_close_their_own_request(world: Any) -> None:
    item = approved_list(world).items.get()
    closure = request_closure(world, item)
    with pytest.raises(PermissionDenied):
        review_transition(closure, action="approve", actor=world.secretary)
    with pytest.raises(PermissionDenied):
        review_transition(closure, action="approve", actor=world.office)


# --- extension ------------------------------------------------------------------------------


def test_approved_extension_moves_the_deadline(world: Any) -> None:
    item = approved_list(world).items.get()
    old = item.deadline
    extension = request_extension(world, item, days=30)
    assert extension.current_deadline == old
    review_transition(extension, action="approve", actor=world.reviewer)
    item.refresh_from_db()
    assert item.deadline == old + dt.timedelta(days=30)
    assert _actions(item)[-2:] == [
        ("request_extension", "open", "open"),
        ("approve_extension", "open", "open"),
    ]
    assert item.events.last().new_deadline == item.deadline


def test_rejected_extension_keeps_the_deadline_and_may_be_changed_and_sent_again(
    world: Any,
) -> None:
    item = approved_list(world).items.get()
    old = item.deadline
    extension = request_extension(world, item)
    with pytest.raises(ValidationError):
        review_transition(extension, action="return", actor=world.reviewer)  # reason required
    review_transition(extension, action="return", actor=world.reviewer, comment="理由不充分")
    item.refresh_from_db()
    assert item.deadline == old
    assert item.events.last().action == "reject_extension"
    assert item.events.last().comment == "理由不充分"
    services.extension_request_update(
        actor=world.secretary,
        extension_request=extension,
        new_deadline=old + dt.timedelta(days=7),
        reason="只需一周。",
    )
    extension.refresh_from_db()
    assert extension.review_status == "submitted"


def test_one_extension_request_waits_at_a_time_and_only_for_a_later_date(world: Any) -> None:
    item = approved_list(world).items.get()
    with pytest.raises(ValidationError):
        services.extension_request_submit(
            actor=world.secretary, item=item, new_deadline=item.deadline, reason="x"
        )
    request_extension(world, item)
    with pytest.raises(ValidationError):
        request_extension(world, item, days=60)
    assert ExtensionRequest.objects.count() == 1


def test_extension_of_an_item_closed_meanwhile_cannot_be_approved_only_rejected(
    world: Any,
) -> None:
    item = approved_list(world).items.get()
    extension = request_extension(world, item)
    force_item_status(item, "closed")
    events = ReviewEvent.objects.count()
    with pytest.raises(ValidationError):
        review_transition(extension, action="approve", actor=world.reviewer)
    # The hook raised: the whole transition was undone.
    extension.refresh_from_db()
    assert extension.review_status == "submitted"
    assert ReviewEvent.objects.count() == events
    review_transition(extension, action="return", actor=world.reviewer, comment="已销号")
    extension.refresh_from_db()
    assert extension.review_status == "returned"


# --- publishing -----------------------------------------------------------------------------


def test_only_an_approved_list_is_published(world: Any) -> None:
    plist = make_list(world)
    make_item(plist)
    day = dt.date(2014, 8, 1)
    with pytest.raises(ValidationError):
        services.problem_list_publish(
            actor=world.secretary, problem_list=plist, published_on=day, audience="全体党员和职工"
        )
    review_transition(plist, action="submit", actor=world.secretary)
    with pytest.raises(ValidationError):
        services.problem_list_publish(
            actor=world.secretary, problem_list=plist, published_on=day, audience="全体党员和职工"
        )
    review_transition(plist, action="approve", actor=world.reviewer)
    services.problem_list_publish(
        actor=world.secretary, problem_list=plist, published_on=day, audience="全体党员和职工"
    )
    plist.refresh_from_db()
    assert (plist.published_on, plist.audience, plist.published_by) == (
        day,
        "全体党员和职工",
        world.secretary,
    )
    token = plist.public_token
    assert token and len(token) >= 20
    # Publishing again corrects the date and keeps the address.
    services.problem_list_publish(
        actor=world.secretary, problem_list=plist, published_on=day, audience="全体职工"
    )
    plist.refresh_from_db()
    assert (plist.public_token, plist.audience) == (token, "全体职工")
    assert ProblemList.objects.published().get() == plist


def test_publishing_needs_submit_a_date_and_an_audience(world: Any) -> None:
    plist = approved_list(world)
    for user in (world.clerk, world.reviewer, world.office):
        with pytest.raises(PermissionDenied):
            services.problem_list_publish(
                actor=user, problem_list=plist, published_on=dt.date(2014, 8, 1), audience="x"
            )
    with pytest.raises(ValidationError) as exc:
        services.problem_list_publish(
            actor=world.secretary, problem_list=plist, published_on=None, audience=" "
        )
    assert set(exc.value.message_dict) == {"published_on", "audience"}


def test_the_notice_period_runs_a_week_unless_given_and_cannot_end_before_it_starts(
    world: Any,
) -> None:
    plist = approved_list(world)
    services.problem_list_publish(
        actor=world.secretary, problem_list=plist, published_on=dt.date(2014, 8, 1), audience="x"
    )
    plist.refresh_from_db()
    assert plist.notice_ends_on == dt.date(2014, 8, 7)  # seven days, the first included
    with pytest.raises(ValidationError) as exc:
        services.problem_list_publish(
            actor=world.secretary,
            problem_list=plist,
            published_on=dt.date(2014, 8, 1),
            notice_ends_on=dt.date(2014, 7, 31),
            audience="x",
        )
    assert set(exc.value.message_dict) == {"notice_ends_on"}
    services.problem_list_publish(
        actor=world.secretary,
        problem_list=plist,
        published_on=dt.date(2014, 8, 1),
        notice_ends_on=dt.date(2014, 8, 15),
        audience="x",
    )
    plist.refresh_from_db()
    assert plist.notice_ends_on == dt.date(2014, 8, 15)
