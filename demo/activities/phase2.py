"""Phase 2 of the demo campaign: one-to-one talks, the self-examination statements of
the team and the secretary through their reviews, the special organizational-life
meeting (with or without a higher-level guide, with criticism entries) and the
democratic appraisal (tallies, closing, the approval of the determinations)."""

from __future__ import annotations

from typing import Any

from activities.meetings import services as meetings
from activities.models import AppraisalGrade, CriticismKind, MeetingKind, StatementSubject, TalkMode
from activities.phase2 import services as services
from organizations.models import Member, MobileDirection, Organization, PartyPost
from portal.reviews.models import ReviewAction

from . import texts
from .kit import LX_REVIEWER, Demo, date, shift
from .phase1 import meeting
from .story import (
    APPROVED,
    DRAFT,
    NONE,
    RETURNED,
    REVISED_APPROVED,
    REVISED_WAITING,
    SUBMITTED,
    Story,
    story_of,
    submitted_on,
)


def build(demo: Demo, orgs: list[Organization]) -> None:
    grades = {g.code: g for g in AppraisalGrade.objects.filter(campaign=demo.campaign)}
    for org in orgs:
        story = story_of(org)
        talks(demo, org, story)
        statement(demo, org, StatementSubject.TEAM, story.team)
        statement(demo, org, StatementSubject.SECRETARY, story.secretary)
        special_meeting(demo, org, story)
        appraisal(demo, org, story, grades)


def talks(demo: Demo, org: Organization, story: Story) -> None:
    """The secretary talks with the committee members, the investor, then the others;
    when the roster runs out, the higher level talks with the secretary."""
    code, cast = org.code, demo.cast
    secretary = cast.officer(code, PartyPost.SECRETARY)
    if not story.talks or secretary is None:
        return
    others = [m for m in cast.roster(code) if m.pk != secretary.pk and not m.lost_contact]
    partners = sorted(others, key=lambda m: (not m.party_post, not m.is_investor))
    for i in range(story.talks):
        day = demo.day("2014-06-03", 20)
        fields: dict[str, Any] = {
            "talked_on": date(day),
            "initiator_member": secretary,
            "form": demo.rng.choice(list(TalkMode.values)) if i else TalkMode.FACE_TO_FACE,
            "place": texts.place(org),
        }
        if i < len(partners):
            fields["partner_member"] = partners[i]
            fields["summary"] = (
                texts.TALK_WITH_INVESTOR
                if partners[i].is_investor
                else demo.rng.choice(texts.TALK_SUMMARIES)
            )
        else:
            fields["initiator_member"] = None
            fields["initiator_name"] = cast.reviewers[code].full_name
            fields["partner_member"] = secretary
            fields["summary"] = texts.TALK_FROM_ABOVE
        with demo.step(day, hour=15):
            services.talk_create(
                actor=cast.recorder(code), organization=org, campaign=demo.campaign, fields=fields
            )


def statement(demo: Demo, org: Organization, subject: str, state: str) -> None:
    """Written by the secretary, submitted, and decided as `state` says; a revised one
    is returned first, rewritten (the problems spelled out) and resubmitted, so the
    reviewer's page shows what changed beside the earlier comment."""
    if state == NONE:
        return
    code, cast = org.code, demo.cast
    author, reviewer = cast.secretaries[code], cast.reviewers[code]
    final = texts.statement(subject, demo.rng)
    revised = state in (REVISED_APPROVED, REVISED_WAITING)
    day = demo.day("2014-06-16", 8)
    with demo.step(day, hour=20):
        record = services.statement_create(
            actor=author,
            organization=org,
            campaign=demo.campaign,
            subject=subject,
            fields=texts.statement_first_draft(final) if revised else final,
        )
    if state == DRAFT:
        return
    submitted = submitted_on(demo.current).get((subject, code)) or shift(
        day, demo.rng.randint(2, 6)
    )
    demo.review(record, ReviewAction.SUBMIT, author, submitted)
    if state == SUBMITTED:
        return
    if state == RETURNED:
        comment = texts.STATEMENT_RETURNED[subject]
        demo.review(record, ReviewAction.RETURN, reviewer, shift(submitted, 6), comment)
        return
    if revised:
        demo.review(
            record, ReviewAction.RETURN, reviewer, shift(submitted, 4), texts.STATEMENT_REVISE
        )
        with demo.step(shift(submitted, 9), hour=21):
            services.statement_update(actor=author, statement=record, fields=final)
        demo.review(record, ReviewAction.RESUBMIT, author, shift(submitted, 10))
        if state == REVISED_WAITING:
            return
    demo.review(record, ReviewAction.APPROVE, reviewer, shift(submitted, 13 if revised else 3))


def special_meeting(demo: Demo, org: Organization, story: Story) -> None:
    """The meeting, with the organization's reviewer as the higher-level guide (unless
    the story says none came), the secretary's self-criticism and two criticisms, and
    its record's review."""
    if story.special == "none":
        return
    code, cast = org.code, demo.cast
    values: dict[str, Any] = {
        "agenda": texts.SPECIAL_AGENDA,
        "content": texts.SPECIAL_CONTENT,
        "secretary_report": texts.SPECIAL_REPORT,
        "improvement_measures": texts.SPECIAL_MEASURES,
    }
    if story.special == "guide":
        guide = cast.reviewers[code]
        above = cast.orgs["QS-LX"] if guide.username == LX_REVIEWER else cast.parent(org)
        values.update(guide_name=guide.full_name, guide_organization=above, guide_user=guide)
    day = demo.day("2014-07-08", 10)
    topic = f"{org.short_name}{texts.SPECIAL_TOPIC}"
    record = meeting(demo, org, MeetingKind.SPECIAL, day, 14, topic, **values)
    secretary = cast.officer(code, PartyPost.SECRETARY)
    present = [m for m in cast.roster(code) if not m.lost_contact and not m.mobile]
    others = [m for m in present if secretary is not None and m.pk != secretary.pk]
    if secretary is None or not others:
        return
    entries = [
        (CriticismKind.SELF_CRITICISM, secretary, None, texts.SELF_CRITICISM),
        (CriticismKind.CRITICISM, others[0], secretary, texts.CRITICISM_OF_SECRETARY),
        (CriticismKind.CRITICISM, secretary, others[-1], texts.CRITICISM_OF_MEMBER),
    ]
    with demo.step(shift(day, 1), hour=18):
        for kind, by, about, points in entries:
            meetings.criticism_add(
                actor=cast.recorder(code),
                meeting=record,
                kind=kind,
                by_member=by,
                about_member=about,
                points=points,
            )
    special_review(demo, org, record, story.special_review, day)


def special_review(demo: Demo, org: Organization, record: Any, state: str, day: str) -> None:
    """The meeting's record sent up for review by the secretary (it needs the guide),
    then decided as `state` says."""
    if state == NONE or not record.has_guide:
        return
    code, cast = org.code, demo.cast
    submitted = submitted_on(demo.current).get(("special", code)) or shift(
        day, demo.rng.randint(2, 4)
    )
    with demo.step(submitted, hour=10):
        review = meetings.special_meeting_submit(actor=cast.secretaries[code], meeting=record)
    if state == RETURNED:
        comment = texts.SPECIAL_RETURNED
        demo.review(review, ReviewAction.RETURN, cast.reviewers[code], shift(submitted, 3), comment)
    elif state == APPROVED:
        demo.review(review, ReviewAction.APPROVE, cast.reviewers[code], shift(submitted, 2))


def appraisal(demo: Demo, org: Organization, story: Story, grades: dict) -> None:
    """A session over two days: mobile members away and members out of contact are
    unable to attend (marked absent); everyone else tallied (half of them in an open
    session), the session closed and its determinations sent for approval."""
    if story.appraisal == "none" or not demo.cast.roster(org.code):
        return
    code, cast = org.code, demo.cast
    people = cast.roster(code)
    recorder = cast.recorder(code)
    absent = [m for m in people if m.lost_contact or m.mobile == MobileDirection.OUTFLOW]
    present = len(people) - len(absent)
    day = demo.day("2014-07-21", 6)
    with demo.step(day, hour=9):
        session = services.appraisal_session_create(
            actor=recorder,
            organization=org,
            campaign=demo.campaign,
            fields={
                "starts_on": date(day),
                "ends_on": date(shift(day, 1)),
                "expected": len(people),
                "present": present,
                "unable_count": len(absent),
                "unable_note": texts.unable_note(absent),
            },
        )
    appraised = [m for m in people if m not in absent]
    if story.appraisal == "open":
        appraised = appraised[: len(appraised) // 2]
    entries = {m.pk: services.TallyEntry(absent=True) for m in absent}
    entries |= {m.pk: tally(demo, m, present, grades) for m in appraised}
    with demo.step(shift(day, 1), hour=17):
        services.appraisal_tallies_save(actor=recorder, session=session, entries=entries)
    if story.appraisal == "open":
        return
    with demo.step(shift(day, 1), hour=18):
        services.appraisal_session_close(actor=recorder, session=session)
    approval = services.current_approval(session)
    if approval is None:
        return
    submitted = submitted_on(demo.current).get(("appraisal", code)) or shift(day, 3)
    demo.review(approval, ReviewAction.SUBMIT, cast.secretaries[code], submitted)
    if story.appraisal == "closed":
        demo.review(approval, ReviewAction.APPROVE, cast.reviewers[code], shift(day, 6))


def tally(demo: Demo, member: Member, present: int, grades: dict) -> services.TallyEntry:
    """Most members are rated good; the demo member fair, so that their result is
    released at once while the good ones wait for the higher level's approval."""
    roll = demo.rng.random()
    if demo.cast.is_member_login(member):
        code = "fair"
    else:
        code = "good" if roll < 0.7 else "fair" if roll < 0.96 else "poor"
    dissent = min(demo.rng.randint(0, 2), present // 3)
    votes = {code: present - dissent}
    if dissent:
        votes["fair" if code != "fair" else "good"] = dissent
    return services.TallyEntry(
        votes=votes,
        determination=grades[code],
        feedback_given=True,
        handling=texts.HANDLING[code],
    )
