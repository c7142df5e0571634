"""Opinions: the transition table, the services, masking, receipt codes and selectors."""

from __future__ import annotations

import itertools

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from activities.models import (
    AddressedTo,
    IllegalTransition,
    Opinion,
    OpinionChannel,
    OpinionEvent,
    OpinionStatus,
    ProblemCategory,
)
from activities.models.opinions import (
    OPINION_TRANSITIONS,
    RECEIPT_ALPHABET,
    format_receipt_code,
    mask_contact,
    mask_name,
    new_receipt_code,
    normalize_receipt_code,
)
from activities.opinions import services as services
from activities.opinions.selectors import (
    box_campaign,
    opinion_stats,
    opinion_stats_by_organization,
    opinion_stats_in_subtree,
    opinion_status_counts,
)
from tests.activities.opinions_factories import (
    OpinionFactory,
    answered_kwargs,
    campaigns_for,
    first_category,
    make_box,
)
from tests.factories import MemberFactory

ALL = list(OpinionStatus.values)
LEGAL = {(a, b) for a, targets in OPINION_TRANSITIONS.items() for b in targets}


@pytest.fixture
def campaign(world):
    return campaigns_for(world)[0]


def _opinion_in(world, campaign, status: str) -> Opinion:
    extra: dict = {"status": status}
    if status == OpinionStatus.ANSWERED:
        extra = answered_kwargs()
    elif status == OpinionStatus.ADOPTED:
        extra.update(adopted_item_label="问题1", adopted_at=timezone.now())
    return OpinionFactory(organization=world.own, campaign=campaign, **extra)


def test_transition_table_is_the_documented_one():
    documented = {
        ("received", "sorted"),
        ("sorted", "sorted"),
        ("sorted", "answered"),
        ("sorted", "adopted"),
        ("answered", "adopted"),
    }
    assert documented == LEGAL


@pytest.mark.parametrize(("from_status", "to_status"), list(itertools.product(ALL, ALL)))
def test_every_move_either_writes_one_event_or_raises_and_writes_nothing(
    world, campaign, from_status, to_status
):
    opinion = _opinion_in(world, campaign, from_status)
    events_before = OpinionEvent.objects.filter(opinion=opinion).count()
    # Give the opinion every field any target status needs, so only the table decides.
    opinion.category = opinion.category or first_category(campaign)
    opinion.answer_text = opinion.answer_text or "答复"
    opinion.answered_at = opinion.answered_at or timezone.now()
    opinion.adopted_item_label = opinion.adopted_item_label or "问题清单第1项"
    opinion.adopted_at = opinion.adopted_at or timezone.now()

    if (from_status, to_status) in LEGAL:
        event = opinion.transition(to_status, actor=world.secretary, note="n")
        assert OpinionEvent.objects.filter(opinion=opinion).count() == events_before + 1
        assert (event.from_status, event.to_status, event.actor) == (
            from_status,
            to_status,
            world.secretary,
        )
        assert Opinion.objects.get(pk=opinion.pk).status == to_status
    else:
        with pytest.raises(IllegalTransition):
            opinion.transition(to_status, actor=world.secretary)
        assert OpinionEvent.objects.filter(opinion=opinion).count() == events_before
        assert Opinion.objects.get(pk=opinion.pk).status == from_status
        assert opinion.status == from_status


def test_a_concurrent_change_is_detected_and_writes_nothing(world, campaign):
    opinion = _opinion_in(world, campaign, OpinionStatus.SORTED)
    stale = Opinion.objects.get(pk=opinion.pk)
    services.opinion_answer(opinion, actor=world.secretary, text="第一个答复")
    with pytest.raises(IllegalTransition):
        services.opinion_answer(stale, actor=world.clerk, text="第二个答复")
    fresh = Opinion.objects.get(pk=opinion.pk)
    assert fresh.answer_text == "第一个答复"
    assert fresh.events.filter(to_status=OpinionStatus.ANSWERED).count() == 1


def test_create_records_an_anonymous_opinion_with_a_received_event(world, campaign):
    opinion = services.opinion_create(
        actor=world.clerk,
        organization=world.own,
        campaign=campaign,
        content="希望增加技能培训",
        source="frontline",
        channel=OpinionChannel.FORM,
        addressed_to=AddressedTo.TEAM,
        received_on=timezone.localdate(),
    )
    assert opinion.is_anonymous is True
    assert opinion.status == OpinionStatus.RECEIVED
    assert opinion.recorded_by == world.clerk
    assert opinion.receipt_code is None
    assert list(opinion.events.values_list("from_status", "to_status")) == [("", "received")]
    assert opinion.history.count() == 1


def test_create_with_a_name_is_named_and_with_a_category_is_sorted(world, campaign):
    opinion = services.opinion_create(
        actor=world.clerk,
        organization=world.own,
        campaign=campaign,
        content="加班费计算不清楚",
        channel=OpinionChannel.FACE_TO_FACE,
        submitter_name="张三",
        submitter_contact="13912345678",
        category=first_category(campaign),
    )
    assert opinion.is_anonymous is False
    assert opinion.status == OpinionStatus.SORTED
    assert list(opinion.events.values_list("to_status", flat=True)) == ["received", "sorted"]


def test_create_refuses_a_campaign_the_organization_is_not_in(world):
    _county_campaign, other_campaign = campaigns_for(world)
    with pytest.raises(ValidationError):
        services.opinion_create(
            actor=world.clerk,
            organization=world.own,
            campaign=other_campaign,
            content="x",
            channel=OpinionChannel.FORM,
        )
    assert not Opinion.objects.exists()


def test_create_refuses_a_member_of_another_organization(world, campaign):
    stranger = MemberFactory(organization=world.sibling)
    with pytest.raises(ValidationError) as exc:
        services.opinion_create(
            actor=world.clerk,
            organization=world.own,
            campaign=campaign,
            content="x",
            channel=OpinionChannel.FORM,
            addressed_to=AddressedTo.MEMBER,
            addressed_member=stranger,
        )
    assert "addressed_member" in exc.value.message_dict


def test_a_named_member_addressee_needs_a_member_or_a_name(world, campaign):
    with pytest.raises(ValidationError):
        services.opinion_create(
            actor=world.clerk,
            organization=world.own,
            campaign=campaign,
            content="x",
            channel=OpinionChannel.FORM,
            addressed_to=AddressedTo.MEMBER,
        )
    opinion = services.opinion_create(
        actor=world.clerk,
        organization=world.own,
        campaign=campaign,
        content="x",
        channel=OpinionChannel.FORM,
        addressed_to=AddressedTo.MEMBER,
        addressed_member_name="李四",
    )
    assert opinion.addressed_display.endswith("李四")


def test_create_refuses_the_online_channel(world, campaign):
    with pytest.raises(ValidationError):
        services.opinion_create(
            actor=world.clerk,
            organization=world.own,
            campaign=campaign,
            content="x",
            channel=OpinionChannel.ONLINE,
        )


def test_sort_needs_a_category_of_the_same_campaign(world, campaign):
    _c, other_campaign = campaigns_for(world)
    opinion = _opinion_in(world, campaign, OpinionStatus.RECEIVED)
    with pytest.raises(ValidationError):
        services.opinion_sort(opinion, actor=world.clerk, category=None)
    with pytest.raises(ValidationError):
        services.opinion_sort(opinion, actor=world.clerk, category=first_category(other_campaign))
    assert Opinion.objects.get(pk=opinion.pk).status == OpinionStatus.RECEIVED
    assert opinion.events.count() == 1
    services.opinion_sort(opinion, actor=world.clerk, category=first_category(campaign))
    assert Opinion.objects.get(pk=opinion.pk).status == OpinionStatus.SORTED


def test_resorting_changes_the_category_and_logs_it(world, campaign):
    opinion = _opinion_in(world, campaign, OpinionStatus.SORTED)
    other = (
        ProblemCategory.objects.filter(campaign=campaign).exclude(pk=opinion.category_id).first()
    )
    services.opinion_sort(opinion, actor=world.clerk, category=other)
    assert Opinion.objects.get(pk=opinion.pk).category == other
    assert opinion.events.last().note == str(other)


@pytest.mark.parametrize("text", ["", "   \n "])
def test_answer_requires_text(world, campaign, text):
    opinion = _opinion_in(world, campaign, OpinionStatus.SORTED)
    with pytest.raises(ValidationError):
        services.opinion_answer(opinion, actor=world.secretary, text=text)
    stored = Opinion.objects.get(pk=opinion.pk)
    assert stored.status == OpinionStatus.SORTED
    assert stored.answered_at is None
    assert not opinion.events.filter(to_status=OpinionStatus.ANSWERED).exists()


def test_answer_stores_text_author_and_time(world, campaign):
    opinion = _opinion_in(world, campaign, OpinionStatus.SORTED)
    services.opinion_answer(opinion, actor=world.secretary, text=" 已经整改 ")
    stored = Opinion.objects.get(pk=opinion.pk)
    assert (stored.status, stored.answer_text, stored.answered_by) == (
        "answered",
        "已经整改",
        world.secretary,
    )
    assert stored.answered_at is not None
    assert stored.history.first().history_user == world.secretary


def test_an_unsorted_opinion_cannot_be_answered(world, campaign):
    opinion = _opinion_in(world, campaign, OpinionStatus.RECEIVED)
    with pytest.raises(IllegalTransition):
        services.opinion_answer(opinion, actor=world.secretary, text="答复")
    assert opinion.answer_text == ""


def test_mark_adopted_keeps_label_link_and_time_and_the_answer(world, campaign):
    opinion = _opinion_in(world, campaign, OpinionStatus.ANSWERED)
    services.opinion_mark_adopted(
        opinion, actor=world.secretary, item_label="问题清单第3项", item_url="/rect/items/3/"
    )
    stored = Opinion.objects.get(pk=opinion.pk)
    assert stored.status == OpinionStatus.ADOPTED
    assert (stored.adopted_item_label, stored.adopted_item_url) == (
        "问题清单第3项",
        "/rect/items/3/",
    )
    assert stored.adopted_at is not None
    assert stored.answer_text  # the answer stays
    assert opinion.events.last().note == "问题清单第3项"


def test_mark_adopted_needs_a_label_and_a_sorted_opinion(world, campaign):
    sorted_opinion = _opinion_in(world, campaign, OpinionStatus.SORTED)
    with pytest.raises(ValidationError):
        services.opinion_mark_adopted(sorted_opinion, actor=None, item_label=" ", item_url="")
    received = _opinion_in(world, campaign, OpinionStatus.RECEIVED)
    with pytest.raises(IllegalTransition):
        services.opinion_mark_adopted(received, actor=None, item_label="x", item_url="")
    assert not OpinionEvent.objects.filter(to_status=OpinionStatus.ADOPTED).exists()
    assert set(Opinion.objects.adoptable()) == {sorted_opinion}


def test_the_database_refuses_an_answered_opinion_without_an_answer(world, campaign):
    opinion = _opinion_in(world, campaign, OpinionStatus.SORTED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Opinion.objects.filter(pk=opinion.pk).update(status=OpinionStatus.ANSWERED)


def test_the_database_refuses_a_name_on_an_anonymous_opinion(world, campaign):
    opinion = _opinion_in(world, campaign, OpinionStatus.RECEIVED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Opinion.objects.filter(pk=opinion.pk).update(submitter_name="王五", is_anonymous=True)


def test_masking_of_submitter_name_and_contact():
    assert mask_name("张三丰") == "张**"
    assert mask_name("李") == "李**"
    assert mask_contact("13912345678") == "139****5678"
    assert mask_contact("zhangsan@example.com") == "z***@example.com"
    assert mask_contact("") == ""
    opinion = Opinion(submitter_name="张三", submitter_contact="13912345678")
    assert "12345678" not in opinion.masked_submitter_contact
    assert opinion.masked_submitter_name == "张**"


def test_receipt_codes_are_50_random_bits_typed_back_leniently():
    codes = {new_receipt_code() for _ in range(200)}
    assert len(codes) == 200
    code = codes.pop()
    assert len(code) == 10 and set(code) <= set(RECEIPT_ALPHABET)
    assert len(RECEIPT_ALPHABET) ** len(code) >= 2**50
    shown = format_receipt_code(code)
    assert normalize_receipt_code(shown.lower()) == code
    assert normalize_receipt_code(" " + shown.replace("-", " ") + " ") == code
    assert normalize_receipt_code("O0IL1-23456") == "00111" + "23456"
    assert normalize_receipt_code("SHORT") == ""
    assert normalize_receipt_code("ABCDE-FGHJ!") == ""
    assert normalize_receipt_code("Ａ" * 10) == ""


def test_submit_online_gives_a_receipt_code_and_no_actor(world, campaign):
    box = make_box(world.own)
    opinion = services.opinion_submit_online(
        box=box,
        campaign=campaign,
        content="网上意见",
        addressed_to=AddressedTo.SECRETARY,
        suggested_category=first_category(campaign),
    )
    assert opinion.channel == OpinionChannel.ONLINE
    assert opinion.status == OpinionStatus.RECEIVED
    assert opinion.is_anonymous
    assert normalize_receipt_code(opinion.receipt_code) == opinion.receipt_code
    assert opinion.events.get().actor is None
    assert opinion.source == "other"


def test_box_services_create_once_close_and_rotate(world):
    box = services.box_create(actor=world.secretary, organization=world.own)
    assert services.box_create(actor=world.secretary, organization=world.own).pk == box.pk
    assert box.is_open and len(box.token) >= 22
    services.box_set_open(box, actor=world.secretary, is_open=False)
    old = box.token
    services.box_rotate_token(box, actor=world.secretary)
    box.refresh_from_db()
    assert box.token != old and not box.is_open and box.token_rotated_at is not None
    services.box_update(box, actor=world.secretary, intro=" 书记每周五查看 ")
    box.refresh_from_db()
    assert box.intro == "书记每周五查看"
    assert box.history.count() >= 4


# --- selectors -------------------------------------------------------------------------


def _spread(world, campaign):
    OpinionFactory.create_batch(3, organization=world.own, campaign=campaign)
    OpinionFactory(organization=world.own, campaign=campaign, status=OpinionStatus.SORTED)
    OpinionFactory(organization=world.own, campaign=campaign, **answered_kwargs())
    OpinionFactory(
        organization=world.own,
        campaign=campaign,
        status=OpinionStatus.ADOPTED,
        adopted_item_label="项",
        adopted_at=timezone.now(),
    )
    OpinionFactory(organization=world.child, campaign=campaign, **answered_kwargs())


def test_opinion_stats_counts_answered_and_adopted_as_handled_in_one_query(world, campaign):
    _spread(world, campaign)
    with CaptureQueriesContext(connection) as ctx:
        stats = opinion_stats(world.own, campaign)
    assert len(ctx.captured_queries) == 1
    assert stats == (6, 2, 4)
    assert stats.solicited and not stats.all_handled
    assert opinion_stats(world.child, campaign).all_handled
    assert opinion_stats(world.sibling, campaign) == (0, 0, 0)
    assert not opinion_stats(world.sibling, campaign).solicited


def test_stats_by_organization_and_in_subtree_use_one_query(world, campaign):
    _spread(world, campaign)
    ids = [world.own.pk, world.child.pk, world.sibling.pk]
    with CaptureQueriesContext(connection) as ctx:
        by_org = opinion_stats_by_organization(campaign, ids)
        subtree = opinion_stats_in_subtree(campaign, world.park_a)
    assert len(ctx.captured_queries) == 2
    assert by_org == {
        world.own.pk: (6, 2, 4),
        world.child.pk: (1, 1, 0),
        world.sibling.pk: (0, 0, 0),
    }
    assert subtree == {world.own.pk: (6, 2, 4), world.child.pk: (1, 1, 0)}


def test_status_counts_include_every_status(world, campaign):
    _spread(world, campaign)
    assert opinion_status_counts(world.own, campaign) == {
        "received": 3,
        "sorted": 1,
        "answered": 1,
        "adopted": 1,
    }


def test_box_campaign_is_the_latest_active_campaign_of_the_organization(world, campaign):
    assert box_campaign(world.own) == campaign
    campaign.is_active = False
    campaign.save()
    assert box_campaign(world.own) is None


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "https://evil.example/", "//evil.example/x"]
)
def test_mark_adopted_accepts_only_a_path_on_this_site(world, campaign, url):
    opinion = _opinion_in(world, campaign, OpinionStatus.SORTED)
    with pytest.raises(ValidationError):
        services.opinion_mark_adopted(opinion, actor=None, item_label="第1项", item_url=url)
    assert Opinion.objects.get(pk=opinion.pk).status == OpinionStatus.SORTED
