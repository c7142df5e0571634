"""Rectification in a browser (issue #4):

(a) a secretary builds a problem list that adopts two opinions, submits it, a reviewer
    approves it, and the secretary publishes it; anyone with the link reads the public
    notice without logging in, and an opinion leads to its item and back;
(b) a secretary requests closure of an item with a photo as evidence, the reviewer
    rejects it with a reason, the secretary adds evidence, the reviewer closes it; an
    overdue item shows as overdue to both.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from activities.models import OpinionStatus
from rectification.models import ClosureRequest, ProblemItem, ProblemList
from tests.activities.opinions_factories import OpinionFactory
from tests.e2e.conftest import assert_fits_phone, axe_violations, login, screenshot
from tests.rectification.problems_factories import (
    approved_list,
    campaign_for,
    force_deadline,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _png(tmp_path: Path, name: str, color: str) -> Path:
    path = tmp_path / name
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return path


def _field(page: Any, label: str) -> Any:
    """The form field labelled exactly `label` (a required field's label ends with *)."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}( \*)?$"))


def _add_item(page: Any, *, problem: str, opinion_label: str, measures: str, who: str) -> None:
    _field(page, "Problem").fill(problem)
    _field(page, "Category").select_option(label="leading-body cohesion")
    _field(page, "Source").select_option(label="an opinion received")
    _field(page, "Opinion").select_option(label=opinion_label)
    _field(page, "Measures").fill(measures)
    _field(page, "Responsible person").fill(who)
    _field(page, "Responsible person's post").fill("党委书记")
    _field(page, "Deadline").fill("2014-09-30")


def test_problem_list_adopts_two_opinions_is_approved_and_published(
    world: Any, live_server: Any, new_page: Any, media_root: Any
) -> None:
    campaign = campaign_for(world)
    canteen, overtime = (
        OpinionFactory(
            organization=world.own, campaign=campaign, status=OpinionStatus.SORTED, content=text
        )
        for text in ("食堂饭菜价格偏高，建议改进", "加班太多，希望合理安排休息")
    )
    label = "{:%Y-%m-%d} · {}".format

    secretary = new_page(width=375, height=800)
    login(secretary, live_server, "secretary")
    secretary.goto(f"{live_server.url}/rectification/org/{world.own.pk}/problems/")
    secretary.get_by_role("link", name="Write the problem list").click()
    secretary.get_by_label("Title").fill("甲公司党委问题清单")
    secretary.get_by_label("Introduction").fill("通过征求职工意见查找的问题。")
    secretary.get_by_role("button", name="Save").click()
    secretary.wait_for_load_state("domcontentloaded")
    assert secretary.get_by_text("The problem list is saved as a draft.").is_visible()

    secretary.get_by_role("link", name="Add an item").click()
    _add_item(
        secretary,
        problem="职工反映食堂饭菜价格偏高。",
        opinion_label=label(canteen.received_on, canteen),
        measures="与企业协商调整食堂价格，每月公示。",
        who="张书记",
    )
    secretary.get_by_role("button", name="Save and add another").click()
    secretary.wait_for_load_state("domcontentloaded")
    assert secretary.get_by_text("Item 1 is added.").is_visible()
    _add_item(
        secretary,
        problem="职工加班多，休息得不到保障。",
        opinion_label=label(overtime.received_on, overtime),
        measures="推动企业落实轮休制度。",
        who="李委员",
    )
    secretary.get_by_role("button", name="Save", exact=True).click()
    secretary.wait_for_load_state("domcontentloaded")
    plist = ProblemList.objects.get()
    assert secretary.url.endswith(plist.get_absolute_url())
    assert secretary.locator("table.problem-items tbody tr").count() == 2
    assert_fits_phone(secretary)
    assert axe_violations(secretary) == []
    secretary.get_by_role("button", name="Submit").click()
    secretary.wait_for_load_state("domcontentloaded")
    assert secretary.get_by_text("Submitted for review.").is_visible()

    reviewer = new_page()
    login(reviewer, live_server, "reviewer")
    reviewer.goto(f"{live_server.url}/reviews/inbox/")
    reviewer.get_by_role("link", name="甲公司党委问题清单").click()
    assert reviewer.get_by_text("职工反映食堂饭菜价格偏高。").is_visible()
    reviewer.get_by_role("button", name="Approve").click()
    reviewer.wait_for_load_state("domcontentloaded")
    assert reviewer.get_by_text("Approved.", exact=True).is_visible()

    secretary.reload()
    secretary.get_by_role("link", name="Publish").click()
    secretary.get_by_label("Notice period from").fill("2014-08-01")
    secretary.get_by_label("Notice period to").fill("2014-08-07")
    secretary.get_by_label("Audience").fill("全体党员和职工")
    secretary.get_by_role("button", name="Publish").click()
    secretary.wait_for_load_state("domcontentloaded")
    assert secretary.get_by_text("The problem list is published.").is_visible()
    public_link = secretary.locator("a.break-all")
    public_path = public_link.get_attribute("href")
    plist.refresh_from_db()
    assert public_path == plist.get_public_path()

    # Anyone with the link: no login, the items with names and posts.
    visitor = new_page(width=375, height=800)
    visitor.goto(f"{live_server.url}{public_path}")
    assert visitor.get_by_role("heading", name="甲公司党委问题清单").is_visible()
    body = visitor.locator("main").inner_text()
    for text in (
        "职工反映食堂饭菜价格偏高。",
        "张书记",
        "党委书记",
        "2014-08-01",
        "2014-08-07",
        "全体党员和职工",
    ):
        assert text in body
    assert "Log out" not in visitor.content()
    assert_fits_phone(visitor)
    assert axe_violations(visitor) == []
    screenshot(visitor, "rectification-public-notice-phone")

    # The opinion leads to the item it became, and the item back to the opinion.
    secretary.goto(f"{live_server.url}{canteen.get_absolute_url()}")
    secretary.get_by_role("link", name="Problem list item 1").click()
    secretary.wait_for_load_state("domcontentloaded")
    item = ProblemItem.objects.get(number=1)
    assert secretary.url.endswith(item.get_absolute_url())
    secretary.get_by_role("link", name="from opinion", exact=False).click()
    secretary.wait_for_load_state("domcontentloaded")
    assert secretary.url.endswith(canteen.get_absolute_url())
    overtime.refresh_from_db()
    assert overtime.status == OpinionStatus.ADOPTED
    assert overtime.adopted_item_label == "Problem list item 2"


def test_closure_is_rejected_then_granted_and_overdue_items_show(
    world: Any, live_server: Any, new_page: Any, media_root: Any, tmp_path: Path
) -> None:
    plist = approved_list(world, world.own, items=2)
    item, late = plist.items.order_by("number")
    ProblemItem.objects.filter(pk=item.pk).update(description="学习制度落实不到位。")
    # Four days before the day the campaign is judged on (its last day once finished).
    force_deadline(late, plist.campaign.as_of() - dt.timedelta(days=4))

    secretary = new_page(width=375, height=800)
    login(secretary, live_server, "secretary")
    secretary.goto(f"{live_server.url}{item.get_absolute_url()}")
    secretary.get_by_role("button", name="Start work").click()
    secretary.wait_for_load_state("domcontentloaded")
    assert secretary.get_by_text("Work on the item has started.").is_visible()
    secretary.get_by_role("link", name="Request closure").click()
    secretary.get_by_label("What was done").fill("已建立每月集中学习制度。")
    secretary.get_by_label("Evidence files").set_input_files(
        str(_png(tmp_path, "学习现场.png", "red"))
    )
    secretary.get_by_role("button", name="Request closure").click()
    secretary.wait_for_load_state("domcontentloaded")
    assert secretary.get_by_text("Closure is requested").is_visible()
    assert secretary.get_by_role("img", name="学习现场.png").is_visible()

    reviewer = new_page()
    login(reviewer, live_server, "reviewer")
    reviewer.goto(f"{live_server.url}/reviews/inbox/")
    reviewer.get_by_role("link", name="Closure of item 1.", exact=False).click()
    assert reviewer.get_by_text("已建立每月集中学习制度。").is_visible()
    reviewer.get_by_label("Comment").fill("照片看不出学习内容，请补充学习记录。")
    reviewer.get_by_role("button", name="Return for revision").click()
    reviewer.wait_for_load_state("domcontentloaded")
    item.refresh_from_db()
    assert item.status == "in_progress"

    secretary.goto(f"{live_server.url}{item.get_absolute_url()}")
    assert secretary.get_by_text("照片看不出学习内容，请补充学习记录。").is_visible()
    assert secretary.get_by_text("Closure rejected").is_visible()
    assert_fits_phone(secretary)
    assert axe_violations(secretary) == []
    secretary.get_by_role("link", name="Add evidence and request closure again").click()
    secretary.get_by_label("Evidence files").set_input_files(
        str(_png(tmp_path, "学习记录.png", "blue"))
    )
    secretary.get_by_role("button", name="Save").click()
    secretary.wait_for_load_state("domcontentloaded")
    assert secretary.get_by_role("img", name="学习记录.png").is_visible()
    assert_fits_phone(secretary)
    assert axe_violations(secretary) == []
    secretary.get_by_role("button", name="Resubmit").click()
    secretary.wait_for_load_state("domcontentloaded")
    assert secretary.get_by_text("Submitted for review again.").is_visible()

    reviewer.goto(f"{live_server.url}/reviews/inbox/")
    reviewer.get_by_role("link", name="Closure of item 1.", exact=False).click()
    assert reviewer.get_by_text("What changed since it was returned").is_visible()
    reviewer.get_by_role("button", name="Approve").click()
    reviewer.wait_for_load_state("domcontentloaded")
    item.refresh_from_db()
    assert item.status == "closed"
    assert ClosureRequest.objects.get().review_status == "approved"
    reviewer.goto(f"{live_server.url}{item.get_absolute_url()}")
    timeline = reviewer.locator(".item-timeline").inner_text()
    for step in (
        "Work started",
        "Closure requested",
        "Closure rejected",
        "Evidence added",
        "Closed",
    ):
        assert step in timeline, step

    # The other item is overdue: both sides see it.
    for page in (secretary, reviewer):
        page.goto(f"{live_server.url}{plist.get_absolute_url()}")
        assert page.get_by_text("overdue by 4 days").is_visible()
    reviewer.goto(f"{live_server.url}/rectification/overdue/")
    assert reviewer.get_by_role("link", name=str(late)).is_visible()
    assert reviewer.get_by_text("overdue by 4 days").is_visible()
    screenshot(reviewer, "rectification-overdue-items")
