"""Members in enterprises without a Party organization (docs/product.md §3, §4, §8; issue
#16 part 2): they sit on the roster of the park or community organization with their
own enterprise and count in its coverage; instructors are assigned to such
enterprises and their page lists them with their members; the dashboard counts the
enterprises and the members who took part."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from activities.study.selectors import unorganized_figures
from guidance.models import EnterpriseAssignment
from guidance.services_enterprises import (
    enterprise_instructor_assign,
    enterprise_instructor_unassign,
)
from organizations.models import OrgKind
from portal.accounts.models import Role
from portal.accounts.services import role_assign
from portal.notifications.models import Notification
from portal.progress import engine
from portal.progress.engine import Level
from portal.progress.scopes import scope_for_org
from tests.activities import factories as af
from tests.activities import phase2_factories as p2
from tests.conftest import World
from tests.factories import EnterpriseFactory, MemberFactory, UserFactory, add_org
from tests.utils import assert_constant_queries, check_matrix, client_for

pytestmark = pytest.mark.django_db

AFTER = dt.date(2015, 1, 1)
HOME = reverse("guidance:home")


def park_instructor(world: World) -> Any:
    user = UserFactory(username="zhidaoyuan", full_name="王指导")
    role_assign(actor=None, user=user, role=Role.INSTRUCTOR, organization=world.park_a)
    return user


def attached(world: World, org: Any = None, members: int = 2) -> Any:
    enterprise = EnterpriseFactory(name="园区小微企业", attached_to=org or world.park_a)
    MemberFactory.create_batch(members, organization=org or world.park_a, enterprise=enterprise)
    return enterprise


# --- coverage -----------------------------------------------------------------------------


def levels(org: Any, campaign: Any) -> dict[str, Level]:
    grid = engine.evaluate(scope_for_org(org, campaign, today=AFTER))
    return {code: r.level for code, r in grid.get(org.pk, {}).items()}


def test_members_of_an_enterprise_without_an_organization_count_in_the_hosts_coverage(
    world: World,
) -> None:
    campaign = af.campaign_for(world)
    community = add_org(world.working, kind=OrgKind.COMMUNITY, short_name="东门社区党委")
    own_people = MemberFactory.create_batch(2, organization=community)
    shop = attached(world, community, members=2)
    af.counseling(own_people, campaign)
    assert levels(community, campaign)["counseling"] == Level.RED  # the shop's two are missing
    af.counseling(list(shop.members.all()), campaign)
    assert levels(community, campaign)["counseling"] == Level.GREEN
    assert levels(community, campaign)["appraisal"] == Level.RED
    p2.closed_session(community, campaign, ["good"])
    assert levels(community, campaign)["appraisal"] == Level.GREEN


def test_a_park_with_such_members_gets_the_per_member_requirements_only(world: World) -> None:
    campaign = af.campaign_for(world)
    assert levels(world.park_a, campaign) == {}  # no members: no checklist
    shop = attached(world)
    assert set(levels(world.park_a, campaign)) == {"counseling", "appraisal"}
    af.counseling(list(shop.members.all()), campaign)
    assert levels(world.park_a, campaign)["counseling"] == Level.GREEN


# --- assigning instructors ------------------------------------------------------------------


def test_assign_checks_the_right_the_enterprise_and_the_instructor(world: World) -> None:
    shop = attached(world)
    zhi = park_instructor(world)
    with pytest.raises(PermissionDenied):
        enterprise_instructor_assign(actor=world.secretary, enterprise=shop, instructor=zhi)
    with pytest.raises(PermissionDenied):
        enterprise_instructor_assign(actor=world.office, enterprise=shop, instructor=zhi)
    # world.instructor guides `own`, below the park: not an instructor of the park.
    with pytest.raises(ValidationError) as exc:
        enterprise_instructor_assign(
            actor=world.reviewer, enterprise=shop, instructor=world.instructor
        )
    assert "instructor" in exc.value.message_dict
    a = enterprise_instructor_assign(actor=world.reviewer, enterprise=shop, instructor=zhi)
    assert (a.assigned_by, a.history.count()) == (world.reviewer, 1)
    # The instructor is told, with a link to their page.
    [note] = Notification.objects.filter(recipient=zhi)
    assert shop.name in note.title and note.url == reverse("guidance:home")
    # An account manager (who keeps no organization) may not assign.
    with pytest.raises(PermissionDenied):
        enterprise_instructor_assign(actor=world.accounts, enterprise=shop, instructor=zhi)
    with pytest.raises(ValidationError):
        enterprise_instructor_assign(actor=world.reviewer, enterprise=shop, instructor=zhi)
    hosting = EnterpriseFactory(attached_to=world.park_a)
    world.own.enterprises.add(hosting)
    with pytest.raises(ValidationError) as exc:
        enterprise_instructor_assign(actor=world.reviewer, enterprise=hosting, instructor=zhi)
    assert exc.value.code == "has_organization"
    with pytest.raises(PermissionDenied):
        enterprise_instructor_unassign(actor=world.secretary, assignment=a)
    enterprise_instructor_unassign(actor=world.reviewer, assignment=a)
    assert not EnterpriseAssignment.objects.exists()


BASE = {
    "anonymous": 302, "nobody": 404, "outsider": 404, "secretary": 404, "clerk": 404,
    "instructor": 404, "member_user": 404, "office": 403, "reviewer": 200, "admin": 200,
}  # fmt: skip


def test_enterprise_instructors_page_matrix_get_and_post(world: World) -> None:
    shop = attached(world)
    zhi = park_instructor(world)
    url = reverse("guidance:enterprise_instructors", args=[shop.pk])
    check_matrix(world, url, BASE)
    # The administrator comes after the reviewer: already assigned, a field error (200).
    post = {**BASE, "reviewer": 302, "admin": 200}
    check_matrix(world, url, post, method="post", data={"instructor": zhi.pk})
    assert EnterpriseAssignment.objects.filter(enterprise=shop, instructor=zhi).exists()
    # Another county's enterprise: nobody here sees it.
    far = attached(world, world.far)
    far_url = reverse("guidance:enterprise_instructors", args=[far.pk])
    check_matrix(world, far_url, {**{k: 404 for k in BASE}, "anonymous": 302, "admin": 200})


def test_remove_matrix(world: World) -> None:
    shop = attached(world)
    zhi = park_instructor(world)
    for persona, want in BASE.items():
        a, _ = EnterpriseAssignment.objects.get_or_create(enterprise=shop, instructor=zhi)
        url = reverse("guidance:enterprise_instructor_remove", args=[a.pk])
        check_matrix(world, url, {persona: 302 if want == 200 else want}, method="post")
        assert EnterpriseAssignment.objects.filter(pk=a.pk).exists() == (want != 200)


def test_bad_input_gives_a_field_error_and_an_enterprise_with_its_organization_has_no_page(
    world: World,
) -> None:
    shop = attached(world)
    client = client_for(world, "reviewer")
    url = reverse("guidance:enterprise_instructors", args=[shop.pk])
    for bad in ("", "x", str(world.instructor.pk)):
        response = client.post(url, {"instructor": bad})
        assert response.status_code == 200 and response.context["form"].errors
    hosting = EnterpriseFactory(attached_to=world.park_a)
    world.own.enterprises.add(hosting)
    url = reverse("guidance:enterprise_instructors", args=[hosting.pk])
    assert client.get(url).status_code == 404
    link = reverse("guidance:enterprise_instructors", args=[shop.pk])
    assert link in client.get(shop.get_absolute_url()).content.decode()


def test_enterprise_instructors_page_runs_a_fixed_number_of_queries(world: World) -> None:
    shop = attached(world)
    park_instructor(world)

    def grow() -> None:
        for i in range(10):
            user = UserFactory(username=f"zdy{i}")
            role_assign(actor=None, user=user, role=Role.INSTRUCTOR, organization=world.park_a)
            EnterpriseAssignment.objects.create(enterprise=shop, instructor=user)

    # session, user, the enterprise and its hosted organizations (2), grants, the
    # assignments, the candidates; the navigation's roles and unread count
    assert_constant_queries(
        client_for(world, "reviewer"),
        reverse("guidance:enterprise_instructors", args=[shop.pk]),
        grow,
        expected=9,
    )


# --- the instructor's page ----------------------------------------------------------------


def test_the_instructors_page_lists_their_enterprises_with_members_and_who_studied(
    world: World,
) -> None:
    campaign = af.campaign_for(world)
    shop = attached(world, members=3)
    zhi = park_instructor(world)
    enterprise_instructor_assign(actor=world.reviewer, enterprise=shop, instructor=zhi)
    studied = shop.members.order_by("pk").first()
    af.counseling(studied, campaign)
    client = client_for(world, "nobody")
    client.force_login(zhi)
    response = client.get(HOME)
    page = response.content.decode()
    assert "园区小微企业" in page and studied.name in page
    row = response.context["enterprises"][0]
    assert (len(row.members), row.took_part) == (3, 1)

    def grow() -> None:
        for _ in range(5):
            more = attached(world, members=3)
            EnterpriseAssignment.objects.create(enterprise=more, instructor=zhi)
            af.counseling(list(more.members.all()), campaign)

    client.get(HOME)
    n = assert_constant_queries(client, HOME, grow)
    assert n <= 31


# --- the dashboard ------------------------------------------------------------------------


def test_dashboard_counts_enterprises_without_an_organization_and_who_took_part(
    world: World,
) -> None:
    campaign = af.campaign_for(world)
    shop = attached(world, members=3)
    other_shop = attached(world, world.park_b, members=2)
    hosting = EnterpriseFactory(attached_to=world.park_a)
    world.own.enterprises.add(hosting)
    MemberFactory(organization=world.own, enterprise=hosting)
    MemberFactory(organization=world.park_a, enterprise=shop, is_active=False)
    af.counseling(list(shop.members.filter(is_active=True))[:2], campaign)
    af.counseling(list(other_shop.members.all())[:1], campaign)
    county = unorganized_figures(campaign, world.county)
    assert (county.enterprises, county.members, county.took_part) == (2, 5, 3)
    park = unorganized_figures(campaign, world.park_a)
    assert (park.enterprises, park.members, park.took_part, park.percent) == (1, 3, 2, 67)
    page = client_for(world, "reviewer").get(
        reverse("progress:dashboard_org", args=[world.park_a.pk])
    )
    assert page.context["board"].unorganized.took_part == 2
    assert "enterprises without a Party organization" in page.content.decode()
