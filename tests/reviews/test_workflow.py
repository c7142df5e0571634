"""The review engine: the transition table, authority, comments, events, snapshots,
the inbox row and notifications (portal/reviews/services.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from activities.models import ActivityPlan
from portal.accounts.models import Role
from portal.accounts.permissions import can_review, users_who_may_review
from portal.accounts.services import role_assign
from portal.notifications.models import Notification
from portal.reviews.models import (
    TRANSITIONS,
    IllegalTransition,
    ReviewAction,
    ReviewEvent,
    ReviewStatus,
    ReviewTask,
    is_editable,
)
from portal.reviews.services import available_actions, review_transition
from tests.activities.plans_factories import force_status, plan_at, submitted_plan

pytestmark = pytest.mark.django_db

ALL_PAIRS = [(s, a) for s in ReviewStatus.values for a in ReviewAction.values]


def _actor_for(world: Any, action: str) -> Any:
    return world.reviewer if action in ("approve", "return") else world.secretary


@pytest.mark.parametrize(("status", "action"), ALL_PAIRS)
def test_every_state_action_pair(world: Any, status: str, action: str) -> None:
    """Legal pairs move to the table's status and write one event with actor, time,
    comment and snapshot; illegal pairs raise and write nothing."""
    plan = plan_at(world, world.own)
    force_status(plan, status, submitted_by=world.secretary if status != "draft" else None)
    actor = _actor_for(world, action)
    target = TRANSITIONS.get((status, action))
    if target is None:
        with pytest.raises(IllegalTransition):
            review_transition(plan, action=action, actor=actor, comment="why")
        plan.refresh_from_db()
        assert plan.review_status == status
        assert not ReviewEvent.objects.exists()
        assert not ReviewTask.objects.exists()
        assert not Notification.objects.exists()
        return
    event = review_transition(plan, action=action, actor=actor, comment="  why  ")
    plan.refresh_from_db()
    assert plan.review_status == target
    assert ReviewEvent.objects.count() == 1
    assert (event.from_status, event.to_status, event.action) == (status, target, action)
    assert event.actor == actor
    assert event.at is not None
    assert event.comment == "why"
    assert event.organization == world.own
    assert event.snapshot["title"] == plan.title
    assert event.snapshot["goals"] == plan.goals
    task = ReviewTask.objects.get()
    assert (task.status, task.organization, task.title) == (target, world.own, plan.title)
    assert task.url == plan.get_absolute_url()


def test_transition_table_is_what_the_spec_says() -> None:
    assert TRANSITIONS == {
        ("draft", "submit"): "submitted",
        ("submitted", "withdraw"): "draft",
        ("submitted", "approve"): "approved",
        ("submitted", "return"): "returned",
        ("returned", "resubmit"): "submitted",
    }


def test_submit_records_submitter_and_decision_records_decider(world: Any) -> None:
    plan = submitted_plan(world)
    assert plan.submitted_by == world.secretary
    assert plan.submitted_at is not None
    assert plan.decided_at is None
    review_transition(plan, action="approve", actor=world.reviewer)
    plan.refresh_from_db()
    assert plan.decided_by == world.reviewer
    assert plan.review_status == ReviewStatus.APPROVED


def test_status_change_writes_no_history_row_and_keeps_updated_at(world: Any) -> None:
    plan = plan_at(world, world.own)
    versions, updated = plan.history.count(), plan.updated_at
    review_transition(plan, action="submit", actor=world.secretary)
    plan.refresh_from_db()
    assert plan.history.count() == versions
    assert plan.updated_at == updated


def test_stale_instance_cannot_submit_twice(world: Any) -> None:
    plan = plan_at(world, world.own)
    stale = ActivityPlan.objects.get(pk=plan.pk)
    review_transition(plan, action="submit", actor=world.secretary)
    with pytest.raises(IllegalTransition):
        review_transition(stale, action="submit", actor=world.secretary)
    assert ReviewEvent.objects.count() == 1


def test_full_cycle_keeps_one_inbox_row_and_every_event(world: Any) -> None:
    plan = submitted_plan(world)
    review_transition(plan, action="withdraw", actor=world.secretary)
    review_transition(plan, action="submit", actor=world.secretary)
    review_transition(plan, action="return", actor=world.reviewer, comment="补充措施")
    review_transition(plan, action="resubmit", actor=world.secretary)
    review_transition(plan, action="approve", actor=world.instructor)
    assert list(ReviewEvent.objects.values_list("action", flat=True)) == [
        "submit",
        "withdraw",
        "submit",
        "return",
        "resubmit",
        "approve",
    ]
    assert ReviewTask.objects.get().status == ReviewStatus.APPROVED


# --- authority -------------------------------------------------------------------------


def test_reviewer_at_strict_ancestor_may_approve(world: Any) -> None:
    for org in (world.own, world.child, world.sibling):
        plan = submitted_plan(world, org, by=world.admin)
        review_transition(plan, action="approve", actor=world.reviewer)
        assert plan.review_status == ReviewStatus.APPROVED


def test_reviewer_may_not_review_their_own_node(world: Any) -> None:
    """Decision: a reviewer's own level is reviewed from above (strict ancestors only)."""
    plan = submitted_plan(world, world.park_a, by=world.admin)
    assert not can_review(world.reviewer, world.park_a)
    with pytest.raises(PermissionDenied):
        review_transition(plan, action="approve", actor=world.reviewer)
    assert plan.review_status == ReviewStatus.SUBMITTED


def test_reviewer_at_the_same_node_is_not_asked_either(world: Any) -> None:
    assert world.reviewer not in users_who_may_review(world.park_a)
    assert world.reviewer in users_who_may_review(world.own)


def test_instructor_assigned_at_or_above_may_approve(world: Any) -> None:
    for org in (world.own, world.child):
        plan = submitted_plan(world, org)
        review_transition(plan, action="return", actor=world.instructor, comment="再改改")
        assert plan.review_status == ReviewStatus.RETURNED


def test_instructor_may_not_review_outside_their_organizations(world: Any) -> None:
    plan = submitted_plan(world, world.sibling, by=world.admin)
    with pytest.raises(PermissionDenied):
        review_transition(plan, action="approve", actor=world.instructor)


@pytest.mark.parametrize("persona", ["secretary", "clerk", "office", "outsider", "nobody"])
def test_non_reviewers_may_not_approve(world: Any, persona: str) -> None:
    plan = submitted_plan(world)
    with pytest.raises(PermissionDenied):
        review_transition(plan, action="approve", actor=getattr(world, persona))
    assert ReviewEvent.objects.count() == 1


@pytest.mark.parametrize("persona", ["clerk", "reviewer", "instructor", "office", "outsider"])
def test_only_submitters_may_submit(world: Any, persona: str) -> None:
    plan = plan_at(world, world.own)
    with pytest.raises(PermissionDenied):
        review_transition(plan, action="submit", actor=getattr(world, persona))
    assert not ReviewEvent.objects.exists()


def test_secretary_of_the_parent_may_submit_for_the_child(world: Any) -> None:
    plan = submitted_plan(world, world.child, by=world.secretary)
    assert plan.review_status == ReviewStatus.SUBMITTED


def test_nobody_approves_their_own_submission(world: Any) -> None:
    # The reviewer of park_a is also made secretary of `own`: they may submit there,
    # and may review `own`, but not what they submitted themselves.
    role_assign(actor=None, user=world.reviewer, role=Role.SECRETARY, organization=world.own)
    plan = submitted_plan(world, by=world.reviewer)
    assert "approve" not in available_actions(world.reviewer, plan)
    with pytest.raises(PermissionDenied):
        review_transition(plan, action="approve", actor=world.reviewer)
    review_transition(plan, action="approve", actor=world.instructor)


def test_site_administrator_may_review(world: Any) -> None:
    plan = submitted_plan(world)
    review_transition(plan, action="approve", actor=world.admin)
    assert plan.review_status == ReviewStatus.APPROVED


def test_any_submitter_may_withdraw(world: Any) -> None:
    plan = submitted_plan(world, world.child, by=world.admin)
    review_transition(plan, action="withdraw", actor=world.secretary)
    assert plan.review_status == ReviewStatus.DRAFT


def test_available_actions_per_persona(world: Any) -> None:
    plan = submitted_plan(world)
    assert available_actions(world.secretary, plan) == ["withdraw"]
    assert available_actions(world.reviewer, plan) == ["approve", "return"]
    assert available_actions(world.clerk, plan) == []
    assert available_actions(world.office, plan) == []


# --- comments, validation, lock -------------------------------------------------------


@pytest.mark.parametrize("comment", ["", "   \n "])
def test_return_requires_a_comment(world: Any, comment: str) -> None:
    plan = submitted_plan(world)
    with pytest.raises(ValidationError) as excinfo:
        review_transition(plan, action="return", actor=world.reviewer, comment=comment)
    assert "comment" in excinfo.value.message_dict
    plan.refresh_from_db()
    assert plan.review_status == ReviewStatus.SUBMITTED
    assert ReviewEvent.objects.count() == 1


def test_incomplete_plan_cannot_be_submitted(world: Any) -> None:
    plan = plan_at(world, world.own, measures="  ")
    with pytest.raises(ValidationError) as excinfo:
        review_transition(plan, action="submit", actor=world.secretary)
    assert "measures" in excinfo.value.message_dict
    assert not ReviewEvent.objects.exists()


def test_locked_while_submitted_or_approved(world: Any) -> None:
    plan = plan_at(world, world.own)
    assert is_editable(plan)
    review_transition(plan, action="submit", actor=world.secretary)
    assert not is_editable(plan)
    review_transition(plan, action="return", actor=world.reviewer, comment="改")
    assert is_editable(plan)
    review_transition(plan, action="resubmit", actor=world.secretary)
    review_transition(plan, action="approve", actor=world.reviewer)
    assert not is_editable(plan)


# --- notifications ---------------------------------------------------------------------


def _recipients(verb: str) -> list[str]:
    return sorted(
        Notification.objects.filter(verb=verb).values_list("recipient__username", flat=True)
    )


def test_submit_notifies_the_reviewers_once(world: Any) -> None:
    # A second reviewer higher up (the working committee) is asked too; office is not.
    role_assign(actor=None, user=world.nobody, role=Role.REVIEWER, organization=world.working)
    submitted_plan(world)
    assert _recipients("review.submit") == ["instructor", "nobody", "reviewer"]


def test_submit_at_the_reviewers_node_asks_only_those_above(world: Any) -> None:
    submitted_plan(world, world.park_a, by=world.admin)
    assert _recipients("review.submit") == []


def test_return_and_approve_notify_the_submitters_not_the_reviewer(world: Any) -> None:
    role_assign(actor=None, user=world.nobody, role=Role.SECRETARY, organization=world.own)
    plan = submitted_plan(world)
    review_transition(plan, action="return", actor=world.reviewer, comment="补充")
    assert _recipients("review.return") == ["nobody", "secretary"]
    assert Notification.objects.get(verb="review.return", recipient=world.secretary).body == "补充"
    review_transition(plan, action="resubmit", actor=world.secretary)
    assert _recipients("review.resubmit") == ["instructor", "reviewer"]
    review_transition(plan, action="approve", actor=world.instructor)
    assert _recipients("review.approve") == ["nobody", "secretary"]


def test_withdraw_notifies_nobody(world: Any) -> None:
    plan = submitted_plan(world)
    count = Notification.objects.count()
    review_transition(plan, action="withdraw", actor=world.secretary)
    assert Notification.objects.count() == count


def test_notification_links_to_the_record(world: Any) -> None:
    plan = submitted_plan(world)
    note = Notification.objects.get(recipient=world.reviewer)
    assert note.url == plan.get_absolute_url()
    assert plan.title in note.title


def test_email_sent_when_enabled(
    world: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.NOTIFY_BY_EMAIL = True
    with django_capture_on_commit_callbacks(execute=True):
        submitted_plan(world)
    assert sorted(m.to[0] for m in mail.outbox) == [
        world.instructor.email,
        world.reviewer.email,
    ]


def test_no_email_by_default(world: Any, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        submitted_plan(world)
    assert mail.outbox == []


def test_deleting_a_record_deletes_its_inbox_row_and_keeps_its_events(world: Any) -> None:
    plan = submitted_plan(world)
    review_transition(plan, action="return", actor=world.reviewer, comment="改")
    events = ReviewEvent.objects.for_record(plan).count()
    plan.delete()
    # Review events are append-only: the record's history outlives it.
    assert ReviewEvent.objects.count() == events == 2
    assert not ReviewTask.objects.exists()
