"""A campaign's requirements are data (#18): a campaign of thirty instances composed of
the registered kinds evaluates a county in a number of queries that does not grow with
its organizations, and the roll-up, the grid and the checklist follow its own
instances."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from activities.models import MeetingKind
from portal.progress import engine, rollup
from portal.progress.models import RequirementInstance
from portal.progress.scopes import scope_for_subtree
from scale.instances import EXTRA, add_extra_instances, bring_to
from tests.activities import factories as af
from tests.conftest import World
from tests.factories import add_org
from tests.rectification import problems_factories as pf

pytestmark = pytest.mark.django_db

ALL = ["committee", "general_branch", "branch", "joint_branch", "community"]


def _thirty(world: World) -> Any:
    """The 2014 template's fifteen instances and the fifteen extra ones of
    scale/instances.py (the load benchmark's `--requirements 30` adds the same)."""
    campaign = af.campaign_for(world)
    assert len(add_extra_instances(campaign)) == len(EXTRA) == 15
    assert len(engine.requirements(campaign)) == 30
    return campaign


def _queries(campaign: Any, world: World) -> int:
    scope = scope_for_subtree(world.county, campaign)
    scope.changes = {}  # as the roll-up evaluates: the dated kinds' extra query too
    with CaptureQueriesContext(connection) as ctx:
        grid = engine.evaluate(scope)
    assert any(len(res) == 30 for res in grid.values())
    return len(ctx.captured_queries)


def test_thirty_instances_over_a_county_cost_queries_independent_of_its_size(
    world: World,
) -> None:
    campaign = _thirty(world)
    _queries(campaign, world)  # the process's caches: content types, the instances
    before = _queries(campaign, world)
    for i in range(12):
        org = add_org(world.park_b, kind="branch", short_name=f"新支部{i}")
        people = af.members(org, 2)
        af.meeting(org, campaign, kind=MeetingKind.STUDY_SESSION)
        af.meeting(org, campaign, kind=MeetingKind.STUDY_EXCHANGE)
        af.counseling(people, campaign)
        if i % 3 == 0:
            pf.approved_list(world, org, items=2)
    after = _queries(campaign, world)
    # Per evaluation: the phases (1), the meetings shared per phase window (2 × 3
    # windows: any time, phase 1, phase 3), then one or two grouped queries per other
    # instance (the roster counted for each per-member or funding instance, the next
    # deadlines for each "no overdue", the name of a standards template other than the
    # "eight haves" for its reasons); nothing per organization.
    assert after == before == 41


def test_the_roll_up_and_the_grid_follow_the_campaigns_own_instances(world: World) -> None:
    from tests.utils import committed

    campaign = _thirty(world)
    committed(lambda: None)()
    rollup.rebuild(campaign)
    codes = rollup.layout(campaign).split(",")
    assert len(codes) == 30 and codes[:5] == [
        "plan_approved",
        "mobilization",
        "counseling",
        "study_exchanges",
        "opinions",
    ]
    from portal.progress.grid import build_grid

    table = build_grid(world.county, campaign)
    assert [c.code for c in table.columns] == codes
    # An instance removed: the next read rebuilds the roll-up with the new layout.
    RequirementInstance.objects.filter(campaign=campaign, code="extra_3").delete()
    campaign.refresh_from_db()
    table = build_grid(world.county, campaign)
    assert "extra_3" not in [c.code for c in table.columns]
    assert len(table.columns) == 29
    assert len(rollup.layout(campaign).split(",")) == 29


def test_the_benchmark_brings_a_campaign_to_a_number_of_instances_and_back(
    world: World,
) -> None:
    """bench/load.py --requirements N: the template's fifteen plus the first N − 15
    extra ones; fewer removes the extra ones beyond; every one passes the check the
    office's campaign page makes before opening (the standards template exists and the
    campaign uses it)."""
    from activities.campaigns.selectors import campaign_problems

    campaign = af.campaign_for(world)
    assert bring_to(campaign, 30) == 30
    assert campaign_problems(campaign) == []
    assert len(engine.requirements(campaign)) == 30
    assert bring_to(campaign, 30) == 30  # again: nothing to do
    assert bring_to(campaign, 20) == 20
    codes = [r.code for r in engine.requirements(campaign)]
    assert {f"extra_{i}" for i in range(5)} <= set(codes) and "extra_5" not in codes
    assert bring_to(campaign, 15) == 15
    assert len(engine.requirements(campaign)) == 15
    for bad in (14, 31):
        with pytest.raises(ValueError):
            bring_to(campaign, bad)


def test_the_site_administrator_edits_instances_in_the_admin_with_field_errors(
    world: World,
) -> None:
    from django.urls import reverse

    from tests.utils import client_for

    campaign = af.campaign_for(world)
    instance = RequirementInstance.objects.get(campaign=campaign, code="study_exchanges")
    url = reverse("admin:progress_requirementinstance_change", args=[instance.pk])
    changelist = reverse("admin:progress_requirementinstance_changelist")
    for persona in ("anonymous", "secretary", "office"):
        response = client_for(world, persona).get(changelist)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    admin = client_for(world, "admin")
    assert admin.get(changelist).status_code == 200
    assert admin.get(url).status_code == 200
    form = {
        "campaign": campaign.pk,
        "code": "study_exchanges",
        "kind": "meetings",
        "params": '{"meeting_kinds": ["no_such_meeting"], "minimum": 0}',
        "phase": 1,
        "label_zh": "开展学习交流",
        "label_en": "Study exchanges held",
        "org_kinds": '["branch"]',
        "org_kinds_with_members": "[]",
        "order": 40,
    }
    response = admin.post(url, form)
    assert response.status_code == 200  # the form again, with the errors
    errors = response.context["adminform"].form.errors["params"]
    assert any(e.startswith("meeting_kinds:") for e in errors)
    assert any(e.startswith("minimum:") for e in errors)
    form["params"] = '{"meeting_kinds": ["study_exchange"], "minimum": 2}'
    assert admin.post(url, form).status_code == 302
    campaign.refresh_from_db()
    req = next(r for r in engine.requirements(campaign) if r.code == "study_exchanges")
    assert req.params["minimum"] == 2 and req.applies_to.kinds == {"branch"}


def test_the_checklist_lists_a_requirement_of_a_phase_the_campaign_has_no_dates_for(
    world: World,
) -> None:
    """Phases are data: an instance may name a phase the campaign has not dated (yet);
    the organization's checklist still lists it, under its number, and counts it."""
    from django.urls import reverse

    from tests.utils import client_for

    campaign = af.campaign_for(world)
    RequirementInstance.objects.create(
        campaign=campaign,
        code="phase_four",
        kind="meetings",
        params={"meeting_kinds": ["themed_day"], "minimum": 1},
        phase=4,
        order=10,
        label_zh="第四阶段主题党日",
        label_en="A themed Party day in phase 4",
        org_kinds=ALL,
    )
    response = client_for(world, "secretary").get(
        reverse("progress:checklist", args=[world.own.pk])
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "A themed Party day in phase 4" in html and 'id="phase-4"' in html
    assert response.context["total"] == 16
