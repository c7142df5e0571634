"""Change history pages: readable diffs, attribution, masking, paging."""

from __future__ import annotations

import pytest
from django.urls import reverse

from organizations import services
from organizations.selectors import HISTORY_PER_PAGE
from tests.conftest import World
from tests.factories import EnterpriseFactory, MemberFactory
from tests.utils import client_for

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _changes(entry) -> dict[str, tuple[str, str]]:
    return {c.label: (c.old, c.new) for c in entry.changes}


def test_organization_history_names_the_user_and_the_changed_fields(world: World) -> None:
    services.organization_update(
        actor=world.reviewer,
        organization=world.own,
        fields={"is_weak": True, "kind": "general_branch", "secretary_name": "赵书记"},
    )
    response = client_for(world, "secretary").get(
        reverse("organizations:history", args=[world.own.pk]), **EN
    )
    latest = response.context["entries"][0]
    assert latest.kind == "changed" and latest.record.history_user == world.reviewer
    assert _changes(latest) == {
        "Weak and lax": ("no", "yes"),
        "Kind": ("Party committee", "general branch"),
        "Secretary": ("—", "赵书记"),
    }
    body = response.content.decode()
    assert world.reviewer.display_name in body and "general branch" in body


def test_history_of_a_new_record_lists_its_initial_values(world: World) -> None:
    enterprise = services.enterprise_create(
        actor=world.secretary,
        organization=world.own,
        link="host",
        fields={
            "name": "新公司",
            "credit_code": "91350100M000100Y43",
            "enterprise_type": "cooperative",
        },
    )
    response = client_for(world, "secretary").get(
        reverse("organizations:enterprise_history", args=[enterprise.pk]), **EN
    )
    [created] = response.context["entries"]
    assert created.kind == "created"
    changes = _changes(created)
    assert changes["Name"] == ("—", "新公司")
    assert changes["Enterprise type"] == ("—", "farmers' cooperative")
    assert "Legal representative is a member" not in changes  # False is not worth listing


def test_member_history_shows_a_transfer_as_organization_names(world: World) -> None:
    member = MemberFactory(organization=world.own)
    services.member_transfer(actor=world.secretary, member=member, to_organization=world.child)
    response = client_for(world, "secretary").get(
        reverse("organizations:member_history", args=[member.pk]), **EN
    )
    latest = response.context["entries"][0]
    assert _changes(latest)["Organization"] == (str(world.own), str(world.child))


def test_history_masks_personal_data_without_the_right(world: World) -> None:
    member = MemberFactory(organization=world.own, phone="13900000001")
    services.member_update(actor=world.secretary, member=member, fields={"phone": "13912345678"})
    url = reverse("organizations:member_history", args=[member.pk])
    full = client_for(world, "secretary").get(url).content.decode()
    assert "13912345678" in full and member.id_number in full
    for persona in ("clerk", "office", "instructor"):
        body = client_for(world, persona).get(url).content.decode()
        assert "13912345678" not in body and "139****5678" in body
        assert member.id_number not in body and member.masked_id in body


def test_organization_history_masks_the_contact_phone(world: World) -> None:
    services.organization_update(
        actor=world.secretary, organization=world.own, fields={"contact_phone": "13912345678"}
    )
    url = reverse("organizations:history", args=[world.own.pk])
    assert "13912345678" in client_for(world, "secretary").get(url).content.decode()
    assert "13912345678" not in client_for(world, "clerk").get(url).content.decode()


def test_history_is_paged_and_diffs_across_the_page_boundary(world: World) -> None:
    enterprise = EnterpriseFactory()
    world.own.enterprises.add(enterprise)
    for i in range(HISTORY_PER_PAGE + 4):
        services.enterprise_update(
            actor=world.clerk, enterprise=enterprise, fields={"employee_count": i + 1}
        )
    url = reverse("organizations:enterprise_history", args=[enterprise.pk])
    client = client_for(world, "clerk")
    first = client.get(url, **EN).context["entries"]
    second = client.get(url, {"page": 2}, **EN).context["entries"]
    assert len(first) == HISTORY_PER_PAGE and len(second) == 5
    # The last entry of page 1 is compared with the first entry of page 2.
    assert _changes(first[-1])["Employees"] == ("4", "5")
    assert _changes(second[0])["Employees"] == ("3", "4")
    assert second[-1].kind == "created"
    for bogus in ("abc", "0", "99999", "-1"):
        assert client.get(url, {"page": bogus}).status_code == 200


def test_history_without_changes_renders(world: World) -> None:
    response = client_for(world, "secretary").get(
        reverse("organizations:history", args=[world.own.pk]), **EN
    )
    assert response.status_code == 200
