"""Phase 1 of the demo campaign: activity plans, mobilization meetings (held, or
attended at a higher level's), study sessions and exchanges, counseling per member,
opinions and the online suggestion box. Every record through its service."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from activities.meetings import services as meetings
from activities.models import (
    AddressedTo,
    Meeting,
    MeetingKind,
    MeetingSubkind,
    Opinion,
    OpinionChannel,
)
from activities.opinions import services as opinions
from activities.plans.services import activity_plan_create, activity_plan_update, version_token
from activities.study.services import counseling_add
from organizations.models import Member, MobileDirection, Organization, PartyPost
from portal.reviews.models import ReviewAction

from . import texts
from .kit import Demo, at, date, shift
from .story import (
    DRAFT,
    MOBILIZATION_HOSTS,
    NO_MOBILIZATION,
    NONE,
    RETURNED,
    REVISED_APPROVED,
    SUBMITTED,
    Story,
    host_of,
    story_of,
    submitted_on,
)


def build(demo: Demo, orgs: list[Organization]) -> None:
    for org in orgs:
        plan(demo, org, story_of(org))
    held = {
        code: mobilization(demo, demo.cast.orgs[code], day)
        for code, (day, _attendees) in MOBILIZATION_HOSTS.items()
    }
    categories = {c.code: c for c in demo.campaign.problem_categories.all()}
    for org in orgs:
        story = story_of(org)
        attend_or_hold(demo, org, held)
        study(demo, org, story)
        collect_opinions(demo, org, story, categories)


# --- activity plans -------------------------------------------------------------------------


def plan(demo: Demo, org: Organization, story: Story) -> None:
    if story.plan == NONE:
        return
    code, cast = org.code, demo.cast
    author, reviewer = cast.secretaries[code], cast.reviewers[code]
    fields = texts.plan_fields(
        org, cast.officer(code, PartyPost.SECRETARY), cast.officer(code, PartyPost.COMMITTEE)
    )
    day = demo.day("2014-04-01", 4)
    revised = story.plan == REVISED_APPROVED
    with demo.step(day):
        record = activity_plan_create(
            actor=author,
            organization=org,
            campaign=demo.campaign,
            **(texts.plan_first_draft(fields) if revised else fields),
        )
    if story.plan == DRAFT:
        return
    submitted = submitted_on(demo.current).get(("plan", code), shift(day, 2))
    demo.review(record, ReviewAction.SUBMIT, author, submitted)
    if story.plan == SUBMITTED:
        return
    if story.plan == RETURNED:
        demo.review(record, ReviewAction.RETURN, reviewer, shift(submitted, 3), texts.PLAN_RETURNED)
        return
    if revised:
        demo.review(record, ReviewAction.RETURN, reviewer, shift(submitted, 2), texts.PLAN_REVISE)
        with demo.step(shift(submitted, 3), hour=20):
            activity_plan_update(
                actor=author,
                plan=record,
                version=version_token(record),
                leadership=fields["leadership"],
            )
        demo.review(record, ReviewAction.RESUBMIT, author, shift(submitted, 4))
        demo.review(record, ReviewAction.APPROVE, reviewer, shift(submitted, 5))
        return
    demo.review(record, ReviewAction.APPROVE, reviewer, shift(submitted, demo.rng.randint(1, 4)))


# --- meetings -------------------------------------------------------------------------------


def absences(demo: Demo, people: list[Member], extra: float = 0.15) -> dict[int, meetings.Mark]:
    """Mobile members away and members out of contact are absent with their reason; a
    few others miss the meeting for ordinary reasons. Everyone else is present."""
    marks = {}
    for m in people:
        if m.lost_contact:
            marks[m.pk] = meetings.Mark(False, texts.ABSENT_LOST)
        elif m.mobile == MobileDirection.OUTFLOW:
            marks[m.pk] = meetings.Mark(False, texts.ABSENT_MOBILE)
        elif m.party_post != PartyPost.SECRETARY and demo.rng.random() < extra:
            marks[m.pk] = meetings.Mark(False, demo.rng.choice(texts.ABSENT_REASONS))
    return marks


def meeting(
    demo: Demo, org: Organization, kind: str, day: str, hour: int, topic: str, **values: Any
) -> Meeting:
    """A meeting held by `org`, chaired by its secretary, minutes by a committee member,
    the attendance taken from its roster; recorded the day after."""
    code, cast = org.code, demo.cast
    chair = cast.officer(code, PartyPost.SECRETARY)
    taker = cast.officer(code, PartyPost.COMMITTEE)
    base: dict[str, Any] = {
        "campaign": demo.campaign,
        "kind": kind,
        "topic": topic,
        "starts_at": at(day, hour),
        "ends_at": at(day, hour + 2),
        "place": texts.place(org),
        "chair": chair,
        "minute_taker": taker,
    }
    if chair is None:  # a park or industry committee without members of its own
        base["chair_name"] = cast.chairs.get(code, "")
    if taker is None:
        base["minute_taker_name"] = cast.recorder(code).full_name
    with demo.step(shift(day, 1), hour=17):
        return meetings.meeting_create(
            actor=cast.recorder(code),
            organization=org,
            values={**base, **values},
            attendance=absences(demo, cast.roster(code)),
        )


def mobilization(demo: Demo, org: Organization, day: str) -> Meeting:
    topic = f"{org.short_name}{texts.MOBILIZATION_TOPIC}"
    return meeting(demo, org, MeetingKind.MOBILIZATION, day, 9, topic, **texts.MOBILIZATION)


def attend_or_hold(demo: Demo, org: Organization, held: dict[str, Meeting]) -> None:
    code, cast = org.code, demo.cast
    if code in MOBILIZATION_HOSTS or code in NO_MOBILIZATION:
        return
    host = host_of(code)
    if host is None:
        mobilization(demo, org, demo.day("2014-04-08", 8))
        return
    with demo.step(shift(MOBILIZATION_HOSTS[host][0], 1), hour=16):
        meetings.participation_create(
            actor=cast.recorder(code),
            organization=org,
            meeting=held[host],
            attendance=absences(demo, cast.roster(code)),
            note=texts.participation_note(cast.officer(code, PartyPost.SECRETARY)),
        )


# --- study ------------------------------------------------------------------------------------


def study(demo: Demo, org: Organization, story: Story) -> None:
    """A concentrated study session, the study exchanges, and counseling records: the
    whole roster (or all but a few) at the session in April, some again in May;
    mobile members online; members out of contact not at all."""
    code, cast = org.code, demo.cast
    people = cast.roster(code)
    if story.counseling != "none" and len(people) >= 5:
        meeting(
            demo,
            org,
            MeetingKind.STUDY_SESSION,
            demo.day("2014-04-15", 10),
            14,
            texts.STUDY_SESSION_TOPIC,
            subkind=MeetingSubkind.CONCENTRATED,
            content=texts.STUDY_SESSION_CONTENT,
        )
    for start in ["2014-05-06", "2014-05-20"][: story.exchanges]:
        subkind, topic = demo.rng.choice(texts.EXCHANGES)
        day = demo.day(start, 8)
        content = texts.EXCHANGE_CONTENT
        meeting(
            demo, org, MeetingKind.STUDY_EXCHANGE, day, 15, topic, subkind=subkind, content=content
        )
    if story.counseling == "none" or not people:
        return
    left_out = uncounseled(demo, people) if story.counseling == "partial" else set()
    away = {m.pk for m in people if m.mobile == MobileDirection.OUTFLOW or m.lost_contact}
    first = [m for m in people if m.pk not in left_out | away]
    counsel(demo, code, first, demo.day("2014-04-16", 10), texts.COUNSELING[0])
    online = [m for m in people if m.mobile == MobileDirection.OUTFLOW and m.pk not in left_out]
    again = [m for m in first if demo.rng.random() < 0.4] + online
    if again:
        counsel(
            demo, code, again, demo.day("2014-05-08", 14), demo.rng.choice(texts.COUNSELING[1:])
        )
    me = next((m for m in first if cast.is_member_login(m)), None)
    if me is not None:  # the demo member records a session of their own (docs/product.md §1)
        with demo.step("2014-05-25", hour=21):
            mode, topic, hours = texts.OWN_STUDY
            counseling_add(
                actor=cast.users["member"],
                campaign=demo.campaign,
                members=[me],
                date=date("2014-05-25"),
                mode=mode,
                topic=topic,
                hours=Decimal(hours),
            )


def counsel(demo: Demo, code: str, people: list[Member], day: str, session: tuple) -> None:
    mode, topic, hours = session
    with demo.step(day, hour=18):
        counseling_add(
            actor=demo.cast.recorder(code),
            campaign=demo.campaign,
            members=people,
            date=date(day),
            mode=mode,
            topic=topic,
            hours=Decimal(hours),
        )


def uncounseled(demo: Demo, people: list[Member]) -> set[int]:
    """Whom a partly covered organization has not reached yet (one in four, at most
    two): members out of contact, an investor too busy, then others — never an officer
    nor the demo member, whose own study page should list sessions."""
    candidates = [m for m in people if m.lost_contact] + [m for m in people if m.is_investor]
    others = [
        m
        for m in people
        if not m.party_post and not demo.cast.is_member_login(m) and m not in candidates
    ]
    candidates += demo.rng.sample(others, min(2, len(others)))
    return {m.pk for m in candidates[: max(1, min(2, len(people) // 4))]}


# --- opinions and the online suggestion box --------------------------------------------------


def collect_opinions(demo: Demo, org: Organization, story: Story, categories: dict) -> None:
    """Opinions received face to face, on forms and in the paper box, sorted and
    answered; open stories leave the last ones unanswered (one sorted, one only
    received); the secretary's branch also has the online box."""
    if story.opinions == "none":
        return
    code, cast = org.code, demo.cast
    recorder, secretary = cast.recorder(code), cast.secretaries[code]
    n = 5 if story.opinions == "box" else demo.rng.randint(3, 5)
    channels = [OpinionChannel.FACE_TO_FACE, OpinionChannel.FORM, OpinionChannel.BOX]
    for i, (category, source, content, answer) in enumerate(demo.rng.sample(texts.OPINIONS, n)):
        day = demo.day("2014-04-14", 30)
        fields: dict[str, Any] = {
            "source": source,
            "channel": demo.rng.choice(channels),
            "content": content,
            "received_on": date(day),
        }
        if category == "secretary":
            fields["addressed_to"] = AddressedTo.SECRETARY
        elif demo.rng.random() < 0.25 and cast.roster(code):
            fields["addressed_to"] = AddressedTo.MEMBER
            fields["addressed_member"] = demo.rng.choice(cast.roster(code))
        if demo.rng.random() < 0.3:
            fields["submitter_name"], fields["submitter_contact"] = texts.submitter(demo.rng)
        state = "answered"
        if story.opinions in ("open", "box") and i == n - 1:
            state = "sorted"
        if story.opinions == "open" and i == n - 2:
            state = "received"
        with demo.step(day, hour=16):
            opinion = opinions.opinion_create(
                actor=recorder, organization=org, campaign=demo.campaign, **fields
            )
        progress(demo, opinion, state, day, recorder, secretary, categories[category], answer)
    if story.opinions == "box":
        suggestion_box(demo, org, categories)


def progress(
    demo: Demo,
    opinion: Opinion,
    state: str,
    day: str,
    sorter: Any,
    answerer: Any,
    category: Any,
    answer: str,
) -> None:
    """Sort the opinion two days after it came in and answer it a week or two later, as
    far as `state` says."""
    if state == "received":
        return
    with demo.step(shift(day, 2), hour=11):
        opinions.opinion_sort(opinion, actor=sorter, category=category)
    if state == "answered":
        with demo.step(shift(day, demo.rng.randint(5, 15)), hour=15):
            opinions.opinion_answer(opinion, actor=answerer, text=answer)


def suggestion_box(demo: Demo, org: Organization, categories: dict) -> None:
    code, cast = org.code, demo.cast
    secretary = cast.secretaries[code]
    with demo.step("2014-04-10", hour=15):
        box = opinions.box_create(actor=secretary, organization=org)
        opinions.box_update(box, actor=secretary, intro=texts.BOX_INTRO)
    for day, state, (category, source, content, answer) in texts.ONLINE_OPINIONS:
        with demo.step(day, hour=demo.rng.randint(12, 22)):
            opinion = opinions.opinion_submit_online(
                box=box,
                campaign=demo.campaign,
                content=content,
                addressed_to=AddressedTo.TEAM,
                suggested_category=categories[category],
                source=source,
            )
        # The service stamps today's date; the demo's is in 2014: the row, its history
        # row and the instance (which the next services save again).
        opinion.received_on = date(day)
        Opinion.objects.filter(pk=opinion.pk).update(received_on=opinion.received_on)
        Opinion.history.filter(id=opinion.pk).update(received_on=opinion.received_on)
        progress(
            demo, opinion, state, day, cast.recorder(code), secretary, categories[category], answer
        )
