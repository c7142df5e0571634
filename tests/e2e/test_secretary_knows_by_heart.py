"""What a secretary knows by heart, in a browser (zh-hans, 375 px phone): the committee
page, the meeting form showing only whom the meeting's kind expects, a pledge with the
plan's three pairs, and the funding page counting only receipts with evidence."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from activities.models import MeetingKind
from organizations import services as org_services
from organizations.models import CommitteeRole
from tests.activities import factories as af
from tests.e2e.conftest import assert_fits_phone, axe_violations, login, screenshot
from tests.factories import MemberFactory
from tests.rectification.records_factories import make_receipt
from tests.rectification.standards_factories import member_of, pledge_of

pytestmark = pytest.mark.django_db(transaction=True)

DAY = dt.date(2014, 1, 1)


def _phone(new_page: Any, live_server: Any, world: Any) -> Any:
    page = new_page(locale="zh-CN", width=375, height=812)
    page.set_extra_http_headers({"Accept-Language": "zh-hans"})
    login(page, live_server, world.secretary.username)
    return page


def test_the_meeting_form_shows_only_whom_the_kind_expects(
    world: Any, live_server: Any, new_page: Any
) -> None:
    af.campaign_for(world)
    world.own.members.update(is_active=False)
    people = [MemberFactory(organization=world.own, name=f"党员{i:02d}") for i in range(11)]
    for member, role in zip(people[:3], ("secretary", "organization", "propaganda"), strict=True):
        org_services.committee_post_add(actor=None, organization=world.own, member=member,
                                        role=role, starts_on=DAY)  # fmt: skip
    org_services.party_group_create(actor=None, organization=world.own, name="第一党小组",
                                    starts_on=DAY, members=people[5:9])  # fmt: skip
    page = _phone(new_page, live_server, world)
    page.goto(live_server.url + reverse("organizations:committee", args=[world.own.pk]))
    assert "组织委员" in page.content() and "第一党小组" in page.content()
    assert_fits_phone(page)
    assert axe_violations(page) == []
    screenshot(page, "h14a-committee-zh-375")
    page.goto(live_server.url + reverse("activities:meeting_create", args=[world.own.pk]))
    expected = page.locator("[data-expected-count]")
    assert expected.inner_text() == "11"
    page.locator("[data-meeting-kind]").select_option(MeetingKind.BRANCH_COMMITTEE)
    assert expected.inner_text() == "3"  # 支委会: the committee, not everyone
    assert page.locator(".roll-row:visible").count() == 3
    page.locator("[data-meeting-kind]").select_option(MeetingKind.PARTY_GROUP)
    page.locator("[data-party-group]").select_option(label="第一党小组")
    assert expected.inner_text() == "4"
    screenshot(page, "h14a-meeting-party-group-zh-375")
    page.locator("[data-meeting-kind]").select_option(MeetingKind.BRANCH_GENERAL)
    assert expected.inner_text() == "11"
    assert_fits_phone(page)
    assert CommitteeRole.ORGANIZATION.label  # the post names come from the catalogue


def test_pledge_and_funding_pages_read_right_on_a_phone(
    world: Any, live_server: Any, new_page: Any, media_root: Any
) -> None:
    pledge = pledge_of(world, member_of(world.own, name="王承诺"))
    make_receipt(world, world.own, source="county_finance", amount="300.00", evidence=1)
    make_receipt(world, world.own, source="enterprise", amount="500.00", evidence=1)
    make_receipt(world, world.own, source="retained_dues", amount="80.00")
    page = _phone(new_page, live_server, world)
    page.goto(live_server.url + pledge.get_absolute_url())
    text = page.content()
    assert "比思想、亮身份" in text and "比作风、亮承诺" in text and "比奉献、亮形象" in text
    assert_fits_phone(page)
    screenshot(page, "h14a-pledge-zh-375")
    page.goto(live_server.url + reverse("rectification:funding_overview", args=[world.own.pk]))
    text = page.content()
    assert "计入保障标准" in text and "300.00" in text
    assert_fits_phone(page)
    assert axe_violations(page) == []
    screenshot(page, "h14a-funding-zh-375")
