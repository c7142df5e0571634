from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django import forms
from django.core.exceptions import ValidationError

from activities.seed import ensure_campaign_2014
from portal.progress import engine
from portal.progress.engine import Level, Result, Scope
from portal.progress.models import RequirementInstance
from portal.progress.presets import TEMPLATE_2014
from portal.progress.scopes import scope_for_org, scope_for_subtree
from tests.conftest import World
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


class RosterParams(forms.Form):
    minimum = forms.IntegerField(min_value=1)


@pytest.fixture
def roster_kind() -> Iterator[None]:
    """A throwaway kind: 'has at least N members'."""

    def evaluate(scope: Scope, params: Any, phase: int) -> dict[int, Result]:
        n = params["minimum"]
        return {
            org.id: Result(Level.GREEN, f"{org.members} members")
            if org.members >= n
            else Result(scope.pending(phase), f"{org.members} members")
            for org in scope.orgs.values()
        }

    engine.kind("test_roster", "roster", params=RosterParams, reads=["organizations.Member"])(
        evaluate
    )
    yield
    engine._KINDS.pop("test_roster")


@pytest.fixture
def roster_requirement(world: World, roster_kind: None) -> Any:
    """The campaign's instance of it: at least 2 members, phase 1, branches only."""
    campaign = ensure_campaign_2014(world.county)
    RequirementInstance.objects.create(
        campaign=campaign,
        code="test_roster",
        kind="test_roster",
        params={"minimum": 2},
        phase=1,
        order=999,
        label_zh="名册",
        label_en="roster",
        org_kinds=["branch"],
    )
    campaign.refresh_from_db()
    return campaign


def test_subtree_scope_evaluates_every_active_organization_below(
    world: World, roster_requirement: Any
) -> None:
    campaign = roster_requirement
    MemberFactory.create_batch(2, organization=world.sibling)
    grid = engine.evaluate(scope_for_subtree(world.park_a, campaign), only=["test_roster"])
    assert set(grid) == {world.park_a.pk, world.own.pk, world.child.pk, world.sibling.pk}
    assert grid[world.sibling.pk]["test_roster"].level == Level.GREEN
    # Only branches: the park committee and the enterprise committee are left out.
    assert grid[world.park_a.pk] == {}
    assert grid[world.child.pk]["test_roster"].reason == "0 members"


def test_unmet_requirement_is_amber_while_its_phase_is_open_and_red_after(
    world: World, roster_requirement: Any
) -> None:
    campaign = roster_requirement
    during = scope_for_org(world.child, campaign, today=dt.date(2014, 4, 20))
    after = scope_for_org(world.child, campaign, today=dt.date(2014, 6, 2))
    assert (
        engine.evaluate(during, only=["test_roster"])[world.child.pk]["test_roster"].level
        == Level.AMBER
    )
    assert (
        engine.evaluate(after, only=["test_roster"])[world.child.pk]["test_roster"].level
        == Level.RED
    )


def test_a_finished_campaign_is_judged_as_at_its_end(world: World) -> None:
    campaign = ensure_campaign_2014(world.county)
    scope = scope_for_org(world.child, campaign, today=dt.date(2026, 1, 1))
    assert scope.as_of == dt.date(2014, 9, 30)


def test_a_new_campaign_gets_the_2014_template(world: World) -> None:
    campaign = ensure_campaign_2014(world.county)
    codes = [r.code for r in engine.requirements(campaign)]
    assert codes == [row["code"] for row in TEMPLATE_2014]
    assert len(codes) == 15


def test_the_template_new_campaigns_get_is_the_one_the_migration_gave_every_campaign() -> None:
    """tests/progress/test_template_2014.py (removed with the requirements registered in
    code) proved the migration's instances reproduce them over the demo county; the
    template in portal/progress/presets.py must stay equal to that copy."""
    import importlib

    from activities.requirements import PARTICIPATING_KINDS
    from organizations.models import HOSTING_KINDS
    from portal.progress.presets import HOSTING, PARTICIPATING, template_rows

    migration = importlib.import_module("portal.progress.migrations.0005_requirement_instances")
    assert template_rows(TEMPLATE_2014) == migration.TEMPLATE_2014
    assert set(PARTICIPATING) == PARTICIPATING_KINDS
    assert set(HOSTING) == {str(k) for k in HOSTING_KINDS}


def test_an_instance_added_changes_the_campaigns_requirements_at_once(
    world: World, roster_kind: None
) -> None:
    """The campaign's token changes with every instance written: this process (and any
    other) reads the new set, and every roll-up row is marked."""
    campaign = ensure_campaign_2014(world.county)
    before = [r.code for r in engine.requirements(campaign)]
    instance = RequirementInstance(
        campaign=campaign,
        code="roster",
        kind="test_roster",
        params={"minimum": 3},
        phase=2,
        order=5,
        label_zh="名册",
        label_en="Roster",
        org_kinds=["branch"],
    )
    instance.full_clean()
    instance.save()
    campaign.refresh_from_db()
    reqs = engine.requirements(campaign)
    assert [r.code for r in reqs] == [*before[:5], "roster", *before[5:]]
    assert reqs[5].params == {"minimum": 3}
    instance.delete()
    campaign.refresh_from_db()
    assert [r.code for r in engine.requirements(campaign)] == before


def test_parameters_are_validated_by_the_kind_as_field_errors(
    world: World, roster_kind: None
) -> None:
    campaign = ensure_campaign_2014(world.county)
    bad = RequirementInstance(
        campaign=campaign,
        code="roster",
        kind="test_roster",
        params={"minimum": 0, "colour": "red"},
        phase=1,
        label_zh="名册",
        org_kinds=["branch", "no-such-kind"],
    )
    with pytest.raises(ValidationError) as raised:
        bad.full_clean()
    errors = raised.value.message_dict
    assert any(m.startswith("minimum:") for m in errors["params"])
    assert any(m.startswith("colour:") for m in errors["params"])
    assert "org_kinds" in errors
    unknown = RequirementInstance(
        campaign=campaign, code="x", kind="no_such_kind", phase=1, label_zh="某"
    )
    with pytest.raises(ValidationError) as raised:
        unknown.full_clean()
    assert "kind" in raised.value.message_dict


def test_an_instance_whose_kind_is_gone_is_left_out_not_a_failure(world: World) -> None:
    campaign = ensure_campaign_2014(world.county)
    RequirementInstance.objects.create(
        campaign=campaign, code="gone", kind="removed_kind", phase=1, label_zh="旧"
    )
    campaign.refresh_from_db()
    assert "gone" not in {r.code for r in engine.requirements(campaign)}
    assert len(engine.requirements(campaign)) == 15


def test_meeting_requirements_reproduce_the_2014_wording_and_count_other_kinds(
    world: World,
) -> None:
    """The meetings kind: a fixed minimum of 1 reads "held or attended"; another minimum
    counts; within a phase only that phase's meetings count."""
    from activities.models import MeetingKind
    from tests.activities import factories as af

    campaign = af.campaign_for(world)
    RequirementInstance.objects.create(
        campaign=campaign,
        code="sessions_p1",
        kind="meetings",
        params={"meeting_kinds": ["study_session"], "minimum": 2, "within_phase": 1},
        phase=1,
        order=60,
        label_zh="第一阶段至少两次学习会",
        label_en="At least two study sessions in phase 1",
        org_kinds=["branch", "committee"],
    )
    campaign.refresh_from_db()
    phase1 = campaign.phases.get(number=1)
    phase2 = campaign.phases.get(number=2)
    af.meeting(world.own, campaign, kind=MeetingKind.STUDY_SESSION, day=phase1.starts_on)
    af.meeting(world.own, campaign, kind=MeetingKind.STUDY_SESSION, day=phase2.starts_on)
    scope = scope_for_org(world.own, campaign, today=phase1.starts_on)
    result = engine.evaluate(scope, only=["sessions_p1"])[world.own.pk]["sessions_p1"]
    assert result.level == Level.AMBER  # one in phase 1, one in phase 2
    assert "1" in result.reason
    af.meeting(world.own, campaign, kind=MeetingKind.STUDY_SESSION, day=phase1.starts_on)
    scope = scope_for_org(world.own, campaign, today=phase1.starts_on)
    result = engine.evaluate(scope, only=["sessions_p1"])[world.own.pk]["sessions_p1"]
    assert result.level == Level.GREEN
