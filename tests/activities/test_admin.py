"""The site administrator's pages for the campaign records (activities/admin.py): they
load, and they offer no way around the review and opinion workflows."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from activities.meetings.services import criticism_add, special_meeting_submit
from activities.models import (
    ActivityPlan,
    AppraisalApproval,
    AppraisalResult,
    AppraisalSession,
    CounselingRecord,
    CriticismKind,
    Meeting,
    MeetingKind,
    OneToOneTalk,
    Opinion,
    SelfExamination,
)
from activities.models.meetings import SpecialMeetingReview
from portal.reviews.models import ReviewStatus
from tests.activities import phase2_factories as p2
from tests.activities.factories import campaign_for, counseling, meeting, members
from tests.activities.opinions_factories import OpinionFactory
from tests.activities.plans_factories import plan_at, submitted_plan
from tests.conftest import World
from tests.utils import client_for

pytestmark = pytest.mark.django_db

MODELS = [
    ActivityPlan,
    Meeting,
    SpecialMeetingReview,
    CounselingRecord,
    Opinion,
    OneToOneTalk,
    SelfExamination,
    AppraisalSession,
    AppraisalResult,
    AppraisalApproval,
]


def changelist(model: type) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def change(obj: object) -> str:
    meta = obj._meta  # type: ignore[attr-defined]
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])  # type: ignore[attr-defined]


def some_of_everything(world: World) -> dict[str, object]:
    campaign = campaign_for(world)
    people = members(world.own, 4)
    plain = meeting(world.own, campaign)
    special = meeting(
        world.own, campaign, kind=MeetingKind.SPECIAL, day="2014-06-20", guide_name="赵指导",
        secretary_report="报告",
    )  # fmt: skip
    criticism_add(
        actor=None, meeting=special, kind=CriticismKind.CRITICISM, by_member=people[0],
        about_member=people[1], points="作风",
    )  # fmt: skip
    review = special_meeting_submit(actor=world.secretary, meeting=special)
    counseling(people, campaign)
    OpinionFactory(organization=world.own, campaign=campaign)
    p2.make_talk(world.own, campaign)
    p2.make_statement(world.own, campaign)
    p2.closed_session(world.own, campaign, ["good", "poor"])
    return {
        "plan": plan_at(world, world.child),
        "submitted_plan": submitted_plan(world),
        "meeting": plain,
        "special": special,
        "review": review,
    }


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelists_load_for_the_site_administrator(world: World, model: type) -> None:
    some_of_everything(world)
    assert model.objects.exists(), model
    assert admin.site.is_registered(model)
    url = changelist(model)
    # Only staff get in; everyone else is sent to the admin's login page.
    for persona in ("anonymous", "secretary", "reviewer"):
        response = client_for(world, persona).get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert client_for(world, "admin").get(url).status_code == 200
    obj = model.objects.first()
    assert client_for(world, "admin").get(change(obj)).status_code == 200


def test_review_fields_are_read_only_and_locked_records_cannot_be_changed(
    world: World,
) -> None:
    things = some_of_everything(world)
    client = client_for(world, "admin")

    draft = client.get(change(things["plan"]))
    assert "review_status" not in draft.context["adminform"].form.fields
    assert "title" in draft.context["adminform"].form.fields

    locked = client.get(change(things["submitted_plan"]))
    assert locked.context["adminform"].form.fields == {}
    assert not locked.context["has_delete_permission"]

    special = client.get(change(things["special"]))
    assert special.context["adminform"].form.fields == {}
    assert not special.context["has_delete_permission"]
    assert "topic" in client.get(change(things["meeting"])).context["adminform"].form.fields

    # A POST cannot change a locked record either.
    plan = things["submitted_plan"]
    client.post(change(plan), {"title": "改过的标题", "review_status": ReviewStatus.APPROVED})
    plan.refresh_from_db()  # type: ignore[attr-defined]
    assert plan.review_status == ReviewStatus.SUBMITTED  # type: ignore[attr-defined]
    assert plan.title != "改过的标题"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "model",
    [SpecialMeetingReview, Opinion, AppraisalSession, AppraisalResult, AppraisalApproval],
    ids=lambda m: m.__name__,
)
def test_workflow_records_are_read_only_in_the_admin(world: World, model: type) -> None:
    some_of_everything(world)
    client = client_for(world, "admin")
    add_url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
    assert client.get(add_url).status_code == 403
    page = client.get(change(model.objects.first()))
    assert page.context["adminform"].form.fields == {}
    assert not page.context["has_delete_permission"]
