"""Leadership terms due for re-election remind the secretary once (the daily run of
rectification/reminders.py and its ledger)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from organizations.models import OrgKind
from portal.accounts.models import Role
from portal.accounts.services import role_assign
from portal.notifications.models import Notification
from rectification.reminders import send_daily_reminders
from tests.conftest import World
from tests.factories import UserFactory, add_org
from upgrading.models import LeadershipTerm
from upgrading.reminders import VERB_TERM_DUE

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 7)


def _term(org, elected_on: dt.date, years: int = 3) -> LeadershipTerm:
    return LeadershipTerm.objects.create(organization=org, elected_on=elected_on, term_years=years)


def _sent(user) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user, verb=VERB_TERM_DUE).values_list(
            "title", flat=True
        )
    )


def test_a_term_due_within_90_days_is_reminded_once(world: World) -> None:
    _term(world.own, dt.date(2024, 2, 1), years=3)  # due 2027-02-01: in 56 days
    send_daily_reminders(TODAY)
    send_daily_reminders(TODAY + dt.timedelta(days=1))
    titles = _sent(world.secretary)
    assert len(titles) == 1 and "2027-02-01" in titles[0]
    assert _sent(world.clerk) == []


def test_a_term_not_yet_due_is_not_reminded_and_an_old_term_does_not_count(world: World) -> None:
    _term(world.own, dt.date(2018, 1, 1), years=3)  # overdue, but superseded
    _term(world.own, dt.date(2025, 1, 1), years=3)  # due 2028
    send_daily_reminders(TODAY)
    assert _sent(world.secretary) == []


def test_an_overdue_term_is_reminded_once_and_a_new_election_resets(world: World) -> None:
    _term(world.own, dt.date(2020, 6, 1), years=5)  # overdue since 2025-06-01
    send_daily_reminders(TODAY)
    assert len(_sent(world.secretary)) == 1
    send_daily_reminders(TODAY + dt.timedelta(days=7))
    assert len(_sent(world.secretary)) == 1
    _term(world.own, dt.date(2026, 11, 1), years=5)
    send_daily_reminders(TODAY + dt.timedelta(days=8))
    assert len(_sent(world.secretary)) == 1


def test_inactive_organizations_are_not_reminded(world: World) -> None:
    gone = add_org(world.park_b, kind=OrgKind.BRANCH, is_active=False)
    user = UserFactory()
    role_assign(actor=None, user=user, role=Role.SECRETARY, organization=gone)
    _term(gone, dt.date(2020, 1, 1))
    send_daily_reminders(TODAY)
    assert _sent(user) == []


def test_the_term_reminders_cost_two_queries_whatever_their_number(world: World) -> None:
    def run() -> int:
        with CaptureQueriesContext(connection) as ctx:
            send_daily_reminders(TODAY)
        return len(ctx.captured_queries)

    def build(n: int) -> None:
        for _ in range(n):
            org = add_org(world.park_a, kind=OrgKind.BRANCH)
            role_assign(actor=None, user=UserFactory(), role=Role.SECRETARY, organization=org)
            _term(org, dt.date(2020, 1, 1))

    build(2)
    small = run()
    Notification.objects.all().delete()
    build(20)
    from rectification.models import ReminderSent

    ReminderSent.objects.all().delete()
    large = run()
    # savepoint, items, phases, terms, their secretaries, invitations to meetings
    # starting tomorrow (none), ledger insert and read-back, notification insert,
    # release savepoint
    assert small == large == 10, (small, large)
