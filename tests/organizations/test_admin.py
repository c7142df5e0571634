"""The site administrator's admin pages for the organization models load."""

from __future__ import annotations

import pytest

from tests.conftest import World
from tests.factories import EnterpriseFactory, MemberFactory
from tests.utils import client_for

pytestmark = pytest.mark.django_db


def test_admin_pages_of_the_organization_models_load(world: World) -> None:
    from organizations import services

    member = MemberFactory(organization=world.own)
    enterprise = EnterpriseFactory(attached_to=world.park_a)
    transfer = services.member_transfer(actor=None, member=member, to_organization=world.child)
    client = client_for(world, "admin")
    for url in [
        "/admin/organizations/organization/",
        f"/admin/organizations/organization/{world.own.pk}/change/",
        "/admin/organizations/organization/add/",
        "/admin/organizations/member/",
        f"/admin/organizations/member/{member.pk}/change/",
        f"/admin/organizations/member/{member.pk}/history/",
        "/admin/organizations/enterprise/",
        f"/admin/organizations/enterprise/{enterprise.pk}/history/",
        "/admin/organizations/membertransfer/",
        f"/admin/organizations/membertransfer/{transfer.pk}/change/",
    ]:
        assert client.get(url).status_code == 200, url


def test_admin_is_closed_to_portal_roles(world: World) -> None:
    response = client_for(world, "reviewer").get("/admin/organizations/organization/")
    assert response.status_code == 302
