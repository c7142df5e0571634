"""A returned record shows the reviewer's last reason at the top of its page and of
its edit form, until it is resubmitted."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from portal.reviews.services import review_transition
from tests.activities.phase2_factories import make_statement
from tests.activities.plans_factories import campaign_for, plan_at
from tests.rectification.problems_factories import decider, make_item, make_list, submitter
from tests.utils import client_for

pytestmark = pytest.mark.django_db


def _top_of_main(html: str) -> str:
    """The page from <main> to its first form or review panel: what a phone shows first."""
    start = html.index('<main id="main"')
    ends = [i for i in (html.find("<form", start), html.find("review-panel", start)) if i > 0]
    return html[start : min(ends)] if ends else html[start:]


def _returned(world: Any, record: Any, reason: str, org: Any = None) -> None:
    org = org or record.organization
    review_transition(record, action="submit", actor=submitter(world, org))
    review_transition(record, action="return", actor=decider(world, org), comment=reason)


def test_a_returned_plan_shows_the_reason_at_the_top_of_its_page_and_edit_form(
    world: Any,
) -> None:
    plan = plan_at(world, world.own, title="活动方案")
    review_transition(plan, action="submit", actor=world.secretary)
    review_transition(plan, action="return", actor=world.reviewer, comment="工作措施要具体到每月。")
    client = client_for(world, "secretary")
    for url in (plan.get_absolute_url(), reverse("activities:plan_edit", args=[plan.pk])):
        html = client.get(url).content.decode()
        assert "return-reason" in _top_of_main(html), url
        assert "工作措施要具体到每月。" in _top_of_main(html), url
    # Resubmitted: the reason leaves the top (the timeline keeps it).
    review_transition(plan, action="resubmit", actor=world.secretary)
    html = client.get(plan.get_absolute_url()).content.decode()
    assert "return-reason" not in html and "工作措施要具体到每月。" in html


def test_only_the_last_reason_is_shown(world: Any) -> None:
    plan = plan_at(world, world.own, title="活动方案")
    review_transition(plan, action="submit", actor=world.secretary)
    review_transition(plan, action="return", actor=world.reviewer, comment="第一次意见")
    review_transition(plan, action="resubmit", actor=world.secretary)
    review_transition(plan, action="return", actor=world.reviewer, comment="第二次意见")
    top = _top_of_main(client_for(world, "secretary").get(plan.get_absolute_url()).content.decode())
    assert "第二次意见" in top and "第一次意见" not in top


def test_a_returned_statement_shows_the_reason_on_its_page_and_edit_form(world: Any) -> None:
    statement = make_statement(world.own, campaign_for(world))
    _returned(world, statement, "原因分析不够深入。")
    client = client_for(world, "secretary")
    for url in (
        statement.get_absolute_url(),
        reverse("activities:statement_edit", args=[statement.pk]),
    ):
        top = _top_of_main(client.get(url).content.decode())
        assert "原因分析不够深入。" in top, url


def test_a_returned_problem_list_shows_the_reason_on_its_page_and_forms(world: Any) -> None:
    plist = make_list(world, world.own)
    make_item(plist)
    _returned(world, plist, "整改时限不明确。")
    client = client_for(world, "secretary")
    for url in (
        plist.get_absolute_url(),
        reverse("rectification:problem_list_edit", args=[plist.pk]),
        reverse("rectification:item_create", args=[plist.pk]),
    ):
        top = _top_of_main(client.get(url).content.decode())
        assert "整改时限不明确。" in top, url


def test_a_draft_shows_no_reason_and_costs_no_query_for_it(world: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    plan = plan_at(world, world.own, title="活动方案")
    client = client_for(world, "secretary")
    url = reverse("activities:plan_edit", args=[plan.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(url).content.decode()
    assert "return-reason" not in html
    assert not any("reviews_reviewevent" in q["sql"] for q in queries.captured_queries)
