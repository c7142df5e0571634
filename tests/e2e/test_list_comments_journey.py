"""Journey (b) of issue #16 (docs/product.md §6.3.1): employees comment on a draft
problem list through its public link (two comments, no login), the secretary adopts
one as a new item (pre-filled) and answers the other, submits the list, and the
reviewer, who reads the comments beside the list, approves it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import timezone

from rectification import services_list_comments as comment_services
from rectification.models import CommentStatus, ListComment, ProblemList, SourceKind
from tests.e2e.conftest import assert_fits_phone, axe_violations, login, screenshot
from tests.rectification.problems_factories import make_item, make_list

pytestmark = pytest.mark.django_db(transaction=True)


def _field(page: Any, label: str) -> Any:
    return page.get_by_label(re.compile(rf"^{re.escape(label)}( \*)?$"))


def _comment(new_page: Any, url: str, text: str, *, locale: str = "en-US") -> Any:
    employee = new_page(locale=locale, width=375, height=800)
    employee.goto(url)
    assert employee.locator("table.notice-table tbody tr").count() == 1
    employee.locator("textarea[name=content]").fill(text)
    employee.locator("select[name=role]").select_option("employee")
    # The minimum fill time of the suggestion box: a person takes a few seconds.
    employee.wait_for_timeout(3200)
    employee.locator("form.stacked button[type=submit]").click()
    employee.wait_for_load_state("domcontentloaded")
    assert "/thanks/" in employee.url
    return employee


def test_employees_comment_the_secretary_adopts_one_and_the_reviewer_approves(
    world: Any, live_server: Any, new_page: Any
) -> None:
    plist = make_list(world, title="甲公司党委问题清单")
    make_item(plist)

    secretary = new_page(width=375, height=800)
    login(secretary, live_server, "secretary")
    secretary.goto(f"{live_server.url}{plist.get_absolute_url()}")
    secretary.get_by_role("link", name="Open to comment").click()
    secretary.get_by_role("button", name="Open to comment").click()
    secretary.wait_for_load_state("domcontentloaded")
    assert secretary.get_by_text("The list is open to comment").is_visible()
    link = secretary.locator("a.break-all").get_attribute("href")
    assert link and link.startswith("/comment/")
    assert_fits_phone(secretary)

    first = _comment(new_page, f"{live_server.url}{link}", "职工反映食堂饭菜价格偏高，清单里没有。")
    # The second employee reads the page in Chinese; nobody sees the first comment.
    second = _comment(
        new_page, f"{live_server.url}{link}", "加班的问题措施不够具体。", locale="zh-CN"
    )
    second.goto(f"{live_server.url}{link}")
    assert "食堂饭菜" not in second.content()
    assert_fits_phone(second)
    screenshot(second, "list-comment-public-375-zh")
    first.close()
    assert ListComment.objects.count() == 2

    secretary.goto(f"{live_server.url}{plist.get_absolute_url()}")
    canteen = ListComment.objects.get(content__startswith="职工反映食堂")
    overtime = ListComment.objects.get(content__startswith="加班")
    secretary.locator(f"#comment-{canteen.pk}").get_by_role(
        "link", name="Adopt as a new item"
    ).click()
    assert _field(secretary, "Problem").input_value() == canteen.content
    _field(secretary, "Category").select_option(label="leading-body cohesion")
    _field(secretary, "Measures").fill("与企业协商调整食堂价格，每月公示。")
    _field(secretary, "Responsible person").fill("张书记")
    _field(secretary, "Deadline").fill(f"{timezone.localdate():%Y}-12-31")
    secretary.get_by_role("button", name="Adopt as a new item").click()
    secretary.wait_for_load_state("domcontentloaded")
    assert secretary.get_by_text("The comment is adopted as item 2.").is_visible()

    secretary.locator(f"#comment-{overtime.pk}").get_by_role("link", name="Answer").click()
    _field(secretary, "Answer").fill("已在第1项措施中细化。")
    secretary.get_by_role("button", name="Mark answered").click()
    secretary.wait_for_load_state("domcontentloaded")
    assert axe_violations(secretary) == []
    assert_fits_phone(secretary)
    screenshot(secretary, "list-comments-secretary-375")
    secretary.get_by_role("button", name="Submit").click()
    secretary.wait_for_load_state("domcontentloaded")
    assert secretary.get_by_text("Submitted for review.").is_visible()

    reviewer = new_page()
    login(reviewer, live_server, "reviewer")
    reviewer.goto(f"{live_server.url}/reviews/inbox/")
    reviewer.get_by_role("link", name="甲公司党委问题清单").click()
    comments = reviewer.locator("section.list-comments")
    assert comments.get_by_text("已在第1项措施中细化。").is_visible()
    assert comments.get_by_text("职工反映食堂饭菜价格偏高，清单里没有。", exact=True).is_visible()
    reviewer.get_by_role("button", name="Approve").click()
    reviewer.wait_for_load_state("domcontentloaded")
    assert reviewer.get_by_text("Approved.", exact=True).is_visible()

    plist = ProblemList.objects.get()
    assert plist.review_status == "approved"
    item = plist.items.get(number=2)
    assert item.source_kind == SourceKind.COMMENT
    canteen.refresh_from_db()
    overtime.refresh_from_db()
    assert (canteen.status, canteen.adopted_item) == (CommentStatus.ADOPTED, item)
    assert overtime.status == CommentStatus.ANSWERED
    # The period closes; the link then takes nothing.
    period = plist.comment_period
    comment_services.comment_period_close(actor=None, period=period)
    second.goto(f"{live_server.url}{link}")
    assert second.locator("textarea[name=content]").count() == 0
