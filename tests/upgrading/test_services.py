"""Services of classifying and lifting organizations and of leadership terms."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from organizations.models import CommitteePost, CommitteeRole
from portal.notifications.models import Notification
from portal.reviews.models import RecordLocked
from portal.reviews.services import review_transition
from tests.conftest import World
from tests.factories import MemberFactory
from upgrading import services
from upgrading.models import Grade, Grading, LeadershipTerm, PlanReason, add_years
from upgrading.seed import ensure_grading_template

from .helpers import grade, lagging_plan, plan_fields, scores_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("total", "expected"),
    [
        (100, Grade.ADVANCED),
        (85, Grade.ADVANCED),
        (84, Grade.MIDDLE),
        (60, Grade.MIDDLE),
        (59, Grade.LAGGING),
        (0, Grade.LAGGING),
    ],
)
def test_the_class_follows_the_template_star_levels(
    world: World, total: int, expected: str
) -> None:
    grading = grade(world, world.own, 2026, total)
    assert (grading.grade, grading.score, grading.max_score) == (expected, total, 100)
    assert grading.scores.count() == 6


def test_only_a_reviewer_above_or_the_instructor_grades(world: World) -> None:
    template = ensure_grading_template()
    for who in ("secretary", "clerk", "office", "outsider"):
        with pytest.raises(PermissionDenied):
            services.grading_save(
                actor=getattr(world, who),
                organization=world.own,
                year=2026,
                template=template,
                scores=scores_for(70),
            )
    # The reviewer sits at park_a: it does not grade its own level.
    with pytest.raises(PermissionDenied):
        grade(world, world.park_a, 2026, 70)
    assert grade(world, world.own, 2026, 70, actor=world.instructor).grade == Grade.MIDDLE


def test_scores_out_of_range_are_field_errors(world: World) -> None:
    template = ensure_grading_template()
    scores = scores_for(70)
    first = next(iter(scores))
    scores[first] = 999
    with pytest.raises(ValidationError) as exc:
        services.grading_save(
            actor=world.reviewer,
            organization=world.own,
            year=2026,
            template=template,
            scores=scores,
        )
    assert f"item_{first}" in exc.value.message_dict


def test_regrading_replaces_the_class_keeps_history_and_tells_the_secretary(world: World) -> None:
    first = grade(world, world.own, 2026, 90)
    again = grade(world, world.own, 2026, 30)
    assert first.pk == again.pk and again.grade == Grade.LAGGING
    assert Grading.objects.filter(organization=world.own).count() == 1
    assert list(again.history.values_list("grade", flat=True)) == [Grade.LAGGING, Grade.ADVANCED]
    titles = list(
        Notification.objects.filter(recipient=world.secretary, verb="upgrading.graded").values_list(
            "title", flat=True
        )
    )
    assert len(titles) == 2
    assert not Notification.objects.filter(recipient=world.clerk, verb="upgrading.graded").exists()


def test_a_plan_needs_a_lagging_class_or_the_weak_flag(world: World) -> None:
    year = timezone.localdate().year
    with pytest.raises(ValidationError) as exc:
        services.plan_create(
            actor=world.secretary, organization=world.own, fields=plan_fields(year)
        )
    assert "reason" in exc.value.message_dict
    world.own.is_weak = True
    world.own.save()
    plan = services.plan_create(
        actor=world.secretary,
        organization=world.own,
        fields=plan_fields(year, reason=PlanReason.WEAK),
    )
    assert plan.pk and plan.history.count() == 1


def test_only_the_organization_writes_its_plan(world: World) -> None:
    year = timezone.localdate().year
    grade(world, world.own, year, 40)
    for who in ("reviewer", "instructor", "office", "outsider"):
        with pytest.raises(PermissionDenied):
            services.plan_create(
                actor=getattr(world, who), organization=world.own, fields=plan_fields(year)
            )
    assert services.plan_create(actor=world.clerk, organization=world.own, fields=plan_fields(year))


def test_a_plan_is_locked_while_waiting_and_refuses_a_stale_edit(world: World) -> None:
    plan = lagging_plan(world)
    seen = plan.updated_at
    services.plan_update(actor=world.secretary, plan=plan, fields={"measures": "新的措施"})
    with pytest.raises(ValidationError) as exc:
        services.plan_update(
            actor=world.secretary, plan=plan, fields={"measures": "旧的"}, seen_updated_at=seen
        )
    assert exc.value.code == "stale"
    review_transition(plan, action="submit", actor=world.secretary)
    with pytest.raises(RecordLocked):
        services.plan_update(actor=world.secretary, plan=plan, fields={"measures": "x"})


def test_notes_and_delisting_need_an_approved_plan(world: World) -> None:
    plan = lagging_plan(world)
    today = timezone.localdate()
    with pytest.raises(ValidationError):
        services.note_add(actor=world.secretary, plan=plan, noted_on=today, text="进展")
    with pytest.raises(ValidationError):
        services.delisting_save(actor=world.secretary, plan=plan, results="已整改")
    review_transition(plan, action="submit", actor=world.secretary)
    review_transition(plan, action="approve", actor=world.reviewer)
    note = services.note_add(actor=world.secretary, plan=plan, noted_on=today, text="召开支委会")
    assert note.pk
    with pytest.raises(ValidationError):
        services.note_add(
            actor=world.secretary, plan=plan, noted_on=today + dt.timedelta(days=1), text="未来"
        )


def test_a_new_secretary_links_to_a_secretary_post_of_the_organization(world: World) -> None:
    plan = lagging_plan(world, approve=True)
    today = timezone.localdate()
    member = MemberFactory(organization=world.own)
    deputy = CommitteePost.objects.create(
        organization=world.own, member=member, role=CommitteeRole.DEPUTY, starts_on=today
    )
    with pytest.raises(ValidationError) as exc:
        services.note_add(
            actor=world.secretary, plan=plan, noted_on=today, text="任命", new_secretary=deputy
        )
    assert "new_secretary" in exc.value.message_dict
    post = CommitteePost.objects.create(
        organization=world.own, member=member, role=CommitteeRole.SECRETARY, starts_on=today
    )
    note = services.note_add(
        actor=world.secretary, plan=plan, noted_on=today, text="任命新书记", new_secretary=post
    )
    assert note.new_secretary == post


def test_approving_the_delisting_closes_the_plan_and_clears_the_weak_flag(world: World) -> None:
    world.own.is_weak = True
    world.own.save()
    plan = lagging_plan(world, approve=True)
    delisting = services.delisting_save(actor=world.secretary, plan=plan, results="整改到位")
    review_transition(delisting, action="submit", actor=world.secretary)
    with pytest.raises(RecordLocked):
        services.delisting_save(actor=world.secretary, plan=plan, results="改")
    with pytest.raises(PermissionDenied):
        review_transition(delisting, action="approve", actor=world.secretary)
    review_transition(delisting, action="approve", actor=world.reviewer)
    plan.refresh_from_db()
    world.own.refresh_from_db()
    assert plan.delisted_on == timezone.localdate()
    assert not world.own.is_weak
    with pytest.raises(ValidationError):
        services.note_add(
            actor=world.secretary, plan=plan, noted_on=timezone.localdate(), text="之后"
        )


def test_returning_the_delisting_keeps_the_plan_open(world: World) -> None:
    plan = lagging_plan(world, approve=True)
    delisting = services.delisting_save(actor=world.secretary, plan=plan, results="整改到位")
    review_transition(delisting, action="submit", actor=world.secretary)
    review_transition(delisting, action="return", actor=world.reviewer, comment="材料不足")
    plan.refresh_from_db()
    assert plan.delisted_on is None
    assert (
        services.delisting_save(actor=world.secretary, plan=plan, results="补充材料").pk
        == delisting.pk
    )


def test_a_demonstration_is_proposed_below_and_confirmed_above(world: World) -> None:
    demo = services.demonstration_save(
        actor=world.secretary, organization=world.own, year=2026, reasons="服务型党组织建设突出"
    )
    with pytest.raises(PermissionDenied):
        services.demonstration_save(
            actor=world.reviewer, organization=world.own, year=2026, reasons="x"
        )
    review_transition(demo, action="submit", actor=world.secretary)
    review_transition(demo, action="approve", actor=world.reviewer)
    with pytest.raises(RecordLocked):
        services.demonstration_save(
            actor=world.secretary,
            organization=world.own,
            year=2026,
            reasons="y",
            demonstration=demo,
        )


def test_terms_record_the_due_date_and_refuse_future_elections(world: World) -> None:
    term = services.term_record(
        actor=world.secretary, organization=world.own, elected_on=dt.date(2020, 2, 29), term_years=5
    )
    assert term.due_on == dt.date(2025, 2, 28) == add_years(dt.date(2020, 2, 29), 5)
    with pytest.raises(ValidationError) as exc:
        services.term_record(
            actor=world.secretary,
            organization=world.own,
            elected_on=timezone.localdate() + dt.timedelta(days=1),
            term_years=3,
        )
    assert "elected_on" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.term_record(
            actor=world.secretary,
            organization=world.own,
            elected_on=dt.date(2020, 1, 1),
            term_years=0,
        )
    with pytest.raises(PermissionDenied):
        services.term_record(
            actor=world.reviewer,
            organization=world.own,
            elected_on=dt.date(2021, 1, 1),
            term_years=3,
        )
    assert LeadershipTerm.objects.count() == 1


def test_a_year_to_come_is_not_graded(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        grade(world, world.own, timezone.localdate().year + 1, 70)
    assert "year" in exc.value.message_dict


def test_the_admin_lists_each_record(world: World, client: Any) -> None:
    from django.urls import reverse

    lagging_plan(world, approve=True)
    client.force_login(world.admin)
    for name in (
        "grading",
        "upgradeplan",
        "upgradenote",
        "delisting",
        "demonstration",
        "leadershipterm",
    ):
        assert client.get(reverse(f"admin:upgrading_{name}_changelist")).status_code == 200
