"""The requirement roll-up (portal/progress/rollup.py): rows are marked by every kind of
write that changes a requirement (model signals and the bulk paths that bypass them),
recomputed after commit or when read, with date-driven changes and deactivation handled;
the grid and the dashboard never show a level the live checklist would not."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from activities.models import (
    ActivityPlan,
    AppraisalResult,
    AppraisalSession,
    CounselingRecord,
    Meeting,
    MeetingKind,
    MeetingParticipation,
    Opinion,
    SelfExamination,
)
from activities.models.meetings import SpecialMeetingReview
from organizations.models import Member, OrgKind
from portal.attachments.models import Attachment
from portal.progress import rollup
from portal.progress.engine import Level, evaluate
from portal.progress.grid import build_grid
from portal.progress.models import DIRTY, Rollup, Standing
from portal.progress.scopes import scope_for_subtree
from portal.progress.tasks import rebuild_standings, refresh_standings
from rectification.models import (
    FundingReceipt,
    Mechanism,
    ProblemItem,
    ProblemList,
    StandardAssessment,
)
from tests.activities import factories as af
from tests.conftest import World
from tests.factories import add_org
from tests.rectification import problems_factories as pf
from tests.utils import committed

pytestmark = pytest.mark.django_db


def _row(campaign, org) -> Standing:
    return Standing.objects.get(campaign=campaign, organization=org)


def _live_levels(world: World, campaign, today=None) -> dict[int, dict[str, Level]]:
    results = evaluate(scope_for_subtree(world.park_a, campaign, today=today))
    return {pk: {code: r.level for code, r in res.items()} for pk, res in results.items() if res}


def _grid_levels(world: World, campaign, today=None) -> dict[int, dict[str, Level]]:
    grid = build_grid(world.park_a, campaign, today=today)
    codes = [c.code for c in grid.columns]
    return {
        row.org_id: {code: lvl for code, lvl in zip(codes, row.levels, strict=True) if lvl}
        for row in grid.rows
    }


def test_every_model_a_requirement_reads_is_followed_to_its_organization() -> None:
    sources = rollup.sources()
    for model in (
        ActivityPlan,
        Meeting,
        MeetingParticipation,
        CounselingRecord,
        Opinion,
        SelfExamination,
        SpecialMeetingReview,
        AppraisalSession,
        AppraisalResult,
        ProblemList,
        ProblemItem,
        StandardAssessment,
        Mechanism,
        FundingReceipt,
        Member,
        Attachment,
    ):
        assert model in sources, model
    # Through their parents: an appraisal result reaches its session's organization,
    # an item its list's; a participation both the host's and the attending one.
    assert "session.organization_id" in sources[AppraisalResult]
    assert "problem_list.organization_id" in sources[ProblemItem]
    assert {"organization_id", "meeting.organization_id"} <= set(sources[MeetingParticipation])


def test_a_record_marks_its_organization_and_the_commit_recomputes_it(world: World) -> None:
    campaign = af.campaign_for(world)
    rollup.rebuild(campaign)
    assert _row(campaign, world.sibling).stale_from is None
    before = _row(campaign, world.sibling).states

    def write() -> None:
        af.meeting(world.sibling, campaign, kind=MeetingKind.MOBILIZATION)
        # Marked in the transaction, before it commits.
        assert _row(campaign, world.sibling).stale_from == DIRTY
        assert _row(campaign, world.child).stale_from is None

    committed(write)()
    row = _row(campaign, world.sibling)
    assert row.stale_from is None and row.states != before
    assert _grid_levels(world, campaign) == _live_levels(world, campaign)


def test_bulk_writes_that_bypass_signals_mark_their_organizations(world: World) -> None:
    campaign = af.campaign_for(world)
    people = af.members(world.child, 2)
    rollup.rebuild(campaign)
    af.counseling(people, campaign)  # bulk_create
    assert _row(campaign, world.child).stale_from == DIRTY
    plist = pf.approved_list(world, world.sibling, items=1)
    rollup.refresh(campaign, [world.sibling.pk])
    item = plist.items.get()
    pf.force_item_status(item, "closed")  # queryset.update(), as the services do
    assert _row(campaign, world.sibling).stale_from == DIRTY
    rollup.refresh(campaign, [world.sibling.pk])
    assert _grid_levels(world, campaign) == _live_levels(world, campaign)


def test_member_transfer_marks_both_organizations(world: World) -> None:
    campaign = af.campaign_for(world)
    (member,) = af.members(world.child, 1)
    rollup.rebuild(campaign)
    member.organization = world.sibling
    member.save()
    assert _row(campaign, world.child).stale_from == DIRTY
    assert _row(campaign, world.sibling).stale_from == DIRTY
    assert _grid_levels(world, campaign) == _live_levels(world, campaign)
    assert _row(campaign, world.child).members == 0
    assert _row(campaign, world.sibling).members == 1


def test_an_item_passing_its_deadline_turns_red_with_no_record_changing(world: World) -> None:
    campaign = af.campaign_for(world)
    plist = pf.approved_list(world, world.sibling, items=1)
    pf.force_deadline(plist.items.get(), dt.date(2014, 8, 10))
    phase3_day = dt.date(2014, 8, 10)
    rollup.rebuild(campaign, today=phase3_day)
    # Computed on the deadline: not overdue yet, to be looked at again the day after.
    assert _row(campaign, world.sibling).stale_from == dt.date(2014, 8, 11)
    assert _grid_levels(world, campaign, phase3_day)[world.sibling.pk]["no_overdue"] == Level.GREEN
    day_after = dt.date(2014, 8, 11)
    assert _grid_levels(world, campaign, day_after)[world.sibling.pk]["no_overdue"] == Level.RED
    assert _row(campaign, world.sibling).stale_from is None
    assert _grid_levels(world, campaign, day_after) == _live_levels(world, campaign, day_after)


def test_unmet_is_amber_while_its_phase_runs_and_red_after_without_recomputing(
    world: World,
) -> None:
    campaign = af.campaign_for(world)
    rollup.rebuild(campaign, today=dt.date(2014, 4, 1))
    computed = _row(campaign, world.sibling).computed_at
    in_phase_1 = _grid_levels(world, campaign, dt.date(2014, 4, 1))[world.sibling.pk]
    after_phase_1 = _grid_levels(world, campaign, dt.date(2014, 6, 1))[world.sibling.pk]
    assert in_phase_1["plan_approved"] == Level.AMBER
    assert after_phase_1["plan_approved"] == Level.RED
    assert _row(campaign, world.sibling).computed_at == computed
    assert after_phase_1 == _live_levels(world, campaign, dt.date(2014, 6, 1))[world.sibling.pk]


def test_deactivated_organizations_leave_and_new_ones_join(world: World) -> None:
    campaign = af.campaign_for(world)
    rollup.rebuild(campaign)
    world.sibling.is_active = False
    world.sibling.save()
    assert world.sibling.pk not in _grid_levels(world, campaign)
    assert not Standing.objects.filter(organization=world.sibling).exists()
    world.sibling.is_active = True
    world.sibling.save()
    assert world.sibling.pk in _grid_levels(world, campaign)
    newcomer = add_org(world.park_a, kind=OrgKind.BRANCH, short_name="新支部")
    assert _row(campaign, newcomer).stale_from == DIRTY
    assert newcomer.pk in _grid_levels(world, campaign)


def test_campaign_settings_and_changed_requirements_recompute_everything(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    campaign = af.campaign_for(world)
    af.members(world.child, 2)
    rollup.rebuild(campaign)
    campaign.funding_standard = Decimal("10")
    campaign.save()
    assert set(Standing.objects.filter(campaign=campaign).values_list("stale_from", flat=True)) == {
        DIRTY
    }
    assert _grid_levels(world, campaign) == _live_levels(world, campaign)
    # A release with other requirements: the first read rebuilds the roll-up.
    Rollup.objects.filter(campaign=campaign).update(layout="old,layout")
    assert _grid_levels(world, campaign) == _live_levels(world, campaign)
    assert Rollup.objects.get(campaign=campaign).layout == rollup.layout(campaign)


def test_the_tasks_recompute_marked_rows_and_rebuild(world: World) -> None:
    campaign = af.campaign_for(world)
    rollup.rebuild(campaign)
    Standing.objects.filter(organization=world.child).update(stale_from=DIRTY, states="")
    assert refresh_standings() >= 1  # beat: every stale row
    assert _row(campaign, world.child).stale_from is None
    Standing.objects.filter(campaign=campaign).update(states="")
    assert rebuild_standings(campaign.pk) == Standing.objects.filter(campaign=campaign).count()
    assert _grid_levels(world, campaign) == _live_levels(world, campaign)


def test_checklists_are_cached_while_the_rows_are_current(world: World) -> None:
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import translation

    from activities.models import Campaign

    cache.clear()
    campaign = Campaign.objects.prefetch_related("phases").get(pk=af.campaign_for(world).pk)
    orgs = [world.child, world.sibling]
    live = rollup.checklists(campaign, orgs)  # no roll-up yet: evaluated live
    rollup.rebuild(campaign)
    rollup.checklists(campaign, orgs)  # computed and cached
    with CaptureQueriesContext(connection) as hit:
        cached = rollup.checklists(campaign, orgs)
    assert len(hit.captured_queries) == 1  # the rows' state only
    assert cached == live
    # Another language is another entry (the reasons are translated).
    with translation.override("zh-hans"):
        zh = rollup.checklists(campaign, orgs)
    assert (
        zh[world.child.pk]["plan_approved"].reason != cached[world.child.pk]["plan_approved"].reason
    )
    # A write marks the row: evaluated live at once, the new meeting counted.
    af.meeting(world.sibling, campaign, kind=MeetingKind.MOBILIZATION)
    after = rollup.checklists(campaign, orgs)
    assert after[world.sibling.pk]["mobilization"].level == Level.GREEN
    assert cached[world.sibling.pk]["mobilization"].level != Level.GREEN


def test_a_cached_checklist_re_evaluates_only_what_the_writes_since_touched(
    world: World, monkeypatch
) -> None:
    """A write recomputes part of its organization's row and records which requirements
    (Standing.changes); a checklist cached before evaluates only those again, for that
    organization, and equals a live evaluation (#20). A rebuild forgets the changes:
    then everything is evaluated."""
    from django.core.cache import cache

    from activities.models import Campaign
    from portal.progress.scopes import scope_for_orgs

    cache.clear()
    campaign = Campaign.objects.prefetch_related("phases").get(pk=af.campaign_for(world).pk)
    orgs = [world.child, world.sibling]
    rollup.rebuild(campaign)
    assert _row(campaign, world.sibling).changes == []
    # (The factory's first meeting also adds the organization's members: everything.)
    committed(lambda: af.meeting(world.sibling, campaign, kind=MeetingKind.BRANCH_COMMITTEE))()
    before = rollup.checklists(campaign, orgs)  # computed and cached
    cached_at = _row(campaign, world.sibling).computed_at.isoformat()
    committed(lambda: af.meeting(world.sibling, campaign, kind=MeetingKind.MOBILIZATION))()
    committed(lambda: af.meeting(world.sibling, campaign, kind=MeetingKind.MOBILIZATION))()
    changes = _row(campaign, world.sibling).changes
    since = [at for at, _codes in changes].index(cached_at)
    assert len(changes[since:]) == 2
    assert all("mobilization" in codes for _at, codes in changes[since:])
    touched = sorted({code for _at, codes in changes[since:] for code in codes})

    evaluated: list[tuple[list[int], list[str] | None]] = []
    original = rollup.evaluate

    def spy(scope, only=None):
        evaluated.append((sorted(scope.orgs), None if only is None else sorted(only)))
        return original(scope, only=only)

    monkeypatch.setattr(rollup, "evaluate", spy)
    after = rollup.checklists(campaign, orgs)
    assert evaluated == [([world.sibling.pk], touched)]
    assert len(touched) < len(rollup.layout(campaign).split(","))
    assert after == evaluate(scope_for_orgs(orgs, campaign))
    assert after[world.sibling.pk]["mobilization"].level == Level.GREEN
    assert before[world.sibling.pk]["mobilization"].level != Level.GREEN
    assert list(after[world.sibling.pk]) == list(before[world.sibling.pk])  # same order
    evaluated.clear()
    assert rollup.checklists(campaign, orgs) == after and evaluated == []  # cached again

    rollup.rebuild(campaign)
    assert _row(campaign, world.sibling).changes == []
    evaluated.clear()
    assert rollup.checklists(campaign, orgs) == after
    assert evaluated == [(sorted(o.pk for o in orgs), None)]


def test_too_many_stale_rows_are_left_to_the_worker_and_the_page_says_so(
    world: World, settings, django_capture_on_commit_callbacks
) -> None:
    """A province after its campaign's settings changed: recomputing 100,000 rows in the
    request would time out, so past the limit the page shows the rows as they were
    with a notice, and the worker is sent the work once (not once per request)."""
    from django.core.cache import cache

    from tests.utils import client_for

    cache.clear()
    campaign = af.campaign_for(world)
    rollup.rebuild(campaign)
    settings.PROGRESS_RECOMPUTE_IN_REQUEST = 2
    campaign.min_study_exchanges = 3
    campaign.save()  # every row of the campaign marked
    client = client_for(world, "reviewer")
    url = f"/progress/grid/{world.park_a.pk}/"
    with django_capture_on_commit_callbacks(execute=False) as sent:
        first = client.get(url)
        second = client.get(url)
    behind = Standing.objects.filter(
        campaign=campaign, organization__path__startswith=world.park_a.path
    ).count()
    assert first.context["table"].freshness.behind == behind > 2
    assert "being recomputed" in first.content.decode()
    assert [row.org_id for row in first.context["table"].rows]  # shown as they were
    assert second.context["table"].freshness.behind == behind
    assert len(sent) == 1  # the refresh task, sent once
    # The worker catches up: the next page is current and says nothing.
    refresh_standings()
    third = client.get(url)
    assert third.context["table"].freshness.behind == 0
    assert "being recomputed" not in third.content.decode()
    assert _grid_levels(world, campaign) == _live_levels(world, campaign)


def test_a_roll_up_too_big_to_build_in_the_request_is_built_by_the_worker(
    world: World, settings, django_capture_on_commit_callbacks
) -> None:
    from django.core.cache import cache

    from tests.utils import client_for

    cache.clear()
    campaign = af.campaign_for(world)
    settings.PROGRESS_RECOMPUTE_IN_REQUEST = 2
    client = client_for(world, "reviewer")
    with django_capture_on_commit_callbacks(execute=True):
        page = client.get(f"/progress/dashboard/{world.park_a.pk}/")
    assert page.status_code == 200
    assert page.context["board"].freshness.building
    assert "being prepared" in page.content.decode()
    # The task ran (in-process here): the next page reads the built roll-up.
    assert Rollup.objects.filter(campaign=campaign, layout=rollup.layout(campaign)).exists()
    assert (
        not client.get(f"/progress/dashboard/{world.park_a.pk}/")
        .context["board"]
        .freshness.building
    )


def test_a_review_decision_marks_the_row_though_the_status_is_set_by_update(
    world: World,
) -> None:
    from portal.reviews.models import ReviewEvent
    from portal.reviews.services import review_transition
    from tests.activities.plans_factories import submitted_plan

    assert "organization_id" in rollup.sources()[ReviewEvent]
    campaign = af.campaign_for(world)
    plan = submitted_plan(world, world.own)
    rollup.rebuild(campaign)
    assert _grid_levels(world, campaign)[world.own.pk]["plan_approved"] != Level.GREEN
    review_transition(plan, action="approve", actor=world.reviewer)
    assert _row(campaign, world.own).stale_from == DIRTY
    assert _grid_levels(world, campaign)[world.own.pk]["plan_approved"] == Level.GREEN


def test_attaching_a_receipts_evidence_turns_the_funding_cell_green(
    world: World, media_root
) -> None:
    """A receipt counts toward the funding norm only with its evidence: the roll-up
    follows the upload (an attachment row names its organization), not only the
    receipt's own save."""
    from rectification import services_funding
    from tests.factories import MemberFactory
    from tests.rectification import records_factories as rf

    campaign = rf.campaign_for(world, world.sibling)
    MemberFactory.create_batch(2, organization=world.sibling)  # ¥100 required
    rollup.rebuild(campaign)
    made = []
    committed(lambda: made.append(rf.make_receipt(world, world.sibling, amount="500.00")))()
    assert _grid_levels(world, campaign)[world.sibling.pk]["funding"] != Level.GREEN
    committed(
        lambda: services_funding.funding_receipt_add_evidence(
            actor=None, receipt=made[0], uploads=[rf.pdf("凭证.pdf")]
        )
    )()
    assert _row(campaign, world.sibling).stale_from is None
    assert _grid_levels(world, campaign)[world.sibling.pk]["funding"] == Level.GREEN
    assert _grid_levels(world, campaign) == _live_levels(world, campaign)
