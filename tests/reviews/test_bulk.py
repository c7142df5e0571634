"""Bulk decisions from the inbox (confirmation page, decision, progress page), "decide
and open the next", and the inbox's organization filter (portal/reviews/views.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.models import ActivityPlan
from portal.notifications.models import Notification
from portal.reviews import services
from portal.reviews.models import ReviewBatch, ReviewEvent, ReviewStatus, ReviewTask
from portal.reviews.services import review_batch_create, review_batch_run, review_transition
from tests.activities.plans_factories import submitted_plan
from tests.factories import add_org
from tests.utils import assert_constant_queries, check_matrix, client_for

pytestmark = pytest.mark.django_db

INBOX = reverse("reviews:inbox")
CONFIRM = reverse("reviews:bulk_confirm")
DECIDE = reverse("reviews:bulk_decide")
ORGS = reverse("reviews:org_options")

REVIEWERS_ONLY = {
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
}


def fresh(world: Any, parent: Any = None, **kwargs: Any) -> ActivityPlan:
    """A plan submitted in a new organization under `parent` (default: 甲公司党委's
    branch 甲公司一支部): one plan per organization and campaign."""
    parent = parent or world.child
    by = world.secretary if parent.path.startswith(world.own.path) else world.admin
    return submitted_plan(world, add_org(parent), by=by, **kwargs)


def task_of(record: Any) -> ReviewTask:
    return ReviewTask.objects.get(object_id=record.pk, content_type__model="activityplan")


def aged(plan: Any, days: int) -> Any:
    ReviewTask.objects.filter(pk=task_of(plan).pk).update(
        submitted_at=timezone.now() - dt.timedelta(days=days)
    )
    return plan


# --- the confirmation page ------------------------------------------------------------------


def test_confirm_matrix(world: Any) -> None:
    plan = fresh(world)
    url = f"{CONFIRM}?action=approve&task={task_of(plan).pk}"
    check_matrix(world, url, REVIEWERS_ONLY)


def test_confirm_lists_the_chosen_records_and_counts_what_will_be_skipped(world: Any) -> None:
    mine = [fresh(world, title=f"方案{i}") for i in range(2)]
    # The reviewer's own level (park_a's own records are reviewed from above) and
    # another county: chosen by a crafted request, not decidable by the reviewer.
    foreign = submitted_plan(world, world.far, title="邻县方案", by=world.admin)
    ids = [task_of(p).pk for p in [*mine, foreign]]
    response = client_for(world, "reviewer").get(
        CONFIRM, {"action": "approve", "task": ids}, HTTP_ACCEPT_LANGUAGE="en"
    )
    html = response.content.decode()
    assert [r.title for r in response.context["rows"]] == ["方案0", "方案1"]
    assert "邻县方案" not in html
    assert response.context["not_waiting"] == 1
    assert "1 of the records chosen does not wait for your decision" in html
    assert "Approve all 3 records" in html
    assert ActivityPlan.objects.filter(review_status=ReviewStatus.APPROVED).count() == 0


def test_confirm_query_count_is_constant(world: Any) -> None:
    plans = [fresh(world) for _i in range(3)]
    url = f"{CONFIRM}?action=return&" + "&".join(f"task={task_of(p).pk}" for p in plans)

    def grow() -> None:
        for i in range(10):
            org = add_org(world.park_a, code=f"G{i:03d}")
            submitted_plan(world, org, by=world.admin)

    # session, user, grants, roles, the chosen rows (with organization, type and
    # submitter), which of them wait in the inbox, unread count for the bell.
    assert_constant_queries(client_for(world, "reviewer"), url, grow, expected=7)


def test_confirm_of_every_record_of_a_filtered_view(world: Any) -> None:
    for i in range(3):
        fresh(world, title=f"方案{i}")
    submitted_plan(world, world.sibling, title="乙方案", by=world.admin)
    response = client_for(world, "reviewer").get(
        CONFIRM, {"action": "approve", "all": "1", "org": world.own.code}
    )
    assert response.context["total"] == 3
    assert {r.title for r in response.context["rows"]} == {"方案0", "方案1", "方案2"}


# --- deciding ------------------------------------------------------------------------------


def test_decide_matrix(world: Any) -> None:
    # Each persona posts its own batch over a fresh record.
    for persona, want in {
        "anonymous": 302,
        "nobody": 403,
        "outsider": 403,
        "office": 403,
        "secretary": 403,
        "reviewer": 302,
    }.items():
        plan = fresh(world)
        check_matrix(
            world,
            DECIDE,
            {persona: want},
            method="post",
            data={"action": "approve", "task": [task_of(plan).pk]},
        )
    assert ReviewBatch.objects.get().actor == world.reviewer


def test_bulk_approval_decides_each_record_as_a_single_decision_would(world: Any) -> None:
    plans = [fresh(world, title=f"方案{i}") for i in range(5)]
    Notification.objects.all().delete()
    response = client_for(world, "reviewer").post(
        DECIDE, {"action": "approve", "task": [task_of(p).pk for p in plans]}
    )
    batch = ReviewBatch.objects.get()
    assert response["Location"] == reverse("reviews:batch", args=[batch.pk])
    assert batch.status == "done" and len(batch.decided) == 5 and batch.skipped == []
    for plan in plans:
        plan.refresh_from_db()
        assert plan.review_status == ReviewStatus.APPROVED
        assert plan.decided_by == world.reviewer
        [event] = ReviewEvent.objects.for_record(plan).filter(action="approve")
        assert event.actor == world.reviewer
        assert task_of(plan).status == ReviewStatus.APPROVED
    # One notice per record to its submitter (as a single approval sends).
    notices = Notification.objects.filter(verb="review.approve", recipient=world.secretary)
    assert notices.count() == 5


def test_a_record_outside_the_reviewers_authority_is_skipped_with_the_reason(
    world: Any,
) -> None:
    inside = fresh(world, title="子方案")
    # park_a's own plan: visible to the reviewer (their node) but reviewed from above.
    own_level = submitted_plan(world, world.park_a, title="园区方案", by=world.admin)
    far = submitted_plan(world, world.far, title="邻县方案", by=world.admin)
    client = client_for(world, "reviewer")
    response = client.post(
        DECIDE,
        {
            "action": "return",
            "comment": "请补充分工。",
            "task": [task_of(p).pk for p in (inside, own_level, far)],
        },
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    batch = ReviewBatch.objects.get()
    assert batch.decided == [task_of(inside).pk]
    assert [s["task"] for s in batch.skipped] == [task_of(own_level).pk, task_of(far).pk]
    for plan, status in ((inside, "returned"), (own_level, "submitted"), (far, "submitted")):
        plan.refresh_from_db()
        assert plan.review_status == status
    html = response.content.decode()
    assert "1 record returned for revision." in html and "2 skipped." in html
    assert "园区方案</a>: You may not decide it." in html
    # The other county's record is listed without its title.
    assert "邻县方案" not in html
    assert "A record you cannot see: You may not decide it." in html
    assert ReviewEvent.objects.for_record(inside).get(action="return").comment == "请补充分工。"


def test_records_decided_meanwhile_are_skipped(world: Any) -> None:
    plans = [fresh(world) for _i in range(3)]
    tasks = [task_of(p) for p in plans]
    batch = review_batch_create(actor=world.reviewer, action="approve", comment="", tasks=tasks)
    # Withdrawn by its secretary after the reviewer chose it.
    review_transition(plans[1], action="withdraw", actor=world.secretary)
    review_batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.decided == [tasks[0].pk, tasks[2].pk]
    [skipped] = batch.skipped
    assert skipped["task"] == tasks[1].pk and skipped["title"] == plans[1].title
    plans[1].refresh_from_db()
    assert plans[1].review_status == ReviewStatus.DRAFT
    # Run again (a restarted worker): nothing is decided twice.
    ReviewBatch.objects.filter(pk=batch.pk).update(status="running")
    review_batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert len(batch.decided) == 2 and len(batch.skipped) == 1


def test_a_return_without_comment_or_of_mixed_kinds_is_refused(world: Any) -> None:
    plan = fresh(world)
    client = client_for(world, "reviewer")
    response = client.post(DECIDE, {"action": "return", "task": [task_of(plan).pk]})
    assert response.status_code == 302 and response["Location"].startswith(CONFIRM)
    assert not ReviewBatch.objects.exists()
    plan.refresh_from_db()
    assert plan.review_status == ReviewStatus.SUBMITTED


def test_a_large_batch_runs_on_the_worker_with_a_progress_page(
    world: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    monkeypatch.setattr(services, "INLINE_BATCH_LIMIT", 2)
    plans = [fresh(world) for _i in range(3)]
    client = client_for(world, "reviewer")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(DECIDE, {"action": "approve", "all": "1"})
    batch = ReviewBatch.objects.get()
    # Not decided in the request: queued for the worker once the transaction commits.
    assert batch.status == "queued" and batch.decided == []
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'hx-trigger="every 1s"' in page and "0 of 3 records handled" in page
    for callback in callbacks:
        callback()  # the send: the embedded default runs the task in-process
    batch.refresh_from_db()
    assert batch.status == "done" and len(batch.decided) == 3
    status = client.get(reverse("reviews:batch_status", args=[batch.pk]))
    assert "hx-trigger" not in status.content.decode()
    assert all(
        p.review_status == ReviewStatus.APPROVED
        for p in ActivityPlan.objects.filter(pk__in=[p.pk for p in plans])
    )


def test_batch_page_matrix_only_its_author(world: Any) -> None:
    plan = fresh(world)
    batch = review_batch_create(
        actor=world.reviewer, action="approve", comment="", tasks=[task_of(plan)]
    )
    review_batch_run(batch_id=batch.pk)
    for name in ("reviews:batch", "reviews:batch_status"):
        check_matrix(
            world,
            reverse(name, args=[batch.pk]),
            {
                "anonymous": 302,
                "nobody": 404,
                "outsider": 404,
                "instructor": 404,
                "secretary": 404,
                "admin": 404,
                "reviewer": 200,
            },
        )


def test_batch_page_query_count_is_constant(world: Any) -> None:
    plans = [fresh(world) for _i in range(2)]
    batch = review_batch_create(
        actor=world.reviewer, action="approve", comment="", tasks=[task_of(p) for p in plans]
    )
    review_batch_run(batch_id=batch.pk)

    def grow() -> None:
        for i in range(10):
            submitted_plan(world, add_org(world.park_a, code=f"G{i:03d}"), by=world.admin)

    # session, user, the batch with its content type, grants and roles (navigation),
    # unread count for the bell.
    assert_constant_queries(
        client_for(world, "reviewer"), reverse("reviews:batch", args=[batch.pk]), grow, expected=6
    )


# --- decide and open the next -----------------------------------------------------------------


def _post_next(world: Any, plan: Any, action: str = "approve", comment: str = "") -> Any:
    url = reverse("reviews:transition", args=["activities.activityplan", plan.pk])
    return client_for(world, "reviewer").post(
        url + "?next=1", {"action": action, "comment": comment}
    )


def test_approve_and_open_the_next_opens_the_oldest_waiting_of_the_same_filter(
    world: Any,
) -> None:
    first = aged(fresh(world, title="一"), 9)
    aged(submitted_plan(world, world.sibling, title="乙", by=world.admin), 8)
    third = aged(submitted_plan(world, world.own, title="三"), 7)
    client = client_for(world, "reviewer")
    # The reviewer filtered the inbox to 甲公司党委's subtree (kept for "next").
    client.get(INBOX, {"org": world.own.code})
    url = reverse("reviews:transition", args=["activities.activityplan", first.pk])
    response = client.post(url + "?next=1", {"action": "approve"})
    assert response["Location"] == third.get_absolute_url()
    url = reverse("reviews:transition", args=["activities.activityplan", third.pk])
    response = client.post(
        url + "?next=1", {"action": "return", "comment": "请修改。"}, follow=True
    )
    # None left in that subtree (乙 is in another one): back to the filtered inbox.
    assert response.redirect_chain[-1][0] == f"{INBOX}?org={world.own.code}"
    assert (
        "Nothing else waits for your decision here."
        in [str(m) for m in response.context["messages"]]
        or "此筛选下已没有待您审核的事项。" in response.content.decode()
    )
    third.refresh_from_db()
    assert third.review_status == ReviewStatus.RETURNED


def test_a_failed_decision_stays_on_the_record(world: Any) -> None:
    plan = fresh(world)
    submitted_plan(world, world.own)
    response = _post_next(world, plan, action="return", comment="")
    assert response["Location"] == plan.get_absolute_url()


def test_next_buttons_are_offered_to_the_reviewer_only(world: Any) -> None:
    plan = fresh(world)
    reviewer = client_for(world, "reviewer").get(plan.get_absolute_url()).content.decode()
    assert "?next=1" in reviewer
    secretary = client_for(world, "secretary").get(plan.get_absolute_url()).content.decode()
    assert "?next=1" not in secretary


# --- the organization filter -----------------------------------------------------------------


def test_inbox_filters_by_an_organizations_subtree(world: Any) -> None:
    submitted_plan(world, world.own, title="甲方案")
    fresh(world, title="子方案")
    submitted_plan(world, world.sibling, title="乙方案", by=world.admin)
    client = client_for(world, "reviewer")
    titles = lambda r: [t.title for t in r.context["page"].object_list]  # noqa: E731
    assert titles(client.get(INBOX, {"org": world.own.code})) == ["甲方案", "子方案"]
    assert titles(client.get(INBOX, {"org": world.child.code})) == ["子方案"]
    # An organization the reviewer cannot see filters to nothing, with a message.
    response = client.get(INBOX, {"org": world.far.code}, HTTP_ACCEPT_LANGUAGE="en")
    assert titles(response) == []
    assert "No organization you can see has the code" in response.content.decode()


def test_inbox_query_count_with_an_organization_filter_is_constant(world: Any) -> None:
    fresh(world)

    def grow() -> None:
        for i in range(10):
            submitted_plan(world, add_org(world.own, code=f"G{i:03d}"))

    # session, user, grants, roles, the organization of the filter, COUNT, page of
    # tasks with organization, content type and submitter, unread count for the bell;
    # the filter is written to the session on the first visit only.
    client = client_for(world, "reviewer")
    client.get(f"{INBOX}?org={world.own.code}")
    assert_constant_queries(client, f"{INBOX}?org={world.own.code}", grow, expected=8)


def test_organization_search_matrix_and_scope(world: Any) -> None:
    check_matrix(world, f"{ORGS}?org=甲", REVIEWERS_ONLY)
    html = client_for(world, "reviewer").get(ORGS, {"org": "支部"}).content.decode()
    assert world.child.code in html and world.sibling.code in html
    assert world.far.code not in html and world.other.code not in html
