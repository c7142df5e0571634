"""Standards checklists of the demo campaign: each organization self-assesses the
"eight haves" (and some "two strong, eight good") with a photo or a document per item
claimed, the secretary submits, and the reviewer scores and accepts or returns."""

from __future__ import annotations

from demo.activities.kit import Demo, shift
from demo.activities.story import DRAFT, NONE, RETURNED, SUBMITTED
from organizations.models import Organization
from portal.reviews.models import ReviewAction
from rectification import services_standards as services
from rectification.models import (
    EIGHT_HAVES,
    TWO_STRONG_EIGHT_GOOD,
    AssessmentEntry,
    CheckMethod,
    StandardTemplate,
)
from rectification.seed import ensure_standard_templates

from . import files, texts
from .story import NOT_MET, story_of, submitted_on

# The "eight haves" item the secretary's branch has not got (the Party flag), and the
# one a reviewer finds not met elsewhere (books and newspapers), by order.
MISSING_FLAG = 7
NO_NEWSPAPERS = 4
# Items a draft self-assessment has reached.
DRAFT_ITEMS = 5


def build(demo: Demo, orgs: list[Organization]) -> None:
    templates = ensure_standard_templates(demo.campaign)
    for org in orgs:
        story = story_of(org.code)
        if story.eight_haves != NONE:
            assess(demo, org, templates[EIGHT_HAVES], story.eight_haves, None, "eight_haves")
        if story.two_strong != NONE:
            assess(
                demo,
                org,
                templates[TWO_STRONG_EIGHT_GOOD],
                story.two_strong,
                story.two_strong_score,
                "two_strong",
            )


def spread(total: int, points: list[int]) -> list[int]:
    """Item scores adding up to `total`, as even as the items' points allow."""
    scores = [0] * len(points)
    left = total
    while left > 0:
        for i, most in enumerate(points):
            if left and scores[i] < most:
                scores[i] += 1
                left -= 1
    return scores


def assess(
    demo: Demo,
    org: Organization,
    template: StandardTemplate,
    state: str,
    total: int | None,
    key: str,
) -> None:
    """`total`: the reviewer's total for a scored template (the self-assessment claims
    a few points more); None for the met / not-met "eight haves"."""
    code, cast = org.code, demo.cast
    secretary, reviewer = cast.secretaries[code], cast.reviewers[code]
    day = demo.day("2014-08-18" if key == "eight_haves" else "2014-08-25", 8)
    with demo.step(day, hour=15):
        assessment = services.standard_assessment_start(
            actor=cast.recorder(code), organization=org, campaign=demo.campaign, template=template
        )
        entries = list(
            AssessmentEntry.objects.filter(assessment=assessment)
            .select_related("item")
            .order_by("item__order")
        )
        points = [e.item.points for e in entries]
        claimed = spread(min((total or 0) + 3, sum(points)), points) if total else None
        for i, entry in enumerate(entries):
            if state == DRAFT and i >= DRAFT_ITEMS:
                break
            item = entry.item
            if claimed is not None:
                values = services.ItemValues(met=False, score=claimed[i])
                has = claimed[i] > 0
            else:
                has = not (state == RETURNED and item.order == MISSING_FLAG)
                values = services.ItemValues(met=has, note=texts.ITEM_NOTE if has else "")
            name = f"{item.name_zh}-{i + 1}"
            uploads = []
            if has:
                uploads = [
                    files.document(f"{name}.pdf")
                    if item.check_method == CheckMethod.RECORDS
                    else files.photo(f"{name}.png", i)
                ]
            services.assessment_entry_save(
                actor=cast.recorder(code), entry=entry, values=values, uploads=uploads
            )
    if state == DRAFT:
        return
    submitted = submitted_on(demo.current).get((key, code)) or shift(day, demo.rng.randint(2, 5))
    demo.review(assessment, ReviewAction.SUBMIT, secretary, submitted)
    if state == SUBMITTED:
        return
    decided = shift(submitted, demo.rng.randint(3, 6))
    if state == RETURNED:
        comment = texts.EIGHT_HAVES_RETURNED if key == "eight_haves" else texts.TWO_STRONG_RETURNED
        demo.review(assessment, ReviewAction.RETURN, reviewer, decided, comment)
        return
    given: dict[int, services.ItemValues] = {}
    if total is not None:
        scores = spread(total, points)
        given = {
            e.pk: services.ItemValues(met=False, score=s)
            for e, s in zip(entries, scores, strict=True)
        }
    elif state == NOT_MET:
        entry = next(e for e in entries if e.item.order == NO_NEWSPAPERS)
        given = {entry.pk: services.ItemValues(met=False, note=texts.EIGHT_HAVES_NOT_MET)}
    if given:
        with demo.step(decided, hour=10):
            services.assessment_score(actor=reviewer, assessment=assessment, values=given)
    demo.review(assessment, ReviewAction.APPROVE, reviewer, decided)
