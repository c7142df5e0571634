"""Issue #17 part 3 in a browser, on a phone in Chinese: the county office opens "信息报送"
from its menu, selects (采用) three reports sent from below, compiles bulletin 第 1 期 and
downloads its PDF (docs/product.md §6.6)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bulletins.models import Bulletin
from portal.notifications.models import Notification
from tests.bulletins.factories import make_report
from tests.e2e.conftest import assert_fits_phone, axe_violations, login, screenshot
from tests.reports.helpers import pdf_text

pytestmark = pytest.mark.django_db(transaction=True)

TITLES = ["甲公司开展集中学习", "一支部召开动员会", "乙公司征求群众意见"]


def test_office_compiles_bulletin_one_from_three_reports_and_downloads_its_pdf(
    world: Any, live_server: Any, new_page: Any, media_root: Any, tmp_path: Path
) -> None:
    make_report(world, world.own, title=TITLES[0], photos=2, tags="学习", actor=world.secretary)
    make_report(world, world.child, title=TITLES[1], photos=1)
    make_report(world, world.sibling, title=TITLES[2])
    make_report(world, world.sibling, title="未采用的信息")

    page = new_page(locale="zh-CN", width=375, height=800)
    page.set_extra_http_headers({"Accept-Language": "zh-hans"})
    login(page, live_server, "office")
    page.locator("[data-toggle-nav]").click()
    page.get_by_role("link", name="信息报送", exact=True).click()
    page.wait_for_load_state("domcontentloaded")
    assert page.get_by_role("heading", name="信息报送：测试县委").is_visible()
    assert_fits_phone(page)
    assert axe_violations(page) == []

    for title in TITLES:
        card = page.locator("article.upward-report", has_text=title)
        card.get_by_role("button", name="采用").click()
        page.wait_for_load_state("domcontentloaded")
        assert (
            page.locator("article.upward-report", has_text=title)
            .get_by_text("已采用", exact=True)
            .is_visible()
        )
    screenshot(page, "bulletin-feed-phone")

    page.get_by_role("link", name="编发简报").first.click()
    page.wait_for_load_state("domcontentloaded")
    assert page.get_by_role("heading", name="编发第 1 期简报").is_visible()
    assert page.locator("#id_title").input_value() == "测试县委非公企业党组织教育实践活动简报"
    for title in TITLES:
        assert page.get_by_label(title, exact=False).is_checked()
    assert page.get_by_text("未采用的信息").count() == 0
    assert_fits_phone(page)
    assert axe_violations(page) == []
    screenshot(page, "bulletin-compile-phone")
    page.get_by_role("button", name="编发", exact=True).click()
    page.wait_for_load_state("domcontentloaded")

    assert page.get_by_role(
        "heading", name="《测试县委非公企业党组织教育实践活动简报》"
    ).is_visible()
    assert page.locator(".bulletin-number").inner_text() == "第 1 期"
    assert_fits_phone(page)
    assert axe_violations(page) == []
    screenshot(page, "bulletin-detail-phone")
    bulletin = Bulletin.objects.get()
    assert bulletin.number == 1 and bulletin.items.count() == 3
    assert Notification.objects.filter(verb="bulletin.used", recipient=world.secretary).exists()

    page.get_by_role("button", name="打印（PDF）").click()
    page.wait_for_load_state("domcontentloaded")
    download_link = page.get_by_role("link", name="下载 PDF")
    download_link.wait_for(timeout=60_000)
    with page.expect_download() as info:
        download_link.click()
    saved = tmp_path / "bulletin.pdf"
    info.value.save_as(str(saved))
    data = saved.read_bytes()
    assert data[:5] == b"%PDF-"
    text = "".join(pdf_text(data, tmp_path).split())
    assert "简报" in text and "第1期" in text
    for title in TITLES:
        assert title in text
    assert "未采用的信息" not in text
