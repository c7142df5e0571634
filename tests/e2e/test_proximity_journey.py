"""Issue #16 journey (a), taking part by proximity and by industry (docs/product.md §6.1):
the secretary of a branch under an industry committee finds the mobilization meeting
of a community organization of the county in the searchable list, records who of its
members attended, and watches its checklist's mobilization row turn green; the
community's meeting page lists the branch among the organizations that attended. Then
the pick page at phone width in Chinese (375 px): no sideways scrolling, no serious
accessibility violation, and a screenshot."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from activities.models import MeetingParticipation
from activities.seed import ensure_campaign_2014
from organizations.models import OrgKind
from portal.accounts.models import Role
from portal.accounts.services import role_assign
from tests.activities.factories import meeting
from tests.e2e.conftest import assert_fits_phone, axe_violations, login, screenshot
from tests.e2e.test_campaign_journeys import MOBILIZATION, checklist_level
from tests.factories import MemberFactory, UserFactory, add_org

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_industry_branch_attends_a_community_mobilization_meeting_and_turns_green(
    world: Any, live_server: Any, new_page: Any
) -> None:
    campaign = ensure_campaign_2014(world.county)
    industry = add_org(
        world.working,
        kind=OrgKind.INDUSTRY_COMMITTEE,
        short_name="建筑业行业党委",
        full_name="中共测试县建筑业行业委员会",
    )
    branch = add_org(
        industry, kind=OrgKind.BRANCH, short_name="宏建公司支部", full_name="中共宏建公司支部委员会"
    )
    community = add_org(
        world.working,
        kind=OrgKind.COMMUNITY,
        short_name="东门社区党委",
        full_name="中共测试县东门社区委员会",
    )
    MemberFactory.create_batch(2, organization=community)
    held = meeting(community, campaign, topic="东门社区党的群众路线教育实践活动动员大会")
    meeting(industry, campaign, topic="建筑业行业务虚会", kind="investor_forum")
    away, *_ = MemberFactory.create_batch(3, organization=branch)
    secretary = UserFactory(username="hongjian")
    role_assign(actor=None, user=secretary, role=Role.SECRETARY, organization=branch)

    page = new_page()
    login(page, live_server, "hongjian")
    checklist = f"{live_server.url}{reverse('progress:checklist', args=[branch.pk])}"
    page.goto(checklist)
    assert checklist_level(page, MOBILIZATION) == "Not met"

    row = page.locator("li.check").filter(has=page.locator(".check-label", has_text=MOBILIZATION))
    row.get_by_role("link", name="Fix this").click()
    page.get_by_role("link", name="Record attendance at another organization's meeting").click()
    # The industry committee above comes first, then the community of the county.
    picks = page.locator(".pick-list li")
    assert "建筑业行业务虚会" in picks.nth(0).inner_text()
    assert "东门社区" in picks.nth(1).inner_text()
    page.get_by_label("Find a meeting by topic or organization").fill("东门")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".pick-list li")).to_have_count(1)  # swapped in by htmx
    page.get_by_role("link", name=held.topic).click()
    page.get_by_label(away.name, exact=True).uncheck()
    page.get_by_label(f"Reason {away.name} was absent").fill("外出施工")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state("domcontentloaded")
    assert page.get_by_text("Your members' attendance was recorded.").is_visible()
    p = MeetingParticipation.objects.get(organization=branch)
    assert (p.meeting_id, p.expected_count, p.present_count) == (held.pk, 3, 2)

    page.goto(checklist)
    assert checklist_level(page, MOBILIZATION) == "Met"

    # The community's side: its meeting page lists the branch that attended.
    office = new_page()
    login(office, live_server, "office")
    office.goto(f"{live_server.url}{held.get_absolute_url()}")
    attended = office.locator("li").filter(has_text="宏建公司支部")
    assert attended.get_by_text("nearby or same industry").is_visible()

    # The pick page on a phone, in Chinese.
    phone = new_page(locale="zh-CN", width=375, height=800)
    login(phone, live_server, "hongjian")
    phone.goto(f"{live_server.url}{reverse('activities:participation_create', args=[branch.pk])}")
    assert phone.locator("html").get_attribute("lang") == "zh-hans"
    assert_fits_phone(phone)
    assert axe_violations(phone) == []
    screenshot(phone, "proximity-pick-375-zh")
