"""Phases are data (docs/product.md §5.1): a campaign of two or four phases renders every
page with its own phase names and count, and its reminders follow its own phases."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.accounts.models import Role
from portal.accounts.services import role_assign
from portal.notifications.models import Notification
from rectification.reminders import VERB_PHASE_END, send_daily_reminders
from tests.campaigns import NAMES, make_campaign
from tests.conftest import World
from tests.factories import UserFactory
from tests.utils import client_for

pytestmark = pytest.mark.django_db


def sent_titles(user: object, verb: str) -> list[str]:
    rows = Notification.objects.filter(recipient=user, verb=verb).order_by("pk")
    return [str(n.title) for n in rows]


def _running(world: World, phases: int):
    """A campaign of `phases` phases of 30 days, running today in its second phase."""
    starts = timezone.localdate() - dt.timedelta(days=40)
    return make_campaign(world.county, phases=phases, starts_on=starts)


def _headings(html: str) -> list[str]:
    return re.findall(r"<h3>(Phase \d+[^<]*)</h3>", html)


@pytest.mark.parametrize("phases", [2, 4])
def test_organization_page_lists_the_work_under_the_campaigns_own_phases(
    world: World, phases: int
) -> None:
    _running(world, phases)
    html = (
        client_for(world, "secretary")
        .get(reverse("organizations:detail", args=[world.own.pk]))
        .content.decode()
    )
    assert _headings(html) == [f"Phase {n + 1}: {NAMES[n][1]}" for n in range(phases)]
    last = html[html.index(f"<h3>Phase {phases}: ") :]
    last = last[: last.index("</ul>")]
    if phases == 2:  # the rectification work folded into the last phase
        assert reverse("rectification:problem_lists", args=[world.own.pk]) in last
    else:  # the fourth phase holds the appraisal
        assert reverse("activities:appraisal_home", args=[world.own.pk]) in last
        assert reverse("rectification:problem_lists", args=[world.own.pk]) not in last


@pytest.mark.parametrize("phases", [2, 4])
def test_checklist_grid_dashboard_and_home_follow_the_campaigns_phases(
    world: World, phases: int
) -> None:
    campaign = _running(world, phases)
    names = [NAMES[n][1] for n in range(phases)]
    secretary = client_for(world, "secretary")
    reviewer = client_for(world, "reviewer")
    pages = [
        (secretary, reverse("progress:checklist_campaign", args=[world.own.pk, campaign.pk])),
        (secretary, "/"),
        (reviewer, reverse("progress:grid", args=[world.park_a.pk]) + f"?campaign={campaign.pk}"),
        (reviewer, reverse("progress:dashboard_org", args=[world.park_a.pk])),
    ]
    for client, url in pages:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200, url
        html = response.content.decode()
        for name in names:
            assert name in html, (url, name)
        assert "Phase 3" not in html or phases > 2, url
    # The grid filtered to the last phase, and to a phase the campaign does not have.
    grid = reverse("progress:grid", args=[world.park_a.pk])
    for number in (phases, 9):
        response = reviewer.get(f"{grid}?campaign={campaign.pk}&phase={number}")
        assert response.status_code == 200


def test_two_phases_remind_of_every_material_of_the_last_phase_with_its_name(
    world: World,
) -> None:
    campaign = make_campaign(world.county, phases=2, starts_on=dt.date(2016, 3, 1))
    last = campaign.phases.get(number=2)
    send_daily_reminders(last.ends_on - dt.timedelta(days=1))
    titles = sent_titles(world.secretary, VERB_PHASE_END)
    assert len(titles) == 2, titles  # the statements and the problem list
    assert all(t.startswith(f"Phase 2 ({last.name_en}) ends on") for t in titles), titles
    # The end of the first phase reminds of the plan only.
    first = campaign.phases.get(number=1)
    other = UserFactory(username="sibling_secretary")
    role_assign(actor=None, user=other, role=Role.SECRETARY, organization=world.sibling)
    send_daily_reminders(first.ends_on)
    assert len(sent_titles(other, VERB_PHASE_END)) == 1


def test_a_phase_whose_requirements_need_no_material_reminds_of_nothing(world: World) -> None:
    campaign = make_campaign(world.county, phases=4, starts_on=dt.date(2016, 3, 1))
    fourth = campaign.phases.get(number=4)  # the appraisal only
    report = send_daily_reminders(fourth.ends_on)
    assert report.events.get(VERB_PHASE_END, 0) == 0
    third = campaign.phases.get(number=3)  # the problem list
    report = send_daily_reminders(third.ends_on)
    assert report.events.get(VERB_PHASE_END, 0) > 0


# --- the campaigns over the years (docs/product.md §5.2) ------------------------------------


def test_organization_page_lists_its_campaigns_over_the_years_with_their_standing(
    world: World,
) -> None:
    from activities.seed import ensure_campaign_2014
    from portal.progress import rollup

    old = ensure_campaign_2014(world.county)
    running = _running(world, 2)
    rollup.rebuild(old)
    html = (
        client_for(world, "secretary")
        .get(reverse("organizations:detail", args=[world.own.pk]), HTTP_ACCEPT_LANGUAGE="en")
        .content.decode()
    )
    section = html[html.index('id="archive-heading"') :]
    section = section[: section.index("</section>")]
    # Newest first, each linking to the organization's checklist of that campaign.
    new_link = reverse("progress:checklist_campaign", args=[world.own.pk, running.pk])
    old_link = reverse("progress:checklist_campaign", args=[world.own.pk, old.pk])
    assert section.index(new_link) < section.index(old_link)
    assert "running" in section and "finished" in section
    assert "final, as of 2014-09-30" in section
    assert re.search(r"\d+ of \d+ met \(\d+%\)", section)
    # The old campaign's checklist stays readable.
    assert client_for(world, "secretary").get(old_link).status_code == 200


def test_an_organization_outside_every_campaign_has_no_archive(world: World) -> None:
    html = (
        client_for(world, "secretary")
        .get(reverse("organizations:detail", args=[world.own.pk]))
        .content.decode()
    )
    assert 'id="archive-heading"' not in html
