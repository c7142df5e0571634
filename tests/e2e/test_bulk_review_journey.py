"""The reviewer's side at county scale, in a browser (zh-hans, 1366x768): the reviewer
filters the inbox to one subtree, approves five activity plans at once, returns two
statements with one comment, then goes through three problem lists with
"通过并打开下一条", reading the item-level comparison of the resubmitted one; the
secretary's home shows the return. Clicks are counted (see CLICKS_BEFORE)."""

from __future__ import annotations

from typing import Any

import pytest

from activities.models import ActivityPlan, SelfExamination, StatementSubject
from portal.reviews.models import ReviewStatus
from portal.reviews.services import review_transition
from rectification.models import ProblemList
from tests.activities.phase2_factories import make_statement
from tests.activities.plans_factories import campaign_for, plan_at, submitted_plan
from tests.e2e.conftest import axe_violations, login, screenshot
from tests.factories import add_org
from tests.rectification.problems_factories import make_item, make_list

pytestmark = pytest.mark.django_db(transaction=True)

ZH = "zh-hans"
# Ten decisions one by one, before this work: open the record from the inbox (1), press
# approve or return (1), go back to the inbox (1), per record.
CLICKS_BEFORE = 10 * 3
RETURN_COMMENT = "对照检查材料要联系本单位实际，请补充具体事例。"


class Clicks:
    """Counts the reviewer's clicks (typing is not counted)."""

    def __init__(self) -> None:
        self.n = 0

    def click(self, locator: Any) -> None:
        self.n += 1
        locator.click()


def _data(world: Any) -> dict[str, Any]:
    campaign = campaign_for(world)
    plans = []
    for i in range(5):
        org = add_org(world.own, short_name=f"甲公司第{i + 2}支部")
        plans.append(submitted_plan(world, org, title=f"甲公司第{i + 2}支部活动方案"))
    # Outside the subtree chosen: stays in the inbox.
    submitted_plan(world, world.sibling, title="乙公司支部活动方案", by=world.admin)
    statements = []
    for subject in (StatementSubject.TEAM, StatementSubject.SECRETARY):
        statement = make_statement(world.own, campaign, subject=subject)
        review_transition(statement, action="submit", actor=world.secretary)
        statements.append(statement)
    lists = []
    for i in range(3):
        plist = make_list(world, add_org(world.own, short_name=f"甲公司第{i + 7}支部"))
        for text in ("理论学习不够深入。", "组织生活不经常。", "联系群众不紧密。"):
            make_item(plist, description=text)
        review_transition(plist, action="submit", actor=world.secretary)
        lists.append(plist)
    # The last one came back once and was resubmitted with a fourth item.
    review_transition(lists[2], action="return", actor=world.reviewer, comment="问题查摆不全。")
    make_item(lists[2], description="经费保障不足，活动场所简陋。")
    review_transition(lists[2], action="resubmit", actor=world.secretary)
    return {"plans": plans, "statements": statements, "lists": lists}


def test_reviewer_decides_ten_records_with_bulk_and_next(
    world: Any, live_server: Any, new_page: Any
) -> None:
    data = _data(world)
    # Unused here but part of the county: a draft plan is never in the inbox.
    plan_at(world, add_org(world.own), title="草稿方案")
    clicks = Clicks()
    page = new_page(locale=ZH, width=1366, height=768)
    login(page, live_server, "reviewer")
    page.goto(f"{live_server.url}/reviews/inbox/")

    # Filter to 甲公司党委's subtree.
    page.get_by_label("党组织（含下级）").fill(world.own.code)
    clicks.click(page.get_by_role("button", name="筛选"))
    page.wait_for_load_state("domcontentloaded")
    assert page.get_by_text("乙公司支部活动方案").count() == 0
    # Columns fit: no cell of the short columns wraps at 1366 px.
    heights = page.eval_on_selector_all(
        ".inbox-table tbody td.nowrap", "cells => cells.map(c => c.getBoundingClientRect().height)"
    )
    assert heights and max(heights) < 45, heights
    assert axe_violations(page) == []
    screenshot(page, "bulk-inbox-filtered-desktop")

    # Five plans approved at once.
    for plan in data["plans"]:
        clicks.click(page.get_by_label(f"选择“{plan.title}”"))
    clicks.click(page.get_by_role("button", name="批量通过所选…"))
    page.wait_for_load_state("domcontentloaded")
    assert page.get_by_role("heading", name="批量审核通过以下事项？").is_visible()
    assert page.locator("table.inbox-table tbody tr").count() == 5
    assert axe_violations(page) == []
    screenshot(page, "bulk-confirm-desktop")
    clicks.click(page.get_by_role("button", name="审核通过这 5 条"))
    page.wait_for_load_state("domcontentloaded")
    assert page.get_by_text("已审核通过 5 条。").is_visible()
    assert ActivityPlan.objects.filter(review_status=ReviewStatus.APPROVED).count() == 5

    # Two statements returned with one comment.
    clicks.click(page.get_by_role("link", name="返回待审事项"))
    page.wait_for_load_state("domcontentloaded")
    for statement in data["statements"]:
        clicks.click(page.get_by_label(f"选择“{statement.review_title()}”"))
    clicks.click(page.get_by_role("button", name="批量退回所选…"))
    page.wait_for_load_state("domcontentloaded")
    page.get_by_label("审核意见").fill(RETURN_COMMENT)
    screenshot(page, "bulk-confirm-return-desktop")
    clicks.click(page.get_by_role("button", name="退回这 2 条"))
    page.wait_for_load_state("domcontentloaded")
    assert page.get_by_text("已退回修改 2 条。").is_visible()
    assert set(SelfExamination.objects.values_list("review_status", flat=True)) == {"returned"}

    # Three problem lists, one after the other.
    clicks.click(page.get_by_role("link", name="返回待审事项"))
    page.wait_for_load_state("domcontentloaded")
    first = data["lists"][0]
    clicks.click(page.get_by_role("link", name=first.title))
    page.wait_for_load_state("domcontentloaded")
    for expected in data["lists"]:
        assert page.get_by_role("heading", name=expected.title, exact=False).first.is_visible()
        if expected is data["lists"][2]:
            assert page.get_by_text("第 4 项为新增").is_visible()
            assert page.get_by_text("3 项未修改").is_visible()
            # The earlier return comment stands above the comparison.
            comment = page.get_by_text("问题查摆不全。").first.bounding_box()
            new_item = page.get_by_text("第 4 项为新增").bounding_box()
            assert comment["y"] < new_item["y"]
            page.get_by_text("第 4 项为新增").scroll_into_view_if_needed()
            assert axe_violations(page) == []
            screenshot(page, "item-comparison-desktop")
        clicks.click(page.get_by_role("button", name="通过并打开下一条"))
        page.wait_for_load_state("domcontentloaded")
    assert page.get_by_text("此筛选下已没有待您审核的事项。").is_visible()
    assert page.url.endswith(f"/reviews/inbox/?org={world.own.code}")
    assert ProblemList.objects.filter(review_status=ReviewStatus.APPROVED).count() == 3

    # Ten decisions; before this work each took three clicks.
    print(f"clicks for ten decisions: {clicks.n} (before: {CLICKS_BEFORE})")
    assert clicks.n < CLICKS_BEFORE
    assert clicks.n == 18

    # The secretary's home shows the return with its comment.
    secretary = new_page(locale=ZH, width=1366, height=768)
    login(secretary, live_server, "secretary")
    secretary.goto(f"{live_server.url}/")
    assert secretary.get_by_text(RETURN_COMMENT[:30], exact=False).first.is_visible()
    screenshot(secretary, "secretary-home-after-bulk-return")
