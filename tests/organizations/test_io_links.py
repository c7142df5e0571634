"""Links to the import and export pages (/io/): the navigation item, the organization's
page (imports for the kinds the user may import there, exports of its subtree), the
member and enterprise lists (exports with the current filters) and the tree. Each link
shows for the users allowed and not for others, and following it works."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from organizations.models import Member
from tests.conftest import World
from tests.factories import EnterpriseFactory, MemberFactory
from tests.organizations.test_io_support import body, read_csv, read_xlsx
from tests.utils import client_for

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
WITH_ROLES = ("admin", "office", "reviewer", "instructor", "secretary", "clerk", "outsider")


def hrefs(response) -> list[str]:
    assert response.status_code == 200
    return [html.unescape(h) for h in re.findall(r'href="([^"]+)"', response.content.decode())]


def io_links(response, prefix: str) -> set[str]:
    return {h for h in hrefs(response) if h.startswith(prefix)}


def follow(client, url: str, content_type: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"] == content_type
    return body(response)


# --- navigation ----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", WITH_ROLES)
def test_navigation_offers_import_and_export_to_users_with_a_role(
    world: World, persona: str
) -> None:
    client = client_for(world, persona)
    assert reverse("io:index") in hrefs(client.get("/"))
    assert client.get(reverse("io:index")).status_code == 200


def test_navigation_hides_import_and_export_from_a_login_without_a_role(world: World) -> None:
    client = client_for(world, "nobody")
    assert reverse("io:index") not in hrefs(client.get("/"))
    assert client.get(reverse("io:index")).status_code == 404


# --- the organization's page -----------------------------------------------------------------


def import_links(world: World, persona: str, org) -> set[str]:
    page = client_for(world, persona).get(reverse("organizations:detail", args=[org.pk]))
    return io_links(page, "/io/import/")


def test_organization_page_offers_the_imports_each_role_may_do_there(world: World) -> None:
    own = world.own
    members = f"{reverse('io:import', args=['members'])}?org={own.pk}"
    enterprises = f"{reverse('io:import', args=['enterprises'])}?org={own.pk}"
    organizations = f"{reverse('io:import', args=['organizations'])}?org={own.pk}"
    # RECORD: members and enterprises; MANAGE_ORGANIZATIONS (the reviewer above): all three.
    assert import_links(world, "secretary", own) == {members, enterprises}
    assert import_links(world, "clerk", own) == {members, enterprises}
    assert import_links(world, "reviewer", own) == {members, enterprises, organizations}
    assert import_links(world, "admin", own) == {members, enterprises, organizations}
    # Those who only watch or review import nothing.
    assert import_links(world, "office", own) == set()
    assert import_links(world, "instructor", own) == set()
    # Authority flows down: the secretary imports into the branch under their committee.
    child = world.child
    assert import_links(world, "secretary", child) == {
        f"{reverse('io:import', args=[kind])}?org={child.pk}" for kind in ("members", "enterprises")
    }


@pytest.mark.parametrize("persona", ["secretary", "clerk", "reviewer"])
def test_organization_page_import_links_open_the_import_page(world: World, persona: str) -> None:
    client = client_for(world, persona)
    for url in import_links(world, persona, world.own):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.context["org"] == world.own


@pytest.mark.parametrize("persona", ["office", "instructor", "secretary", "reviewer"])
def test_organization_page_exports_its_subtree(world: World, persona: str) -> None:
    MemberFactory(organization=world.child, name="下级党员")
    MemberFactory(organization=world.sibling, name="兄弟党员")
    world.child.enterprises.add(EnterpriseFactory(name="下级企业"))
    client = client_for(world, persona)
    page = client.get(reverse("organizations:detail", args=[world.own.pk]))
    links = io_links(page, "/io/export/")
    expected = {
        f"{reverse('io:export', args=[kind, fmt])}?org={world.own.code}"
        for kind in ("members", "enterprises", "organizations")
        for fmt in ("xlsx", "csv")
    }
    assert links == expected
    members = read_xlsx(follow(client, f"/io/export/members.xlsx?org={world.own.code}", XLSX))
    names = {row[0] for row in members[1:]}
    assert "下级党员" in names and "兄弟党员" not in names
    enterprises = read_csv(follow(client, f"/io/export/enterprises.csv?org={world.own.code}", CSV))
    assert "下级企业" in {row[0] for row in enterprises[1:]}
    orgs = read_csv(follow(client, f"/io/export/organizations.csv?org={world.own.code}", CSV))
    assert len(orgs) - 1 == 2  # own and child


# --- the lists and the tree ----------------------------------------------------------------------


def test_member_list_export_carries_the_current_filters(world: World) -> None:
    MemberFactory(organization=world.own, name="正式党员甲", status="full")
    MemberFactory(organization=world.own, name="预备党员乙", status="probationary")
    MemberFactory(organization=world.child, name="下级党员丙", status="full")
    client = client_for(world, "secretary")
    query = f"org={world.own.code}&status=full"
    page = client.get(f"{reverse('organizations:member_list')}?{query}")
    links = io_links(page, "/io/export/members.")
    assert links == {f"/io/export/members.xlsx?{query}", f"/io/export/members.csv?{query}"}
    rows = read_csv(follow(client, f"/io/export/members.csv?{query}", CSV))
    names = {row[0] for row in rows[1:]}
    assert {"正式党员甲", "下级党员丙"} <= names and "预备党员乙" not in names
    assert all(
        Member.objects.get(name=name).status == "full" for name in names if name != "党员本人"
    )
    # The htmx fragment (filters changed in place) carries them too.
    fragment = client.get(f"{reverse('organizations:member_list')}?{query}", HTTP_HX_REQUEST="true")
    assert io_links(fragment, "/io/export/members.") == links


def test_enterprise_list_export_carries_the_current_filters(world: World) -> None:
    world.own.enterprises.add(EnterpriseFactory(name="本级企业"))
    world.sibling.enterprises.add(EnterpriseFactory(name="兄弟企业"))
    client = client_for(world, "reviewer")
    query = f"org={world.own.code}"
    page = client.get(f"{reverse('organizations:enterprise_list')}?{query}")
    links = io_links(page, "/io/export/enterprises.")
    assert links == {
        f"/io/export/enterprises.xlsx?{query}",
        f"/io/export/enterprises.csv?{query}",
    }
    rows = read_xlsx(follow(client, f"/io/export/enterprises.xlsx?{query}", XLSX))
    names = {row[0] for row in rows[1:]}
    assert "本级企业" in names and "兄弟企业" not in names


def test_tree_offers_an_export_of_the_organizations(world: World) -> None:
    client = client_for(world, "office")
    links = io_links(client.get(reverse("organizations:tree")), "/io/export/")
    assert links == {"/io/export/organizations.xlsx", "/io/export/organizations.csv"}
    rows = read_csv(follow(client, "/io/export/organizations.csv", CSV))
    assert len(rows) > 1


@pytest.mark.parametrize(
    "url_name", ["organizations:member_list", "organizations:enterprise_list", "organizations:tree"]
)
def test_lists_show_no_export_link_to_a_login_without_a_role(world: World, url_name: str) -> None:
    client = client_for(world, "nobody")
    response = client.get(reverse(url_name))
    assert not io_links(response, "/io/")
    assert client.get("/io/export/members.xlsx").status_code == 404
