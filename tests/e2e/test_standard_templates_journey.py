"""Standards templates in the portal and the campaigns over the years, in a browser
(docs/product.md §5.1, §5.2, §6.3): the office builds a template of three items on a
phone in Chinese and moves one up; a secretary's organization page at phone width lists
its work under a two-phase campaign's own phases and its campaigns over the years. No
sideways scrolling, no serious or critical accessibility violation."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.seed import ensure_campaign_2014
from rectification.models import StandardTemplate
from tests.campaigns import make_campaign
from tests.e2e.conftest import assert_fits_phone, axe_violations, login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_office_builds_a_standards_template_on_a_phone(
    world: Any, live_server: Any, new_page: Any
) -> None:
    campaign = ensure_campaign_2014(world.county)
    page = new_page(locale="zh-CN", width=375, height=800)
    login(page, live_server, "admin")
    page.goto(f"{live_server.url}{campaign.get_absolute_url()}")
    page.get_by_role("link", name="达标检查表模板").click()
    page.get_by_role("link", name="新建达标检查表模板").click()
    page.locator("#id_code").fill("three_haves")
    page.locator("#id_name_zh").fill("三有")
    page.locator("#id_name_en").fill("Three haves")
    page.locator("#id_pass_rule").select_option("all_items")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    for n, name in enumerate(["有场所", "有制度", "有活动"], start=1):
        page.locator("#id_name_zh").fill(name)
        page.locator("#id_name_en").fill(f"item {n}")
        page.locator("#id_points").fill("10")
        page.locator("#id_check_method").select_option("site")
        with page.expect_navigation():
            page.get_by_role("button", name="添加该项目").click()
    with page.expect_navigation():
        page.get_by_role("button", name="上移 有活动").click()
    template = StandardTemplate.objects.get(code="three_haves")
    names = list(template.items.order_by("order").values_list("name_zh", flat=True))
    assert names == ["有场所", "有活动", "有制度"]
    assert_fits_phone(page)
    assert axe_violations(page) == []
    screenshot(page, "standards-template-phone-zh")


def test_the_organization_page_follows_the_campaigns_phases_on_a_phone(
    world: Any, live_server: Any, new_page: Any
) -> None:
    ensure_campaign_2014(world.county)
    make_campaign(world.county, phases=2, starts_on=timezone.localdate() - dt.timedelta(days=40))
    page = new_page(locale="zh-CN", width=375, height=800)
    login(page, live_server, "secretary")
    page.goto(f"{live_server.url}{reverse('organizations:detail', args=[world.own.pk])}")
    assert page.get_by_role("heading", name="第 2 阶段：对照检查").count() == 1
    assert page.get_by_role("heading", name="历年参加的活动").count() == 1
    assert_fits_phone(page)
    assert axe_violations(page) == []
    screenshot(page, "organization-phases-archive-phone-zh")
