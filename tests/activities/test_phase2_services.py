"""Services and selectors of the phase 2 records: talks, tallies, closing (coverage and
the cap), the approval record, redo, and the checklist selectors."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from activities.models import (
    AppraisalApproval,
    AppraisalEvent,
    AppraisalResult,
    EventKind,
    SessionStatus,
    StatementSubject,
)
from activities.models.phase2 import grade_cap
from activities.phase2 import services as services
from activities.phase2.selectors import (
    appraisal_coverage,
    appraisal_coverage_batch,
    statements_status,
    statements_status_batch,
    talk_counts_per_member,
)
from portal.notifications.models import Notification
from portal.reviews.models import ReviewAction, ReviewStatus
from portal.reviews.services import review_transition
from tests.activities.phase2_factories import (
    campaign_2014,
    closed_session,
    grades,
    later_campaign,
    make_session,
    make_statement,
    make_talk,
    members,
    roster,
    tally,
)
from tests.factories import MemberFactory, add_org

# --- talks -------------------------------------------------------------------------------


def test_talk_between_a_member_and_a_named_person_is_recorded(world):
    campaign = campaign_2014(world)
    secretary = MemberFactory(organization=world.own)
    talk = services.talk_create(
        actor=world.clerk,
        organization=world.own,
        campaign=campaign,
        fields={
            "talked_on": dt.date(2014, 6, 3),
            "initiator_member": secretary,
            "initiator_name": "",
            "partner_member": None,
            "partner_name": "投资人张某",
            "form": "face_to_face",
            "place": "会议室",
            "summary": "",
        },
    )
    assert talk.recorded_by == world.clerk
    assert talk.initiator_display == secretary.name
    assert talk.partner_display == "投资人张某"


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"initiator_name": ""}, "initiator_member"),
        ({"partner_name": "  "}, "partner_member"),
        ({"talked_on": dt.date(2015, 1, 1)}, "talked_on"),
    ],
)
def test_talk_needs_both_sides_and_a_date_within_the_campaign(world, fields, error_field):
    campaign = campaign_2014(world)
    base = {"talked_on": dt.date(2014, 6, 3), "initiator_name": "甲", "partner_name": "乙"}
    base.update(fields)
    with pytest.raises(ValidationError) as exc:
        services.talk_create(
            actor=world.secretary, organization=world.own, campaign=campaign, fields=base
        )
    assert error_field in exc.value.message_dict


def test_talk_refuses_members_of_another_organization_and_the_same_member_twice(world):
    campaign = campaign_2014(world)
    stranger = MemberFactory(organization=world.sibling)
    mine = MemberFactory(organization=world.own)
    with pytest.raises(ValidationError) as exc:
        services.talk_create(
            actor=world.secretary,
            organization=world.own,
            campaign=campaign,
            fields={
                "talked_on": dt.date(2014, 6, 3),
                "initiator_member": stranger,
                "partner_name": "乙",
            },
        )
    assert "initiator_member" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.talk_create(
            actor=world.secretary,
            organization=world.own,
            campaign=campaign,
            fields={
                "talked_on": dt.date(2014, 6, 3),
                "initiator_member": mine,
                "partner_member": mine,
            },
        )
    assert "partner_member" in exc.value.message_dict


def test_talk_writes_need_record(world):
    campaign = campaign_2014(world)
    fields = {"talked_on": dt.date(2014, 6, 3), "initiator_name": "甲", "partner_name": "乙"}
    for user in (world.office, world.reviewer, world.instructor, world.outsider):
        with pytest.raises(PermissionDenied):
            services.talk_create(
                actor=user, organization=world.own, campaign=campaign, fields=fields
            )
    talk = make_talk(world.own, campaign)
    with pytest.raises(PermissionDenied):
        services.talk_delete(actor=world.reviewer, talk=talk)
    services.talk_delete(actor=world.clerk, talk=talk)
    assert not type(talk).objects.filter(pk=talk.pk).exists()


def test_talk_edit_on_a_stale_copy_is_refused(world):
    campaign = campaign_2014(world)
    talk = make_talk(world.own, campaign)
    seen = talk.updated_at
    services.talk_update(
        actor=world.clerk, talk=talk, fields={"place": "车间"}, seen_updated_at=seen
    )
    with pytest.raises(ValidationError) as exc:
        services.talk_update(
            actor=world.secretary, talk=talk, fields={"place": "食堂"}, seen_updated_at=seen
        )
    assert exc.value.code == "stale"


def test_talk_counts_per_member_count_both_sides(world):
    campaign = campaign_2014(world)
    a, b, c = members(world.own, 3)
    make_talk(
        world.own,
        campaign,
        initiator_member=a,
        initiator_name="",
        partner_member=b,
        partner_name="",
    )
    make_talk(world.own, campaign, initiator_member=a, initiator_name="")
    make_talk(world.own, campaign, partner_member=a, partner_name="")
    with CaptureQueriesContext(connection) as ctx:
        counts = {m.pk: m.talks for m in talk_counts_per_member(world.own, campaign)}
    assert len(ctx.captured_queries) == 1
    assert counts[a.pk] == 3
    assert counts[b.pk] == 1
    assert counts[c.pk] == 0


# --- tallies -------------------------------------------------------------------------------


def test_tally_rejects_unknown_grades_too_many_votes_and_negative_counts(world):
    campaign = campaign_2014(world)
    (member,) = members(world.own, 1)
    session = make_session(world.own, campaign, present=5)
    scale = grades(campaign)
    bad = [
        services.TallyEntry(votes={"excellent": 1}),  # not a 2014 grade
        services.TallyEntry(votes={"good": 4, "fair": 2}),  # 6 > 5 present
        services.TallyEntry(votes={"good": -1}),
        services.TallyEntry(votes={"good": "3"}),
        services.TallyEntry(absent=True, determination=scale["good"]),
        services.TallyEntry(absent=True, votes={"good": 1}),
    ]
    for entry in bad:
        with pytest.raises(ValidationError) as exc:
            services.appraisal_tallies_save(
                actor=world.clerk, session=session, entries={member.pk: entry}
            )
        assert f"m{member.pk}" in exc.value.message_dict
    assert not AppraisalResult.objects.filter(session=session).exists()


def test_tally_rejects_a_grade_of_another_campaign_and_a_member_of_another_organization(world):
    campaign = campaign_2014(world)
    other_scale = grades(later_campaign(world.county))
    (member,) = members(world.own, 1)
    (stranger,) = members(world.sibling, 1)
    session = make_session(world.own, campaign)
    with pytest.raises(ValidationError):
        services.appraisal_tallies_save(
            actor=world.clerk,
            session=session,
            entries={member.pk: services.TallyEntry(determination=other_scale["excellent"])},
        )
    with pytest.raises(ValidationError) as exc:
        services.appraisal_tallies_save(
            actor=world.clerk,
            session=session,
            entries={stranger.pk: services.TallyEntry()},
        )
    assert f"m{stranger.pk}" in exc.value.message_dict


def test_tally_saves_every_member_in_a_fixed_number_of_queries(world):
    campaign = campaign_2014(world)
    people = members(world.own, 12)
    session = make_session(world.own, campaign, present=10)
    scale = grades(campaign)
    entries = {
        m.pk: services.TallyEntry(votes={"good": 6, "fair": 4}, determination=scale["good"])
        for m in people
    }
    with CaptureQueriesContext(connection) as first:
        services.appraisal_tallies_save(actor=world.clerk, session=session, entries=entries)
    session.refresh_from_db()
    with CaptureQueriesContext(connection) as second:  # all updates this time
        services.appraisal_tallies_save(actor=world.clerk, session=session, entries=entries)
    assert AppraisalResult.objects.filter(session=session).count() == 12
    assert len(second.captured_queries) <= len(first.captured_queries) + 1
    assert len(second.captured_queries) < 15


def test_tally_on_a_stale_page_and_on_a_closed_session_is_refused(world):
    campaign = campaign_2014(world)
    (member,) = members(world.own, 1)
    session = make_session(world.own, campaign)
    seen = session.updated_at
    tally(session, dict.fromkeys(roster(world.own), "fair"))
    with pytest.raises(ValidationError) as exc:
        services.appraisal_tallies_save(
            actor=world.clerk,
            session=session,
            entries={member.pk: services.TallyEntry()},
            seen_updated_at=seen,
        )
    assert exc.value.code == "stale"
    services.appraisal_session_close(actor=world.clerk, session=session)
    with pytest.raises(ValidationError) as exc:
        services.appraisal_tallies_save(
            actor=world.clerk, session=session, entries={member.pk: services.TallyEntry()}
        )
    assert exc.value.code == "closed"


def test_lowering_present_below_counted_votes_is_refused(world):
    campaign = campaign_2014(world)
    (member,) = members(world.own, 1)
    session = make_session(world.own, campaign, present=10)
    tally(session, {member: "fair"})  # 10 votes
    with pytest.raises(ValidationError) as exc:
        services.appraisal_session_update(actor=world.clerk, session=session, fields={"present": 8})
    assert member.name in str(exc.value)


@pytest.mark.parametrize(("language", "separator"), [("zh-hans", "、"), ("en", ", ")])
def test_names_in_a_refusal_are_joined_in_the_language_of_the_page(world, language, separator):
    campaign = campaign_2014(world)
    a, b = members(world.own, 2)
    session = make_session(world.own, campaign, present=10)
    tally(session, {a: "fair", b: "fair"})  # 10 votes each
    with translation.override(language), pytest.raises(ValidationError) as exc:
        services.appraisal_session_update(actor=world.clerk, session=session, fields={"present": 8})
    (message,) = exc.value.message_dict["present"]
    joined = {f"{a.name}{separator}{b.name}", f"{b.name}{separator}{a.name}"}
    assert any(names in message for names in joined), message


def test_session_attendance_must_add_up(world):
    campaign = campaign_2014(world)
    fields = {
        "starts_on": dt.date(2014, 7, 1),
        "ends_on": dt.date(2014, 7, 1),
        "expected": 10,
        "present": 8,
        "unable_count": 3,
        "unable_note": "",
    }
    with pytest.raises(ValidationError) as exc:
        services.appraisal_session_create(
            actor=world.clerk, organization=world.own, campaign=campaign, fields=fields
        )
    assert "unable_count" in exc.value.message_dict


def test_one_session_per_organization_and_campaign(world):
    campaign = campaign_2014(world)
    make_session(world.own, campaign)
    with pytest.raises(ValidationError):
        make_session(world.own, campaign)


# --- closing -------------------------------------------------------------------------------


def test_close_requires_every_active_member_appraised_or_absent(world):
    campaign = campaign_2014(world)
    a, b, c = members(world.own, 3)
    gone = MemberFactory(organization=world.own, is_active=False)
    session = make_session(world.own, campaign)
    tally(session, {a: "fair"})
    with pytest.raises(ValidationError) as exc:
        services.appraisal_session_close(actor=world.clerk, session=session)
    text = " ".join(exc.value.messages)
    assert b.name in text and c.name in text and gone.name not in text
    persona = [m for m in roster(world.own) if m not in (a, b, c)]
    tally(session, dict.fromkeys([b, *persona], "fair"), absent=(c,))
    services.appraisal_session_close(actor=world.clerk, session=session)
    session.refresh_from_db()
    assert session.status == SessionStatus.CLOSED
    assert session.events.filter(kind=EventKind.CLOSED, actor=world.clerk).exists()


@pytest.mark.parametrize(
    ("appraised", "allowed"),
    [(1, 0), (2, 0), (3, 1), (5, 1), (6, 2), (9, 3), (10, 3), (300, 100)],
)
def test_grade_cap_of_one_third(appraised, allowed):
    assert grade_cap(Decimal("0.333"), appraised) == allowed


def test_close_enforces_the_excellent_cap_of_the_later_scale_naming_the_cap(world):
    campaign = later_campaign(world.county)
    people = members(world.own, 6)
    # world.own also holds the member persona's record; mark that one absent.
    others = [m for m in roster(world.own) if m not in people]
    session = make_session(world.own, campaign)
    tally(
        session,
        {m: ("excellent" if i < 3 else "qualified") for i, m in enumerate(people)},
        absent=tuple(others),
    )
    with pytest.raises(ValidationError) as exc:
        services.appraisal_session_close(actor=world.clerk, session=session)
    message = " ".join(exc.value.messages)
    assert "33.3%" in message and "2 of 6" in message and "3 are" in message
    tally(session, {people[2]: "qualified"})
    services.appraisal_session_close(actor=world.clerk, session=session)
    session.refresh_from_db()
    assert session.status == SessionStatus.CLOSED


# --- the approval record -------------------------------------------------------------------


def test_no_approval_record_when_no_determination_needs_approval(world):
    campaign = campaign_2014(world)
    members(world.own, 2)
    session = closed_session(world.own, campaign, ["fair"])  # 'fair' needs no approval
    assert not AppraisalApproval.objects.filter(session=session).exists()


def test_top_and_bottom_determinations_go_into_one_approval_record(world):
    campaign = campaign_2014(world)
    members(world.own, 3)
    session = closed_session(world.own, campaign, ["good", "fair", "poor"])
    approval = AppraisalApproval.objects.get(session=session)
    assert approval.review_status == ReviewStatus.DRAFT
    assert approval.organization == world.own
    names = {d["member"] for d in approval.determinations}
    expected = {
        r.member.name
        for r in AppraisalResult.objects.filter(session=session, determination__needs_approval=True)
    }
    assert names == expected and len(names) >= 2
    assert {d["grade"] for d in approval.determinations} <= {"good", "poor"}
    snapshot = approval.review_snapshot()["determinations"]
    assert all(name in snapshot for name in names)


def test_approval_is_submitted_only_for_a_closed_session(world):
    campaign = campaign_2014(world)
    members(world.own, 2)
    session = closed_session(world.own, campaign, ["good"])
    approval = AppraisalApproval.objects.get(session=session)
    services.appraisal_session_reopen(actor=world.clerk, session=session)
    with pytest.raises(ValidationError):
        review_transition(approval, action=ReviewAction.SUBMIT, actor=world.secretary)
    services.appraisal_session_close(actor=world.clerk, session=session)
    review_transition(approval, action=ReviewAction.SUBMIT, actor=world.secretary)
    approval.refresh_from_db()
    assert approval.review_status == ReviewStatus.SUBMITTED
    # Waiting for approval: the organization cannot reopen the session.
    with pytest.raises(ValidationError) as exc:
        services.appraisal_session_reopen(actor=world.clerk, session=session)
    assert exc.value.code == "approval_pending"


def test_results_are_released_on_close_and_top_bottom_ones_only_once_approved(world):
    campaign = campaign_2014(world)
    members(world.own, 3)
    session = make_session(world.own, campaign)
    people = roster(world.own)
    tally(session, {m: ("fair" if i else "good") for i, m in enumerate(people)})
    assert not AppraisalResult.objects.released().exists()
    services.appraisal_session_close(actor=world.clerk, session=session)
    released = set(AppraisalResult.objects.released().values_list("member_id", flat=True))
    assert released == {m.pk for m in people[1:]}
    approval = AppraisalApproval.objects.get(session=session)
    review_transition(approval, action=ReviewAction.SUBMIT, actor=world.secretary)
    review_transition(approval, action=ReviewAction.APPROVE, actor=world.reviewer)
    assert AppraisalResult.objects.released().count() == len(people)


# --- redo ----------------------------------------------------------------------------------


def test_redo_reopens_the_session_with_the_reason_an_event_and_notifies_secretaries(world):
    campaign = campaign_2014(world)
    members(world.own, 2)
    session = closed_session(world.own, campaign, ["good", "fair"])
    approval = AppraisalApproval.objects.get(session=session)
    review_transition(approval, action=ReviewAction.SUBMIT, actor=world.secretary)
    Notification.objects.all().delete()

    services.appraisal_redo_order(actor=world.reviewer, session=session, reason="走过场，重新评议")

    session.refresh_from_db()
    assert session.status == SessionStatus.REDO and session.is_open
    event = AppraisalEvent.objects.get(session=session, kind=EventKind.REDO_ORDERED)
    assert event.actor == world.reviewer and event.reason == "走过场，重新评议" and event.at
    approval.refresh_from_db()
    assert approval.review_status == ReviewStatus.RETURNED  # returned through the engine
    assert approval.review_events.filter(
        action=ReviewAction.RETURN, comment="走过场，重新评议"
    ).exists()
    redo_notes = Notification.objects.filter(verb="appraisal.redo_ordered")
    assert list(redo_notes.values_list("recipient__username", flat=True)) == ["secretary"]
    # Tallies can be changed again and the session closed again.
    services.appraisal_session_close(actor=world.clerk, session=session)
    session.refresh_from_db()
    assert session.status == SessionStatus.CLOSED


def test_redo_after_approval_starts_a_new_round(world):
    campaign = campaign_2014(world)
    members(world.own, 2)
    session = closed_session(world.own, campaign, ["good"])
    first = AppraisalApproval.objects.get(session=session)
    review_transition(first, action=ReviewAction.SUBMIT, actor=world.secretary)
    review_transition(first, action=ReviewAction.APPROVE, actor=world.instructor)
    with pytest.raises(ValidationError) as exc:
        services.appraisal_session_reopen(actor=world.secretary, session=session)
    assert exc.value.code == "approved"
    services.appraisal_redo_order(actor=world.instructor, session=session, reason="formality")
    assert not AppraisalResult.objects.released().exists()
    services.appraisal_session_close(actor=world.clerk, session=session)
    rounds = list(AppraisalApproval.objects.filter(session=session).order_by("round"))
    assert [(a.round, a.review_status) for a in rounds] == [
        (1, ReviewStatus.APPROVED),
        (2, ReviewStatus.DRAFT),
    ]
    # The good determinations wait for the new round's approval again.
    assert not AppraisalResult.objects.released().filter(determination__code="good").exists()


def test_redo_needs_a_reviewer_of_the_organization_and_a_reason(world):
    campaign = campaign_2014(world)
    members(world.own, 1)
    session = closed_session(world.own, campaign, ["fair"])
    for user in (world.secretary, world.clerk, world.office, world.outsider):
        with pytest.raises(PermissionDenied):
            services.appraisal_redo_order(actor=user, session=session, reason="x")
    with pytest.raises(ValidationError) as exc:
        services.appraisal_redo_order(actor=world.reviewer, session=session, reason="  ")
    assert "reason" in exc.value.message_dict
    # A reviewer does not review the node they sit at.
    members(world.park_a, 1)
    park_session = closed_session(world.park_a, campaign, ["fair"])
    with pytest.raises(PermissionDenied):
        services.appraisal_redo_order(actor=world.reviewer, session=park_session, reason="x")


def test_redo_of_an_open_session_is_illegal(world):
    campaign = campaign_2014(world)
    session = make_session(world.own, campaign)
    with pytest.raises(ValidationError):
        services.appraisal_redo_order(actor=world.reviewer, session=session, reason="x")


# --- checklist selectors -------------------------------------------------------------------


def test_appraisal_coverage_counts_closed_sessions_only(world):
    campaign = campaign_2014(world)
    a, b, c = members(world.child, 3)
    session = make_session(world.child, campaign)
    tally(session, {a: "fair", b: "good"}, absent=(c,))
    assert appraisal_coverage(world.child, campaign) == (0, 3)
    services.appraisal_session_close(actor=world.clerk, session=session)
    assert appraisal_coverage(world.child, campaign) == (2, 2)
    services.appraisal_redo_order(actor=world.reviewer, session=session, reason="redo")
    assert appraisal_coverage(world.child, campaign) == (0, 3)


def test_batch_selectors_cost_a_fixed_number_of_queries(world):
    campaign = campaign_2014(world)
    orgs = [add_org(world.park_b) for _ in range(4)]
    for org in orgs:
        members(org, 2)
    closed_session(orgs[0], campaign, ["fair"])
    make_statement(orgs[1], campaign, StatementSubject.TEAM)
    make_statement(orgs[1], campaign, StatementSubject.SECRETARY)
    ids = [o.pk for o in orgs]
    with CaptureQueriesContext(connection) as ctx:
        coverage = appraisal_coverage_batch(ids, campaign)
    assert len(ctx.captured_queries) == 2
    assert coverage[orgs[0].pk] == (2, 2)
    assert coverage[orgs[3].pk] == (0, 2)
    with CaptureQueriesContext(connection) as ctx:
        statuses = statements_status_batch(ids, campaign)
    assert len(ctx.captured_queries) == 1
    assert statuses[orgs[1].pk] == {
        StatementSubject.TEAM: ReviewStatus.DRAFT,
        StatementSubject.SECRETARY: ReviewStatus.DRAFT,
    }
    assert statuses[orgs[0].pk] == {}
    assert statements_status(orgs[1], campaign) == statuses[orgs[1].pk]
    assert appraisal_coverage_batch([], campaign) == {}
