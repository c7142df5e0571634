"""The 2014 template reproduces the requirements that were code before campaigns became
data (#18): for every organization of the `world` fixture (the demo county's in
test_template_2014_demo.py), in
both languages, during the campaign and after it, live and as the roll-up evaluates,
the old registry and the campaign's instances give identical levels, reasons and fix
URLs, with the same codes, labels, phases and order."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import translation

from activities.models import Campaign, MeetingKind
from organizations.models import Organization
from portal.progress import engine
from portal.progress.engine import Scope
from portal.progress.scopes import org_infos, scope_for_subtree
from tests.activities import factories as af
from tests.activities.plans_factories import submitted_plan
from tests.conftest import World
from tests.rectification import problems_factories as pf

pytestmark = pytest.mark.django_db

LANGUAGES = ("zh-hans", "en")


def _described(reqs: list[engine.Requirement]) -> list[tuple[Any, ...]]:
    return [(r.code, str(r.label), r.phase, r.order, r.reads, r.dated) for r in reqs]


def _days(campaign: Campaign) -> list[dt.date | None]:
    """Today, and a day in each phase of the campaign (amber and red both occur)."""
    return [None] + [p.starts_on + dt.timedelta(days=1) for p in campaign.phases.all()]


def _scope(campaign: Campaign, info: Any, day: dt.date | None) -> Scope:
    """The campaign's whole subtree (info None) or one organization."""
    if info is None:
        return scope_for_subtree(campaign.lead_organization, campaign, today=day)
    return Scope(campaign=campaign, orgs={info.id: info}, today=day)


def compare(campaign: Campaign) -> int:
    """Old and new evaluations of every active organization under the campaign's lead
    organization, as one subtree and one organization at a time; returns the cells
    compared."""
    legacy = engine.legacy_requirements()
    root = campaign.lead_organization
    orgs = org_infos(Organization.objects.filter(path__startswith=root.path, is_active=True))
    assert orgs
    cells = 0
    for language in LANGUAGES:
        with translation.override(language):
            assert _described(engine.requirements(campaign)) == _described(legacy)
            for day in _days(campaign):
                sample = list(orgs.values())[:: max(1, len(orgs) // 25)]
                scopes = [(None, day)] + [(info, day) for info in sample]
                for info, when in scopes:
                    old, new = (_scope(campaign, info, when) for _ in range(2))
                    results = engine.evaluate(new)
                    assert results == engine.evaluate_requirements(old, legacy)
                    cells += sum(len(v) for v in results.values())
                # As the roll-up evaluates: "not met" deferred, dates of change noted.
                old, new = (scope_for_subtree(root, campaign, today=day) for _ in range(2))
                for scope in (old, new):
                    scope.defer_pending, scope.changes = True, {}
                assert engine.evaluate(new) == engine.evaluate_requirements(old, legacy)
                assert new.changes == old.changes
    return cells


def test_the_2014_template_reproduces_the_world_fixtures_checklists(world: World) -> None:
    campaign = af.campaign_for(world)
    people = af.members(world.child, 2)
    af.meeting(world.own, campaign, kind=MeetingKind.STUDY_EXCHANGE)
    af.meeting(world.sibling, campaign, kind=MeetingKind.MOBILIZATION)
    af.counseling(people, campaign)
    submitted_plan(world, world.sibling, by=world.admin)
    pf.approved_list(world, world.child, items=2)
    assert compare(campaign) > 50
