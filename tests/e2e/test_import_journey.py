"""A secretary imports a roster with mistakes, reads the errors, fixes the file, imports
it, and finds the members on the member list (issue #6)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from organizations.models import Member
from tests.conftest import World
from tests.e2e.conftest import assert_fits_phone, axe_violations, login
from tests.organizations.test_io_support import citizen_id, member_values, table, xlsx_bytes

# Playwright's sync API runs an event loop in this thread; Django's ORM calls made by
# the test itself (building data, final checks) are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def write_roster(path: Path, world: World, *, with_mistakes: bool) -> Path:
    rows = [
        member_values(0, world.own, 姓名="张 伟"),
        member_values(1, world.own, 姓名="李娜", 入党时间="2012年7月1日", 转正时间="2013年7月1日"),
        member_values(2, world.child, 姓名="王芳", 出生日期="1980/1/1"),
    ]
    if with_mistakes:
        good = citizen_id(1)
        rows[1]["身份证号"] = good[:17] + ("0" if good[17] != "0" else "1")  # a typo
        rows[2]["入党时间"] = "2012.13.1"  # no 13th month
        rows[2]["所在党支部"] = "中共不存在支部委员会"
    path.write_bytes(xlsx_bytes(table(rows), above=[["甲公司党委党员名册"]]))
    return path


def upload(page: Any, path: Path) -> None:
    page.get_by_label("Spreadsheet (.xlsx or .csv)").set_input_files(str(path))
    page.get_by_role("button", name="Upload and check").click()
    page.wait_for_load_state("domcontentloaded")


def test_roster_with_mistakes_then_fixed_imports_whole(
    live_server: Any, page: Any, world: World, tmp_path: Path, settings: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    login(page, live_server, "secretary")

    page.goto(f"{live_server.url}/io/")
    page.get_by_role("link", name=world.own.full_name).click()
    page.wait_for_load_state("domcontentloaded")
    assert page.get_by_role("heading", level=1).inner_text() == "Import: Members"

    upload(page, write_roster(tmp_path / "roster.xlsx", world, with_mistakes=True))
    alert = page.get_by_role("alert").first
    assert "3 errors; nothing was saved" in alert.inner_text()
    errors = page.locator("table.import-errors tbody tr")
    assert errors.count() == 3
    rows = [errors.nth(i).locator("td").all_inner_texts() for i in range(3)]
    # Row numbers as in the spreadsheet: title row 1, headings row 2, members from row 3.
    assert rows[0][:2] == ["4", "身份证号"] and "check digit" in rows[0][2]
    assert rows[1][:2] == ["5", "入党时间"] and "does not exist" in rows[1][2]
    assert rows[2][:2] == ["5", "所在党支部"] and "Unknown organization" in rows[2][2]
    assert page.get_by_role("button", name="Import now").count() == 0
    assert Member.objects.filter(name__in=["张伟", "李娜", "王芳"]).count() == 0
    assert axe_violations(page) == []

    page.get_by_role("link", name="Upload a corrected file").click()
    page.wait_for_load_state("domcontentloaded")
    upload(page, write_roster(tmp_path / "roster-fixed.xlsx", world, with_mistakes=False))
    preview = page.locator("table.import-preview tbody tr")
    assert preview.count() == 3
    assert "No errors found" in page.locator("#job-body").inner_text()

    page.get_by_role("button", name="Import now").click()
    page.wait_for_load_state("domcontentloaded")
    assert "The import is complete" in page.locator("#job-body").inner_text()

    page.get_by_role("link", name="See the members").click()
    page.wait_for_load_state("domcontentloaded")
    listing = page.locator("#member-results").inner_text()
    for name in ("张伟", "李娜", "王芳"):
        assert name in listing
    assert Member.objects.get(name="王芳").organization == world.child


def test_import_pages_fit_a_phone(live_server: Any, new_page: Any, world: World) -> None:
    page = new_page(width=375, height=740)
    login(page, live_server, "secretary")
    for url in ("/io/", f"/io/import/members/?org={world.own.pk}"):
        page.goto(f"{live_server.url}{url}")
        assert_fits_phone(page)
        assert axe_violations(page) == []
