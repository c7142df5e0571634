"""The "Accounts and roles" pages: who may use them (the permission matrix), what they
show, what they change, and their query counts."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from organizations.models import Organization
from portal.accounts.models import AuditEvent, Role, RoleAssignment, User
from portal.accounts.services import role_assign
from tests.conftest import World
from tests.factories import MemberFactory, UserFactory, add_org
from tests.utils import assert_constant_queries, check_matrix, client_for

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Qingshan-branch-2014"

# Non-managers get 403 on the pages that show no particular account.
MANAGERS_ONLY = {
    "anonymous": 302,
    "nobody": 403,
    "outsider": 403,
    "office": 403,
    "instructor": 403,
    "secretary": 403,
    "clerk": 403,
    "member_user": 403,
    "reviewer": 403,  # reviewers maintain the tree, not accounts
    "accounts": 200,
    "admin": 200,
}


def user_at(org: Organization, role: str = Role.CLERK, username: str | None = None) -> User:
    user = UserFactory(**({"username": username} if username else {}))
    role_assign(actor=None, user=user, role=role, organization=org)
    return user


def detail_url(user: User) -> str:
    return reverse("accounts:user_detail", args=[user.pk])


# --- list ---------------------------------------------------------------------------------


def test_user_list_is_for_account_managers_only(world: World) -> None:
    check_matrix(world, reverse("accounts:user_list"), MANAGERS_ONLY)


def test_user_list_shows_accounts_of_the_managers_subtree_only(world: World) -> None:
    at_child = user_at(world.child, username="at_child")
    at_sibling = user_at(world.sibling, username="at_sibling")
    user_at(world.far, username="at_far")
    response = client_for(world, "accounts").get(reverse("accounts:user_list"))
    shown = {u.username for u in response.context["page"].object_list}
    # Not the manager's own account, nor any other at park_a: accounts are managed
    # strictly below the manager's node.
    assert shown == {
        "instructor",
        "secretary",
        "clerk",
        "member",  # a party member of `own`, linked to a login
        at_child.username,
        at_sibling.username,
    }
    # Each account lists only its roles inside the subtree.
    row = next(u for u in response.context["page"].object_list if u.username == "clerk")
    assert [(ra.role, ra.organization) for ra in row.managed_roles] == [(Role.CLERK, world.own)]


def test_user_list_hides_roles_held_outside_the_subtree(world: World) -> None:
    role_assign(actor=None, user=world.clerk, role=Role.SECRETARY, organization=world.other)
    response = client_for(world, "accounts").get(reverse("accounts:user_list"))
    row = next(u for u in response.context["page"].object_list if u.username == "clerk")
    assert [ra.organization for ra in row.managed_roles] == [world.own]
    assert "丙公司支部" not in response.content.decode()


def test_admin_sees_every_account_including_those_without_a_role(world: World) -> None:
    response = client_for(world, "admin").get(reverse("accounts:user_list"))
    assert "nobody" in {u.username for u in response.context["page"].object_list}


def test_user_list_searches_name_and_username_and_filters_by_role(world: World) -> None:
    world.secretary.full_name = "欧阳书记"
    world.secretary.save()
    client = client_for(world, "accounts")
    url = reverse("accounts:user_list")
    by_name = client.get(url, {"q": "欧阳"}).context["page"].object_list
    assert [u.username for u in by_name] == ["secretary"]
    by_username = client.get(url, {"q": "cler"}).context["page"].object_list
    assert [u.username for u in by_username] == ["clerk"]
    by_role = client.get(url, {"role": Role.INSTRUCTOR}).context["page"].object_list
    assert [u.username for u in by_role] == ["instructor"]


def test_user_list_search_with_htmx_renders_only_the_results(world: World) -> None:
    response = client_for(world, "accounts").get(
        reverse("accounts:user_list"), {"q": "clerk"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert 'id="results"' in body
    assert "<html" not in body


def test_user_list_query_count_is_constant(world: World) -> None:
    def grow() -> None:
        for i in range(30):
            org = add_org(world.own if i % 2 else world.sibling)
            user_at(org)
            user_at(org, Role.SECRETARY)
            MemberFactory(organization=org, user=UserFactory())

    # session, user, roles (navigation), grants, count, the page of users with their
    # member records, their roles in scope, unread notifications
    assert_constant_queries(
        client_for(world, "accounts"), reverse("accounts:user_list"), grow, expected=8
    )


# --- create -------------------------------------------------------------------------------


def _create_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "username": "newclerk",
        "full_name": "赵新",
        "phone": "13900001111",
        "email": "zhao@example.com",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        "role": Role.CLERK,
        "organization": "",
        "member": "",
    }
    data.update(overrides)
    return data


def test_user_create_page_is_for_account_managers_only(world: World) -> None:
    check_matrix(world, reverse("accounts:user_create"), MANAGERS_ONLY)


def test_account_manager_creates_an_account_with_a_first_role_in_the_subtree(world: World) -> None:
    client = client_for(world, "accounts")
    response = client.post(
        reverse("accounts:user_create"), _create_data(organization=world.child.pk)
    )
    user = User.objects.get(username="newclerk")
    assert response.status_code == 302
    assert response["Location"] == detail_url(user)
    assert user.check_password(NEW_PASSWORD)
    assert (user.full_name, user.phone, user.email) == ("赵新", "13900001111", "zhao@example.com")
    assert list(user.role_assignments.values_list("role", "organization")) == [
        (Role.CLERK, world.child.pk)
    ]
    actions = set(AuditEvent.objects.filter(target="newclerk").values_list("action", flat=True))
    assert actions == {"user.create", "role.assign"}
    assert Client().login(username="newclerk", password=NEW_PASSWORD)


def test_creating_an_account_outside_the_subtree_is_404(world: World) -> None:
    response = client_for(world, "accounts").post(
        reverse("accounts:user_create"), _create_data(organization=world.other.pk)
    )
    assert response.status_code == 404
    assert not User.objects.filter(username="newclerk").exists()


def test_creating_an_account_where_the_user_only_views_is_403(world: World) -> None:
    # The reviewer sees park A's subtree but manages no account there.
    response = client_for(world, "reviewer").post(
        reverse("accounts:user_create"), _create_data(organization=world.child.pk)
    )
    assert response.status_code == 403
    assert not User.objects.filter(username="newclerk").exists()


def test_creating_an_account_above_the_managers_node_is_404(world: World) -> None:
    response = client_for(world, "accounts").post(
        reverse("accounts:user_create"), _create_data(organization=world.working.pk)
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"password2": "something-else-2014"}, "password2"),
        ({"password1": "12345678", "password2": "12345678"}, "password2"),  # common, numeric
        ({"username": "Secretary"}, "username"),  # taken, whatever the case
        ({"role": ""}, "role"),  # an organization without a role
    ],
)
def test_create_form_reports_invalid_input(world: World, overrides: dict, field: str) -> None:
    response = client_for(world, "accounts").post(
        reverse("accounts:user_create"), _create_data(organization=world.own.pk, **overrides)
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not User.objects.filter(username="newclerk").exists()


def test_create_form_needs_a_role_or_a_member(world: World) -> None:
    response = client_for(world, "accounts").post(
        reverse("accounts:user_create"), _create_data(role="")
    )
    assert response.context["form"].non_field_errors()


def test_account_manager_creates_a_party_members_login_by_id_number(world: World) -> None:
    member = MemberFactory(organization=world.child, name="钱多多")
    response = client_for(world, "accounts").post(
        reverse("accounts:user_create"),
        _create_data(role="", member=member.id_number.lower()),
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.user.username == "newclerk"
    assert not member.user.role_assignments.exists()


def test_member_outside_the_subtree_cannot_be_linked(world: World) -> None:
    member = MemberFactory(organization=world.other)
    response = client_for(world, "accounts").post(
        reverse("accounts:user_create"), _create_data(role="", member=member.id_number)
    )
    assert "member" in response.context["form"].errors


def test_organization_select_offers_only_manageable_organizations(world: World) -> None:
    form = client_for(world, "accounts").get(reverse("accounts:user_create")).context["form"]
    offered = {value for value, _label in form.fields["organization"].widget.choices if value}
    # Strictly below the manager's node: not park_a itself.
    assert offered == {world.own.pk, world.child.pk, world.sibling.pk}


def test_organization_options_search_stays_in_scope(world: World) -> None:
    url = reverse("accounts:organization_options")
    check_matrix(world, url, MANAGERS_ONLY)
    body = client_for(world, "accounts").get(url, {"organization_q": "支部"}).content.decode()
    assert "甲公司一支部" in body and "乙公司支部" in body
    assert "丙公司支部" not in body and "丁公司支部" not in body
    by_code = client_for(world, "accounts").get(url, {"organization_q": world.sibling.code})
    assert by_code.content.decode().count('<option value="') == 2  # blank + the match


# --- detail -------------------------------------------------------------------------------


def test_user_detail_matrix_for_an_account_of_the_own_organization(world: World) -> None:
    check_matrix(
        world,
        lambda w: detail_url(w.clerk),
        {
            "anonymous": 302,
            "nobody": 404,
            "outsider": 404,
            "member_user": 404,
            "office": 403,  # sees the organization, may not manage accounts
            "instructor": 403,
            "secretary": 403,
            "clerk": 403,
            "reviewer": 403,  # sees the organization, may not manage accounts
            "accounts": 200,
            "admin": 200,
        },
    )


@pytest.mark.parametrize(
    ("where", "status"),
    [
        ("own", 200),
        ("child", 200),
        ("sibling", 200),
        ("park_a", 404),  # the manager's own node: a peer's account, not managed
        ("working", 404),  # parent of the manager's node
        ("county", 404),
        ("other", 404),
        ("far", 404),  # another county
    ],
)
def test_account_manager_sees_accounts_of_the_subtree_only(
    world: World, where: str, status: int
) -> None:
    target = user_at(getattr(world, where))
    assert client_for(world, "accounts").get(detail_url(target)).status_code == status
    assert client_for(world, "admin").get(detail_url(target)).status_code == 200


def test_accounts_without_any_tie_are_only_for_the_admin(world: World) -> None:
    check_matrix(
        world, lambda w: detail_url(w.nobody), {"accounts": 404, "office": 404, "admin": 200}
    )


def test_member_login_is_visible_to_the_account_manager_of_its_organization(world: World) -> None:
    response = client_for(world, "accounts").get(detail_url(world.member_user))
    assert response.status_code == 200
    assert response.context["member"].name == "党员本人"


def test_user_detail_does_not_reveal_roles_outside_the_subtree(world: World) -> None:
    role_assign(actor=None, user=world.clerk, role=Role.SECRETARY, organization=world.other)
    response = client_for(world, "accounts").get(detail_url(world.clerk))
    assert [ra.organization for ra in response.context["roles"]] == [world.own]
    assert response.context["other_roles"] == 1
    assert not response.context["full_control"]
    assert "丙公司支部" not in response.content.decode()


def test_user_detail_query_count_is_constant(world: World) -> None:
    def grow() -> None:
        for _i in range(10):
            org = add_org(world.own)
            role_assign(actor=None, user=world.clerk, role=Role.CLERK, organization=org)
            role_assign(actor=None, user=world.clerk, role=Role.SECRETARY, organization=org)
        for _i in range(20):
            add_org(world.sibling)  # more options in the add-role select

    # session, user, roles (navigation), grants, the account with its member record, its
    # roles with organizations and grantors, the options of the add-role select,
    # unread notifications
    assert_constant_queries(
        client_for(world, "accounts"), detail_url(world.clerk), grow, expected=8
    )


# --- roles --------------------------------------------------------------------------------


def _role_add(world: World, persona: str, target: User, org: Organization, role: str = Role.CLERK):
    return client_for(world, persona).post(
        reverse("accounts:role_add", args=[target.pk]),
        {"role": role, "organization": org.pk},
    )


def test_account_manager_adds_a_role_in_the_subtree(world: World) -> None:
    response = _role_add(world, "accounts", world.clerk, world.child, Role.SECRETARY)
    assert response.status_code == 302
    assert RoleAssignment.objects.filter(
        user=world.clerk, role=Role.SECRETARY, organization=world.child
    ).exists()
    event = AuditEvent.objects.filter(action="role.assign", target="clerk").first()
    assert event.actor == world.accounts


def test_role_above_or_beside_the_managers_node_is_refused(world: World) -> None:
    assert _role_add(world, "accounts", world.clerk, world.working).status_code == 404
    assert _role_add(world, "accounts", world.clerk, world.other).status_code == 404
    assert _role_add(world, "accounts", world.clerk, world.far).status_code == 404
    # The reviewer of park A sees the clerk's organization but grants no role.
    assert _role_add(world, "reviewer", world.clerk, world.child).status_code == 403
    assert (
        not RoleAssignment.objects.filter(user=world.clerk).exclude(organization=world.own).exists()
    )


def test_role_add_matrix(world: World) -> None:
    check_matrix(
        world,
        lambda w: reverse("accounts:role_add", args=[w.clerk.pk]),
        {"anonymous": 302, "nobody": 404, "outsider": 404, "secretary": 403, "office": 403},
        method="post",
        data={"role": Role.CLERK, "organization": world.child.pk},
    )
    assert not RoleAssignment.objects.filter(organization=world.child).exists()


def test_role_add_with_missing_role_shows_the_form_again(world: World) -> None:
    response = client_for(world, "accounts").post(
        reverse("accounts:role_add", args=[world.clerk.pk]), {"organization": world.child.pk}
    )
    assert response.status_code == 400
    assert "role" in response.context["role_form"].errors


def test_role_revoke_matrix_and_confirmation_page(world: World) -> None:
    assignment = world.clerk.role_assignments.get()
    url = reverse("accounts:role_revoke", args=[assignment.pk])
    check_matrix(
        world,
        url,
        {
            "anonymous": 302,
            "nobody": 404,
            "outsider": 404,
            "member_user": 404,
            "office": 403,
            "instructor": 403,
            "secretary": 403,
            "clerk": 403,
            "reviewer": 403,  # sees the organization, may not manage accounts
            "accounts": 200,
            "admin": 200,
        },
    )
    check_matrix(world, url, {"secretary": 403, "outsider": 404}, method="post")
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()


def test_account_manager_revokes_a_role_after_confirming(world: World) -> None:
    assignment = world.clerk.role_assignments.get()
    role_assign(actor=None, user=world.clerk, role=Role.SECRETARY, organization=world.child)
    client = client_for(world, "accounts")
    response = client.post(reverse("accounts:role_revoke", args=[assignment.pk]))
    assert response.status_code == 302
    assert response["Location"] == detail_url(world.clerk)  # still has a role here
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    assert AuditEvent.objects.filter(action="role.revoke", actor=world.accounts).exists()


def test_revoking_the_last_role_in_the_subtree_returns_to_the_list(world: World) -> None:
    assignment = world.clerk.role_assignments.get()
    response = client_for(world, "accounts").post(
        reverse("accounts:role_revoke", args=[assignment.pk])
    )
    assert response["Location"] == reverse("accounts:user_list")
    assert client_for(world, "accounts").get(detail_url(world.clerk)).status_code == 404


def test_a_manager_cannot_revoke_their_own_role(world: World) -> None:
    own_role = world.accounts.role_assignments.get()
    response = client_for(world, "accounts").post(
        reverse("accounts:role_revoke", args=[own_role.pk])
    )
    assert response.status_code == 400
    assert RoleAssignment.objects.filter(pk=own_role.pk).exists()


# --- edit, password, member link -----------------------------------------------------------


def test_edit_and_password_pages_need_full_control(world: World) -> None:
    for name in ("accounts:user_update", "accounts:user_set_password"):
        check_matrix(
            world,
            lambda w, name=name: reverse(name, args=[w.clerk.pk]),
            {
                "anonymous": 302,
                "nobody": 404,
                "outsider": 404,
                "office": 403,
                "secretary": 403,
                "reviewer": 403,  # sees the organization, may not manage accounts
                "accounts": 200,
                "admin": 200,
            },
        )


def test_account_manager_cannot_take_over_an_account_that_acts_outside_the_subtree(
    world: World,
) -> None:
    # The clerk also works for another park: the park A account manager may manage the clerk's
    # role in park A, but not the account itself (its password would open park B too).
    role_assign(actor=None, user=world.clerk, role=Role.SECRETARY, organization=world.other)
    client = client_for(world, "accounts")
    assert (
        client.get(reverse("accounts:user_set_password", args=[world.clerk.pk])).status_code == 403
    )
    assert client.get(reverse("accounts:user_update", args=[world.clerk.pk])).status_code == 403
    response = client.post(
        reverse("accounts:user_set_password", args=[world.clerk.pk]),
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 403


def test_account_manager_cannot_manage_an_administrators_account(world: World) -> None:
    role_assign(actor=None, user=world.admin, role=Role.CLERK, organization=world.own)
    client = client_for(world, "accounts")
    assert client.get(detail_url(world.admin)).status_code == 200
    assert (
        client.get(reverse("accounts:user_set_password", args=[world.admin.pk])).status_code == 403
    )


def test_account_manager_edits_the_profile(world: World) -> None:
    response = client_for(world, "accounts").post(
        reverse("accounts:user_update", args=[world.clerk.pk]),
        {"full_name": "李新", "phone": "13812345678", "email": "", "is_active": ""},
    )
    assert response.status_code == 302
    world.clerk.refresh_from_db()
    assert (world.clerk.full_name, world.clerk.phone, world.clerk.is_active) == (
        "李新",
        "13812345678",
        False,
    )
    event = AuditEvent.objects.get(action="user.update")
    assert event.detail["fields"] == ["email", "full_name", "is_active", "phone"]


def test_nobody_deactivates_their_own_account(world: World) -> None:
    # A manager's own account sits at their node: not theirs to manage at all (and the
    # account manager has no view right there, so the page does not exist for them).
    response = client_for(world, "accounts").post(
        reverse("accounts:user_update", args=[world.accounts.pk]),
        {"full_name": "审核人", "phone": "", "email": "", "is_active": ""},
    )
    assert response.status_code == 404
    world.accounts.refresh_from_db()
    assert world.accounts.is_active


def test_account_manager_sets_a_new_password_checked_by_the_validators(world: World) -> None:
    url = reverse("accounts:user_set_password", args=[world.clerk.pk])
    client = client_for(world, "accounts")
    weak = client.post(url, {"new_password1": "clerk", "new_password2": "clerk"})
    assert weak.status_code == 200 and weak.context["form"].errors
    response = client.post(url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    world.clerk.refresh_from_db()
    assert world.clerk.check_password(NEW_PASSWORD)
    event = AuditEvent.objects.get(action="user.set_password")
    assert NEW_PASSWORD not in str(event.detail)


def test_account_manager_links_and_unlinks_a_member_record(world: World) -> None:
    member = MemberFactory(organization=world.child, name="孙小明")
    client = client_for(world, "accounts")
    response = client.post(
        reverse("accounts:member_link", args=[world.clerk.pk]), {"member": "孙小明"}
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.user == world.clerk
    response = client.post(reverse("accounts:member_unlink", args=[world.clerk.pk]))
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.user is None
    actions = list(AuditEvent.objects.filter(target="clerk").values_list("action", flat=True))
    assert {"member.link", "member.unlink"} <= set(actions)


def test_member_link_refuses_ambiguous_names_and_members_outside(world: World) -> None:
    MemberFactory(organization=world.child, name="同名")
    MemberFactory(organization=world.sibling, name="同名")
    outside = MemberFactory(organization=world.other, name="外人")
    client = client_for(world, "accounts")
    url = reverse("accounts:member_link", args=[world.clerk.pk])
    ambiguous = client.post(url, {"member": "同名"})
    assert ambiguous.status_code == 400
    assert "member" in ambiguous.context["member_form"].errors
    assert client.post(url, {"member": outside.id_number}).status_code == 400
    outside.refresh_from_db()
    assert outside.user is None


def test_member_link_matrix(world: World) -> None:
    member = MemberFactory(organization=world.child)
    check_matrix(
        world,
        lambda w: reverse("accounts:member_link", args=[w.clerk.pk]),
        {"anonymous": 302, "nobody": 404, "outsider": 404, "secretary": 403, "office": 403},
        method="post",
        data={"member": member.id_number},
    )
    member.refresh_from_db()
    assert member.user is None
