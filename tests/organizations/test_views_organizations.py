"""The tree and the organization pages: permission matrix, content, forms."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from organizations.models import Organization, OrgKind
from portal.accounts.permissions import Action
from tests.conftest import World
from tests.factories import EnterpriseFactory, MemberFactory, add_org
from tests.organizations.helpers import TARGETS, any_of, expected, org_of
from tests.utils import PERSONAS, check_matrix, client_for

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def _url(name: str, target: str):
    return lambda w: reverse(f"organizations:{name}", args=[org_of(w, target).pk])


# --- permission matrix -------------------------------------------------------------------------


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("name", ["detail", "children", "history"])
def test_read_pages_follow_the_view_matrix(world: World, name: str, target: str) -> None:
    check_matrix(world, _url(name, target), expected(target))


@pytest.mark.parametrize("target", TARGETS)
def test_edit_page_needs_record_or_manage_organizations(world: World, target: str) -> None:
    check_matrix(
        world, _url("edit", target), any_of(target, Action.RECORD, Action.MANAGE_ORGANIZATIONS)
    )


@pytest.mark.parametrize("target", TARGETS)
def test_adding_a_child_organization_needs_manage_organizations_at_the_parent(
    world: World, target: str
) -> None:
    check_matrix(world, _url("create", target), expected(target, Action.MANAGE_ORGANIZATIONS))


@pytest.mark.parametrize("target", TARGETS)
def test_organization_form_posts_follow_the_same_matrix(world: World, target: str) -> None:
    """An allowed user posting an incomplete form sees it again (200) with errors."""
    data = {"full_name": ""}
    check_matrix(
        world,
        _url("edit", target),
        any_of(target, Action.RECORD, Action.MANAGE_ORGANIZATIONS),
        method="post",
        data=data,
    )
    check_matrix(
        world,
        _url("create", target),
        expected(target, Action.MANAGE_ORGANIZATIONS),
        method="post",
        data=data,
    )


def test_tree_needs_a_login_and_is_open_to_every_account(world: World) -> None:
    check_matrix(
        world,
        reverse("organizations:tree"),
        {p: 302 if p == "anonymous" else 200 for p in PERSONAS},
    )


def test_unknown_and_non_numeric_ids_give_404(world: World) -> None:
    client = client_for(world, "admin")
    assert client.get("/org/abc/").status_code == 404
    assert client.get("/org/999999/").status_code == 404
    assert client.get("/org/999999/children/").status_code == 404
    assert client.get("/org/-1/").status_code == 404


# --- the tree ------------------------------------------------------------------------------------


def test_tree_starts_at_the_users_grant_nodes(world: World) -> None:
    body = client_for(world, "reviewer").get(reverse("organizations:tree")).content.decode()
    roots = re.findall(r'<a href="/org/(\d+)/">', body)
    assert roots == [str(world.park_a.pk)]


def test_tree_starts_at_the_real_roots_for_the_administrator(world: World) -> None:
    body = client_for(world, "admin").get(reverse("organizations:tree")).content.decode()
    roots = re.findall(r'<a href="/org/(\d+)/">', body)
    assert roots == [str(world.county.pk), str(world.other_county.pk)]


def test_tree_toggle_is_a_button_with_aria_expanded_that_loads_the_children(world: World) -> None:
    body = client_for(world, "secretary").get(reverse("organizations:tree")).content.decode()
    children_url = reverse("organizations:children", args=[world.own.pk])
    assert f'hx-get="{children_url}"' in body
    assert 'aria-expanded="false"' in body
    assert f'aria-controls="tree-children-{world.own.pk}"' in body
    assert "portal/js/tree.js" in body


def test_children_partial_lists_the_children_with_their_counts(world: World) -> None:
    add_org(world.child, short_name="孙支部")
    response = client_for(world, "secretary").get(
        reverse("organizations:children", args=[world.own.pk]), **EN
    )
    body = response.content.decode()
    assert "<html" not in body  # a fragment
    assert world.child.short_name in body
    assert "1 below" in body  # numchild of the child


def test_children_partial_loads_in_batches(world: World) -> None:
    from organizations.selectors import CHILDREN_BATCH

    for i in range(CHILDREN_BATCH + 3):
        add_org(world.child, code=f"B{i:05d}")
    url = reverse("organizations:children", args=[world.child.pk])
    client = client_for(world, "secretary")
    first = client.get(url).content.decode()
    assert first.count('class="tree-item') == CHILDREN_BATCH
    assert f"?offset={CHILDREN_BATCH}" in first
    rest = client.get(url, {"offset": CHILDREN_BATCH}).content.decode()
    assert rest.count('class="tree-item') == 3
    assert "offset=" not in rest
    assert client.get(url, {"offset": "abc"}).status_code == 200
    assert client.get(url, {"offset": str(10**30)}).status_code == 200


def test_tree_flags_weak_and_inactive_nodes(world: World) -> None:
    add_org(world.own, short_name="软弱支部", is_weak=True)
    add_org(world.own, short_name="撤销支部", is_active=False)
    body = (
        client_for(world, "secretary")
        .get(reverse("organizations:children", args=[world.own.pk]), **EN)
        .content.decode()
    )
    assert 'class="badge badge-red">weak and lax' in body
    assert 'class="tree-item inactive"' in body


def test_tree_search_lists_visible_matches_with_their_visible_trail(world: World) -> None:
    body = (
        client_for(world, "reviewer")
        .get(reverse("organizations:tree"), {"q": "支部"}, **EN)
        .content.decode()
    )
    assert world.child.short_name in body and world.sibling.short_name in body
    assert world.other.short_name not in body and world.far.short_name not in body
    # The trail of `child` shows park_a and own, never the county above the reviewer.
    trail = re.search(
        rf'<span class="trail muted">(.*?)</span>\s*<a href="/org/{world.child.pk}/"', body, re.S
    )
    assert (
        trail
        and world.own.short_name in trail.group(1)
        and world.park_a.short_name in trail.group(1)
    )
    assert world.county.short_name not in body


def test_tree_search_survives_odd_input(world: World) -> None:
    client = client_for(world, "secretary")
    for q in ("\x00", "%", "_", "'; drop table x; --", "x" * 500):
        assert client.get(reverse("organizations:tree"), {"q": q}).status_code == 200


def test_tree_search_by_code_and_as_htmx_partial(world: World) -> None:
    response = client_for(world, "secretary").get(
        reverse("organizations:tree"), {"q": world.child.code}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert "<html" not in body and world.child.short_name in body


def test_tree_search_never_shows_organizations_outside_the_scope(world: World) -> None:
    body = (
        client_for(world, "outsider")
        .get(reverse("organizations:tree"), {"q": world.own.code}, **EN)
        .content.decode()
    )
    assert "No organization you can see matches." in body


# --- detail ------------------------------------------------------------------------------------


def test_detail_shows_profile_children_enterprises_members_and_roles(world: World) -> None:
    host = EnterpriseFactory(name="甲科技")
    world.own.enterprises.add(host)
    EnterpriseFactory(name="附属商店", attached_to=world.own)
    MemberFactory(organization=world.own, name="张三")
    body = (
        client_for(world, "office")
        .get(reverse("organizations:detail", args=[world.own.pk]), **EN)
        .content.decode()
    )
    for text in ["甲科技", "附属商店", "张三", world.child.short_name, world.own.code]:
        assert text in body
    assert "branch secretary: " in body  # roles held here, names only
    assert f"?org={world.own.code}" in body  # link to the filtered member list


def test_detail_breadcrumbs_show_only_visible_ancestors(world: World) -> None:
    body = (
        client_for(world, "reviewer")
        .get(reverse("organizations:detail", args=[world.child.pk]))
        .content.decode()
    )
    crumbs = re.search(r'<nav class="breadcrumbs".*?</nav>', body, re.S).group(0)
    assert world.park_a.short_name in crumbs and world.own.short_name in crumbs
    assert world.working.short_name not in crumbs and world.county.short_name not in crumbs


def test_detail_warns_when_a_branch_has_too_few_full_members(world: World) -> None:
    MemberFactory(organization=world.child, status="full")
    MemberFactory(organization=world.child, status="probationary")
    body = (
        client_for(world, "secretary")
        .get(reverse("organizations:detail", args=[world.child.pk]), **EN)
        .content.decode()
    )
    assert "usually has at least 3 full members; this one has 1." in body


def test_detail_masks_the_contact_phone_without_personal_data_right(world: World) -> None:
    Organization.objects.filter(pk=world.own.pk).update(contact_phone="13912345678")
    url = reverse("organizations:detail", args=[world.own.pk])
    assert "13912345678" in client_for(world, "secretary").get(url).content.decode()
    for persona in ("clerk", "office", "instructor"):
        body = client_for(world, persona).get(url).content.decode()
        assert "13912345678" not in body and "139****5678" in body


@pytest.mark.parametrize(
    ("persona", "edit", "add_child", "add_member"),
    [
        ("secretary", True, False, True),
        ("clerk", True, False, True),
        ("reviewer", True, True, False),
        ("office", False, False, False),
        ("instructor", False, False, False),
        ("admin", True, True, True),
    ],
)
def test_detail_shows_only_the_buttons_the_user_may_use(
    world: World, persona: str, edit: bool, add_child: bool, add_member: bool
) -> None:
    body = client_for(world, persona).get(reverse("organizations:detail", args=[world.own.pk]))
    body = body.content.decode()
    assert (reverse("organizations:edit", args=[world.own.pk]) in body) is edit
    assert (reverse("organizations:create", args=[world.own.pk]) in body) is add_child
    assert (reverse("organizations:member_create", args=[world.own.pk]) in body) is add_member
    assert reverse("organizations:history", args=[world.own.pk]) in body


# --- create and edit ------------------------------------------------------------------------------


def _org_post(**overrides):
    data = {
        "full_name": "中共新公司支部委员会",
        "short_name": "新公司支部",
        "kind": OrgKind.BRANCH,
        "code": "NEW0001",
        "founded_on": "2012-07-01",
        "founding_document": "园党〔2012〕3号",
        "secretary_name": "",
        "contact_name": "",
        "contact_phone": "",
    }
    data.update(overrides)
    return data


def test_reviewer_creates_a_child_organization(world: World) -> None:
    client = client_for(world, "reviewer")
    response = client.post(reverse("organizations:create", args=[world.sibling.pk]), _org_post())
    org = Organization.objects.get(code="NEW0001")
    assert response.status_code == 302 and response["Location"] == org.get_absolute_url()
    assert Organization.objects.get_parent(org) == world.sibling
    assert org.history.get().history_user == world.reviewer


def test_create_form_shows_field_errors_in_english(world: World) -> None:
    client = client_for(world, "reviewer")
    response = client.post(
        reverse("organizations:create", args=[world.own.pk]),
        _org_post(code=world.child.code, full_name=""),
        **EN,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "This field is required." in body
    assert "Party organization with this Code already exists." in body


def test_create_form_shows_field_errors_in_chinese(world: World) -> None:
    response = client_for(world, "reviewer").post(
        reverse("organizations:create", args=[world.own.pk]), _org_post(full_name=""), **ZH
    )
    assert response.status_code == 200
    assert 'class="errorlist"' in response.content.decode()
    assert response["Content-Language"] == "zh-hans"


def test_secretary_edits_the_profile_but_not_the_administrative_fields(world: World) -> None:
    client = client_for(world, "secretary")
    url = reverse("organizations:edit", args=[world.own.pk])
    form = client.get(url).context["form"]
    assert "is_weak" not in form.fields and "code" not in form.fields
    data = {
        **{k: v or "" for k, v in form.initial.items() if k in form.fields},
        "contact_name": "刘联络",
        "is_weak": "on",  # ignored: not a field of this form
    }
    response = client.post(url, data)
    assert response.status_code == 302
    world.own.refresh_from_db()
    assert world.own.contact_name == "刘联络" and world.own.is_weak is False


def test_reviewer_may_flag_an_organization_weak_and_lax(world: World) -> None:
    client = client_for(world, "reviewer")
    url = reverse("organizations:edit", args=[world.own.pk])
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if k in form.fields and v not in (None, False)}
    data["is_weak"] = "on"
    data["is_active"] = "on"
    assert client.post(url, data).status_code == 302
    world.own.refresh_from_db()
    assert world.own.is_weak


def test_concurrent_edit_of_an_organization_is_detected(world: World) -> None:
    client = client_for(world, "secretary")
    url = reverse("organizations:edit", args=[world.own.pk])
    form = client.get(url).context["form"]
    data = {k: v or "" for k, v in form.initial.items() if k in form.fields}
    # Someone else saves while the form is open.
    other = client_for(world, "clerk")
    other_data = {**data, "contact_name": "先保存的人"}
    assert other.post(url, other_data).status_code == 302
    response = client.post(url, {**data, "contact_name": "后保存的人"}, **EN)
    assert response.status_code == 409  # a conflict, as on every record page
    assert "changed by someone else since you opened it" in response.content.decode()
    world.own.refresh_from_db()
    assert world.own.contact_name == "先保存的人"


def test_edit_without_the_version_field_is_refused(world: World) -> None:
    client = client_for(world, "secretary")
    url = reverse("organizations:edit", args=[world.own.pk])
    response = client.post(url, {"full_name": "x", "short_name": "y", "seen": "not-a-date"}, **EN)
    assert response.status_code == 200
    assert "changed by someone else since you opened it" in response.content.decode()
