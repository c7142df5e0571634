"""The daily reminders (rectification/reminders.py, the Celery task and its beat entry):
deadlines in 7, 3 and 1 days, overdue items on day 1 then weekly, materials not
submitted as a phase ends, each reminder sent once however often the job runs."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from activities.models import Campaign, StatementSubject
from organizations.models import Member, OrgKind
from portal.accounts.models import Role
from portal.accounts.services import role_assign
from portal.notifications.models import Notification
from portal.reviews.models import ReviewStatus
from rectification.models import ReminderSent
from rectification.reminders import (
    VERB_DUE,
    VERB_OVERDUE,
    VERB_PHASE_END,
    overdue_days_to_remind,
    send_daily_reminders,
)
from tests.activities.phase2_factories import make_statement
from tests.activities.plans_factories import force_status, plan_at
from tests.factories import UserFactory, add_org
from tests.rectification.problems_factories import (
    approved_list,
    force_deadline,
    force_item_status,
    force_list_status,
    make_item,
    make_list,
)

TODAY = timezone.localdate()
TODAY_FROM_CLOCK = True  # read again before each test (tests/conftest.py)


def _item(world: Any, deadline: dt.date, org: Any = None, **kw: Any) -> Any:
    plist = approved_list(world, org or world.own, items=1, **kw)
    item = plist.items.get()
    force_deadline(item, deadline)
    return item


def _sent(user: Any, verb: str | None = None) -> list[Notification]:
    qs = Notification.objects.filter(recipient=user)
    if verb:
        qs = qs.filter(verb=verb)
    return list(qs.order_by("pk"))


# --- once only --------------------------------------------------------------------------------


def test_running_the_job_twice_sends_each_reminder_once(
    world, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFY_BY_EMAIL = True
    member = Member.objects.get(user=world.member_user)
    due = _item(world, TODAY + dt.timedelta(days=3), responsible_member=member)
    overdue = _item(world, TODAY - dt.timedelta(days=1), org=world.other)
    Notification.objects.all().delete()  # the review workflow's own notifications
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        first = send_daily_reminders(TODAY)
    assert first.sent == 3  # own's secretary and the responsible member; other's secretary
    notifications = Notification.objects.count()
    mails = len(mail.outbox)
    assert notifications == 3
    assert mails == 3
    assert {m.to[0] for m in mail.outbox} == {
        world.secretary.email,
        world.member_user.email,
        world.outsider.email,
    }

    with django_capture_on_commit_callbacks(execute=True):
        second = send_daily_reminders(TODAY)
    assert second.sent == 0 and second.already_sent == 3
    assert Notification.objects.count() == notifications
    assert len(mail.outbox) == mails
    assert ReminderSent.objects.count() == 3
    keys = set(ReminderSent.objects.values_list("key", flat=True))
    assert keys == {
        f"item:{due.pk}:due:{due.deadline.isoformat()}:3",
        f"item:{overdue.pk}:overdue:{overdue.deadline.isoformat()}:1",
    }


def test_the_notification_names_the_item_and_links_to_it(world, settings):
    settings.LANGUAGE_CODE = "en"
    item = _item(world, TODAY + dt.timedelta(days=7))
    send_daily_reminders(TODAY)
    (notification,) = _sent(world.secretary, VERB_DUE)
    assert notification.title.startswith("Deadline in 7 days: item 1 of the problem list of")
    assert world.own.short_name in notification.title
    assert notification.url == item.get_absolute_url()
    assert item.deadline.isoformat() in notification.body


def test_a_reminder_already_claimed_by_another_run_is_not_sent_again(world):
    item = _item(world, TODAY + dt.timedelta(days=1))
    import uuid

    ReminderSent.objects.create(
        recipient=world.secretary,
        key=f"item:{item.pk}:due:{item.deadline.isoformat()}:1",
        run=uuid.uuid4(),
        sent_on=TODAY,
    )
    report = send_daily_reminders(TODAY)
    assert report.sent == 0 and report.already_sent == 1
    assert _sent(world.secretary, VERB_DUE) == []


def test_inactive_users_are_not_reminded(world):
    _item(world, TODAY + dt.timedelta(days=3))
    world.secretary.is_active = False
    world.secretary.save()
    assert send_daily_reminders(TODAY).sent == 0
    assert not ReminderSent.objects.exists()


def test_several_secretaries_are_each_reminded(world):
    second = UserFactory(username="secretary2")
    role_assign(actor=None, user=second, role=Role.SECRETARY, organization=world.own)
    _item(world, TODAY + dt.timedelta(days=3))
    assert send_daily_reminders(TODAY).sent == 2
    assert len(_sent(second, VERB_DUE)) == 1
    # The clerk and the reviewer are not reminded.
    assert _sent(world.clerk, VERB_DUE) == [] and _sent(world.reviewer, VERB_DUE) == []


# --- the cadence --------------------------------------------------------------------------------


def test_deadline_reminders_come_7_3_and_1_days_before(world):
    deadline = TODAY + dt.timedelta(days=10)
    item = _item(world, deadline)
    days_reminded = []
    for offset in range(11):  # up to the deadline itself
        day = TODAY + dt.timedelta(days=offset)
        if send_daily_reminders(day).sent:
            days_reminded.append((deadline - day).days)
    assert days_reminded == [7, 3, 1]
    assert len(_sent(world.secretary, VERB_DUE)) == 3
    assert _sent(world.secretary, VERB_OVERDUE) == []
    assert item.pk


def test_overdue_reminders_come_on_day_one_then_weekly(world):
    deadline = TODAY - dt.timedelta(days=30)
    _item(world, deadline)
    overdue_days = []
    for offset in range(0, 30):
        day = deadline + dt.timedelta(days=offset)
        report = send_daily_reminders(day)
        if report.sent and report.events.get(VERB_OVERDUE):
            overdue_days.append((day - deadline).days)
    assert overdue_days == [1, 7, 14, 21, 28]
    titles = [n.title for n in _sent(world.secretary, VERB_OVERDUE)]
    assert len(titles) == 5


def test_overdue_cadence_days():
    days = overdue_days_to_remind()
    assert days[:5] == [1, 7, 14, 21, 28]
    assert 2 not in days and 8 not in days


def test_closed_items_and_items_of_unapproved_lists_are_not_reminded(world):
    closed = _item(world, TODAY + dt.timedelta(days=3))
    force_item_status(closed, "closed")
    draft = make_list(world, world.child)
    item = make_item(draft)
    force_deadline(item, TODAY + dt.timedelta(days=3))
    submitted = make_list(world, world.sibling)
    force_deadline(make_item(submitted), TODAY + dt.timedelta(days=1))
    force_list_status(submitted, ReviewStatus.SUBMITTED)
    assert send_daily_reminders(TODAY).sent == 0


def test_items_of_inactive_campaigns_are_not_reminded(world):
    item = _item(world, TODAY + dt.timedelta(days=3))
    Campaign.objects.filter(pk=item.problem_list.campaign_id).update(is_active=False)
    assert send_daily_reminders(TODAY).sent == 0


def test_an_extended_deadline_is_reminded_again(world):
    item = _item(world, TODAY + dt.timedelta(days=3))
    assert send_daily_reminders(TODAY).sent == 1
    force_deadline(item, TODAY + dt.timedelta(days=10))
    assert send_daily_reminders(TODAY + dt.timedelta(days=7)).sent == 1
    assert len(_sent(world.secretary, VERB_DUE)) == 2


# --- phase ends ------------------------------------------------------------------------------------


def _campaign(world: Any) -> Campaign:
    from activities.seed import ensure_campaign_2014

    return ensure_campaign_2014(world.county)


def test_phase_one_end_reminds_organizations_without_a_submitted_plan(world):
    campaign = _campaign(world)
    plan_at(world, world.sibling, campaign=campaign)  # a draft: not submitted
    submitted = plan_at(world, world.own, campaign=campaign)
    force_status(submitted, ReviewStatus.SUBMITTED)
    sibling_secretary = UserFactory(username="sibling_secretary")
    role_assign(actor=None, user=sibling_secretary, role=Role.SECRETARY, organization=world.sibling)
    # 3 days before the end of phase 1 (2014-05-31).
    report = send_daily_reminders(dt.date(2014, 5, 28))
    assert report.events == {VERB_PHASE_END: 2}  # sibling and other (secretaries there)
    assert _sent(world.secretary) == []  # own submitted its plan
    (reminder,) = _sent(sibling_secretary, VERB_PHASE_END)
    assert "2014-05-31" in reminder.title
    assert reminder.url == f"/campaign/org/{world.sibling.pk}/plans/"
    assert len(_sent(world.outsider, VERB_PHASE_END)) == 1
    # The next days of the window send nothing new; the key is per phase end.
    for day in (dt.date(2014, 5, 29), dt.date(2014, 5, 31), dt.date(2014, 6, 1)):
        assert send_daily_reminders(day).sent == 0
    assert ReminderSent.objects.filter(key__startswith="plan:").count() == 2


def test_phase_end_window_is_three_days_before_to_one_day_after(world):
    _campaign(world)
    assert send_daily_reminders(dt.date(2014, 5, 27)).sent == 0  # 4 days before
    assert send_daily_reminders(dt.date(2014, 6, 2)).sent == 0  # 2 days after
    report = send_daily_reminders(dt.date(2014, 6, 1))  # ended yesterday
    assert report.sent == 2
    (reminder,) = _sent(world.secretary, VERB_PHASE_END)
    assert "ended" in reminder.title or "结束" in reminder.title


def test_a_returned_plan_counts_as_not_submitted(world):
    campaign = _campaign(world)
    plan = plan_at(world, world.own, campaign=campaign)
    force_status(plan, ReviewStatus.RETURNED)
    send_daily_reminders(dt.date(2014, 5, 30))
    assert len(_sent(world.secretary, VERB_PHASE_END)) == 1
    force_status(plan, ReviewStatus.APPROVED)


def test_phase_two_end_needs_both_statements_submitted(world):
    campaign = _campaign(world)
    team = make_statement(world.own, campaign, StatementSubject.TEAM)
    secretary_statement = make_statement(world.other, campaign, StatementSubject.SECRETARY)
    team_other = make_statement(world.other, campaign, StatementSubject.TEAM)
    from activities.models import SelfExamination

    SelfExamination.objects.filter(pk__in=[team.pk, secretary_statement.pk, team_other.pk]).update(
        review_status=ReviewStatus.SUBMITTED
    )
    send_daily_reminders(dt.date(2014, 7, 30))
    (reminder,) = _sent(world.secretary, VERB_PHASE_END)  # own: the secretary's is missing
    assert reminder.url == f"/campaign/org/{world.own.pk}/statements/"
    assert _sent(world.outsider, VERB_PHASE_END) == []  # other submitted both


def test_phase_three_end_reminds_of_the_problem_list(world):
    make_list(world, world.own)  # a draft
    approved_list(world, world.other)
    send_daily_reminders(dt.date(2014, 9, 29))
    (reminder,) = _sent(world.secretary, VERB_PHASE_END)
    assert reminder.url == f"/rectification/org/{world.own.pk}/problems/"
    assert _sent(world.outsider, VERB_PHASE_END) == []


def test_only_participating_active_organizations_of_the_campaign_are_reminded(world):
    _campaign(world)
    park_secretary = UserFactory(username="park_secretary")
    role_assign(actor=None, user=park_secretary, role=Role.SECRETARY, organization=world.park_a)
    gone = add_org(world.park_b, kind=OrgKind.BRANCH, is_active=False)
    gone_secretary = UserFactory(username="gone_secretary")
    role_assign(actor=None, user=gone_secretary, role=Role.SECRETARY, organization=gone)
    far_secretary = UserFactory(username="far_secretary")
    role_assign(actor=None, user=far_secretary, role=Role.SECRETARY, organization=world.far)
    send_daily_reminders(dt.date(2014, 5, 30))
    assert _sent(park_secretary) == []  # a park committee does not run the campaign
    assert _sent(gone_secretary) == []  # inactive organization
    assert _sent(far_secretary) == []  # the other county has no campaign here
    assert len(_sent(world.secretary)) == 1


# --- cost --------------------------------------------------------------------------------------


def _queries_of_a_run(day: dt.date) -> int:
    with CaptureQueriesContext(connection) as ctx:
        send_daily_reminders(day)
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_the_data(world):
    """Items due and overdue, and phase-end reminders, for 2 organizations and then for
    20: the same 11 queries — savepoint, items due or overdue, their organizations'
    secretaries, phases ending around the day, the secretaries of the organizations
    missing the phase's material (one phase here), the leadership terms due (none
    here; tests/upgrading/test_reminders.py), the invitations to meetings starting
    tomorrow (none here; tests/activities/test_announcements.py), ledger insert, ledger
    read-back, notification insert, release savepoint."""
    campaign = _campaign(world)
    day = dt.date(2014, 5, 29)  # phase 1 ends in 2 days

    def build(n: int) -> None:
        for _ in range(n):
            org = add_org(world.park_a, kind=OrgKind.BRANCH)
            user = UserFactory()
            role_assign(actor=None, user=user, role=Role.SECRETARY, organization=org)
            plist = approved_list(world, org, items=2)
            assert plist.campaign_id == campaign.pk
            for item, offset in zip(plist.items.order_by("number"), (3, -7), strict=True):
                force_deadline(item, day + dt.timedelta(days=offset))

    build(2)
    ReminderSent.objects.all().delete()
    small = _queries_of_a_run(day)
    sent_small = ReminderSent.objects.count()
    ReminderSent.objects.all().delete()
    build(18)
    large = _queries_of_a_run(day)
    assert ReminderSent.objects.count() > 5 * sent_small
    assert small == large == 11, (small, large)


# --- Celery ------------------------------------------------------------------------------------


def test_the_task_runs_through_celery_eagerly(world, settings):
    from rectification.tasks import daily_reminders

    assert settings.CELERY_TASK_ALWAYS_EAGER  # no REDIS_URL in tests: tasks run in-process
    _item(world, TODAY + dt.timedelta(days=3))
    result = daily_reminders.delay()
    assert result.successful()
    assert result.get()["sent"] == 1
    assert daily_reminders.delay().get()["sent"] == 0  # idempotent
    assert len(_sent(world.secretary, VERB_DUE)) == 1


def test_beat_runs_the_task_daily_at_half_past_seven():
    from portal.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["daily-reminders"]
    assert entry["task"] == "rectification.tasks.daily_reminders"
    schedule = entry["schedule"]
    assert schedule.hour == {7} and schedule.minute == {30}
    assert settings.CELERY_TIMEZONE == "Asia/Shanghai"
    app.loader.import_default_modules()
    assert "rectification.tasks.daily_reminders" in app.tasks


@pytest.mark.parametrize("days", [0, 2, 4, 5, 6, 8])
def test_no_deadline_reminder_on_other_days(world, days):
    _item(world, TODAY + dt.timedelta(days=days))
    assert send_daily_reminders(TODAY).events.get(VERB_DUE, 0) == 0
