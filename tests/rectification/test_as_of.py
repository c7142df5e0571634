"""One "as of" day for every page (issue #14 A and B): while a campaign runs, today;
once it has ended, its last day (a finished campaign is frozen). The checklist, the
grid, the dashboard, the problem-list pages, the overdue page and the inbox all judge
overdue items and waits on that day, and items of a list not yet approved are never
overdue anywhere."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from activities.models import Campaign
from activities.seed import ensure_campaign_2014
from demo.activities.campaign import ensure_current_campaign
from portal.progress.engine import Level
from portal.reviews.models import ReviewAction, ReviewStatus, ReviewTask, days_waiting
from portal.reviews.selectors import inbox_rows
from portal.reviews.services import review_transition
from rectification import services_problems as services
from rectification.models import ProblemItem, ProblemList
from tests.rectification.problems_factories import (
    approve,
    force_deadline,
    force_item_status,
    item_fields,
)

TODAY = timezone.localdate()
TODAY_FROM_CLOCK = True  # read again before each test (tests/conftest.py)
END_2014 = dt.date(2014, 9, 30)


def _list(world: Any, campaign: Campaign, deadlines: list[dt.date]) -> ProblemList:
    plist = services.problem_list_create(
        actor=None, organization=world.own, campaign=campaign, title="问题清单", intro="说明"
    )
    for _deadline in deadlines:
        fields = item_fields(plist)
        fields["category"] = campaign.problem_categories.get(code="cohesion")
        services.item_create(actor=None, problem_list=plist, **fields)
    items = list(plist.items.order_by("number"))
    for item, deadline in zip(items, deadlines, strict=True):
        force_deadline(item, deadline)
    return plist


def _overdue_everywhere(client: Client, world: Any, plist: ProblemList) -> dict[str, int]:
    """The overdue count of world.own in plist's campaign as each page shows it."""
    campaign = plist.campaign
    counts: dict[str, int] = {}

    page = client.get(reverse("progress:checklist_campaign", args=[world.own.pk, campaign.pk]))
    for _phase, rows in page.context["phases"]:
        for req, result in rows:
            if req.code == "no_overdue":
                counts["checklist"] = _n(result)

    page = client.get(reverse("progress:grid", args=[world.own.pk]), {"campaign": campaign.pk})
    table = page.context["table"]
    column = [c.code for c in table.columns].index("no_overdue")
    row = next(r for r in page.context["page"].object_list if r.org_id == world.own.pk)
    counts["grid"] = _n(row.cells[column])

    page = client.get(
        reverse("progress:dashboard_org", args=[world.own.pk]), {"campaign": campaign.pk}
    )
    counts["dashboard"] = page.context["board"].overdue_items

    page = client.get(reverse("rectification:problem_lists", args=[world.own.pk]))
    counts["problem lists"] = next(c for camp, _pl, c in page.context["rows"] if camp == campaign)[
        "overdue"
    ]

    page = client.get(plist.get_absolute_url())
    counts["problem list"] = sum(1 for item in page.context["items"] if item.overdue_days)

    page = client.get(reverse("rectification:overdue_items"), {"campaign": campaign.pk})
    counts["overdue page"] = page.context["page"].paginator.count
    return counts


def _n(result: Any) -> int:
    """The number of overdue items a "No overdue item" result reports (none when it
    is met, or not yet judged: no approved list)."""
    if result.level != Level.RED:
        return 0
    return int(result.reason.split()[0])


@pytest.fixture
def admin_client(client: Client, world: Any) -> Client:
    client.force_login(world.admin)
    return client


def test_a_finished_campaign_is_counted_as_of_its_end_on_every_page(
    admin_client: Client, world: Any
) -> None:
    campaign = ensure_campaign_2014(world.county)
    plist = _list(
        world,
        campaign,
        [
            dt.date(2014, 9, 10),  # overdue on the campaign's last day
            dt.date(2014, 9, 1),  # closed: never overdue
            END_2014,  # due on the last day: not overdue as of it
            dt.date(2014, 12, 31),  # after the campaign: not overdue as of its end
        ],
    )
    plist = approve(world, plist)
    force_item_status(plist.items.get(number=2), "closed")
    counts = _overdue_everywhere(admin_client, world, plist)
    assert counts == dict.fromkeys(counts, 1)
    assert len(counts) == 6
    # The item's own page: overdue by 20 days as of 2014-09-30, not by thousands.
    first = plist.items.get(number=1)
    page = admin_client.get(first.get_absolute_url())
    assert page.context["item"].overdue_days == 20
    assert "2014-09-30" in page.content.decode()


def test_a_running_campaign_is_counted_as_of_today_on_every_page(
    admin_client: Client, world: Any
) -> None:
    campaign = ensure_current_campaign(world.county, TODAY)
    plist = _list(
        world,
        campaign,
        [
            TODAY - dt.timedelta(days=3),
            TODAY - dt.timedelta(days=10),
            TODAY,  # due today: not yet overdue
            TODAY + dt.timedelta(days=5),
            TODAY - dt.timedelta(days=9),  # closed
        ],
    )
    plist = approve(world, plist)
    force_item_status(plist.items.get(number=5), "closed")
    counts = _overdue_everywhere(admin_client, world, plist)
    assert counts == dict.fromkeys(counts, 2)
    page = admin_client.get(reverse("rectification:overdue_items"), {"campaign": campaign.pk})
    assert TODAY.isoformat() in page.content.decode()


def test_the_overdue_page_opens_on_the_running_campaign(admin_client: Client, world: Any) -> None:
    finished = ensure_campaign_2014(world.county)
    running = ensure_current_campaign(world.county, TODAY)
    approve(world, _list(world, finished, [dt.date(2014, 9, 10)]))
    page = admin_client.get(reverse("rectification:overdue_items"))
    assert page.context["campaign"] == running
    assert page.context["page"].paginator.count == 0
    page = admin_client.get(reverse("rectification:overdue_items"), {"campaign": finished.pk})
    assert page.context["page"].paginator.count == 1


def test_an_item_extended_past_the_end_is_judged_against_its_own_deadline(
    admin_client: Client, world: Any
) -> None:
    """Its extension approved to 2014-11-30, after the campaign's end: as of the end
    (the day a finished campaign is judged on) its deadline had not come, so it is not
    overdue — while an item of the same list due before the end is, on every page."""
    campaign = ensure_campaign_2014(world.county)
    plist = approve(world, _list(world, campaign, [dt.date(2014, 9, 15), dt.date(2014, 9, 20)]))
    extended = plist.items.get(number=2)
    request = services.extension_request_submit(
        actor=world.secretary,
        item=extended,
        new_deadline=dt.date(2014, 11, 30),
        reason="需要更多时间",
    )
    review_transition(request, action=ReviewAction.APPROVE, actor=world.reviewer)
    extended.refresh_from_db()
    assert extended.deadline == dt.date(2014, 11, 30)
    counts = _overdue_everywhere(admin_client, world, plist)
    assert counts == dict.fromkeys(counts, 1)
    assert extended.days_overdue() == 0
    assert plist.items.get(number=1).days_overdue() == 15


@pytest.mark.parametrize("status", [ReviewStatus.DRAFT, ReviewStatus.SUBMITTED])
def test_no_item_is_overdue_before_the_list_is_approved(
    admin_client: Client, world: Any, status: str
) -> None:
    campaign = ensure_current_campaign(world.county, TODAY)
    plist = _list(world, campaign, [TODAY - dt.timedelta(days=5), TODAY - dt.timedelta(days=1)])
    if status == ReviewStatus.SUBMITTED:
        review_transition(plist, action=ReviewAction.SUBMIT, actor=world.secretary)
    counts = _overdue_everywhere(admin_client, world, plist)
    assert counts == dict.fromkeys(counts, 0)
    item = plist.items.get(number=1)
    for url in (plist.get_absolute_url(), item.get_absolute_url()):
        html = admin_client.get(url).content.decode()
        assert "overdue by" not in html
    # Approved, the same items are overdue everywhere.
    if status == ReviewStatus.SUBMITTED:
        review_transition(plist, action=ReviewAction.APPROVE, actor=world.reviewer)
    else:
        approve(world, plist)
    counts = _overdue_everywhere(admin_client, world, plist)
    assert counts == dict.fromkeys(counts, 2)
    assert "overdue by 5 days" in admin_client.get(item.get_absolute_url()).content.decode()


def test_days_waiting_stop_at_the_end_of_a_finished_campaign(world: Any) -> None:
    campaign = ensure_campaign_2014(world.county)
    plist = _list(world, campaign, [dt.date(2014, 9, 10)])
    review_transition(plist, action=ReviewAction.SUBMIT, actor=world.secretary)
    submitted = timezone.make_aware(dt.datetime(2014, 9, 20, 10))
    ProblemList.objects.filter(pk=plist.pk).update(submitted_at=submitted)
    ReviewTask.objects.filter(object_id=plist.pk, status=ReviewStatus.SUBMITTED).update(
        submitted_at=submitted
    )
    task = ReviewTask.objects.select_related("organization", "content_type", "submitted_by").get(
        object_id=plist.pk, status=ReviewStatus.SUBMITTED
    )
    assert task.wait_ends_on == END_2014
    assert task.days_waiting == 10  # 20 to 30 September, not until today
    [row] = inbox_rows([task])
    assert row.days_waiting == 10
    # A running campaign's waits run to today; one submitted after its campaign's end
    # (a late closure request) counts to today too.
    recent = timezone.now() - dt.timedelta(days=4)
    assert days_waiting(recent, TODAY + dt.timedelta(days=30), TODAY) == 4
    assert days_waiting(recent, TODAY - dt.timedelta(days=30), TODAY) == 4


def test_the_inbox_shows_days_waiting_up_to_the_campaign_end(client: Client, world: Any) -> None:
    campaign = ensure_campaign_2014(world.county)
    plist = _list(world, campaign, [dt.date(2014, 9, 10)])
    review_transition(plist, action=ReviewAction.SUBMIT, actor=world.secretary)
    submitted = timezone.make_aware(dt.datetime(2014, 9, 27, 10))
    ReviewTask.objects.filter(object_id=plist.pk).update(submitted_at=submitted)
    client.force_login(world.reviewer)
    html = client.get(reverse("reviews:inbox")).content.decode()
    assert "3 days" in html
    assert f"{(TODAY - submitted.date()).days} days" not in html


def test_item_queryset_overdue_in_their_campaigns(world: Any) -> None:
    """The cross-campaign overdue list judges each item as of its own campaign."""
    finished = ensure_campaign_2014(world.county)
    running = ensure_current_campaign(world.county, TODAY)
    old = approve(world, _list(world, finished, [dt.date(2014, 9, 10), dt.date(2014, 10, 1)]))
    world.own.refresh_from_db()
    new = _list(world, running, [TODAY - dt.timedelta(days=2)])
    new = approve(world, new)
    found = set(ProblemItem.objects.overdue_in_their_campaigns(TODAY))
    assert found == {old.items.get(number=1), new.items.get(number=1)}
