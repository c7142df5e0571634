"""Batch selectors for the live checklist (rectification/selectors_problems.py): one
grouped query each, for a subtree (a Scope-like org_q) or a list of ids."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db.models import Q
from django.utils import timezone

from portal.reviews.services import review_transition
from rectification import services_problems as services
from rectification.selectors_problems import (
    item_counts_by_list,
    open_item_counts_in,
    overdue_item_counts_in,
    problem_list_states_in,
    problem_lists_published_in,
)
from tests.rectification.problems_factories import (
    approve,
    approved_list,
    campaign_for,
    force_deadline,
    force_item_status,
    keep_running,
    make_item,
    make_list,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
TODAY_FROM_CLOCK = True  # read again before each test (tests/conftest.py)


def _subtree(world: Any) -> Any:
    path = world.county.path
    return lambda prefix: Q(**{f"{prefix}__path__startswith": path})


@pytest.fixture
def scene(world: Any) -> dict[str, Any]:
    """own: approved and published, 3 items (one overdue, one closed overdue, one due
    later); child: approved, not published, 1 overdue item; sibling: a draft with an
    overdue-dated item (not a commitment yet); park_a: submitted; far: other county."""
    own = approved_list(world, world.own, items=3)
    late, closed, _later = own.items.order_by("number")
    force_deadline(late, TODAY - dt.timedelta(days=2))
    force_deadline(closed, TODAY - dt.timedelta(days=5))
    force_item_status(closed, "closed")
    services.problem_list_publish(
        actor=world.secretary, problem_list=own, published_on=TODAY, audience="全体党员和职工"
    )
    child = approved_list(world, world.child)
    force_deadline(child.items.get(), TODAY - dt.timedelta(days=1))
    draft = make_list(world, world.sibling)
    force_deadline(make_item(draft), TODAY - dt.timedelta(days=9))
    submitted = make_list(world, world.park_a)
    make_item(submitted)
    review_transition(submitted, action="submit", actor=world.admin)
    approve(world, _far(world))
    return {"own": own, "child": child, "draft": draft, "submitted": submitted}


def _far(world: Any) -> Any:
    plist = make_list(world, world.far)
    force_deadline(make_item(plist), TODAY - dt.timedelta(days=3))
    return plist


def test_list_states_per_organization(
    world: Any, scene: dict[str, Any], django_assert_num_queries: Any
) -> None:
    campaign = campaign_for(world)
    with django_assert_num_queries(1):
        states = problem_list_states_in(campaign, _subtree(world))
    assert set(states) == {world.own.pk, world.child.pk, world.sibling.pk, world.park_a.pk}
    assert states[world.own.pk].published and states[world.own.pk].items == 3
    assert states[world.child.pk].approved and not states[world.child.pk].published
    assert states[world.sibling.pk].review_status == "draft"
    assert states[world.park_a.pk].review_status == "submitted"
    with django_assert_num_queries(1):
        assert problem_lists_published_in(campaign, _subtree(world)) == {world.own.pk}
    with django_assert_num_queries(1):
        assert problem_lists_published_in(campaign, [world.child.pk, world.own.pk]) == {
            world.own.pk
        }


def test_overdue_counts_per_organization(
    world: Any, scene: dict[str, Any], django_assert_num_queries: Any
) -> None:
    campaign = keep_running(campaign_for(world))  # judged as of today, not its 2014 end
    with django_assert_num_queries(1):
        counts = overdue_item_counts_in(campaign, _subtree(world), TODAY)
    # The closed item and the draft's item do not count; the far county is another scope.
    assert counts == {world.own.pk: 1, world.child.pk: 1}
    with django_assert_num_queries(1):
        assert overdue_item_counts_in(campaign, [world.child.pk], TODAY) == {world.child.pk: 1}
    far = keep_running(campaign_for(world, world.far))
    assert overdue_item_counts_in(far, [world.far.pk], TODAY) == {world.far.pk: 1}
    # Tomorrow, nothing new: the third item is due in 60 days.
    assert overdue_item_counts_in(campaign, _subtree(world), TODAY + dt.timedelta(days=1)) == counts


def test_open_item_counts_per_organization(
    world: Any, scene: dict[str, Any], django_assert_num_queries: Any
) -> None:
    campaign = campaign_for(world)
    with django_assert_num_queries(1):
        counts = open_item_counts_in(campaign, _subtree(world))
    assert counts == {
        world.own.pk: (2, 3),
        world.child.pk: (1, 1),
        world.sibling.pk: (1, 1),
        world.park_a.pk: (1, 1),
    }
    assert open_item_counts_in(campaign, []) == {}


def test_item_counts_by_list(
    world: Any, scene: dict[str, Any], django_assert_num_queries: Any
) -> None:
    own = scene["own"]
    keep_running(campaign_for(world))  # judged as of today, not its 2014 end
    with django_assert_num_queries(1):
        counts = item_counts_by_list([own.pk], TODAY)
    assert counts == {own.pk: {"total": 3, "closed": 1, "overdue": 1}}
