"""Problem lists of the demo campaign: written by the secretary (the first items adopt
the organization's opinions, the next come from its self-examination statement and
its special meeting, the rest from the higher level), reviewed, published, and each
item of an approved list taken through its story (story.py): started, closure
requested with evidence, closed or rejected, extensions approved or refused."""

from __future__ import annotations

from typing import Any

from activities.models import (
    CriticismEntry,
    Opinion,
    OpinionChannel,
    OpinionStatus,
    SelfExamination,
    StatementSubject,
)
from demo.activities.kit import Demo, date, shift
from demo.activities.story import DRAFT, NONE, RETURNED, SUBMITTED
from organizations.models import Organization, PartyPost
from portal.reviews.models import ReviewAction
from rectification import services_problems as services
from rectification.models import ProblemItem, ProblemList, SourceKind

from . import files, texts
from .story import (
    CLOSED,
    CLOSED_AFTER_EXTENSION,
    CLOSED_AFTER_REJECTION,
    CLOSURE_REJECTED,
    CLOSURE_REQUESTED,
    EXTENSION_APPROVED,
    EXTENSION_REJECTED,
    EXTENSION_REQUESTED,
    IN_PROGRESS,
    OPEN,
    OVERDUE,
    PUBLISHED,
    Story,
    story_of,
    submitted_on,
)

# Each item's deadline by what becomes of it: those not closed by 30 September are
# overdue when their deadline fell before (the checklist judges a past campaign as it
# stood at its end), not overdue when it falls after.
DEADLINES = {
    CLOSED: "2014-09-20",
    CLOSED_AFTER_REJECTION: "2014-09-25",
    CLOSED_AFTER_EXTENSION: "2014-09-15",
    OPEN: "2014-12-31",
    IN_PROGRESS: "2014-10-31",
    OVERDUE: "2014-09-10",
    CLOSURE_REQUESTED: "2014-09-30",
    CLOSURE_REJECTED: "2014-09-30",
    EXTENSION_REQUESTED: "2014-09-30",
    EXTENSION_APPROVED: "2014-09-20",
    EXTENSION_REJECTED: "2014-09-15",
}
NEW_DEADLINES = {
    CLOSED_AFTER_EXTENSION: "2014-10-15",
    EXTENSION_REQUESTED: "2014-11-30",
    EXTENSION_APPROVED: "2014-11-30",
    EXTENSION_REJECTED: "2014-10-31",
}


def build(demo: Demo, orgs: list[Organization]) -> None:
    categories = {c.code: c for c in demo.campaign.problem_categories.all()}
    for org in orgs:
        story = story_of(org.code)
        if story.problem_list != NONE:
            problem_list(demo, org, story, categories)


def problem_list(demo: Demo, org: Organization, story: Story, categories: dict) -> None:
    code, cast = org.code, demo.cast
    author, reviewer = cast.secretaries[code], cast.reviewers[code]
    day = demo.day("2014-08-01", 3)
    with demo.step(day, hour=16):
        plist = services.problem_list_create(
            actor=author,
            organization=org,
            campaign=demo.campaign,
            title=texts.LIST_TITLE.format(org=org.short_name),
            intro=texts.LIST_INTRO,
        )
        items = [
            services.item_create(actor=author, problem_list=plist, **fields)
            for fields in item_fields(demo, org, story, categories)
        ]
    if story.problem_list == DRAFT:
        return
    submitted = submitted_on(demo.current).get(("list", code)) or shift(day, 2)
    demo.review(plist, ReviewAction.SUBMIT, author, submitted)
    if story.problem_list == SUBMITTED:
        return
    if story.problem_list == RETURNED:
        demo.review(plist, ReviewAction.RETURN, reviewer, shift(submitted, 3), texts.LIST_RETURNED)
        return
    approved = shift(submitted, demo.rng.randint(2, 4))
    demo.review(plist, ReviewAction.APPROVE, reviewer, approved)
    if story.problem_list == PUBLISHED:
        published = shift(approved, 1)
        with demo.step(published, hour=9):
            services.problem_list_publish(
                actor=author,
                problem_list=plist,
                published_on=date(published),
                audience=texts.AUDIENCE,
            )
    for item, fate in zip(items, story.items, strict=True):
        rectify(demo, org, plist, item, fate, approved)


def item_fields(
    demo: Demo, org: Organization, story: Story, categories: dict
) -> list[dict[str, Any]]:
    """One dict of item_create() fields per item of the story, sources first."""
    code, cast = org.code, demo.cast
    opinions = list(
        Opinion.objects.filter(
            organization=org, campaign=demo.campaign, status=OpinionStatus.ANSWERED
        )
        .exclude(channel=OpinionChannel.ONLINE)
        .order_by("received_on", "pk")[: story.adopt]
    )
    statement = SelfExamination.objects.filter(
        organization=org, campaign=demo.campaign, subject=StatementSubject.TEAM
    ).first()
    criticism = (
        CriticismEntry.objects.filter(meeting__organization=org, meeting__campaign=demo.campaign)
        .order_by("pk")
        .first()
    )
    sources: list[dict[str, Any]] = [
        {"source_kind": SourceKind.OPINION, "source_opinion": o} for o in opinions
    ]
    if statement is not None:
        sources.append({"source_kind": SourceKind.SELF_EXAMINATION, "source_statement": statement})
    if criticism is not None:
        sources.append({"source_kind": SourceKind.SPECIAL_MEETING, "source_criticism": criticism})
    secretary = cast.officer(code, PartyPost.SECRETARY)
    committee = cast.officer(code, PartyPost.COMMITTEE) or secretary
    # The demo member owns one item of their branch's list, so their home page shows a
    # rectification task of their own (docs/product.md §6.3): the last one not about
    # the secretary, the team's cohesion or the investor.
    member_login = next((m for m in cast.roster(code) if cast.is_member_login(m)), None)
    offset = demo.rng.randrange(len(texts.PROBLEMS))
    categories_of = [
        texts.PROBLEMS[(offset + i) % len(texts.PROBLEMS)][0] for i in range(len(story.items))
    ]
    mine = next(
        (
            i
            for i in reversed(range(len(story.items)))
            if categories_of[i] not in ("secretary", "cohesion", "investor")
        ),
        None,
    )
    result = []
    for i, fate in enumerate(story.items):
        category, problem, measures = texts.PROBLEMS[(offset + i) % len(texts.PROBLEMS)]
        source = (
            sources[i]
            if i < len(sources)
            else {"source_kind": SourceKind.HIGHER_LEVEL, "source_note": texts.HIGHER_LEVEL_NOTE}
        )
        who = secretary if category in ("secretary", "cohesion", "investor") else committee
        if member_login is not None and i == mine:
            who = member_login
        result.append(
            {
                **source,
                "description": problem,
                "category": categories[category],
                "measures": measures,
                "responsible_member": who,
                "deadline": date(DEADLINES[fate]),
            }
        )
    return result


def rectify(
    demo: Demo, org: Organization, plist: ProblemList, item: ProblemItem, fate: str, approved: str
) -> None:
    """Take one item of an approved list through its story."""
    if fate == OPEN:
        return
    code, cast = org.code, demo.cast
    secretary, reviewer = cast.secretaries[code], cast.reviewers[code]
    with demo.step(shift(approved, demo.rng.randint(1, 5)), hour=10):
        services.item_start(actor=cast.recorder(code), item=item)
    if fate in (IN_PROGRESS, OVERDUE):
        return
    if fate in (
        EXTENSION_REQUESTED,
        EXTENSION_APPROVED,
        EXTENSION_REJECTED,
        CLOSED_AFTER_EXTENSION,
    ):
        asked = submitted_on(demo.current).get(("extension", code)) or demo.day("2014-09-04", 4)
        with demo.step(asked, hour=11):
            request = services.extension_request_submit(
                actor=secretary,
                item=item,
                new_deadline=date(NEW_DEADLINES[fate]),
                reason=texts.EXTENSION_REASON,
            )
        if fate == EXTENSION_REQUESTED:
            return
        if fate == EXTENSION_REJECTED:
            comment = texts.EXTENSION_REJECTED
            demo.review(request, ReviewAction.RETURN, reviewer, shift(asked, 2), comment)
            return
        demo.review(request, ReviewAction.APPROVE, reviewer, shift(asked, 2))
        item.refresh_from_db(fields=["deadline", "status"])
        if fate == EXTENSION_APPROVED:
            return
    close(demo, org, item, fate)


def close(demo: Demo, org: Organization, item: ProblemItem, fate: str) -> None:
    """Closure requested with a photo (and the rule's text); decided as the story says."""
    code, cast = org.code, demo.cast
    secretary, reviewer = cast.secretaries[code], cast.reviewers[code]
    start, spread = ("2014-09-16", 8) if fate == CLOSED_AFTER_EXTENSION else ("2014-08-25", 12)
    asked = submitted_on(demo.current).get(("closure", code)) if fate == CLOSURE_REQUESTED else None
    asked = asked or demo.day(start, spread)
    with demo.step(asked, hour=15):
        request = services.closure_request_submit(
            actor=secretary,
            item=item,
            note=texts.CLOSURE_NOTE,
            uploads=[files.photo(f"整改照片-{item.number}.png", item.number)],
        )
    if fate == CLOSURE_REQUESTED:
        return
    if fate in (CLOSURE_REJECTED, CLOSED_AFTER_REJECTION):
        demo.review(request, ReviewAction.RETURN, reviewer, shift(asked, 2), texts.CLOSURE_REJECTED)
        if fate == CLOSURE_REJECTED:
            return
        asked = shift(asked, 4)
        with demo.step(asked, hour=17):
            services.closure_request_add_evidence(
                actor=secretary,
                closure_request=request,
                note=f"{texts.CLOSURE_NOTE}{texts.CLOSURE_MORE}",
                uploads=[files.document(f"整改制度文件-{item.number}.pdf")],
            )
        demo.review(request, ReviewAction.RESUBMIT, secretary, asked)
    demo.review(request, ReviewAction.APPROVE, reviewer, shift(asked, demo.rng.randint(1, 3)))
