from __future__ import annotations

import io
import random

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from activities.models import Campaign, Meeting
from organizations.models import Member, Organization, OrgKind
from portal.progress.engine import Level, requirements
from portal.progress.grid import build_grid
from portal.reviews.models import ReviewTask
from scale.base import RECORD_TABLES
from scale.seeding import seed_scale
from scale.tree import COUNTY_SIZE, ROOT_CODE, build_tree
from tests.factories import add_org

pytestmark = pytest.mark.django_db


def _model(name: str):
    return next(m for m in apps.get_models() if m.__name__ == name)


def test_tiny_county_has_every_requirement_met_and_unmet_and_counts_match() -> None:
    report = seed_scale(30, 200, log=lambda line: None)

    assert Organization.objects.count() == 30
    assert Member.objects.count() == 200
    root = Organization.objects.get(code=ROOT_CODE)
    assert root.depth == 1 and root.kind == OrgKind.COUNTY_COMMITTEE
    # Every row the report counts is in the database, and the top-level records hit
    # the default budget of 5 per member exactly.
    for name, count in report.rows.items():
        assert _model(name).objects.count() == count, name
    assert report.records == sum(report.rows[name] for name in RECORD_TABLES) == 1000
    # Child counts and depths agree with the paths (treebeard's invariants).
    for org in Organization.objects.all():
        assert org.depth == len(org.path) // 4
        assert (
            org.numchild
            == Organization.objects.filter(path__startswith=org.path, depth=org.depth + 1).count()
        )

    campaign = Campaign.objects.prefetch_related("phases").get()
    table = build_grid(root, campaign)
    assert len(table.rows) == report.participating
    for i, column in enumerate(table.columns):
        levels = {row.levels[i] for row in table.rows if row.levels[i] is not None}
        assert Level.GREEN in levels, column.code
        assert levels - {Level.GREEN}, column.code
    assert {c.code for c in table.columns} == {r.code for r in requirements(campaign)}


def test_records_flag_sets_the_record_budget_and_inbox_rows_follow_the_reviews() -> None:
    report = seed_scale(30, 200, 1500, log=lambda line: None)

    assert report.records == 1500
    assert ReviewTask.objects.waiting().exists()
    assert not ReviewTask.objects.filter(status="draft").exists()
    # Meeting attendance counts agree with the attendance rows.
    meeting = Meeting.objects.filter(kind="special").exclude(expected_count=0).first()
    assert meeting.present_count == meeting.attendances.filter(present=True).count()


def test_command_refuses_a_database_holding_other_organizations() -> None:
    add_org(code="REAL-COUNTY")

    with pytest.raises(CommandError, match="did not write"):
        call_command("seed_scale", orgs=30, members=200, stdout=io.StringIO())
    assert Organization.objects.count() == 1
    assert not Member.objects.exists()


def test_command_seeds_once_then_refuses_to_run_again() -> None:
    out = io.StringIO()
    call_command("seed_scale", orgs=30, members=200, stdout=out)
    assert "seeded 30 organizations" in out.getvalue()

    with pytest.raises(CommandError, match="already seeded"):
        call_command("seed_scale", orgs=30, members=200, stdout=io.StringIO())
    with pytest.raises(CommandError, match="another size"):
        call_command("seed_scale", orgs=40, members=200, stdout=io.StringIO())
    assert Organization.objects.count() == 30


def test_province_tree_is_counties_of_county_size_under_one_root() -> None:
    """The tree alone (no database): 3 counties plus the provincial root."""
    orgs = 3 * COUNTY_SIZE + 1
    tree = build_tree(orgs, random.Random(1))

    assert len(tree.paths) == len(set(tree.paths)) == orgs
    assert tree.kinds[0] == OrgKind.WORKING_COMMITTEE
    assert [tree.kinds[c] for c in tree.counties] == [OrgKind.COUNTY_COMMITTEE] * 3
    assert max(tree.depths) == 5
    for i, parent in enumerate(tree.parents):
        if parent >= 0:
            assert tree.paths[i].startswith(tree.paths[parent])
            assert tree.depths[i] == tree.depths[parent] + 1
    assert sum(tree.numchild) == orgs - 1
    sizes = [sum(1 for c in tree.county_of if c == county) for county in tree.counties]
    assert sizes == [COUNTY_SIZE] * 3
