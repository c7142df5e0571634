"""Standards checklists: the seeded templates, the pass rules, the services (self-
assessment, submission rule, the reviewer's scores, the lock) and the batch selector of
the live checklist."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from activities.seed import ensure_campaign_2014
from portal.attachments.models import Attachment
from portal.attachments.services import attachment_add
from portal.reviews.models import RecordLocked, ReviewEvent
from portal.reviews.services import review_transition
from rectification.models import (
    EIGHT_HAVES,
    TWO_STRONG_EIGHT_GOOD,
    AssessmentEntry,
    CheckMethod,
    PassRule,
    StandardAssessment,
    StandardItem,
    StandardTemplate,
)
from rectification.seed import ensure_standard_templates
from rectification.selectors_standards import (
    NOT_STARTED,
    eight_haves_accepted_in,
    overview_rows,
    standard_results_for,
)
from rectification.services_standards import (
    EditConflict,
    ItemValues,
    NotWaitingForReview,
    assessment_entry_save,
    assessment_score,
    standard_assessment_start,
    version_token,
)
from tests.factories import add_org
from tests.rectification.standards_factories import (
    campaign_for,
    fill,
    png_upload,
    start,
    submitted,
    template,
)
from upgrading.seed import GRADING_TEMPLATE

pytestmark = pytest.mark.django_db


# --- seeding ------------------------------------------------------------------------------


def test_seed_creates_the_two_templates_of_the_spec(db: Any) -> None:
    templates = ensure_standard_templates()
    eight = templates[EIGHT_HAVES]
    assert eight.pass_rule == PassRule.ALL_ITEMS
    assert [i.name_zh for i in eight.items.order_by("order")] == [
        "有场所", "有设施", "有经费", "有书报", "有制度", "有标识", "有党旗", "有档案",
    ]  # fmt: skip
    two = templates[TWO_STRONG_EIGHT_GOOD]
    assert two.pass_rule == PassRule.STARS
    assert two.thresholds() == [(3, 90), (2, 75), (1, 60)]
    assert [i.name_zh for i in two.items.order_by("order")] == [
        "党建强", "发展强", "生产经营好", "企业文化好", "劳动关系好",
        "党组织班子好", "党员队伍好", "作用发挥好", "活动阵地好", "社会评价好",
    ]  # fmt: skip
    assert sum(i.points for i in two.items.all()) == 100
    methods = set(StandardItem.objects.values_list("check_method", flat=True))
    assert methods == {CheckMethod.SITE, CheckMethod.WALL, CheckMethod.RECORDS}
    assert all(
        i.evidence_required_zh and i.evidence_required_en for i in StandardItem.objects.all()
    )


def test_seeding_twice_changes_nothing_and_keeps_edits(world: Any) -> None:
    campaign = ensure_campaign_2014(world.county)
    ensure_standard_templates(campaign)
    StandardItem.objects.filter(template__code=EIGHT_HAVES, order=1).update(points=20)
    ensure_standard_templates(campaign)
    ensure_standard_templates()
    # The campaign's two templates; the yearly grading criteria (upgrading/seed.py, a
    # template of the same machinery seeded by a migration) are not the campaign's.
    campaign_templates = StandardTemplate.objects.exclude(code=GRADING_TEMPLATE)
    assert campaign_templates.count() == 2
    assert StandardItem.objects.filter(template__in=campaign_templates).count() == 18
    assert StandardItem.objects.get(template__code=EIGHT_HAVES, order=1).points == 20
    assert set(campaign.standard_templates.values_list("code", flat=True)) == {
        EIGHT_HAVES,
        TWO_STRONG_EIGHT_GOOD,
    }


def test_seeding_restores_a_deleted_item(db: Any) -> None:
    ensure_standard_templates()
    StandardItem.objects.filter(template__code=EIGHT_HAVES, order=3).delete()
    ensure_standard_templates()
    assert template(EIGHT_HAVES).items.filter(order=3, name_zh="有经费").exists()


# --- pass rules -------------------------------------------------------------------------------


def _template(rule: str, **kwargs: Any) -> StandardTemplate:
    return StandardTemplate(code="t", name_zh="t", name_en="t", pass_rule=rule, **kwargs)


def test_all_items_rule_needs_every_item_met() -> None:
    rule = _template(PassRule.ALL_ITEMS)
    assert rule.evaluate([(10, True, 10), (10, True, 10)]).met
    result = rule.evaluate([(10, True, 10), (10, False, 0)])
    assert (result.met, result.score, result.max_score, result.stars) == (False, 10, 20, None)
    assert not rule.evaluate([]).met


def test_min_score_rule_passes_at_the_threshold() -> None:
    rule = _template(PassRule.MIN_SCORE, pass_score=60)
    assert rule.evaluate([(50, False, 30), (50, False, 30)]).met
    assert not rule.evaluate([(50, False, 30), (50, False, 29)]).met


@pytest.mark.parametrize(
    ("score", "stars", "met"),
    [
        (100, 3, True),
        (90, 3, True),
        (89, 2, True),
        (75, 2, True),
        (74, 1, True),
        (60, 1, True),
        (59, 0, False),
        (0, 0, False),
    ],
)
def test_star_rule_gives_the_highest_level_reached(score: int, stars: int, met: bool) -> None:
    rule = _template(PassRule.STARS, star_thresholds={"3": 90, "2": 75, "1": 60})
    result = rule.evaluate([(100, score == 100, score)])
    assert (result.stars, result.met, result.score) == (stars, met, score)


@pytest.mark.parametrize(
    "thresholds",
    [{}, {"a": 10}, {"1": "x"}, {"1": 90, "2": 75}, {"0": 10}, [1, 2], {"2": 60, "1": 60}],
)
def test_star_thresholds_are_validated(thresholds: Any) -> None:
    with pytest.raises(ValidationError):
        _template(PassRule.STARS, star_thresholds=thresholds).clean()


def test_min_score_rule_needs_a_pass_score() -> None:
    with pytest.raises(ValidationError):
        _template(PassRule.MIN_SCORE).clean()


# --- starting and self-assessing --------------------------------------------------------------


def test_start_opens_one_empty_entry_per_item(world: Any) -> None:
    assessment = start(world)
    assert assessment.review_status == "draft"
    assert assessment.entries.count() == 8
    assert (assessment.result_met, assessment.result_score, assessment.result_max_score) == (
        False,
        0,
        80,
    )
    with pytest.raises(ValidationError):
        start(world)


def test_start_refuses_a_standard_the_campaign_does_not_use(world: Any) -> None:
    campaign = ensure_campaign_2014(world.county)
    ensure_standard_templates()  # global, listed on no campaign
    with pytest.raises(ValidationError):
        standard_assessment_start(
            actor=world.secretary,
            organization=world.own,
            campaign=campaign,
            template=template(EIGHT_HAVES),
        )


def test_start_needs_record_and_a_campaign_of_the_organization(world: Any) -> None:
    campaign = campaign_for(world)
    with pytest.raises(PermissionDenied):
        standard_assessment_start(
            actor=world.reviewer, organization=world.own, campaign=campaign, template=template()
        )
    far_campaign = campaign_for(world, world.far)
    with pytest.raises(ValidationError):
        standard_assessment_start(
            actor=world.secretary,
            organization=world.own,
            campaign=far_campaign,
            template=template(),
        )


def test_met_item_scores_its_points_and_the_result_follows(world: Any, media_root: Any) -> None:
    assessment = fill(start(world), skip=(8,))
    assert (assessment.result_met, assessment.result_score) == (False, 70)
    last = assessment.entries.get(item__order=8)
    assessment_entry_save(actor=world.clerk, entry=last, values=ItemValues(met=True))
    assessment.refresh_from_db()
    assert (assessment.result_met, assessment.result_score, assessment.result_stars) == (
        True,
        80,
        None,
    )


def test_scored_template_takes_scores_and_gives_stars(world: Any, media_root: Any) -> None:
    assessment = fill(start(world, code=TWO_STRONG_EIGHT_GOOD), score=8)
    assert (assessment.result_score, assessment.result_stars, assessment.result_met) == (
        80,
        2,
        True,
    )
    entry = assessment.entries.select_related("item", "assessment__organization").first()
    with pytest.raises(ValidationError):
        assessment_entry_save(actor=None, entry=entry, values=ItemValues(met=True, score=11))
    with pytest.raises(ValidationError):
        assessment_entry_save(actor=None, entry=entry, values=ItemValues(met=True, score=None))


def test_evidence_is_stored_as_evidence_of_the_entry(world: Any, media_root: Any) -> None:
    assessment = start(world)
    entry = assessment.entries.select_related("item", "assessment__organization").first()
    assessment_entry_save(
        actor=world.secretary,
        entry=entry,
        values=ItemValues(met=True, note="三楼活动室"),
        uploads=[png_upload("活动室.png"), png_upload("门牌.png")],
    )
    files = list(Attachment.objects.for_record(entry))
    assert [(a.kind, a.organization_id, a.mime_type) for a in files] == [
        ("evidence", world.own.pk, "image/png")
    ] * 2
    assert AssessmentEntry.objects.get(pk=entry.pk).self_note == "三楼活动室"


def test_self_assessment_needs_record(world: Any) -> None:
    entry = start(world).entries.select_related("item", "assessment__organization").first()
    with pytest.raises(PermissionDenied):
        assessment_entry_save(actor=world.office, entry=entry, values=ItemValues(met=True))


def test_stale_version_is_refused(world: Any) -> None:
    entry = start(world).entries.select_related("item", "assessment__organization").first()
    stale = version_token(entry)
    assessment_entry_save(actor=None, entry=entry, values=ItemValues(met=True))
    with pytest.raises(EditConflict):
        assessment_entry_save(actor=None, entry=entry, values=ItemValues(met=False), version=stale)


# --- submission and review ---------------------------------------------------------------------


def test_submission_needs_every_item_assessed(world: Any, media_root: Any) -> None:
    assessment = fill(start(world), skip=(2,))
    with pytest.raises(ValidationError) as exc:
        review_transition(assessment, action="submit", actor=world.secretary)
    assert "2." in " ".join(exc.value.messages)
    assessment.refresh_from_db()
    assert assessment.review_status == "draft"


def test_submission_needs_evidence_for_each_item_marked_met(world: Any, media_root: Any) -> None:
    assessment = fill(start(world), evidence=False)
    with pytest.raises(ValidationError) as exc:
        review_transition(assessment, action="submit", actor=world.secretary)
    assert len(exc.value.messages) == 8


def test_items_not_met_need_no_evidence(world: Any) -> None:
    assessment = fill(start(world), met=False, evidence=False)
    review_transition(assessment, action="submit", actor=world.secretary)
    assert assessment.review_status == "submitted"


def test_snapshot_is_the_self_assessment_per_item(world: Any, media_root: Any) -> None:
    assessment = submitted(world)
    event = ReviewEvent.objects.for_record(assessment).get()
    items = event.snapshot["items"]
    assert [(i["key"], i["n"]) for i in items] == [(n, n) for n in range(1, 9)]
    assert items[0]["fields"]["self"].startswith("有场所 · ")
    with translation.override("en"):
        assert StandardAssessment.review_label("item-3") == "Item 3"
    # A snapshot stored in the earlier format (one key per item) reads as the same items.
    old = {f"item-{i['n']}": i["fields"]["self"] for i in items}
    assert StandardAssessment.review_upgrade_snapshot(old) == {"items": items}


def test_submitted_checklist_is_locked(world: Any, media_root: Any) -> None:
    assessment = submitted(world)
    entry = assessment.entries.select_related("item", "assessment__organization").first()
    with pytest.raises(RecordLocked):
        assessment_entry_save(actor=world.secretary, entry=entry, values=ItemValues(met=False))
    with pytest.raises(ValidationError):
        attachment_add(
            actor=world.secretary,
            record=entry,
            organization=world.own,
            kind="evidence",
            upload=png_upload(),
            name="x.png",
        )


def test_reviewer_scores_then_accepts(world: Any, media_root: Any) -> None:
    assessment = submitted(world)
    entries = list(assessment.entries.select_related("item").order_by("item__order"))
    values = {e.pk: ItemValues(met=True, note="") for e in entries}
    values[entries[5].pk] = ItemValues(met=False, note="标识未上墙")
    assessment_score(actor=world.reviewer, assessment=assessment, values=values)
    assessment.refresh_from_db()
    assert (assessment.result_met, assessment.result_score) == (False, 70)
    values[entries[5].pk] = ItemValues(met=True, note="已整改")
    assessment_score(actor=world.instructor, assessment=assessment, values=values)
    review_transition(assessment, action="approve", actor=world.reviewer)
    assessment.refresh_from_db()
    assert (assessment.review_status, assessment.result_met, assessment.result_score) == (
        "approved",
        True,
        80,
    )
    entry = AssessmentEntry.objects.get(pk=entries[5].pk)
    assert (entry.reviewer_met, entry.reviewer_note, entry.reviewed_by) == (
        True,
        "已整改",
        world.instructor,
    )
    assert standard_results_for(world.own) == [assessment]


def test_reviewer_scores_override_the_self_assessment(world: Any, media_root: Any) -> None:
    assessment = submitted(world, code=TWO_STRONG_EIGHT_GOOD)
    assert (assessment.result_score, assessment.result_stars) == (100, 3)
    first = assessment.entries.order_by("item__order").first()
    assessment_score(
        actor=world.reviewer,
        assessment=assessment,
        values={first.pk: ItemValues(met=False, score=0)},
    )
    assessment.refresh_from_db()
    assert (assessment.result_score, assessment.result_stars) == (90, 3)


def test_only_the_review_authority_scores_and_only_while_submitted(
    world: Any, media_root: Any
) -> None:
    draft = fill(start(world))
    entry = draft.entries.first()
    with pytest.raises(NotWaitingForReview):
        assessment_score(
            actor=world.reviewer, assessment=draft, values={entry.pk: ItemValues(met=True)}
        )
    review_transition(draft, action="submit", actor=world.secretary)
    for persona in ("secretary", "clerk", "office", "outsider"):
        with pytest.raises(PermissionDenied):
            assessment_score(
                actor=getattr(world, persona),
                assessment=draft,
                values={entry.pk: ItemValues(met=True)},
            )


def test_returned_checklist_can_be_changed_and_resubmitted(world: Any, media_root: Any) -> None:
    assessment = submitted(world)
    review_transition(assessment, action="return", actor=world.reviewer, comment="补充党旗照片")
    entry = assessment.entries.select_related("item", "assessment__organization").get(item__order=7)
    assessment_entry_save(
        actor=world.secretary,
        entry=entry,
        values=ItemValues(met=True, note="党旗已悬挂"),
        uploads=[png_upload()],
    )
    review_transition(assessment, action="resubmit", actor=world.secretary)
    event = ReviewEvent.objects.for_record(assessment).order_by("-at", "-pk").first()
    [seventh] = [i for i in event.snapshot["items"] if i["key"] == 7]
    assert "党旗已悬挂" in seventh["fields"]["self"]


# --- the live checklist's batch selector ------------------------------------------------------


def test_batch_selector_reports_every_organization_in_one_query(
    world: Any, media_root: Any
) -> None:
    accepted = submitted(world)
    review_transition(accepted, action="approve", actor=world.reviewer)
    waiting = submitted(world, world.child)
    partial = fill(start(world, world.sibling), skip=(1,))
    campaign = accepted.campaign
    ids = [world.own.pk, world.child.pk, world.sibling.pk, world.other.pk]
    with CaptureQueriesContext(connection) as ctx:
        result = eight_haves_accepted_in(campaign, ids)
    assert len(ctx.captured_queries) == 1
    assert result[world.own.pk].accepted
    assert result[world.own.pk].assessment_id == accepted.pk
    assert (result[world.child.pk].status, result[world.child.pk].accepted) == ("submitted", False)
    assert result[world.child.pk].assessment_id == waiting.pk
    assert (result[world.sibling.pk].status, result[world.sibling.pk].met) == ("draft", False)
    assert result[world.sibling.pk].score == partial.result_score == 70
    assert result[world.other.pk] is NOT_STARTED
    assert eight_haves_accepted_in(campaign, []) == {}


def test_batch_selector_query_count_does_not_grow(world: Any) -> None:
    campaign = campaign_for(world)
    orgs = [add_org(world.park_b) for _ in range(12)]
    for org in orgs:
        fill(start(world, org), met=False, evidence=False)
    with CaptureQueriesContext(connection) as ctx:
        result = eight_haves_accepted_in(campaign, [o.pk for o in orgs])
    assert len(ctx.captured_queries) == 1
    assert all(r.status == "draft" and not r.met for r in result.values())


def test_accepted_but_not_met_is_not_accepted(world: Any) -> None:
    assessment = fill(start(world), met=False, evidence=False)
    review_transition(assessment, action="submit", actor=world.secretary)
    review_transition(assessment, action="approve", actor=world.reviewer)
    status = eight_haves_accepted_in(assessment.campaign, [world.own.pk])[world.own.pk]
    assert status.status == "approved"
    assert not status.accepted


def test_overview_rows_list_every_standard_of_every_campaign(world: Any) -> None:
    assessment = start(world)
    rows = overview_rows(world.own)
    assert [(r.template.code, r.assessment) for r in rows] == [
        (EIGHT_HAVES, assessment),
        (TWO_STRONG_EIGHT_GOOD, None),
    ]


def test_batch_selector_takes_a_subtree_filter_instead_of_ids(world: Any) -> None:
    inside = fill(start(world, world.sibling), met=False, evidence=False)
    fill(start(world, world.other), met=False, evidence=False)
    ids = [world.own.pk, world.sibling.pk]
    where = Q(organization__path__startswith=world.park_a.path)
    campaign = inside.campaign
    with CaptureQueriesContext(connection) as ctx:
        result = eight_haves_accepted_in(campaign, ids, where=where)
    assert len(ctx.captured_queries) == 1
    assert set(result) == set(ids)
    assert result[world.sibling.pk].assessment_id == inside.pk
    assert result[world.own.pk] is NOT_STARTED
