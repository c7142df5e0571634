"""Activity plan pages (activities/plans/views.py) and services (activities/plans/services.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from activities.models import ActivityPlan, Campaign
from activities.plans.services import (
    EditConflict,
    activity_plan_create,
    activity_plan_update,
    version_token,
)
from activities.seed import ensure_campaign_2014
from portal.reviews.models import RecordLocked
from portal.reviews.services import review_transition
from tests.activities.plans_factories import campaign_for, plan_at, submitted_plan
from tests.utils import assert_constant_queries, check_matrix, client_for

pytestmark = pytest.mark.django_db

VIEW_OWN = {
    "anonymous": 302,
    "nobody": 404,
    "outsider": 404,
    "member_user": 404,
    "office": 200,
    "reviewer": 200,
    "instructor": 200,
    "secretary": 200,
    "clerk": 200,
    "admin": 200,
}
VIEW_PARENT = {**VIEW_OWN, "instructor": 404, "secretary": 404, "clerk": 404}
VIEW_SIBLING = VIEW_PARENT
VIEW_OTHER = {
    **VIEW_OWN,
    "outsider": 200,
    "reviewer": 404,
    "instructor": 404,
    "secretary": 404,
    "clerk": 404,
}
VIEW_FAR = {**{p: 404 for p in VIEW_OWN}, "anonymous": 302, "admin": 200}
VIEW_BY_ORG = {
    "own": VIEW_OWN,
    "child": VIEW_OWN,
    "park_a": VIEW_PARENT,
    "sibling": VIEW_SIBLING,
    "other": VIEW_OTHER,
    "far": VIEW_FAR,
}
# RECORD: secretary and clerk where they sit; viewers without it get 403.
RECORD_BY_ORG = {
    "own": {**VIEW_OWN, "office": 403, "reviewer": 403, "instructor": 403},
    "child": {**VIEW_OWN, "office": 403, "reviewer": 403, "instructor": 403},
    "park_a": {**VIEW_PARENT, "office": 403, "reviewer": 403},
    "sibling": {**VIEW_SIBLING, "office": 403, "reviewer": 403},
    "other": {**VIEW_OTHER, "office": 403},
    "far": VIEW_FAR,
}


def _campaign(world: Any, org_name: str) -> Any:
    if org_name == "far":
        return ensure_campaign_2014(world.other_county)
    return campaign_for(world)


def _plan(world: Any, org_name: str, **kwargs: Any) -> ActivityPlan:
    return plan_at(world, getattr(world, org_name), campaign=_campaign(world, org_name), **kwargs)


def _fields(plan: ActivityPlan, **changes: str) -> dict[str, str]:
    data = {
        "title": plan.title,
        "goals": plan.goals,
        "arrangements": plan.arrangements,
        "leadership": plan.leadership,
        "measures": plan.measures,
    }
    data.update(changes)
    return data


# --- permission matrix -----------------------------------------------------------------


@pytest.mark.parametrize("org_name", list(VIEW_BY_ORG))
def test_detail_and_history_matrix(world: Any, org_name: str) -> None:
    plan = _plan(world, org_name)
    check_matrix(world, plan.get_absolute_url(), VIEW_BY_ORG[org_name])
    check_matrix(world, reverse("activities:plan_history", args=[plan.pk]), VIEW_BY_ORG[org_name])


@pytest.mark.parametrize("org_name", list(VIEW_BY_ORG))
def test_overview_matrix(world: Any, org_name: str) -> None:
    org = getattr(world, org_name)
    check_matrix(world, reverse("activities:plan_overview", args=[org.pk]), VIEW_BY_ORG[org_name])


@pytest.mark.parametrize("org_name", list(RECORD_BY_ORG))
def test_edit_matrix(world: Any, org_name: str) -> None:
    plan = _plan(world, org_name)
    check_matrix(world, reverse("activities:plan_edit", args=[plan.pk]), RECORD_BY_ORG[org_name])


@pytest.mark.parametrize("org_name", list(RECORD_BY_ORG))
def test_create_matrix(world: Any, org_name: str) -> None:
    org = getattr(world, org_name)
    url = reverse("activities:plan_create", args=[org.pk, _campaign(world, org_name).pk])
    check_matrix(world, url, RECORD_BY_ORG[org_name])


def test_missing_plan_is_404(world: Any) -> None:
    client = client_for(world, "admin")
    for name in ("plan_detail", "plan_edit", "plan_history"):
        assert client.get(reverse(f"activities:{name}", args=[99999])).status_code == 404


def test_campaign_the_organization_is_not_in_is_404(world: Any) -> None:
    elsewhere = ensure_campaign_2014(world.other_county)
    url = reverse("activities:plan_create", args=[world.own.pk, elsewhere.pk])
    assert client_for(world, "secretary").get(url).status_code == 404


# --- writing and editing ---------------------------------------------------------------


def test_secretary_writes_a_plan_as_a_draft(world: Any) -> None:
    campaign = campaign_for(world)
    url = reverse("activities:plan_create", args=[world.own.pk, campaign.pk])
    data = {
        "title": "甲公司党委实施方案",
        "goals": "目标",
        "arrangements": "安排",
        "leadership": "领导",
        "measures": "措施",
    }
    response = client_for(world, "clerk").post(url, data)
    plan = ActivityPlan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == plan.get_absolute_url()
    assert (plan.organization, plan.campaign, plan.review_status) == (world.own, campaign, "draft")
    assert plan.created_by == world.clerk
    assert plan.history.get().history_user == world.clerk


def test_second_plan_for_the_same_campaign_opens_the_first(world: Any) -> None:
    plan = _plan(world, "own")
    url = reverse("activities:plan_create", args=[world.own.pk, plan.campaign.pk])
    response = client_for(world, "secretary").get(url)
    assert response["Location"] == plan.get_absolute_url()
    with pytest.raises(ValidationError):
        activity_plan_create(
            actor=world.secretary, organization=world.own, campaign=plan.campaign, title="x"
        )


def test_create_service_checks_authority_and_campaign(world: Any) -> None:
    with pytest.raises(PermissionDenied):
        activity_plan_create(
            actor=world.reviewer, organization=world.own, campaign=campaign_for(world), title="x"
        )
    with pytest.raises(ValidationError):
        activity_plan_create(
            actor=world.secretary,
            organization=world.own,
            campaign=ensure_campaign_2014(world.other_county),
            title="x",
        )


def test_edit_saves_and_keeps_history(world: Any) -> None:
    plan = _plan(world, "own")
    client = client_for(world, "secretary")
    url = reverse("activities:plan_edit", args=[plan.pk])
    form = client.get(url).context["form"]
    data = {**_fields(plan, goals="新的目标"), "version": form.initial["version"]}
    response = client.post(url, data)
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.goals == "新的目标"
    assert plan.history.count() == 2
    history = client.get(reverse("activities:plan_history", args=[plan.pk]))
    [latest, first] = history.context["entries"]
    assert [c.key for c in latest["changes"]] == ["goals"]
    assert first["first"]
    assert "新的<del>目标</del>" not in history.content.decode()  # short: old → new
    assert "新的目标" in history.content.decode()


def test_concurrent_edit_is_refused_not_overwritten(world: Any) -> None:
    plan = _plan(world, "own")
    client = client_for(world, "secretary")
    url = reverse("activities:plan_edit", args=[plan.pk])
    stale_version = client.get(url).context["form"].initial["version"]
    activity_plan_update(
        actor=world.clerk,
        plan=plan,
        version=version_token(plan),
        **_fields(plan, measures="书记改过的措施"),
    )
    response = client.post(url, {**_fields(plan, measures="我的措施"), "version": stale_version})
    assert response.status_code == 409
    assert response.context["form"].non_field_errors()
    plan.refresh_from_db()
    assert plan.measures == "书记改过的措施"


def test_update_service_refuses_a_stale_version(world: Any) -> None:
    plan = _plan(world, "own")
    with pytest.raises(EditConflict):
        activity_plan_update(
            actor=world.secretary, plan=plan, version="2000-01-01T00:00:00+00:00", **_fields(plan)
        )


@pytest.mark.parametrize("action", ["submit", "approve"])
def test_submitted_or_approved_plan_is_locked_for_its_authors(world: Any, action: str) -> None:
    plan = submitted_plan(world)
    if action == "approve":
        review_transition(plan, action="approve", actor=world.reviewer)
    url = reverse("activities:plan_edit", args=[plan.pk])
    client = client_for(world, "secretary")
    response = client.get(url)
    assert response.status_code == 403
    assert "reviews/locked.html" in [t.name for t in response.templates]
    response = client.post(url, {**_fields(plan, goals="偷偷改"), "version": version_token(plan)})
    assert response.status_code == 403
    plan.refresh_from_db()
    assert plan.goals != "偷偷改"
    with pytest.raises(RecordLocked):
        activity_plan_update(
            actor=world.secretary, plan=plan, version=version_token(plan), **_fields(plan)
        )
    detail = client.get(plan.get_absolute_url())
    assert not detail.context["can_edit"]


def test_returned_plan_can_be_edited_again(world: Any) -> None:
    plan = submitted_plan(world)
    review_transition(plan, action="return", actor=world.reviewer, comment="改")
    response = client_for(world, "secretary").get(reverse("activities:plan_edit", args=[plan.pk]))
    assert response.status_code == 200


def test_detail_shows_buttons_by_authority(world: Any) -> None:
    plan = _plan(world, "own")
    assert _actions(world, "secretary", plan) == ["submit"]
    assert _actions(world, "clerk", plan) == []
    review_transition(plan, action="submit", actor=world.secretary)
    assert _actions(world, "secretary", plan) == ["withdraw"]
    assert _actions(world, "reviewer", plan) == ["approve", "return"]
    assert _actions(world, "office", plan) == []


def _actions(world: Any, persona: str, plan: ActivityPlan) -> list[str]:
    response = client_for(world, persona).get(plan.get_absolute_url())
    return [value for value, _label in response.context["review"].actions]


def test_pressing_submit_on_the_page_submits(world: Any) -> None:
    plan = _plan(world, "own")
    client = client_for(world, "secretary")
    url = reverse("reviews:transition", args=["activities.activityplan", plan.pk])
    response = client.post(url, {"action": "submit"})
    assert response["Location"] == plan.get_absolute_url()
    plan.refresh_from_db()
    assert plan.review_status == "submitted"


# --- query counts ----------------------------------------------------------------------


def test_detail_query_count_is_constant(world: Any) -> None:
    plan = submitted_plan(world)

    def grow() -> None:
        for _i in range(5):
            review_transition(plan, action="return", actor=world.reviewer, comment="再改")
            review_transition(plan, action="resubmit", actor=world.secretary)

    # session, user, plan (organization, campaign joined), grants, review events with
    # actors, roles (reviewer's buttons), unread count.
    assert_constant_queries(
        client_for(world, "reviewer"), plan.get_absolute_url(), grow, expected=7
    )


def test_history_query_count_is_constant(world: Any) -> None:
    plan = _plan(world, "own")

    def grow() -> None:
        for i in range(30):
            plan.refresh_from_db()
            activity_plan_update(
                actor=world.secretary,
                plan=plan,
                version=version_token(plan),
                **_fields(plan, goals=f"目标{i}"),
            )

    # session, user, plan, grants, COUNT of versions, page of versions with users, the
    # version below the page, navigation roles, unread count.
    url = reverse("activities:plan_history", args=[plan.pk])
    assert_constant_queries(client_for(world, "secretary"), url, grow, expected=9)


def test_overview_query_count_is_constant(world: Any) -> None:
    _plan(world, "own")

    def grow() -> None:
        for i in range(10):
            campaign = Campaign.objects.create(
                lead_organization=world.county,
                name_zh=f"活动{i}",
                name_en=f"c{i}",
                starts_on="2015-01-01",
                ends_on="2015-12-31",
            )
            plan_at(world, world.own, campaign=campaign)

    # session, user, organization, grants, campaigns, plans, roles, unread count.
    url = reverse("activities:plan_overview", args=[world.own.pk])
    assert_constant_queries(client_for(world, "secretary"), url, grow, expected=8)
