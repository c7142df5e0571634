"""One tap to every record (issue #12): the menu entries and home tiles of secretaries
and clerks, and the phase sections of the organization page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from activities.seed import ensure_campaign_2014
from portal.progress.engine import evaluate, requirements
from portal.progress.scopes import scope_for_org
from tests.conftest import World
from tests.utils import client_for

pytestmark = pytest.mark.django_db

RECORD_PAGES = [
    "activities:meeting_list",
    "activities:counseling_list",
    "activities:opinion_list",
    "activities:talk_list",
    "rectification:problem_lists",
    "progress:checklist",
]


def _nav(html: str) -> str:
    return html[html.index('id="main-nav"') : html.index("</nav>")]


def _tiles(html: str) -> str:
    start = html.find('class="card record-tiles"')
    return html[start : html.index("</nav>", start)] if start >= 0 else ""


@pytest.mark.parametrize("persona", ["secretary", "clerk"])
def test_secretary_and_clerk_menu_links_to_each_record_page_of_their_organization(
    world: World, persona: str
) -> None:
    nav = _nav(client_for(world, persona).get("/").content.decode())
    for name in RECORD_PAGES:
        assert f'href="{reverse(name, args=[world.own.pk])}"' in nav, name


@pytest.mark.parametrize("persona", ["reviewer", "office", "instructor", "admin", "nobody"])
def test_other_roles_get_no_record_entries_in_the_menu(world: World, persona: str) -> None:
    nav = _nav(client_for(world, persona).get("/").content.decode())
    for name in RECORD_PAGES:
        for org in (world.own, world.child, world.park_a, world.county):
            assert reverse(name, args=[org.pk]) not in nav, name


def test_the_menu_marks_the_record_page_being_shown(world: World) -> None:
    url = reverse("activities:talk_list", args=[world.own.pk])
    nav = _nav(client_for(world, "secretary").get(url).content.decode())
    assert re.search(rf'href="{re.escape(url)}" aria-current="page"', nav)


@pytest.mark.parametrize("persona", ["secretary", "clerk"])
def test_home_tiles_open_each_record_page_on_the_current_campaign(
    world: World, persona: str
) -> None:
    campaign = ensure_campaign_2014(world.county)
    tiles = _tiles(client_for(world, persona).get("/").content.decode())
    own = world.own.pk
    for name in ("counseling_list", "opinion_list", "talk_list"):
        url = f"{reverse(f'activities:{name}', args=[own])}?campaign={campaign.pk}"
        assert f'href="{url}"' in tiles, name
    for name in ("activities:meeting_list", "rectification:problem_lists"):
        assert f'href="{reverse(name, args=[own])}"' in tiles, name
    checklist = reverse("progress:checklist_campaign", args=[own, campaign.pk])
    assert f'href="{checklist}"' in tiles
    # Every tile answers 200 for the role.
    client = client_for(world, persona)
    for href in re.findall(r'class="tile" href="([^"]+)"', tiles):
        assert client.get(href.replace("&amp;", "&")).status_code == 200, href


def test_home_tiles_without_a_campaign_still_open_the_pages(world: World) -> None:
    tiles = _tiles(client_for(world, "secretary").get("/").content.decode())
    assert f'href="{reverse("activities:meeting_list", args=[world.own.pk])}"' in tiles


@pytest.mark.parametrize("persona", ["reviewer", "office", "instructor", "admin"])
def test_reviewers_office_and_instructors_get_no_secretary_tiles(
    world: World, persona: str
) -> None:
    ensure_campaign_2014(world.county)
    html = client_for(world, persona).get("/").content.decode()
    assert "record-tiles" not in html


def _section(html: str, heading: str) -> str:
    start = html.index(f"<h3>{heading}</h3>")
    return html[start : html.index("</ul>", start)]


def test_organization_page_lists_the_special_meeting_under_phase_2(world: World) -> None:
    ensure_campaign_2014(world.county)
    html = (
        client_for(world, "secretary")
        .get(reverse("organizations:detail", args=[world.own.pk]))
        .content.decode()
    )
    meetings = reverse("activities:meeting_list", args=[world.own.pk])
    phase2 = _section(html, "Phase 2: Finding problems and carrying out criticism")
    assert f'href="{meetings}?kind=special"' in phase2
    assert "Special organizational-life meeting" in phase2
    phase1 = _section(html, "Phase 1: Study and education, listening to opinions")
    assert f'href="{meetings}"' in phase1


def test_without_a_campaign_the_work_is_listed_by_its_nature(world: World) -> None:
    html = (
        client_for(world, "secretary")
        .get(reverse("organizations:detail", args=[world.own.pk]))
        .content.decode()
    )
    meetings = reverse("activities:meeting_list", args=[world.own.pk])
    assert f'href="{meetings}?kind=special"' in _section(html, "Problems and criticism")
    assert f'href="{meetings}"' in _section(html, "Study and opinions")
    problems = reverse("rectification:problem_lists", args=[world.own.pk])
    assert f'href="{problems}"' in _section(html, "Rectification and rules")
    assert "<h3>Phase" not in html


def test_each_phase_section_links_to_every_page_its_requirements_send_to(world: World) -> None:
    """The checklist's fix links of phase N all appear in the phase-N section of the
    organization page, so no record kind a requirement needs is hard to find."""
    campaign = ensure_campaign_2014(world.county)
    html = (
        client_for(world, "secretary")
        .get(reverse("organizations:detail", args=[world.own.pk]))
        .content.decode()
    )
    headings = {
        number: heading for heading, number in re.findall(r"<h3>(Phase (\d)[^<]*)</h3>", html)
    }
    results = evaluate(scope_for_org(world.own, campaign)).get(world.own.pk, {})
    checked = 0
    for req in requirements(campaign):
        result = results.get(req.code)
        if result is None or not result.fix_url:
            continue
        section = _section(html, headings[str(req.phase)])
        assert f'href="{result.fix_url}"' in section, (req.code, result.fix_url)
        checked += 1
    assert checked >= 10
