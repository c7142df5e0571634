"""The deadline rush (issue #20): a write re-evaluates only the requirements it can
change and its rows stay equal to a full evaluation; each requirement reads only the
models it declares; a write in one subtree leaves another subtree's cached dashboard in
use while the written subtree's figures are fresh; every link the scale generator
writes resolves."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from activities.models import Meeting, MeetingKind
from organizations.models import Organization
from portal.progress import rollup
from portal.progress.engine import Scope, affected_by, read_by_any, requirements
from portal.progress.models import DIRTY, Standing, SubtreeVersion
from portal.progress.scopes import org_infos
from tests.activities import factories as af
from tests.activities.plans_factories import submitted_plan
from tests.conftest import World
from tests.rectification import problems_factories as pf
from tests.utils import client_for, committed, count_queries

pytestmark = pytest.mark.django_db


def _stored(campaign: Any) -> dict[int, tuple]:
    return {
        pk: rest
        for pk, *rest in Standing.objects.filter(campaign=campaign).values_list(
            "organization_id", "states", "cells", "green", "done", "stale_from"
        )
    }


def _fresh(campaign: Any) -> dict[int, tuple]:
    """Every row as a full evaluation of the campaign's subtree writes it."""
    root = campaign.lead_organization
    orgs = org_infos(Organization.objects.filter(path__startswith=root.path, is_active=True))
    scope = Scope(campaign=campaign, orgs=orgs, root_path=root.path)
    codes = rollup.layout(campaign).split(",")
    return {
        row.organization_id: [row.states, row.cells, row.green, row.done, row.stale_from]
        for row in rollup._rows(campaign, scope, codes, timezone.now())
    }


def _rebuilt(campaign: Any) -> None:
    """The roll-up built, and the marks the set-up made (organizations, members: their
    transaction never commits in a test) sent and recomputed."""
    committed(lambda: None)()
    rollup.rebuild(campaign)


@pytest.fixture
def evaluated(monkeypatch: pytest.MonkeyPatch) -> list[set[str] | None]:
    """The `only` argument of every evaluation the roll-up runs (None: all)."""
    seen: list[set[str] | None] = []
    original = rollup.evaluate

    def spy(scope: Scope, only: Any = None) -> Any:
        seen.append(set(only) if only is not None else None)
        return original(scope, only=only)

    monkeypatch.setattr(rollup, "evaluate", spy)
    return seen


def test_a_meeting_re_evaluates_only_the_meeting_requirements_and_rows_stay_exact(
    world: World, evaluated: list
) -> None:
    campaign = af.campaign_for(world)
    _rebuilt(campaign)
    evaluated.clear()
    committed(lambda: af.meeting(world.sibling, campaign, kind=MeetingKind.MOBILIZATION))()
    assert evaluated == [affected_by(campaign, ["activities.Meeting"])]
    assert evaluated[0] == {"mobilization", "study_exchanges", "special_meeting"}
    assert _stored(campaign) == _fresh(campaign)
    row = Standing.objects.get(campaign=campaign, organization=world.sibling)
    assert row.stale_from != DIRTY and row.states[1] == "g"  # mobilization met


def test_writes_of_every_kind_leave_every_row_equal_to_a_full_evaluation(world: World) -> None:
    from portal.reviews.services import review_transition

    campaign = af.campaign_for(world)
    people = af.members(world.child, 2)
    _rebuilt(campaign)
    plan = []
    plist = []
    writes = [
        lambda: af.meeting(world.own, campaign, kind=MeetingKind.STUDY_EXCHANGE),
        lambda: af.counseling(people, campaign),  # bulk_create: marked by the service
        lambda: plan.append(submitted_plan(world, world.sibling, by=world.admin)),
        lambda: review_transition(plan[0], action="approve", actor=world.reviewer),
        lambda: plist.append(pf.approved_list(world, world.child, items=2)),
        lambda: pf.force_item_status(plist[0].items.first(), "closed"),
        lambda: af.members(world.sibling, 1),  # the roster: counseling, appraisal, funding
    ]
    for write in writes:
        committed(write)()
        assert _stored(campaign) == _fresh(campaign), write


def test_a_row_whose_due_date_is_unknown_evaluates_the_dated_requirements(
    world: World, evaluated: list
) -> None:
    campaign = af.campaign_for(world)
    pf.approved_list(world, world.sibling, items=1)
    _rebuilt(campaign)
    Standing.objects.filter(organization=world.sibling).update(due_on=DIRTY)
    evaluated.clear()
    committed(lambda: af.meeting(world.sibling, campaign, kind=MeetingKind.MOBILIZATION))()
    dated = {r.code for r in requirements(campaign) if r.dated}
    assert dated == {"no_overdue"}
    assert evaluated == [affected_by(campaign, ["activities.Meeting"]) | dated]
    assert _stored(campaign) == _fresh(campaign)


def test_a_change_no_requirement_reads_marks_nothing(world: World) -> None:
    campaign = af.campaign_for(world)
    _rebuilt(campaign)
    assert affected_by(campaign, ["activities.Attendance", "reviews.ReviewTask"]) == set()
    assert not read_by_any(["activities.Attendance", "reviews.ReviewTask"])
    rollup.mark_changed([world.sibling.pk], model="activities.Attendance")
    assert Standing.objects.get(organization=world.sibling).stale_from is None
    rollup.mark_changed([world.sibling.pk])  # unknown kind of change: all of them
    assert Standing.objects.get(organization=world.sibling).stale_from == DIRTY


def _tables_read(evaluate: Any, scope: Scope) -> set[str]:
    tables: set[str] = set()

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        tables.update(re.findall(r'"(\w+)"', sql))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        evaluate(scope)
    return tables


def test_every_requirement_reads_only_the_models_it_declares() -> None:
    """Traced over a small seeded county (every requirement met and unmet somewhere),
    for the whole subtree and for single organizations: a requirement reading a model
    it does not declare would keep a stale level after that model changes."""
    from django.apps import apps

    from activities.models import Campaign
    from scale.seeding import seed_scale
    from scale.tree import ROOT_CODE

    seed_scale(30, 200, log=lambda line: None)
    campaign = Campaign.objects.get()
    root = Organization.objects.get(code=ROOT_CODE, depth=1)
    labels = {m._meta.db_table: m._meta.label for m in apps.get_models(include_auto_created=True)}
    # Read by every evaluation through its scope: the organizations, the campaign and
    # its phases; content types name an attachment's record.
    implicit = {
        "organizations.Organization",
        "activities.Campaign",
        "activities.Phase",
        "contenttypes.ContentType",
    }
    orgs = org_infos(Organization.objects.filter(path__startswith=root.path, is_active=True))
    scopes = [Scope(campaign=campaign, orgs=orgs, root_path=root.path)] + [
        Scope(campaign=campaign, orgs={pk: info}) for pk, info in list(orgs.items())[:12]
    ]
    for req in requirements(campaign):
        assert req.reads is not None, req.code
        read = set()
        for scope in scopes:
            scope.changes = {}
            read |= {labels[t] for t in _tables_read(req.evaluate, scope) if t in labels}
            # Only a requirement declared dated notes a date its result changes on.
            assert req.dated or not scope.changes, req.code
        assert read - implicit <= req.reads, req.code


# --- cached figures per subtree ------------------------------------------------------------


def test_a_write_in_one_subtree_keeps_another_subtrees_dashboard_cached(world: World) -> None:
    from django.core.cache import cache

    cache.clear()
    campaign = af.campaign_for(world)
    _rebuilt(campaign)
    client = client_for(world, "office")
    park_a = reverse("progress:dashboard_org", args=[world.park_a.pk])
    park_b = reverse("progress:dashboard_org", args=[world.park_b.pk])
    before = {}
    for url in (park_a, park_b):
        before[url] = client.get(url).context["board"]  # computes and caches the figures
    cached = {url: count_queries(client, url) for url in (park_a, park_b)}

    committed(lambda: af.meeting(world.own, campaign, kind=MeetingKind.MOBILIZATION))()

    # park_b's subtree was not written to: still served from the cache.
    assert count_queries(client, park_b) == cached[park_b]
    # park_a's figures are computed again and show the meeting.
    assert count_queries(client, park_a) > cached[park_a]
    after = client.get(park_a).context["board"]
    met = {s.requirement.code: s.green for s in after.shares}
    assert (
        met["mobilization"]
        == {s.requirement.code: s.green for s in before[park_a].shares}.get("mobilization", 0) + 1
    )
    assert count_queries(client, park_a) == cached[park_a]  # cached again


def test_a_write_bumps_the_versions_of_its_organizations_ancestors_only(world: World) -> None:
    campaign = af.campaign_for(world)
    _rebuilt(campaign)
    committed(lambda: af.meeting(world.child, campaign, kind=MeetingKind.MOBILIZATION))()
    bumped = set(SubtreeVersion.objects.filter(campaign=campaign).values_list("path", flat=True))
    assert bumped == set(world.child.ancestor_paths) | {world.child.path}
    assert world.park_b.path not in bumped and world.sibling.path not in bumped


# --- the scale data's links ----------------------------------------------------------------


def test_every_link_the_scale_generator_writes_resolves_to_its_record() -> None:
    from activities.models import Opinion
    from portal.reviews.models import ReviewTask
    from scale.seeding import seed_scale

    seed_scale(30, 200, log=lambda line: None)
    tasks = list(ReviewTask.objects.select_related("content_type"))
    assert {t.content_type.model for t in tasks} >= {
        "activityplan",
        "selfexamination",
        "specialmeetingreview",
        "problemlist",
        "standardassessment",
    }
    for task in tasks:
        try:
            match = resolve(task.url)
        except Resolver404:  # pragma: no cover - the failure message
            pytest.fail(f"{task.content_type.model} {task.object_id}: {task.url} does not resolve")
        record = task.content_type.get_object_for_this_type(pk=task.object_id)
        if isinstance(record, Meeting) or task.content_type.model == "specialmeetingreview":
            assert match.url_name == "meeting_detail"
        else:
            assert task.url == record.get_absolute_url(), task.content_type.model
    for url in Opinion.objects.exclude(adopted_item_url="").values_list(
        "adopted_item_url", flat=True
    ):
        resolve(url)
