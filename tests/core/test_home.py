from __future__ import annotations

import pytest
from django.urls import reverse

from organizations.models import MemberStatus, Organization, OrgKind
from portal.accounts.models import Role
from portal.accounts.services import role_assign
from portal.core.home import (
    _subtree_path_range,
    with_known_member_counts,
    with_subtree_member_counts,
)
from tests.activities.plans_factories import campaign_for, submitted_plan
from tests.conftest import World
from tests.factories import MemberFactory, add_org
from tests.utils import assert_constant_queries, check_matrix, client_for

pytestmark = pytest.mark.django_db

HOME = reverse("core:home")


def test_every_persona_gets_a_home_page_and_anonymous_goes_to_login(world: World) -> None:
    check_matrix(
        world,
        HOME,
        {
            "anonymous": 302,
            "nobody": 200,
            "outsider": 200,
            "office": 200,
            "reviewer": 200,
            "instructor": 200,
            "secretary": 200,
            "clerk": 200,
            "member_user": 200,
            "admin": 200,
        },
    )


@pytest.mark.parametrize(
    ("persona", "template"),
    [
        ("admin", "core/home_admin.html"),
        ("office", "core/home_office.html"),
        ("reviewer", "core/home_reviewer.html"),
        ("instructor", "core/home_instructor.html"),
        ("secretary", "core/home_secretary.html"),
        ("outsider", "core/home_secretary.html"),
        ("clerk", "core/home_clerk.html"),
        ("member_user", "core/home_member.html"),
        ("nobody", "core/home_none.html"),
    ],
)
def test_each_role_lands_on_its_own_home_template(
    world: World, persona: str, template: str
) -> None:
    response = client_for(world, persona).get(HOME)
    assert response.status_code == 200
    assert template in [t.name for t in response.templates]


def test_reviewer_precedes_other_roles_held_by_the_same_user(world: World) -> None:
    role_assign(actor=None, user=world.secretary, role=Role.REVIEWER, organization=world.own)
    response = client_for(world, "secretary").get(HOME)
    assert "core/home_reviewer.html" in [t.name for t in response.templates]
    # The other role is listed so the user knows what else they hold.
    assert [ra.role for ra in response.context["other_roles"]] == [Role.SECRETARY]
    assert "Your other roles" in response.content.decode()


def test_several_assignments_of_one_role_are_not_listed_twice(world: World) -> None:
    role_assign(actor=None, user=world.instructor, role=Role.INSTRUCTOR, organization=world.sibling)
    response = client_for(world, "instructor").get(HOME)
    assert response.context["other_roles"] == []
    assert "Your other roles" not in response.content.decode()


def test_user_without_role_or_member_record_is_told_whom_to_ask(world: World) -> None:
    response = client_for(world, "nobody").get(HOME)
    assert b"contact your administrator" in response.content


def test_member_sees_own_record(world: World) -> None:
    response = client_for(world, "member_user").get(HOME)
    member = response.context["member"]
    assert member.name == "党员本人"
    assert member.organization == world.own
    assert "党员本人" in response.content.decode()


def test_secretary_sees_roster_split_and_size_warning(world: World) -> None:
    # own already holds the member_user's record (full); add one full and two
    # probationary members in the child branch: subtree counts include them.
    MemberFactory(organization=world.child)
    MemberFactory.create_batch(
        2, organization=world.own, status=MemberStatus.PROBATIONARY, full_member_on=None
    )
    response = client_for(world, "secretary").get(HOME)
    (org,) = response.context["own_organizations"]
    assert org == world.own
    assert (org.member_count, org.full_member_count, org.probationary_count) == (4, 2, 2)
    # A Party committee is expected to have 100 full members: a warning, not a block.
    assert org.size_warning_text
    assert org.size_warning_text in response.content.decode()


def test_members_taken_off_the_roster_are_not_counted(world: World) -> None:
    MemberFactory(organization=world.own, is_active=False)
    response = client_for(world, "secretary").get(HOME)
    assert response.context["own_organizations"][0].member_count == 1


def test_subtree_path_range_ends_before_the_next_sibling_carrying_over_the_alphabet() -> None:
    assert _subtree_path_range("00010003") == {"path__gte": "00010003", "path__lt": "00010004"}
    assert _subtree_path_range("000100A9") == {"path__gte": "000100A9", "path__lt": "000100AA"}
    assert _subtree_path_range("0001000Z") == {"path__gte": "0001000Z", "path__lt": "0001001"}
    assert _subtree_path_range("ZZZZ") == {"path__gte": "ZZZZ"}


def test_known_member_counts_match_the_correlated_subtree_counts_for_every_node(
    world: World,
) -> None:
    # Members at every level; the path ranges must neither miss descendants nor reach
    # into the next sibling's subtree.
    for org in (world.county, world.park_a, world.own, world.child, world.sibling, world.other):
        MemberFactory(organization=org)
    MemberFactory(organization=world.child, status=MemberStatus.PROBATIONARY, full_member_on=None)
    orgs = list(Organization.objects.all())
    known = {
        o.pk: (o.member_count, o.full_member_count)
        for o in with_known_member_counts(Organization.objects.all(), orgs)
    }
    correlated = {
        o.pk: (o.member_count, o.full_member_count)
        for o in with_subtree_member_counts(Organization.objects.all())
    }
    assert known == correlated
    assert known[world.own.pk] == (4, 3)  # member_user's record, own's, child's two


def test_reviewer_overview_counts_only_the_subtree(world: World) -> None:
    world.sibling.is_weak = True
    world.sibling.save()
    world.other.is_weak = True  # outside park_a: not counted
    world.other.save()
    MemberFactory(organization=world.sibling)
    MemberFactory(organization=world.other)
    response = client_for(world, "reviewer").get(HOME)
    ctx = response.context
    assert ctx["nodes"] == [world.park_a]
    assert ctx["organization_total"] == 4  # park_a, own, child, sibling
    assert ctx["weak_total"] == 1
    assert [o.pk for o in ctx["weak_organizations"]] == [world.sibling.pk]
    assert ctx["member_total"] == 2  # member_user's record in own + the sibling's
    kinds = {row["kind"]: row["count"] for row in ctx["by_kind"]}
    assert kinds == {OrgKind.PARK_COMMITTEE: 1, OrgKind.COMMITTEE: 1, OrgKind.BRANCH: 2}


def test_reviewer_weak_list_stops_at_twenty(world: World) -> None:
    for _i in range(22):
        add_org(world.park_a, is_weak=True)
    ctx = client_for(world, "reviewer").get(HOME).context
    assert len(ctx["weak_organizations"]) == 20
    assert ctx["weak_total"] == 22
    assert ctx["weak_more"]


def test_office_overview_covers_the_county_only(world: World) -> None:
    ctx = client_for(world, "office").get(HOME).context
    assert ctx["organization_total"] == 8  # every node of 测试县, none of 邻县


def test_instructor_sees_assigned_organizations_with_weak_flag(world: World) -> None:
    world.sibling.is_weak = True
    world.sibling.save()
    role_assign(actor=None, user=world.instructor, role=Role.INSTRUCTOR, organization=world.sibling)
    MemberFactory.create_batch(3, organization=world.sibling)
    ctx = client_for(world, "instructor").get(HOME).context
    assigned = {o.pk: o for o in ctx["assigned"]}
    assert set(assigned) == {world.own.pk, world.sibling.pk}
    assert assigned[world.sibling.pk].is_weak
    assert assigned[world.sibling.pk].member_count == 3
    assert ctx["weak_count"] == 1


def test_admin_sees_site_counts(world: World) -> None:
    ctx = client_for(world, "admin").get(HOME).context
    assert ctx["org_stats"]["total"] == 10
    assert ctx["org_stats"]["roots"] == 2
    assert ctx["member_stats"]["total"] == 1
    assert ctx["user_stats"]["total"] == 10  # the world's personas and the administrator


# The English UI (the default language is zh-hans).
ENGLISH = {"Accept-Language": "en"}


def test_reviewer_and_instructor_see_how_many_records_wait_for_them(world: World) -> None:
    campaign_for(world)
    submitted_plan(world, world.own)  # reviewable by the reviewer and the instructor
    submitted_plan(world, world.sibling, by=world.admin)  # by the reviewer only
    inbox = reverse("reviews:inbox")
    for persona, waiting in (("reviewer", 2), ("instructor", 1)):
        response = client_for(world, persona).get(HOME, headers=ENGLISH)
        assert response.context["waiting_count"] == waiting
        page = response.content.decode()
        assert f"Waiting for your review: {waiting}" in page
        assert f'href="{inbox}"' in page


def test_reviewer_with_nothing_to_review_is_told_so(world: World) -> None:
    page = client_for(world, "reviewer").get(HOME, headers=ENGLISH).content.decode()
    assert "Nothing waits for your review." in page
    assert reverse("reviews:inbox") in page


def test_member_home_links_to_own_study_record_and_appraisal_results(world: World) -> None:
    page = client_for(world, "member_user").get(HOME).content.decode()
    assert reverse("activities:my_study") in page
    assert reverse("activities:my_appraisals") in page


# --- constant query counts ------------------------------------------------------------


def _grow(world: World) -> None:
    """About ten times the data everywhere a home page looks: organizations (weak and
    not) under every node, members in each, extra roles for the role holders."""
    for parent in (world.park_a, world.own, world.sibling, world.park_b, world.far):
        for i in range(5):
            org = add_org(parent, is_weak=i % 2 == 0)
            MemberFactory.create_batch(2, organization=org)
            MemberFactory(organization=org, status=MemberStatus.PROBATIONARY, full_member_on=None)
    MemberFactory.create_batch(10, organization=world.own)
    for org in (world.sibling, world.child):
        role_assign(actor=None, user=world.instructor, role=Role.INSTRUCTOR, organization=org)
    role_assign(actor=None, user=world.secretary, role=Role.SECRETARY, organization=world.sibling)
    role_assign(actor=None, user=world.reviewer, role=Role.REVIEWER, organization=world.park_b)


# Every page: session, user, the user's roles (3); after the page body, the grants for
# the navigation and the unread-notification count in base.html (2).
@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        # + organizations, members, accounts, enterprises (4 aggregates; no grants query
        # for a site administrator)
        ("admin", 8),
        # + organizations by kind, weak organizations with member counts, members; for
        # the reviewer also the COUNT of records waiting in their review inbox
        ("reviewer", 9),
        ("office", 8),
        # + the role's organizations with subtree member counts, their host enterprises,
        # the COUNT of records waiting in the review inbox
        ("instructor", 8),
        # + the campaigns their organizations take part in (none in this world; see
        # tests/core/test_campaign_home.py for the page with a campaign)
        ("secretary", 8),
        ("clerk", 8),
        # + the member record with its organization and enterprise; then what is theirs
        # (portal/core/member_home.py): meetings invited to, study sessions with note
        # counts, pledges, released appraisal results, answered opinions addressed to
        # them, problem items they own (6)
        ("member_user", 12),
        ("nobody", 6),
    ],
)
def test_home_query_count_does_not_grow_with_the_data(
    world: World, persona: str, expected: int
) -> None:
    client = client_for(world, persona)
    assert_constant_queries(client, HOME, lambda: _grow(world), expected=expected)
