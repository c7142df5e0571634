"""Issue #17 part 2 in a browser: a branch secretary on a phone, in Chinese, filters the
one-to-one talks by date, and the list's download link gives the spreadsheet of what
the page shows — Chinese headings, the filtered-out talk absent."""

from __future__ import annotations

import datetime as dt
from typing import Any

import openpyxl
import pytest
from django.urls import reverse

from activities.seed import ensure_campaign_2014
from tests.activities.phase2_factories import make_talk
from tests.conftest import World
from tests.e2e.conftest import assert_fits_phone, axe_violations, login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"locale": "zh-CN", "width": 375, "height": 812}


def test_secretary_downloads_the_filtered_talks_on_a_phone(
    world: World, live_server: Any, new_page: Any
) -> None:
    campaign = ensure_campaign_2014(world.county)
    make_talk(world.own, campaign, summary="五月的谈话", talked_on=dt.date(2014, 5, 10))
    make_talk(
        world.own,
        campaign,
        summary="六月的谈话：听取对整改工作的意见",
        talked_on=dt.date(2014, 6, 10),
        initiator_name="王书记",
        partner_name="李师傅",
    )
    page = new_page(**PHONE)
    login(page, live_server, world.secretary.username)
    url = reverse("activities:talk_list", args=[world.own.pk])
    page.goto(f"{live_server.url}{url}?campaign={campaign.pk}&date_from=2014-06-01")
    links = page.locator("p.export-links")
    assert "下载此列表" in links.inner_text()
    assert_fits_phone(page)
    assert axe_violations(page) == []
    screenshot(page, "export-links-talks-phone")

    with page.expect_download() as info:
        links.get_by_role("link", name=".xlsx").click()
    download = info.value
    assert download.suggested_filename.startswith("谈心谈话-")
    with open(download.path(), "rb") as handle:  # a temporary name without an extension
        sheet = openpyxl.load_workbook(handle).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("组织名称", "谈话日期", "谈话人", "谈话对象")
    assert [row[-1] for row in rows[1:]] == ["六月的谈话：听取对整改工作的意见"]
    assert rows[1][2:4] == ("王书记", "李师傅")
