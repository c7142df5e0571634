"""Issue #16 part 2 in a browser (docs/product.md §3, §4): the reviewer opens an
enterprise without a Party organization attached to the park, assigns it the park's
instructor; the instructor's page, on a phone in Chinese, lists the enterprise with the
members who work there and who has studied."""

from __future__ import annotations

from typing import Any

import pytest

from activities.seed import ensure_campaign_2014
from guidance.models import EnterpriseAssignment
from portal.accounts.models import Role
from portal.accounts.services import role_assign
from tests.activities.factories import counseling
from tests.e2e.conftest import assert_fits_phone, axe_violations, login, screenshot
from tests.factories import EnterpriseFactory, MemberFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_reviewer_assigns_an_instructor_who_sees_the_enterprise_and_its_members(
    world: Any, live_server: Any, new_page: Any
) -> None:
    campaign = ensure_campaign_2014(world.county)
    shop = EnterpriseFactory(name="园区便民超市", attached_to=world.park_a)
    people = MemberFactory.create_batch(3, organization=world.park_a, enterprise=shop)
    counseling(people[0], campaign)
    zhi = UserFactory(username="zhidaoyuan", full_name="王指导")
    role_assign(actor=None, user=zhi, role=Role.INSTRUCTOR, organization=world.park_a)

    page = new_page()
    login(page, live_server, "reviewer")
    page.goto(f"{live_server.url}{shop.get_absolute_url()}")
    page.get_by_role("link", name="Instructors of this enterprise").click()
    page.locator("#id_instructor").select_option(label="王指导")
    page.get_by_role("button", name="Assign", exact=True).click()
    page.wait_for_load_state("domcontentloaded")
    assert page.get_by_text("The instructor was assigned to the enterprise.").is_visible()
    assert EnterpriseAssignment.objects.filter(enterprise=shop, instructor=zhi).exists()

    phone = new_page(locale="zh-CN", width=375, height=800)
    login(phone, live_server, "zhidaoyuan")
    phone.goto(f"{live_server.url}/guidance/")
    section = phone.locator("section").filter(has_text="园区便民超市")
    assert section.get_by_text("3 名党员中 1 名参加了学习").is_visible()
    for m in people:
        assert section.get_by_text(m.name, exact=True).is_visible()
    assert_fits_phone(phone)
    assert axe_violations(phone) == []
    screenshot(phone, "instructor-enterprises-375-zh")
