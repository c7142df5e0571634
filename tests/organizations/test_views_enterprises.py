"""Enterprise pages: permission matrix, list scope and filters, forms."""

from __future__ import annotations

import pytest
from django.urls import reverse

from organizations.models import Enterprise
from organizations.validators import make_credit_code
from portal.accounts.permissions import Action
from tests.conftest import World
from tests.factories import EnterpriseFactory, MemberFactory
from tests.organizations.helpers import TARGETS, expected, org_of
from tests.utils import PERSONAS, check_matrix, client_for

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def _enterprise_url(name: str, target: str, link: str):
    def url(w: World) -> str:
        org = org_of(w, target)
        if link == "host":
            enterprise = EnterpriseFactory()
            org.enterprises.add(enterprise)
        else:
            enterprise = EnterpriseFactory(attached_to=org)
        return reverse(f"organizations:{name}", args=[enterprise.pk])

    return url


# --- permission matrix -------------------------------------------------------------------------


@pytest.mark.parametrize("link", ["host", "attached"])
@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("name", ["enterprise_detail", "enterprise_history"])
def test_enterprise_read_pages_follow_the_linked_organizations_view_matrix(
    world: World, name: str, target: str, link: str
) -> None:
    check_matrix(world, _enterprise_url(name, target, link), expected(target))


@pytest.mark.parametrize("link", ["host", "attached"])
@pytest.mark.parametrize("target", TARGETS)
def test_enterprise_edit_needs_record_at_a_linked_organization(
    world: World, target: str, link: str
) -> None:
    check_matrix(
        world, _enterprise_url("enterprise_edit", target, link), expected(target, Action.RECORD)
    )


@pytest.mark.parametrize("target", TARGETS)
def test_enterprise_form_posts_follow_the_same_matrix(world: World, target: str) -> None:
    check_matrix(
        world,
        _enterprise_url("enterprise_edit", target, "host"),
        expected(target, Action.RECORD),
        method="post",
        data={"name": ""},
    )
    url = lambda w: reverse("organizations:enterprise_create") + f"?org={org_of(w, target).pk}"  # noqa: E731
    check_matrix(world, url, expected(target, Action.RECORD), method="post", data={"name": ""})


def test_an_enterprise_linked_to_no_organization_is_seen_by_the_administrator_only(
    world: World,
) -> None:
    enterprise = EnterpriseFactory()
    expected_status = {p: 404 for p in PERSONAS} | {"anonymous": 302, "admin": 200}
    check_matrix(world, enterprise.get_absolute_url(), expected_status)


def test_an_enterprise_linked_twice_is_editable_from_either_side(world: World) -> None:
    enterprise = EnterpriseFactory(attached_to=world.park_b)
    world.own.enterprises.add(enterprise)
    url = reverse("organizations:enterprise_edit", args=[enterprise.pk])
    assert client_for(world, "secretary").get(url).status_code == 200
    assert client_for(world, "outsider").get(url).status_code == 404  # records `other` only
    assert client_for(world, "office").get(url).status_code == 403


@pytest.mark.parametrize("target", TARGETS)
def test_enterprise_create_for_an_organization_needs_record_there(
    world: World, target: str
) -> None:
    url = lambda w: reverse("organizations:enterprise_create") + f"?org={org_of(w, target).pk}"  # noqa: E731
    check_matrix(world, url, expected(target, Action.RECORD))


def test_enterprise_create_needs_record_somewhere(world: World) -> None:
    recorders = {"outsider", "secretary", "clerk", "admin"}
    check_matrix(
        world,
        reverse("organizations:enterprise_create"),
        {p: 302 if p == "anonymous" else 200 if p in recorders else 403 for p in PERSONAS},
    )


def test_enterprise_list_is_open_to_every_account(world: World) -> None:
    check_matrix(
        world,
        reverse("organizations:enterprise_list"),
        {p: 302 if p == "anonymous" else 200 for p in PERSONAS},
    )


def test_unknown_and_non_numeric_enterprise_ids_give_404(world: World) -> None:
    client = client_for(world, "admin")
    assert client.get("/org/enterprises/abc/").status_code == 404
    assert client.get("/org/enterprises/999999/").status_code == 404
    assert client.get(reverse("organizations:enterprise_create") + "?org=abc").status_code == 404


# --- list ---------------------------------------------------------------------------------------------


def _names(response) -> set[str]:
    return {e.name for e in response.context["page"].object_list}


def test_enterprise_list_shows_enterprises_of_the_users_scope(world: World) -> None:
    world.own.enterprises.add(EnterpriseFactory(name="甲公司"))
    EnterpriseFactory(name="园区小店", attached_to=world.park_a)
    world.other.enterprises.add(EnterpriseFactory(name="丙公司"))
    EnterpriseFactory(name="无主公司")
    url = reverse("organizations:enterprise_list")
    assert _names(client_for(world, "secretary").get(url)) == {"甲公司"}
    assert _names(client_for(world, "reviewer").get(url)) == {"甲公司", "园区小店"}
    assert _names(client_for(world, "office").get(url)) == {"甲公司", "园区小店", "丙公司"}
    assert _names(client_for(world, "admin").get(url)) == {
        "甲公司",
        "园区小店",
        "丙公司",
        "无主公司",
    }
    assert _names(client_for(world, "nobody").get(url)) == set()


def test_enterprise_list_search_type_and_organization_filters(world: World) -> None:
    a = EnterpriseFactory(name="甲科技", enterprise_type="company")
    b = EnterpriseFactory(name="乙合作社", enterprise_type="cooperative")
    world.own.enterprises.add(a)
    world.child.enterprises.add(b)
    client = client_for(world, "secretary")
    url = reverse("organizations:enterprise_list")
    assert _names(client.get(url, {"q": "合作"})) == {"乙合作社"}
    assert _names(client.get(url, {"q": b.credit_code.lower()})) == {"乙合作社"}
    assert _names(client.get(url, {"type": "company"})) == {"甲科技"}
    assert _names(client.get(url, {"org": world.child.code})) == {"乙合作社"}
    for params in [{"type": "bogus"}, {"org": world.far.code}, {"page": "x"}]:
        assert client.get(url, params).status_code == 200


# --- detail -----------------------------------------------------------------------------------------------


def test_enterprise_detail_shows_links_and_member_count(world: World) -> None:
    enterprise = EnterpriseFactory(attached_to=world.park_a)
    world.own.enterprises.add(enterprise)
    MemberFactory.create_batch(3, organization=world.own, enterprise=enterprise)
    MemberFactory(organization=world.own, enterprise=enterprise, is_active=False)
    response = client_for(world, "secretary").get(enterprise.get_absolute_url())
    body = response.content.decode()
    assert response.context["member_count"] == 3
    assert world.own.full_name in body and world.park_a.full_name in body
    # The secretary cannot see park_a: its name is shown without a link.
    assert world.park_a.get_absolute_url() not in body
    assert world.own.get_absolute_url() in body


# --- forms --------------------------------------------------------------------------------------------------


def _enterprise_post(**overrides):
    data = {
        "organization": "",
        "link": "host",
        "name": "新科技有限公司",
        "credit_code": make_credit_code(4242),
        "enterprise_type": "company",
        "industry": "制造业",
        "employee_count": "35",
        "address": "",
    }
    data.update(overrides)
    return data


def test_secretary_creates_an_enterprise_the_organization_sits_in(world: World) -> None:
    response = client_for(world, "secretary").post(
        reverse("organizations:enterprise_create"), _enterprise_post(organization=world.own.code)
    )
    enterprise = Enterprise.objects.get(name="新科技有限公司")
    assert response.status_code == 302 and response["Location"] == enterprise.get_absolute_url()
    assert list(enterprise.organizations.all()) == [world.own]


def test_enterprise_create_prefills_the_organization_from_the_query(world: World) -> None:
    form = (
        client_for(world, "secretary")
        .get(reverse("organizations:enterprise_create") + f"?org={world.child.pk}")
        .context["form"]
    )
    assert form.initial["organization"] == world.child.code


def test_enterprise_create_accepts_only_organizations_the_user_may_record(world: World) -> None:
    response = client_for(world, "secretary").post(
        reverse("organizations:enterprise_create"),
        _enterprise_post(organization=world.sibling.code),
        **EN,
    )
    assert response.status_code == 200
    assert "No organization with this code among those you may choose." in response.content.decode()


def test_attaching_an_enterprise_to_a_branch_is_a_form_error(world: World) -> None:
    response = client_for(world, "secretary").post(
        reverse("organizations:enterprise_create"),
        _enterprise_post(organization=world.own.code, link="attached"),
        **EN,
    )
    assert response.status_code == 200
    assert (
        "can only be attached to a park, industry, village or community"
        in response.content.decode()
    )


def test_enterprise_form_shows_the_credit_code_error_in_english(world: World) -> None:
    response = client_for(world, "secretary").post(
        reverse("organizations:enterprise_create"),
        _enterprise_post(organization=world.own.code, credit_code="91350100M000100Y44"),
        **EN,
    )
    assert response.status_code == 200
    assert "The check character of this credit code is wrong" in response.content.decode()
    assert 'id="id_credit_code_error"' in response.content.decode()


def test_enterprise_form_shows_the_credit_code_error_in_chinese(world: World) -> None:
    response = client_for(world, "secretary").post(
        reverse("organizations:enterprise_create"),
        _enterprise_post(organization=world.own.code, credit_code="91350100M000100Y44"),
        **ZH,
    )
    assert response.status_code == 200
    assert 'id="id_credit_code_error"' in response.content.decode()


def test_enterprise_form_accepts_a_full_width_credit_code(world: World) -> None:
    client_for(world, "secretary").post(
        reverse("organizations:enterprise_create"),
        _enterprise_post(
            organization=world.own.code, credit_code="９１３５０１００ Ｍ０００１００Ｙ４３"
        ),
    )
    assert Enterprise.objects.get().credit_code == "91350100M000100Y43"


def test_concurrent_edit_of_an_enterprise_is_detected(world: World) -> None:
    enterprise = EnterpriseFactory()
    world.own.enterprises.add(enterprise)
    url = reverse("organizations:enterprise_edit", args=[enterprise.pk])
    secretary, clerk = client_for(world, "secretary"), client_for(world, "clerk")
    form = secretary.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if k in form.fields and v not in (None, False)}
    assert clerk.post(url, {**data, "industry": "先"}).status_code == 302
    response = secretary.post(url, {**data, "industry": "后"}, **EN)
    assert response.status_code == 409  # a conflict, as on every record page
    assert "changed by someone else since you opened it" in response.content.decode()
    enterprise.refresh_from_db()
    assert enterprise.industry == "先"
