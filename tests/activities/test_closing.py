"""Closing a finished campaign (#18, docs/product.md §5.2): who closes and reopens it,
its history and audit, the composer's pages refusing changes, `Campaign.objects`
still reading it, the roll-up, reminders and urging leaving it alone."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from activities import closing
from activities.campaigns import services
from activities.campaigns.selectors import campaign_history, waiting_reviews
from activities.models import Campaign, CampaignStatus
from activities.seed import ensure_campaign_2014
from portal.accounts.models import AuditEvent, Role
from portal.core import closed
from portal.progress import rollup
from portal.progress.models import DIRTY, Standing
from portal.progress.urging import urge_send
from tests.utils import add_office, add_role, check_matrix, client_for

pytestmark = pytest.mark.django_db


def _campaign(world: Any) -> Campaign:
    return ensure_campaign_2014(world.county)


def close(world: Any, campaign: Campaign | None = None) -> Campaign:
    campaign = campaign or _campaign(world)
    services.campaign_close(actor=world.admin, campaign=campaign)
    return campaign


def _running(world: Any) -> Campaign:
    """A campaign still running today."""
    today = dt.date.today()
    return Campaign.objects.create(
        lead_organization=world.county,
        name_zh="正在进行的活动",
        name_en="A running campaign",
        starts_on=today - dt.timedelta(days=10),
        ends_on=today + dt.timedelta(days=30),
    )


# --- the model and the manager --------------------------------------------------------------


def test_the_closed_status_is_the_one_the_cross_cutting_apps_know() -> None:
    assert closed.CLOSED == CampaignStatus.CLOSED


def test_campaign_objects_read_open_and_closed_campaigns_not_drafts(world: Any) -> None:
    campaign = close(world)
    draft = Campaign.all_objects.create(
        lead_organization=world.county,
        name_zh="草稿",
        starts_on=dt.date(2016, 1, 1),
        ends_on=dt.date(2016, 6, 30),
        status=CampaignStatus.DRAFT,
    )
    running = _running(world)
    assert set(Campaign.objects.all()) == {campaign, running}
    assert list(Campaign.objects.running()) == [running]
    assert draft not in Campaign.objects.all()


def test_every_record_model_of_a_campaign_is_guarded() -> None:
    guarded = {m._meta.label for m in closing.guarded_models()}
    for label in (
        "activities.Meeting",
        "activities.Attendance",
        "activities.CounselingRecord",
        "activities.Opinion",
        "activities.ActivityPlan",
        "activities.AppraisalResult",
        "rectification.ProblemItem",
        "rectification.ItemEvent",
        "rectification.FundingReceipt",
        "rectification.SatisfactionBallot",
        "bulletins.UpwardReport",
    ):
        assert label in guarded, label
    assert "activities.Campaign" not in guarded  # closing and reopening write it


# --- closing and reopening --------------------------------------------------------------------


def test_closing_needs_an_open_campaign_whose_last_day_has_passed(world: Any) -> None:
    running = _running(world)
    with pytest.raises(ValidationError, match="once its last day"):
        services.campaign_close(actor=world.admin, campaign=running)
    campaign = close(world)
    assert campaign.status == CampaignStatus.CLOSED and campaign.closed_at is not None
    with pytest.raises(ValidationError, match="closed already"):
        services.campaign_close(actor=world.admin, campaign=campaign)
    draft = Campaign.all_objects.create(
        lead_organization=world.county,
        name_zh="草稿",
        starts_on=dt.date(2016, 1, 1),
        ends_on=dt.date(2016, 6, 30),
        status=CampaignStatus.DRAFT,
    )
    with pytest.raises(ValidationError, match="Only an open campaign"):
        services.campaign_close(actor=world.admin, campaign=draft)


def test_closing_and_reopening_are_audited_and_kept_in_the_history(world: Any) -> None:
    campaign = close(world)
    services.campaign_reopen(actor=world.admin, campaign=campaign)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.OPEN and campaign.closed_at is None
    assert list(
        AuditEvent.objects.filter(detail__campaign=campaign.pk)
        .order_by("pk")
        .values_list("action", "actor")
    ) == [("campaign.close", world.admin.pk), ("campaign.reopen", world.admin.pk)]
    statuses = [
        [(name, before, after) for name, before, after in change.fields]
        for change in campaign_history(campaign)
        if change.user == world.admin
    ]
    assert [("status", "closed", "open")] in statuses
    assert [("status", "open", "closed")] in statuses
    with pytest.raises(ValidationError, match="Only a closed campaign"):
        services.campaign_reopen(actor=world.admin, campaign=campaign)


def test_only_those_who_compose_campaigns_close_them(world: Any) -> None:
    campaign = _campaign(world)
    from django.core.exceptions import PermissionDenied

    park_office = add_office(world, world.park_a, "park_office")
    with pytest.raises(PermissionDenied):  # the office of a node below the lead
        services.campaign_close(actor=park_office, campaign=campaign)
    services.campaign_close(actor=world.office, campaign=campaign)  # the lead's office
    with pytest.raises(PermissionDenied):
        services.campaign_reopen(actor=world.reviewer, campaign=campaign)
    services.campaign_reopen(actor=world.admin, campaign=campaign)


@pytest.mark.parametrize("name", ["activities:campaign_close", "activities:campaign_reopen"])
def test_close_and_reopen_pages_matrix(world: Any, name: str) -> None:
    campaign = _campaign(world)
    add_role(world, world.county, "county_reviewer", Role.REVIEWER)
    url = reverse(name, args=[campaign.pk])
    expected = {
        "anonymous": 302,
        "nobody": 404,
        "outsider": 404,  # cannot see the lead organization
        "secretary": 404,  # below it: cannot see it either
        "county_reviewer": 403,  # sees it, composes nothing
        "office": 200,  # the lead organization's own office composes it
        "admin": 200,
    }
    check_matrix(world, url, expected)
    check_matrix(world, url, {k: v for k, v in expected.items() if v != 200}, method="post")
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.OPEN  # none of them closed it
    assert client_for(world, "admin").get(reverse(name, args=[999999])).status_code == 404


def test_closing_through_the_page(world: Any, django_assert_num_queries: Any) -> None:
    campaign = _campaign(world)
    client = client_for(world, "admin")
    url = reverse("activities:campaign_close", args=[campaign.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'method="post"' in page.content.decode()
    # session, user, campaign with its lead organization, the records waiting for
    # review, the navigation's roles and unread count
    with django_assert_num_queries(6):
        client.get(url)
    # session, user, campaign; the savepoint, the locked campaign, its update, its
    # history row with the organizations left out then (read, written), the audit row,
    # the release
    with django_assert_num_queries(11):
        response = client.post(url)
    assert response.status_code == 302 and response["Location"] == campaign.get_absolute_url()
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.CLOSED
    detail = client.get(campaign.get_absolute_url()).content.decode()
    assert reverse("activities:campaign_reopen", args=[campaign.pk]) in detail
    assert reverse("activities:campaign_edit", args=[campaign.pk]) not in detail
    reopen = reverse("activities:campaign_reopen", args=[campaign.pk])
    assert client.post(reopen).status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.OPEN


def test_the_close_page_warns_of_records_still_waiting_for_review(
    world: Any, django_assert_num_queries: Any
) -> None:
    from tests.activities.plans_factories import submitted_plan

    campaign = _campaign(world)
    client = client_for(world, "office")
    url = reverse("activities:campaign_close", args=[campaign.pk])
    zh = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
    assert "等待审核" not in client.get(url, **zh).content.decode()
    submitted_plan(world, world.child)
    submitted_plan(world, world.own)
    with django_assert_num_queries(7):  # as the office (its roles): whatever the number waiting
        page = client.get(url, **zh).content.decode()
    assert "本活动还有 2 份材料等待审核" in page
    # Those of another campaign's organizations are not counted.
    other = ensure_campaign_2014(world.other_county)
    assert waiting_reviews(other) == 0


def test_a_running_campaign_offers_no_closing(world: Any) -> None:
    running = _running(world)
    client = client_for(world, "admin")
    url = reverse("activities:campaign_close", args=[running.pk])
    assert url not in client.get(running.get_absolute_url()).content.decode()
    page = client.get(url).content.decode()
    assert "once its last day" in page and "csrfmiddlewaretoken" not in page.split("<main")[1]
    response = client.post(url, follow=True)
    assert "once its last day" in response.content.decode()
    running.refresh_from_db()
    assert running.status == CampaignStatus.OPEN


def test_a_closed_campaigns_composer_pages_refuse_changes(world: Any) -> None:
    from portal.progress.models import RequirementInstance

    campaign = close(world)
    client = client_for(world, "admin")
    row = RequirementInstance.objects.filter(campaign=campaign).first()
    assert row is not None
    for url in (
        reverse("activities:campaign_edit", args=[campaign.pk]),
        reverse("activities:campaign_check", args=[campaign.pk]),
        reverse("activities:requirement_add", args=[campaign.pk]),
        reverse("activities:requirement_edit", args=[campaign.pk, row.pk]),
        reverse("activities:requirement_delete", args=[campaign.pk, row.pk]),
    ):
        for method in ("get", "post"):
            response = getattr(client, method)(url, {})
            assert response.status_code == 302, url
            assert response["Location"] == campaign.get_absolute_url()
    response = client.post(
        reverse("activities:requirement_move", args=[campaign.pk, row.pk]), follow=True
    )
    assert "reopen it before changing" in response.content.decode()
    with pytest.raises(ValidationError):
        services.requirement_delete(actor=world.admin, campaign=campaign, instance=row)
    assert RequirementInstance.objects.filter(pk=row.pk).exists()
    requirements = client.get(reverse("activities:requirement_list", args=[campaign.pk]))
    assert reverse("activities:requirement_add", args=[campaign.pk]) not in (
        requirements.content.decode()
    )


# --- the roll-up, reminders and urging ------------------------------------------------------


def test_a_closed_campaigns_rows_are_not_marked_nor_refreshed(world: Any) -> None:
    campaign = _campaign(world)
    rollup.rebuild(campaign)
    close(world, campaign)
    Standing.objects.filter(campaign=campaign).update(stale_from=None)
    rollup.mark_changed([world.own.pk])
    row = Standing.objects.get(campaign=campaign, organization=world.own)
    assert row.stale_from is None  # frozen
    from portal.progress.tasks import refresh_standings

    Standing.objects.filter(campaign=campaign).update(stale_from=DIRTY)
    assert refresh_standings(organization_ids=[world.own.pk]) == 0
    services.campaign_reopen(actor=world.admin, campaign=campaign)
    rollup.mark_changed([world.own.pk])
    assert refresh_standings(organization_ids=[world.own.pk]) >= 1


def test_reminders_skip_a_closed_campaign(world: Any) -> None:
    from rectification import reminders
    from tests.rectification.problems_factories import approved_list, force_deadline

    plist = approved_list(world)
    item = plist.items.get()
    today = dt.date(2014, 9, 20)
    force_deadline(item, today + dt.timedelta(days=3))
    events, _orgs = reminders._item_events(today)
    assert [e for e in events if str(item.pk) in e.key]
    close(world, plist.campaign)
    events, _orgs = reminders._item_events(today)
    assert not [e for e in events if str(item.pk) in e.key]
    phase_day = plist.campaign.phases.get(number=1).ends_on
    assert reminders._phase_events(phase_day) == []


def test_a_closed_campaign_is_urged_no_more(world: Any) -> None:
    campaign = close(world)
    with pytest.raises(closed.CampaignClosed):
        urge_send(
            actor=world.office,
            root=world.county,
            campaign=campaign,
            requirement="plan",
            organization_ids=[world.own.pk],
        )
    url = reverse("progress:urge", args=[world.county.pk])
    response = client_for(world, "office").post(
        url, {"campaign": campaign.pk, "requirement": "plan", "organizations": [world.own.pk]}
    )
    assert response.status_code == 302 and "grid" in response["Location"]


def test_the_banner_speaks_the_users_language(world: Any, settings: Any) -> None:
    settings.LANGUAGE_CODE = "zh-hans"
    campaign = close(world)
    client = client_for(world, "admin")
    page = client.get(campaign.get_absolute_url()).content.decode()
    assert f"“{campaign.name_zh}”已结束，记录只读。" in page
    assert "撤销结束" in page
