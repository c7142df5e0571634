"""Member pages: permission matrix, masking, filters, forms, transfer, roster."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from organizations.models import Member, MemberTransfer
from organizations.validators import make_citizen_id, mask_id
from portal.accounts.permissions import Action
from tests.conftest import World
from tests.factories import EnterpriseFactory, MemberFactory
from tests.organizations.helpers import TARGETS, expected, org_of
from tests.utils import PERSONAS, check_matrix, client_for

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def _member_in(target: str):
    """A URL factory creating one member in the target organization per world."""

    def make(name: str):
        def url(w: World) -> str:
            member = MemberFactory(organization=org_of(w, target))
            return reverse(f"organizations:{name}", args=[member.pk])

        return url

    return make


# --- permission matrix -------------------------------------------------------------------------


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("name", ["member_detail", "member_history"])
def test_member_read_pages_follow_the_view_matrix(world: World, name: str, target: str) -> None:
    check_matrix(world, _member_in(target)(name), expected(target))


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("name", ["member_edit", "member_transfer"])
def test_member_write_pages_need_record(world: World, name: str, target: str) -> None:
    check_matrix(world, _member_in(target)(name), expected(target, Action.RECORD))


@pytest.mark.parametrize("target", TARGETS)
def test_member_create_needs_record_at_the_organization(world: World, target: str) -> None:
    url = lambda w: reverse("organizations:member_create", args=[org_of(w, target).pk])  # noqa: E731
    check_matrix(world, url, expected(target, Action.RECORD))


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("name", ["member_deactivate", "member_reactivate"])
def test_roster_actions_need_record(world: World, name: str, target: str) -> None:
    member = MemberFactory(organization=org_of(world, target))
    url = reverse(f"organizations:{name}", args=[member.pk])
    check_matrix(world, url, expected(target, Action.RECORD, ok=302), method="post")


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("name", ["member_edit", "member_transfer"])
def test_member_form_posts_follow_the_same_matrix(world: World, name: str, target: str) -> None:
    """An allowed user posting nothing sees the form again (200); the rest never reach it."""
    check_matrix(
        world,
        _member_in(target)(name),
        expected(target, Action.RECORD),
        method="post",
        data={"name": ""},
    )


def test_roster_actions_refuse_get(world: World) -> None:
    member = MemberFactory(organization=world.own)
    client = client_for(world, "secretary")
    assert (
        client.get(reverse("organizations:member_deactivate", args=[member.pk])).status_code == 405
    )
    assert (
        client.get(reverse("organizations:member_reactivate", args=[member.pk])).status_code == 405
    )


def test_a_party_member_sees_their_own_page_and_history_but_no_one_elses(world: World) -> None:
    own = world.member_user.member
    client = client_for(world, "member_user")
    assert client.get(reverse("organizations:member_detail", args=[own.pk])).status_code == 200
    assert client.get(reverse("organizations:member_history", args=[own.pk])).status_code == 200
    assert client.get(reverse("organizations:member_edit", args=[own.pk])).status_code == 404
    colleague = MemberFactory(organization=world.own)
    assert (
        client.get(reverse("organizations:member_detail", args=[colleague.pk])).status_code == 404
    )


def test_a_party_member_sees_their_own_id_number_unmasked(world: World) -> None:
    own = world.member_user.member
    body = client_for(world, "member_user").get(own.get_absolute_url()).content.decode()
    assert own.id_number in body


def test_member_list_is_open_to_every_account(world: World) -> None:
    check_matrix(
        world,
        reverse("organizations:member_list"),
        {p: 302 if p == "anonymous" else 200 for p in PERSONAS},
    )


def test_unknown_and_non_numeric_member_ids_give_404(world: World) -> None:
    client = client_for(world, "admin")
    assert client.get("/org/members/abc/").status_code == 404
    assert client.get("/org/members/999999/").status_code == 404
    assert client.post("/org/members/999999/deactivate/").status_code == 404


# --- list: scope, masking, filters -------------------------------------------------------------------


def _names(response) -> set[str]:
    return {m.name for m in response.context["page"].object_list}


def test_member_list_shows_only_the_users_scope(world: World) -> None:
    for org, name in [
        (world.own, "甲"),
        (world.child, "乙"),
        (world.sibling, "丙"),
        (world.other, "丁"),
        (world.far, "戊"),
    ]:
        MemberFactory(organization=org, name=name)
    url = reverse("organizations:member_list")
    assert _names(client_for(world, "secretary").get(url)) == {"甲", "乙", "党员本人"}
    assert _names(client_for(world, "reviewer").get(url)) == {"甲", "乙", "丙", "党员本人"}
    assert _names(client_for(world, "office").get(url)) == {"甲", "乙", "丙", "丁", "党员本人"}
    assert _names(client_for(world, "outsider").get(url)) == {"丁"}
    assert _names(client_for(world, "nobody").get(url)) == set()
    assert _names(client_for(world, "member_user").get(url)) == set()


@pytest.mark.parametrize(
    ("persona", "unmasked"),
    [("secretary", True), ("clerk", False), ("office", False), ("reviewer", True)],
)
def test_member_pages_mask_personal_data_without_the_right(
    world: World, persona: str, unmasked: bool
) -> None:
    member = MemberFactory(organization=world.child, phone="13912345678")
    client = client_for(world, persona)
    for url in (reverse("organizations:member_list"), member.get_absolute_url()):
        body = client.get(url).content.decode()
        assert (member.id_number in body) is unmasked, url
        assert ("13912345678" in body) is unmasked, url
        if not unmasked:
            assert member.masked_id in body and "139****5678" in body


def test_member_list_decides_masking_row_by_row(world: World) -> None:
    """A user holding PERSONAL_DATA on one branch (the clerk made secretary of `child`)
    sees that branch's rows unmasked and the rest of their scope masked."""
    from portal.accounts.models import Role
    from portal.accounts.services import role_assign

    role_assign(actor=None, user=world.clerk, role=Role.SECRETARY, organization=world.child)
    in_child = MemberFactory(organization=world.child)
    in_own = MemberFactory(organization=world.own)
    body = client_for(world, "clerk").get(reverse("organizations:member_list")).content.decode()
    assert in_child.id_number in body
    assert in_own.id_number not in body and mask_id(in_own.id_number) in body


def test_member_list_filters(world: World) -> None:
    MemberFactory(organization=world.own, name="正式甲")
    MemberFactory(organization=world.child, name="预备乙", status="probationary")
    MemberFactory(organization=world.child, name="出资丙", is_investor=True)
    MemberFactory(organization=world.child, name="口袋丁", is_pocket=True)
    MemberFactory(
        organization=world.child, name="流动戊", mobile="outflow", mobile_organization="外地"
    )
    MemberFactory(
        organization=world.child,
        name="失联己",
        lost_contact=True,
        lost_contact_kind="abroad",
        lost_contact_reason="出国",
    )
    MemberFactory(organization=world.child, name="离开庚", is_active=False)
    url = reverse("organizations:member_list")
    client = client_for(world, "secretary")

    def names(**params) -> set[str]:
        return _names(client.get(url, params))

    assert names(status="probationary") == {"预备乙"}
    assert names(investor="on") == {"出资丙"}
    assert names(pocket="on") == {"口袋丁"}
    assert names(mobile="on") == {"流动戊"}
    assert names(lost="on") == {"失联己"}
    assert names(active="no") == {"离开庚"}
    assert "离开庚" not in names()
    assert "离开庚" in names(active="all")
    assert names(q="甲") == {"正式甲"}
    assert "正式甲" not in names(org=world.child.code)
    assert "预备乙" in names(org=world.child.code)


def test_member_list_search_by_id_number_accepts_full_width(world: World) -> None:
    member = MemberFactory(organization=world.own, name="身份证搜")
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in member.id_number)
    assert _names(
        client_for(world, "secretary").get(reverse("organizations:member_list"), {"q": full_width})
    ) == {"身份证搜"}


def test_member_list_bogus_filters_are_reported_not_a_500(world: World) -> None:
    client = client_for(world, "secretary")
    url = reverse("organizations:member_list")
    for params in [
        {"status": "nonsense"},
        {"active": "maybe"},
        {"org": "NO-SUCH-CODE"},
        {"org": world.far.code},  # exists, but outside the scope: same answer
        {"page": "abc"},
        {"page": "99999"},
        {"q": "x" * 500},
    ]:
        response = client.get(url, params, **EN)
        assert response.status_code == 200, params
    body = client.get(url, {"org": world.far.code}, **EN).content.decode()
    assert "These filters were ignored:" in body
    assert "No organization with this code among those you may choose." in body


def test_member_list_pages_fifty_at_a_time_in_a_stable_order(world: World) -> None:
    MemberFactory.create_batch(60, organization=world.own, name="同名")
    client = client_for(world, "secretary")
    url = reverse("organizations:member_list")
    first = list(client.get(url).context["page"].object_list)
    second = list(client.get(url, {"page": 2}).context["page"].object_list)
    assert len(first) == 50 and len(second) == 11
    assert not {m.pk for m in first} & {m.pk for m in second}
    assert [m.pk for m in first] == [m.pk for m in client.get(url).context["page"].object_list]


def test_member_list_htmx_request_gets_the_results_fragment(world: World) -> None:
    response = client_for(world, "secretary").get(
        reverse("organizations:member_list"), HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="member-results"') and "<html" not in body


# --- detail -------------------------------------------------------------------------------------------


def test_member_detail_shows_the_transfer_history(world: World) -> None:
    member = MemberFactory(organization=world.own)
    client = client_for(world, "secretary")
    client.post(
        reverse("organizations:member_transfer", args=[member.pk]),
        {"to_organization": world.child.code, "moved_on": "2024-03-01", "reason": "调岗"},
    )
    body = client.get(member.get_absolute_url()).content.decode()
    assert "调岗" in body and world.child.short_name in body


# --- forms -----------------------------------------------------------------------------------------------


def _member_post(**overrides):
    birth = dt.date(1990, 5, 17)
    data = {
        "name": "王新",
        "sex": "M",
        "ethnicity": "汉族",
        "birth_date": birth.isoformat(),
        "id_number": make_citizen_id("320115", birth, 11),
        "education": "bachelor",
        "joined_on": "2012-07-01",
        "full_member_on": "2013-07-01",
        "status": "full",
        "post": "",
        "phone": "13900001111",
        "party_post": "",
        "mobile": "",
        "mobile_organization": "",
        "lost_contact_reason": "",
    }
    data.update(overrides)
    return data


def test_clerk_adds_a_member(world: World) -> None:
    response = client_for(world, "clerk").post(
        reverse("organizations:member_create", args=[world.own.pk]), _member_post()
    )
    member = Member.objects.get(name="王新")
    assert response.status_code == 302 and response["Location"] == member.get_absolute_url()
    assert member.organization == world.own
    assert member.history.get().history_user == world.clerk


def test_member_form_takes_the_birth_date_from_the_id_number_when_left_empty(world: World) -> None:
    client_for(world, "clerk").post(
        reverse("organizations:member_create", args=[world.own.pk]), _member_post(birth_date="")
    )
    assert Member.objects.get(name="王新").birth_date == dt.date(1990, 5, 17)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"id_number": "110105194912310021"},
            "id_number",
            "The check digit of this ID number is wrong",
        ),
        ({"id_number": "1101051949"}, "id_number", "has 18 characters; this one has 10"),
        (
            {"birth_date": "1990-05-18"},
            "birth_date",
            "The ID number says the birth date is 1990-05-17.",
        ),
        (
            {"mobile": "outflow"},
            "mobile_organization",
            "A mobile member needs the outflow or inflow organization.",
        ),
        ({"lost_contact": "on"}, "lost_contact_kind", "Give the reason for lost contact."),
        (
            {"lost_contact": "on", "lost_contact_kind": "other"},
            "lost_contact_reason",
            "Say in words why contact was lost.",
        ),
        ({"joined_on": "2007-07-01"}, "joined_on", "A member joins the Party at 18 or older."),
        (
            {"full_member_on": "2011-01-01"},
            "full_member_on",
            "cannot become a full member before joining",
        ),
    ],
)
def test_member_form_shows_validation_errors_on_the_field_in_english(
    world: World, overrides: dict, field: str, message: str
) -> None:
    response = client_for(world, "clerk").post(
        reverse("organizations:member_create", args=[world.own.pk]), _member_post(**overrides), **EN
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in e for e in form.errors[field]), form.errors
    body = response.content.decode()
    assert f'id="id_{field}_error"' in body and message.split("“")[0] in body.replace("&quot;", '"')
    assert not Member.objects.filter(name="王新").exists()


def test_member_form_shows_validation_errors_in_chinese(world: World) -> None:
    response = client_for(world, "clerk").post(
        reverse("organizations:member_create", args=[world.own.pk]),
        _member_post(id_number="110105194912310021"),
        **ZH,
    )
    assert response.status_code == 200
    assert 'id="id_id_number_error"' in response.content.decode()


def test_member_form_rejects_a_duplicate_id_number(world: World) -> None:
    existing = MemberFactory(organization=world.far)
    response = client_for(world, "clerk").post(
        reverse("organizations:member_create", args=[world.own.pk]),
        _member_post(id_number=existing.id_number, birth_date=""),
        **EN,
    )
    assert response.status_code == 200
    assert "id_number" in response.context["form"].errors


def test_member_form_offers_only_enterprises_linked_to_the_organization(world: World) -> None:
    linked = EnterpriseFactory()
    world.own.enterprises.add(linked)
    EnterpriseFactory()  # unrelated
    form = (
        client_for(world, "clerk")
        .get(reverse("organizations:member_create", args=[world.own.pk]))
        .context["form"]
    )
    assert list(form.fields["enterprise"].queryset) == [linked]


def test_concurrent_edit_of_a_member_is_detected(world: World) -> None:
    member = MemberFactory(organization=world.own)
    url = reverse("organizations:member_edit", args=[member.pk])
    secretary, clerk = client_for(world, "secretary"), client_for(world, "clerk")
    form = secretary.get(url).context["form"]
    data = {k: ("" if v is None else v) for k, v in form.initial.items() if k in form.fields}
    data = {k: v for k, v in data.items() if v is not False}
    assert clerk.post(url, {**data, "post": "会计"}).status_code == 302
    response = secretary.post(url, {**data, "post": "出纳"}, **EN)
    assert response.status_code == 409  # a conflict, as on every record page
    assert "changed by someone else since you opened it" in response.content.decode()
    member.refresh_from_db()
    assert member.post == "会计"


# --- transfer and roster -------------------------------------------------------------------------------------


def test_transfer_writes_the_history_and_moves_the_member(world: World) -> None:
    member = MemberFactory(organization=world.own)
    response = client_for(world, "secretary").post(
        reverse("organizations:member_transfer", args=[member.pk]),
        {"to_organization": world.child.code, "moved_on": "2024-03-01", "reason": "调岗"},
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.organization == world.child
    transfer = MemberTransfer.objects.get(member=member)
    assert (transfer.from_organization, transfer.to_organization) == (world.own, world.child)
    assert transfer.moved_on == dt.date(2024, 3, 1) and transfer.recorded_by == world.secretary


def test_transfer_to_an_organization_out_of_sight_is_refused_like_an_unknown_code(
    world: World,
) -> None:
    member = MemberFactory(organization=world.own)
    client = client_for(world, "secretary")
    url = reverse("organizations:member_transfer", args=[member.pk])
    for code in (world.sibling.code, "NO-SUCH-CODE"):
        response = client.post(url, {"to_organization": code, "moved_on": "2024-03-01"}, **EN)
        assert response.status_code == 200
        assert response.context["form"].errors["to_organization"] == [
            "No organization with this code among those you may choose."
        ]
    member.refresh_from_db()
    assert member.organization == world.own and not MemberTransfer.objects.exists()


def test_transfer_to_the_same_organization_is_a_form_error(world: World) -> None:
    member = MemberFactory(organization=world.own)
    response = client_for(world, "secretary").post(
        reverse("organizations:member_transfer", args=[member.pk]),
        {"to_organization": world.own.code, "moved_on": "2024-03-01"},
        **EN,
    )
    assert response.status_code == 200
    assert "already belongs to this organization" in response.content.decode()


def test_taking_off_and_putting_back_on_the_roster(world: World) -> None:
    member = MemberFactory(organization=world.own)
    client = client_for(world, "clerk")
    assert (
        client.post(reverse("organizations:member_deactivate", args=[member.pk])).status_code == 302
    )
    member.refresh_from_db()
    assert member.is_active is False and Member.objects.filter(pk=member.pk).exists()
    assert (
        client.post(reverse("organizations:member_reactivate", args=[member.pk])).status_code == 302
    )
    member.refresh_from_db()
    assert member.is_active
