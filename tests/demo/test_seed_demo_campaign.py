"""`manage.py seed_demo`, the 2014 campaign's phase 1-2 records (demo/activities): every
record type in each of its states, built through the services, dated in 2014, and
left alone by a second run.

The county is seeded once for the module (about ten seconds) inside a transaction
rolled back at the end; each test runs in its own savepoint within it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.db import models, transaction
from django.test import Client
from django.urls import reverse

from activities.models import (
    ActivityPlan,
    AppraisalApproval,
    AppraisalResult,
    AppraisalSession,
    Attendance,
    Campaign,
    CounselingRecord,
    CriticismEntry,
    Meeting,
    MeetingKind,
    MeetingParticipation,
    OneToOneTalk,
    Opinion,
    OpinionChannel,
    OpinionEvent,
    OpinionStatus,
    SelfExamination,
    SessionStatus,
    StatementSubject,
    SuggestionBox,
)
from activities.models.meetings import SpecialMeetingReview
from activities.study.selectors import counseling_coverage_in
from demo.organizations import SECRETARY_ORG
from organizations.models import Organization
from portal.accounts.models import User
from portal.notifications.models import Notification
from portal.progress.engine import Level
from portal.reviews.models import ReviewEvent, ReviewStatus, ReviewTask
from tests.seeding import campaign_rows, seed_2014_as_tests_run

# The demo story (what `make run` shows, on its embedded SQLite): checked once, in the
# SQLite pass; tests/demo/test_seed_demo.py seeds the demo on both databases.
pytestmark = pytest.mark.single_pass

ENGLISH = {"Accept-Language": "en"}


def seed() -> str:
    # The 2014 story only: the running campaign has tests of its own
    # (test_seed_demo_running.py). Seeded once per run (tests/seeding.py).
    return seed_2014_as_tests_run()


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[str]:
    """The demo county with its campaign, for every test of the module; rolled back."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield seed()
        transaction.set_rollback(True)


@pytest.fixture
def county(demo: str, db: Any) -> Organization:
    return Organization.objects.get(code="QS")


def client(username: str) -> Client:
    c = Client()
    c.force_login(User.objects.get(username=username))
    return c


def secretary_org() -> Organization:
    return Organization.objects.get(code=SECRETARY_ORG)


def test_console_reports_the_campaign_records(demo: str) -> None:
    assert "Campaign demo (2014, phases 1-2)" in demo
    assert "records waiting for review" in demo


# --- the review inbox and the checklist ------------------------------------------------


def test_reviewers_inbox_lists_several_kinds_of_record_oldest_first(county: Organization) -> None:
    response = client("reviewer").get(reverse("reviews:inbox"), headers=ENGLISH)
    # The campaign's records (not the yearly upgrade plans: tests/seeding.campaign_rows).
    campaign_tasks = set(campaign_rows(ReviewTask).values_list("pk", flat=True))
    tasks = [t for t in response.context["page"].object_list if t.pk in campaign_tasks]
    assert len(tasks) >= 3
    assert len({t.content_type_id for t in tasks}) >= 2
    submitted = [t.submitted_at for t in tasks]
    assert submitted == sorted(submitted)
    days = [t.days_waiting for t in tasks]
    assert len(set(days)) == len(days)  # each has waited a different number of days
    assert all(dt.date(2014, 4, 1) <= s.date() <= dt.date(2014, 9, 30) for s in submitted)
    # The secretary's branch is among them, with its statement and its appraisal.
    assert {t.organization.code for t in tasks} >= {SECRETARY_ORG}
    page = response.content.decode()
    assert "activity plan" in page and "self-examination statement" in page


def test_instructor_has_records_waiting_too(county: Organization) -> None:
    response = client("instructor").get("/", headers=ENGLISH)
    assert response.context["waiting_count"] >= 1


def test_secretarys_checklist_has_met_and_unmet_requirements(county: Organization) -> None:
    org = secretary_org()
    response = client("secretary").get(reverse("progress:checklist", args=[org.pk]))
    assert response.status_code == 200
    levels = {
        req.code: result.level
        for _phase, rows in response.context["phases"]
        for req, result in rows
    }
    assert Level.GREEN in levels.values()
    assert {Level.AMBER, Level.RED} & set(levels.values())
    assert levels["plan_approved"] == Level.GREEN
    assert levels["mobilization"] == Level.GREEN
    assert levels["counseling"] != Level.GREEN
    assert levels["statements_approved"] != Level.GREEN


def test_secretarys_home_shows_a_to_do_list_and_what_came_back(county: Organization) -> None:
    response = client("secretary").get("/", headers=ENGLISH)
    [panel] = response.context["campaign_panels"]
    assert panel.todo and panel.met >= 1
    assert any(task.status == ReviewStatus.RETURNED and task.comment for task in panel.decisions)
    assert any(task.status == ReviewStatus.APPROVED for task in panel.decisions)


def test_resubmitted_statement_shows_the_reviewer_what_changed(
    county: Organization, settings: Any
) -> None:
    statement = SelfExamination.objects.get(
        organization=secretary_org(), subject=StatementSubject.TEAM
    )
    assert statement.review_status == ReviewStatus.SUBMITTED
    # Snapshots are taken in the site's language, the one the module seeded under
    # (English, as every test runs: tests/seeding.py): whichever language the reviewer
    # reads in, only the field the secretary really changed shows as changed.
    settings.LANGUAGE_CODE = "en"
    for language in ("zh-hans", "en"):
        response = client("reviewer").get(
            statement.get_absolute_url(), headers={"Accept-Language": language}
        )
        review = response.context["review"]
        assert [c.key for c in review.changed] == ["problems"], language
    assert any(e.action == "return" and e.comment for e in review.events)


# --- every record type in every state -----------------------------------------------------


def test_every_plan_review_status_appears_and_some_plans_are_missing(county: Organization) -> None:
    statuses = list(ActivityPlan.objects.values_list("review_status", flat=True))
    assert set(statuses) == set(ReviewStatus.values)
    assert statuses.count(ReviewStatus.APPROVED) > len(statuses) / 2
    returned = ActivityPlan.objects.get(review_status=ReviewStatus.RETURNED)
    assert ReviewEvent.objects.for_record(returned).filter(action="return").exclude(comment="")
    participating = Organization.objects.filter(
        kind__in=["committee", "general_branch", "branch", "joint_branch", "community"]
    )
    assert participating.exclude(activity_plans__isnull=False).exists()


def test_mobilization_held_by_the_park_and_attended_by_several_branches(
    county: Organization,
) -> None:
    park = Meeting.objects.get(organization__code="QS-KFQ", kind=MeetingKind.MOBILIZATION)
    assert park.participations.count() >= 3
    held_by_branches = Meeting.objects.filter(
        kind=MeetingKind.MOBILIZATION, organization__kind="branch"
    )
    assert held_by_branches.exists()
    participation = park.participations.get(organization__code=SECRETARY_ORG)
    assert participation.expected_count == participation.attendances.count()
    absent = Attendance.objects.filter(present=False)
    assert absent.exists() and not absent.filter(absence_reason="").exists()
    # Counts come from the attendance lists.
    for meeting in Meeting.objects.filter(organization__kind="branch")[:10]:
        rows = meeting.attendances.filter(participation__isnull=True)
        assert meeting.present_count == rows.filter(present=True).count()


def test_study_exchanges_and_counseling_full_in_some_organizations_partial_in_others(
    county: Organization,
) -> None:
    campaign = Campaign.objects.get()
    assert Meeting.objects.filter(kind=MeetingKind.STUDY_EXCHANGE).exists()
    coverage = counseling_coverage_in(
        campaign, lambda prefix: models.Q(**{f"{prefix}__path__startswith": county.path})
    )
    full = [org for org, (covered, total) in coverage.items() if covered == total]
    partial = [org for org, (covered, total) in coverage.items() if 0 < covered < total]
    assert full and partial
    assert secretary_org().pk in partial


def test_opinions_in_every_status_with_online_box_receipts(county: Organization) -> None:
    statuses = set(Opinion.objects.values_list("status", flat=True))
    assert statuses >= {OpinionStatus.RECEIVED, OpinionStatus.SORTED, OpinionStatus.ANSWERED}
    online = Opinion.objects.filter(channel=OpinionChannel.ONLINE)
    assert set(online.values_list("status", flat=True)) == {
        OpinionStatus.RECEIVED,
        OpinionStatus.SORTED,
        OpinionStatus.ANSWERED,
    }
    assert not online.filter(receipt_code__isnull=True).exists()
    assert SuggestionBox.objects.get().organization.code == SECRETARY_ORG
    # Each opinion's timeline starts with its receipt.
    assert OpinionEvent.objects.filter(from_status="").count() == Opinion.objects.count()


def test_phase_two_records_in_every_state(county: Organization) -> None:
    assert OneToOneTalk.objects.count() >= 20
    for subject in StatementSubject.values:
        states = set(
            SelfExamination.objects.filter(subject=subject).values_list("review_status", flat=True)
        )
        assert states >= {ReviewStatus.APPROVED, ReviewStatus.SUBMITTED, ReviewStatus.RETURNED}
    special = Meeting.objects.filter(kind=MeetingKind.SPECIAL)
    assert special.exclude(guide_name="").exists() and special.filter(guide_name="").exists()
    assert CriticismEntry.objects.exists()
    reviews = set(SpecialMeetingReview.objects.values_list("review_status", flat=True))
    assert reviews == {ReviewStatus.APPROVED, ReviewStatus.SUBMITTED, ReviewStatus.RETURNED}
    assert special.exclude(guide_name="").filter(special_review__isnull=True).exists()
    sessions = set(AppraisalSession.objects.values_list("status", flat=True))
    assert sessions == {SessionStatus.CLOSED, SessionStatus.OPEN}
    assert AppraisalResult.objects.filter(session__status=SessionStatus.CLOSED).exists()
    approvals = set(AppraisalApproval.objects.values_list("review_status", flat=True))
    assert approvals == {ReviewStatus.APPROVED, ReviewStatus.SUBMITTED}


def test_member_reads_own_study_record_and_released_appraisal_result(
    county: Organization,
) -> None:
    member = client("member")
    home = member.get("/", headers=ENGLISH).content.decode()
    assert reverse("activities:my_study") in home
    assert reverse("activities:my_appraisals") in home
    study = member.get(reverse("activities:my_study"), headers=ENGLISH)
    assert len(study.context["records"]) >= 1
    results = member.get(reverse("activities:my_appraisals"), headers=ENGLISH).context["results"]
    assert [r.determination.code for r in results] == ["fair"]


# --- authors, dates, notifications ------------------------------------------------------------


def test_records_carry_authors_who_may_write_them(county: Organization) -> None:
    # No record of the campaign was written or decided by the site administrator.
    admin = User.objects.get(username="admin")
    assert not ReviewEvent.objects.filter(actor=admin).exists()
    assert not Meeting.objects.filter(created_by=admin).exists()
    plan = ActivityPlan.objects.get(organization__code=SECRETARY_ORG)
    assert plan.submitted_by.username == "secretary"
    assert plan.decided_by.username == "reviewer"


def test_every_date_the_demo_writes_lies_in_2014(county: Organization) -> None:
    for label in ("activities", "reviews", "notifications"):
        for model in apps.get_app_config(label).get_models():
            # Created by the seed itself, not campaign records: the campaign (opened when
            # seeded) and the history of its settings and phases.
            if model is Campaign or model.__name__ in ("HistoricalCampaign", "HistoricalPhase"):
                continue
            for field in model._meta.concrete_fields:
                if isinstance(field, models.DateTimeField):
                    later = campaign_rows(model).filter(**{f"{field.attname}__year__gt": 2014})
                    assert not later.exists(), f"{model.__name__}.{field.attname}"
    assert not Opinion.objects.filter(received_on__year__gt=2014).exists()


def test_only_notices_of_records_still_open_are_unread(county: Organization) -> None:
    reviewer = User.objects.get(username="reviewer")
    unread = campaign_rows(Notification).filter(recipient=reviewer, read_at__isnull=True)
    waiting_urls = set(
        ReviewTask.objects.filter(status=ReviewStatus.SUBMITTED).values_list("url", flat=True)
    )
    assert unread.exists()
    assert set(unread.values_list("url", flat=True)) <= waiting_urls


# --- a second run --------------------------------------------------------------------------------


def test_second_run_changes_nothing(county: Organization) -> None:
    counted = [
        ActivityPlan,
        Meeting,
        MeetingParticipation,
        Attendance,
        CounselingRecord,
        Opinion,
        OpinionEvent,
        OneToOneTalk,
        SelfExamination,
        AppraisalSession,
        AppraisalResult,
        ReviewEvent,
        ReviewTask,
        Notification,
        User,
    ]
    before = {m.__name__: m.objects.count() for m in counted}
    output = seed()
    assert {m.__name__: m.objects.count() for m in counted} == before
    assert "left as it is" in output
