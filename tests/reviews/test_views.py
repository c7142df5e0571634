"""Review pages: the inbox, "returned to me", the transition endpoint and the review
panel on a record's page (the activity plan is the reviewable record used here)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.models import ActivityPlan
from activities.plans.services import activity_plan_update, version_token
from activities.seed import ensure_campaign_2014
from portal.reviews.models import ReviewEvent, ReviewStatus, ReviewTask
from portal.reviews.services import review_transition
from tests.activities.plans_factories import plan_at, submitted_plan
from tests.factories import add_org
from tests.utils import assert_constant_queries, check_matrix, client_for

pytestmark = pytest.mark.django_db

INBOX = reverse("reviews:inbox")
RETURNED = reverse("reviews:returned")


def _transition_url(plan: ActivityPlan) -> str:
    return reverse("reviews:transition", args=["activities.activityplan", plan.pk])


# --- inbox -----------------------------------------------------------------------------


def test_inbox_matrix(world: Any) -> None:
    check_matrix(
        world,
        INBOX,
        {
            "anonymous": 302,
            "nobody": 403,
            "outsider": 403,
            "office": 403,
            "reviewer": 200,
            "instructor": 200,
            "secretary": 403,
            "clerk": 403,
            "member_user": 403,
            "admin": 200,
        },
    )


def _inbox_titles(world: Any, persona: str, query: str = "") -> list[str]:
    response = client_for(world, persona).get(INBOX + query)
    return [task.title for task in response.context["page"].object_list]


def test_inbox_shows_what_the_user_may_review_oldest_first(world: Any) -> None:
    own = submitted_plan(world, world.own, title="own plan")
    child = submitted_plan(world, world.child, title="child plan")
    sibling = submitted_plan(world, world.sibling, title="sibling plan", by=world.admin)
    submitted_plan(world, world.other, title="other plan", by=world.outsider)
    submitted_plan(world, world.park_a, title="park plan", by=world.admin)
    plan_at(world, add_org(world.own, code="D1"), title="draft plan")
    now = timezone.now()
    for plan, days in ((own, 2), (child, 9), (sibling, 5)):
        ReviewTask.objects.filter(object_id=plan.pk).update(
            submitted_at=now - dt.timedelta(days=days)
        )
    assert _inbox_titles(world, "reviewer") == ["child plan", "sibling plan", "own plan"]
    assert _inbox_titles(world, "instructor") == ["child plan", "own plan"]
    # The administrator reviews everything except what they submitted themselves.
    assert _inbox_titles(world, "admin") == ["child plan", "own plan", "other plan"]


def test_inbox_shows_days_waiting_type_and_organization(world: Any) -> None:
    plan = submitted_plan(world, world.child)
    ReviewTask.objects.filter(object_id=plan.pk).update(
        submitted_at=timezone.now() - dt.timedelta(days=4)
    )
    response = client_for(world, "reviewer").get(INBOX, HTTP_ACCEPT_LANGUAGE="en")
    [task] = response.context["page"].object_list
    assert task.days_waiting == 4
    assert task.record_type == str(ActivityPlan._meta.verbose_name)
    html = response.content.decode()
    assert world.child.short_name in html
    assert plan.get_absolute_url() in html
    assert task.record_type in html


def test_inbox_rows_show_days_waiting_with_their_urgency_in_both_languages(world: Any) -> None:
    now = timezone.now()
    for org, days in ((world.own, 1), (world.child, 3), (world.sibling, 7)):
        plan = submitted_plan(world, org, by=world.admin)
        ReviewTask.objects.filter(object_id=plan.pk).update(
            submitted_at=now - dt.timedelta(days=days)
        )
    client = client_for(world, "reviewer")
    response = client.get(INBOX, HTTP_ACCEPT_LANGUAGE="en")
    rows = response.context["rows"]
    assert [(r.days_waiting, r.days_label, r.urgency) for r in rows] == [
        (7, "7 days", "badge-red"),
        (3, "3 days", "badge-warn"),
        (1, "1 day", ""),
    ]
    assert all(r.submitted_by == world.admin.display_name for r in rows)
    html = response.content.decode()
    assert '<span class="badge badge-red">7 days</span>' in html
    assert '<span class="badge">1 day</span>' in html
    assert f'<time datetime="{rows[0].submitted_iso}">{rows[0].submitted_on}</time>' in html
    zh = client.get(INBOX, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert '<span class="badge badge-warn">3 天</span>' in zh


def test_inbox_leaves_out_decided_withdrawn_and_own_submissions(world: Any) -> None:
    approved = submitted_plan(world, world.own, title="approved")
    review_transition(approved, action="approve", actor=world.reviewer)
    withdrawn = submitted_plan(world, world.child, title="withdrawn")
    review_transition(withdrawn, action="withdraw", actor=world.secretary)
    submitted_plan(world, world.sibling, title="admin's own", by=world.admin)
    assert _inbox_titles(world, "reviewer") == ["admin's own"]
    assert _inbox_titles(world, "admin") == []


def test_inbox_filters_by_record_type(world: Any) -> None:
    submitted_plan(world, world.own, title="own plan")
    assert _inbox_titles(world, "reviewer", "?type=activities.activityplan") == ["own plan"]
    assert _inbox_titles(world, "reviewer", "?type=nonsense.model") == ["own plan"]


def test_inbox_query_count_is_constant(world: Any) -> None:
    submitted_plan(world, world.own)

    def grow() -> None:
        for i in range(10):
            org = add_org(world.park_a, code=f"G{i:03d}")
            submitted_plan(world, org, by=world.admin)

    # session, user, grants (inbox access), roles (review scope), COUNT, page of tasks
    # with organization, content type and submitter joined, unread count for the bell.
    count = assert_constant_queries(client_for(world, "reviewer"), INBOX, grow, expected=7)
    assert count == 7
    assert len(_inbox_titles(world, "reviewer")) == 11


# --- returned to me --------------------------------------------------------------------


def test_returned_matrix(world: Any) -> None:
    check_matrix(
        world,
        RETURNED,
        {
            "anonymous": 302,
            "nobody": 403,
            "outsider": 200,
            "office": 403,
            "reviewer": 403,
            "instructor": 403,
            "secretary": 200,
            "clerk": 403,
            "member_user": 403,
            "admin": 200,
        },
    )


def test_returned_lists_my_organizations_returned_records_with_the_comment(world: Any) -> None:
    mine = submitted_plan(world, world.child, title="returned child plan")
    review_transition(mine, action="return", actor=world.reviewer, comment="请补充分工")
    theirs = submitted_plan(world, world.other, title="returned other", by=world.outsider)
    review_transition(theirs, action="return", actor=world.admin, comment="x")
    submitted_plan(world, world.own, title="still waiting")
    response = client_for(world, "secretary").get(RETURNED)
    assert [t.title for t in response.context["page"].object_list] == ["returned child plan"]
    assert "请补充分工" in response.content.decode()


def test_returned_query_count_is_constant(world: Any) -> None:
    counter = iter(range(100))

    def grow() -> None:
        for _i in range(10):
            org = add_org(world.own, code=f"R{next(counter):03d}")
            plan = submitted_plan(world, org)
            review_transition(plan, action="return", actor=world.reviewer, comment="改")

    grow()
    # session, user, grants, COUNT, page (organization, content type, decider joined),
    # navigation roles, unread count.
    assert_constant_queries(client_for(world, "secretary"), RETURNED, grow, expected=7)


# --- the transition endpoint -----------------------------------------------------------


def test_submit_endpoint_matrix(world: Any) -> None:
    def url(w: Any) -> str:
        return _transition_url(plan_at(w, w.own))

    for persona, want in {
        "anonymous": 302,
        "nobody": 404,
        "outsider": 404,
        "member_user": 404,
        "office": 403,
        "reviewer": 403,
        "instructor": 403,
        "clerk": 403,
        "secretary": 302,
        "admin": 302,
    }.items():
        ActivityPlan.objects.all().delete()
        check_matrix(world, url, {persona: want}, method="post", data={"action": "submit"})


@pytest.mark.parametrize(
    ("org_name", "expected"),
    [
        ("own", {"reviewer": 302, "instructor": 302, "secretary": 403, "outsider": 404}),
        ("child", {"reviewer": 302, "instructor": 302, "clerk": 403, "office": 403}),
        ("park_a", {"reviewer": 403, "instructor": 404, "secretary": 404, "office": 403}),
        ("sibling", {"reviewer": 302, "instructor": 404, "secretary": 404, "outsider": 404}),
        ("other", {"reviewer": 404, "outsider": 403, "office": 403, "admin": 302}),
    ],
)
def test_approve_endpoint_matrix(world: Any, org_name: str, expected: dict[str, int]) -> None:
    submitter = world.outsider if org_name == "other" else world.admin
    for persona, want in expected.items():
        ActivityPlan.objects.all().delete()
        plan = submitted_plan(world, getattr(world, org_name), by=submitter)
        check_matrix(
            world, _transition_url(plan), {persona: want}, method="post", data={"action": "approve"}
        )
        plan.refresh_from_db()
        assert (plan.review_status == ReviewStatus.APPROVED) == (want == 302)


def test_far_record_is_404_for_everyone_but_the_administrator(world: Any) -> None:
    plan = plan_at(world, world.far, campaign=ensure_campaign_2014(world.other_county))
    check_matrix(
        world,
        _transition_url(plan),
        {"office": 404, "reviewer": 404, "secretary": 404, "outsider": 404},
        method="post",
        data={"action": "submit"},
    )


def test_unknown_record_type_or_record_is_404(world: Any) -> None:
    client = client_for(world, "admin")
    url = reverse("reviews:transition", args=["organizations.organization", world.own.pk])
    assert client.post(url, {"action": "submit"}).status_code == 404
    url = reverse("reviews:transition", args=["activities.activityplan", 99999])
    assert client.post(url, {"action": "submit"}).status_code == 404


def test_transition_needs_post(world: Any) -> None:
    plan = plan_at(world, world.own)
    assert client_for(world, "secretary").get(_transition_url(plan)).status_code == 405


def test_return_without_comment_shows_an_error_and_changes_nothing(world: Any) -> None:
    plan = submitted_plan(world)
    client = client_for(world, "reviewer")
    response = client.post(_transition_url(plan), {"action": "return", "comment": " "}, follow=True)
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    plan.refresh_from_db()
    assert plan.review_status == ReviewStatus.SUBMITTED


def test_illegal_action_is_refused_with_a_message(world: Any) -> None:
    plan = submitted_plan(world)
    response = client_for(world, "secretary").post(_transition_url(plan), {"action": "submit"})
    assert response.status_code == 302
    assert ReviewEvent.objects.count() == 1


def test_incomplete_record_is_refused_with_a_message(world: Any) -> None:
    plan = plan_at(world, world.own, goals="")
    response = client_for(world, "secretary").post(
        _transition_url(plan), {"action": "submit"}, follow=True
    )
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert not ReviewEvent.objects.exists()


# --- the review panel on the record's page -------------------------------------------


def test_resubmitted_record_shows_what_changed_beside_the_comments(world: Any) -> None:
    plan = submitted_plan(world)
    review_transition(plan, action="return", actor=world.reviewer, comment="措施要具体")
    plan.refresh_from_db()
    activity_plan_update(
        actor=world.secretary,
        plan=plan,
        version=version_token(plan),
        title=plan.title,
        goals=plan.goals,
        arrangements=plan.arrangements.replace("开展批评", "开展批评和自我批评"),
        leadership=plan.leadership,
        measures="每周检查一次进度。",
    )
    review_transition(plan, action="resubmit", actor=world.secretary)
    response = client_for(world, "reviewer").get(plan.get_absolute_url())
    review = response.context["review"]
    assert [c.key for c in review.changed] == ["arrangements", "measures"]
    html = response.content.decode()
    # A short field: old and new side by side; a long one: an inline diff.
    assert "<del>每月检查一次进度。</del> → <ins>每周检查一次进度。</ins>" in html
    assert "开展批评<ins>和自我批评</ins>" in html
    assert "措施要具体" in html  # the earlier comment, in the timeline
    assert "approve" in [a for a, _label in review.actions]


def test_panel_shows_no_diff_before_any_return(world: Any) -> None:
    plan = submitted_plan(world)
    response = client_for(world, "reviewer").get(plan.get_absolute_url())
    assert response.context["review"].changes is None
