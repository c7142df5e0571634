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
from tests.activities import factories as af
from tests.conftest import World
from tests.factories import add_org
from tests.rectification import problems_factories as pf

pytestmark = pytest.mark.django_db

ALL = ["committee", "general_branch", "branch", "joint_branch", "community"]

# Fifteen more instances on top of the 2014 template's fifteen: every kind again, with
# other parameters.
EXTRA: list[tuple[str, dict[str, Any], int]] = [
    ("meetings", {"meeting_kinds": ["study_session"], "minimum": 2, "within_phase": 1}, 1),
    ("meetings", {"meeting_kinds": ["opinion_forum", "investor_forum"], "minimum": 1}, 1),
    ("meetings", {"meeting_kinds": ["branch_general"], "minimum": 3}, 2),
    ("meetings", {"meeting_kinds": ["themed_day"], "minimum": 1, "within_phase": 3}, 3),
    ("members_counseled", {"minimum": 2}, 1),
    ("statements_approved", {"subjects": ["team"]}, 2),
    ("plan_approved", {}, 2),
    ("opinions_answered", {}, 2),
    ("special_meeting", {}, 3),
    ("members_appraised", {}, 3),
    ("standards_accepted", {"template": "other_checklist"}, 3),
    ("funding", {"standard": "80.00"}, 3),
    ("satisfaction", {"threshold": 90}, 3),
    ("items_closed", {}, 2),
    ("no_overdue", {}, 2),
]


def _thirty(world: World) -> Any:
    campaign = af.campaign_for(world)
    for i, (kind, params, phase) in enumerate(EXTRA):
        instance = RequirementInstance(
            campaign=campaign,
            code=f"extra_{i}",
            kind=kind,
            params=params,
            phase=phase,
            order=100 + i,
            label_zh=f"附加要求{i}",
            label_en=f"Extra {i}",
            org_kinds=ALL,
        )
        instance.full_clean()
        instance.save()
    campaign.refresh_from_db()
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
