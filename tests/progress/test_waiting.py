"""The "submitted, waiting for review" state (issue #12 point 2): submitting a record
for review is a step forward — the organization's done count never drops across a
submit — and it reads as its own state everywhere the levels are shown."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from activities.meetings.services import special_meeting_submit
from portal.progress.engine import Level
from portal.progress.grid import build_grid
from portal.progress.rollup import flush_pending
from tests.activities.factories import campaign_for
from tests.activities.test_special_review import special_meeting_of
from tests.conftest import World
from tests.utils import client_for

pytestmark = pytest.mark.django_db

DONE = re.compile(r"(\d+) 项已完成")


def _checklist(world: World) -> str:
    campaign = campaign_for(world)
    url = reverse("progress:checklist_campaign", args=[world.own.pk, campaign.pk])
    response = client_for(world, "secretary").get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    return response.content.decode()


def test_submitting_the_special_meeting_record_never_lowers_the_done_count(world: World) -> None:
    meeting, _people = special_meeting_of(world)
    before = _checklist(world)
    done_before = int(DONE.search(before).group(1))
    assert "待审核" not in DONE.split(before)[-1][:40]

    special_meeting_submit(actor=world.secretary, meeting=meeting)
    after = _checklist(world)
    done_after = int(DONE.search(after).group(1))
    assert done_after == done_before  # held with a guide: still done while the record waits
    assert f"{done_after} 项已完成，其中 1 项待审核" in after
    assert "已提交，待审核" in after


def test_waiting_is_its_own_letter_in_the_roll_up_and_amber_waiting_in_the_grid(
    world: World,
) -> None:
    campaign = campaign_for(world)
    meeting, _people = special_meeting_of(world)
    column = None
    grid = build_grid(world.park_a, campaign)
    column = [c.code for c in grid.columns].index("special_meeting")
    row = next(r for r in grid.rows if r.org_id == world.own.pk)
    assert row.levels[column] == Level.GREEN
    done_before = row.done

    special_meeting_submit(actor=world.secretary, meeting=meeting)
    flush_pending()
    grid = build_grid(world.park_a, campaign)
    row = next(r for r in grid.rows if r.org_id == world.own.pk)
    assert row.levels[column] == Level.WAITING
    assert (row.done, row.green, row.waiting) == (done_before, row.green, 1)
    assert grid.totals[column]["waiting"] == 1
    # A waiting organization is not "failing" the requirement (nobody urges it).
    failing = build_grid(world.park_a, campaign, failing="special_meeting")
    assert world.own.pk not in [r.org_id for r in failing.rows]

    page = client_for(world, "reviewer").get(
        reverse("progress:grid", args=[world.park_a.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    html = page.content.decode()
    assert 'class="cell cell-waiting"' in html
    assert "已提交，待审核" in html


def test_the_secretarys_home_counts_the_waiting_record_as_done(world: World) -> None:
    meeting, _people = special_meeting_of(world)
    client = client_for(world, "secretary")
    home = client.get(reverse("core:home"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    done_before = int(DONE.search(home).group(1))
    special_meeting_submit(actor=world.secretary, meeting=meeting)
    flush_pending()
    home = client.get(reverse("core:home"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert int(DONE.search(home).group(1)) == done_before
    assert "其中 1 项待审核" in home
