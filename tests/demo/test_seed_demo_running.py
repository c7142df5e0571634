"""`manage.py seed_demo`'s running campaign (demo.activities.campaign.ensure_current_campaign):
the 2014 story replayed in a campaign of the same shape whose dates are relative to
today (phases 1 and 2 over, phase 3 under way), with waits of a few days that stay
under two months whatever day the demo is looked at, and the pages opening on it.

The county is seeded once for the module (both campaigns) inside a transaction rolled
back at the end; each test runs in its own savepoint within it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from activities.models import ActivityPlan, Campaign
from demo.organizations import SECRETARY_ORG
from organizations.models import Organization
from portal.accounts.models import User
from portal.notifications.models import Notification
from portal.reviews.models import ReviewTask
from tests.seeding import seed_demo_as_tests_run

# The demo story (what `make run` shows, on its embedded SQLite): checked once, in the
# SQLite pass; tests/demo/test_seed_demo.py seeds the demo on both databases.
pytestmark = pytest.mark.single_pass

ENGLISH = {"Accept-Language": "en"}


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[str]:
    with django_db_blocker.unblock(), transaction.atomic():
        yield seed_demo_as_tests_run()
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


def test_console_reports_both_campaigns(demo: str) -> None:
    assert "Campaign demo (2014, phases 1-2)" in demo
    assert "Campaign demo (running, phases 1-2)" in demo


# --- the running campaign (dates relative to today) ----------------------------------------


def _running(county: Organization) -> Campaign:
    from demo.activities.campaign import running_demo_campaign

    campaign = running_demo_campaign(county)
    assert campaign is not None
    return campaign


def test_a_running_campaign_with_phase_three_under_way(county: Organization) -> None:
    from django.utils import timezone

    today = timezone.localdate()
    campaign = _running(county)
    phases = {p.number: p for p in campaign.phases.all()}
    assert phases[1].ends_on < today and phases[2].ends_on < today
    assert phases[3].starts_on <= today <= phases[3].ends_on == campaign.ends_on
    # The same story replayed: records in every state, all dated before today.
    statuses = set(
        ActivityPlan.objects.filter(campaign=campaign).values_list("review_status", flat=True)
    )
    assert statuses == {"draft", "submitted", "approved", "returned"}
    from rectification.models import ItemStatus, ProblemItem, ProblemList

    lists = ProblemList.objects.filter(campaign=campaign)
    assert set(lists.values_list("review_status", flat=True)) == {
        "draft",
        "submitted",
        "approved",
        "returned",
    }
    items = ProblemItem.objects.filter(problem_list__campaign=campaign)
    assert set(items.values_list("status", flat=True)) == set(ItemStatus.values)
    assert not ActivityPlan.objects.filter(campaign=campaign, created_at__date__gte=today).exists()
    # A few items overdue by days, not years.
    overdue = [
        i.days_overdue() for i in items.select_related("problem_list__campaign") if i.days_overdue()
    ]
    assert 1 <= len(overdue) <= 5 and max(overdue) < 30


@pytest.mark.parametrize("days_later", [0, 10, 29, 45, 400, 4000])
def test_waits_of_the_running_campaign_stay_under_sixty_days(
    county: Organization, days_later: int
) -> None:
    """Whatever day the demo is looked at: while the campaign runs the waits are a few
    days; once it has ended they stop at its end."""
    from django.utils import timezone

    from portal.reviews.models import days_waiting

    campaign = _running(county)
    day = timezone.localdate() + dt.timedelta(days=days_later)
    tasks = ReviewTask.objects.waiting().filter(wait_ends_on=campaign.ends_on)
    assert tasks.count() >= 8
    waits = [days_waiting(t.submitted_at, t.wait_ends_on, day) for t in tasks]
    assert max(waits) < 60
    if days_later == 0:
        assert max(waits) <= 21 and min(waits) >= 1


def test_waits_are_short_in_the_inbox_today(county: Organization) -> None:
    response = client("reviewer").get(reverse("reviews:inbox"), headers=ENGLISH)
    days = [row.days_waiting for row in response.context["rows"]]
    assert days and max(days) < 200  # the 2014 ones stop at 2014-09-30: never thousands


def test_pages_open_on_the_running_campaign(county: Organization) -> None:
    campaign = _running(county)
    org = secretary_org()
    secretary = client("secretary")
    [panel] = secretary.get("/", headers=ENGLISH).context["campaign_panels"]
    assert panel.campaign == campaign
    checklist = secretary.get(reverse("progress:checklist", args=[org.pk]))
    assert checklist.context["campaign"] == campaign
    reviewer = client("reviewer")
    assert reviewer.get(reverse("progress:dashboard")).context["campaign"] == campaign
    park = Organization.objects.get(code="QS-KFQ")
    assert reviewer.get(reverse("progress:grid", args=[park.pk])).context["campaign"] == campaign
    overdue = reviewer.get(reverse("rectification:overdue_items"))
    assert overdue.context["campaign"] == campaign
    assert 1 <= overdue.context["page"].paginator.count <= 5


@pytest.mark.parametrize(
    "today",
    [dt.date(2026, 1, 1), dt.date(2026, 3, 1), dt.date(2027, 7, 15), dt.date(2030, 12, 31)],
)
def test_the_running_campaign_is_placed_around_any_today(
    county: Organization, today: dt.date
) -> None:
    """The campaign seed_demo builds on any day: phases 1 and 2 over, phase 3 under
    way, and the story's last records and waiting submissions in the fortnight before."""
    from demo.activities.campaign import (
        CURRENT_STORY_TODAY,
        current_shift,
        ensure_current_campaign,
    )
    from demo.activities.story import CURRENT_SUBMITTED_ON
    from demo.rectification.story import CURRENT_SUBMITTED_ON as PHASE3_SUBMITTED_ON

    campaign = ensure_current_campaign(county, today)
    assert campaign.starts_on <= today < campaign.ends_on
    phases = {p.number: p for p in campaign.phases.all()}
    assert phases[2].ends_on < phases[3].starts_on <= today <= phases[3].ends_on
    moved = dt.timedelta(days=current_shift(today))
    assert CURRENT_STORY_TODAY + moved == today
    # The submissions of the records left waiting (the story's September dates).
    waiting = {**CURRENT_SUBMITTED_ON, **PHASE3_SUBMITTED_ON}
    recent = {key: day for key, day in waiting.items() if day >= "2014-09-01"}
    assert len(recent) >= 10
    for key, story_day in recent.items():
        real = dt.date.fromisoformat(story_day) + moved
        assert today - dt.timedelta(days=21) <= real < today, key
    # Kept while it runs: asking again the next day finds the same campaign.
    assert ensure_current_campaign(county, today + dt.timedelta(days=1)) == campaign


def test_reports_sent_upward_and_bulletin_one_are_in_the_running_campaign(
    county: Organization,
) -> None:
    """docs/product.md §6.6 in the demo: six reports from five organizations, four
    selected by the county office, 第 1 期 compiled from three; the secretary's branch
    was told its report was used."""
    from bulletins.models import Bulletin, UpwardReport
    from portal.notifications.models import Notification

    campaign = _running(county)
    reports = UpwardReport.objects.filter(campaign=campaign)
    assert reports.count() == 6
    assert reports.values("organization").distinct().count() == 5
    [bulletin] = Bulletin.objects.filter(campaign=campaign, organization=county)
    assert bulletin.number == 1 and bulletin.items.count() == 3
    assert all(r.submitted_at.date() <= bulletin.issued_on for r in reports)
    office = client("office")
    feed = office.get(reverse("bulletins:home"), follow=True, headers=ENGLISH)
    assert feed.context["org"] == county
    assert feed.context["page"].paginator.count == 6
    waiting = office.get(reverse("bulletins:compile", args=[county.pk]), headers=ENGLISH)
    assert waiting.context["next_number"] == 2 and waiting.context["has_selections"]
    told = Notification.objects.filter(verb="bulletin.used", recipient__username="secretary")
    assert told.get().url.startswith("/bulletins/report/")


def test_an_announced_meeting_waits_for_the_members_answer(county: Organization) -> None:
    """docs/product.md §6.1: the demo member is invited to a meeting in the coming days
    and has not answered; a colleague cannot attend, and the secretary sees why."""
    from activities.models import Invitation, MeetingAnnouncement, Reply

    announcement = MeetingAnnouncement.objects.get(organization=secretary_org())
    assert announcement.starts_at > timezone.now()
    home = client("member").get("/", headers={"Accept-Language": "zh-hans"})
    assert [i.announcement for i in home.context["invitations"]] == [announcement]
    assert "尚未回复" in home.content.decode()
    mine = Invitation.objects.get(announcement=announcement, member__user__username="member")
    assert mine.reply == Reply.PENDING
    assert Notification.objects.filter(
        recipient__username="member", verb="meeting.announced"
    ).exists()
    declined = Invitation.objects.get(announcement=announcement, reply=Reply.ABSENT)
    page = client("secretary").get(announcement.get_absolute_url()).content.decode()
    assert declined.member.name in page and declined.reason in page
    record = client("secretary").get(
        reverse("activities:announcement_record", args=[announcement.pk]),
        headers={"Accept-Language": "zh-hans"},
    )
    assert f"本人回复：不能参加（{declined.reason}）" in record.content.decode()


def test_the_demo_member_sees_a_rectification_task_of_their_own(county: Organization) -> None:
    """docs/product.md §6.3 and issue #17 part 4: the demo member is the responsible
    person of an open item of their branch's approved problem list, and their home
    page lists it among their tasks."""
    from rectification.models import ItemStatus, ProblemItem

    items = ProblemItem.objects.filter(
        responsible_member__user__username="member",
        problem_list__campaign=_running(county),
    ).exclude(status=ItemStatus.CLOSED)
    item = items.get()
    assert item.problem_list.organization == secretary_org()
    home = client("member").get("/", headers={"Accept-Language": "zh-hans"})
    assert item in home.context["my_items"]
    assert item.description[:10] in home.content.decode()
