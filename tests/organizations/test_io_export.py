"""Exports (/io/export/<kind>.<fmt>): scope, masking, formula neutralizing, headings,
the list pages' filters, and a fixed number of queries."""

from __future__ import annotations

import io

import openpyxl
import pytest

from organizations.models import Member
from portal.accounts.models import Role
from portal.accounts.services import role_assign
from tests.conftest import World
from tests.factories import EnterpriseFactory, MemberFactory, UserFactory
from tests.organizations.helpers import expected
from tests.organizations.test_io_support import body, read_csv, read_xlsx
from tests.utils import assert_constant_queries, check_matrix, client_for

pytestmark = pytest.mark.django_db


def download(client, url: str, **extra) -> bytes:
    response = client.get(url, **extra)
    assert response.status_code == 200, response.status_code
    return body(response)


def members_in(rows: list[list]) -> dict[str, list]:
    """Exported member rows by name (column 0)."""
    return {row[0]: row for row in rows[1:]}


@pytest.fixture
def people(world: World) -> dict[str, Member]:
    return {
        "own": MemberFactory(organization=world.own, name="本级党员"),
        "child": MemberFactory(organization=world.child, name="下级党员"),
        "sibling": MemberFactory(organization=world.sibling, name="兄弟党员"),
        "other": MemberFactory(organization=world.other, name="别处党员"),
        "far": MemberFactory(organization=world.far, name="邻县党员"),
    }


def test_member_export_holds_only_the_users_scope(world: World, people) -> None:
    names = {
        persona: set(
            members_in(read_xlsx(download(client_for(world, persona), "/io/export/members.xlsx")))
        )
        for persona in ("secretary", "reviewer", "outsider", "admin")
    }
    assert names["secretary"] == {"本级党员", "下级党员", "党员本人"}
    assert names["reviewer"] == {"本级党员", "下级党员", "党员本人", "兄弟党员"}
    assert names["outsider"] == {"别处党员"}
    assert names["admin"] == {
        "本级党员",
        "下级党员",
        "党员本人",
        "兄弟党员",
        "别处党员",
        "邻县党员",
    }


def test_personal_data_is_masked_row_by_row(world: World, people) -> None:
    # A user who is secretary of `child` (PERSONAL_DATA there) and office at the county.
    mixed = UserFactory(username="mixed")
    role_assign(actor=None, user=mixed, role=Role.SECRETARY, organization=world.child)
    role_assign(actor=None, user=mixed, role=Role.OFFICE, organization=world.county)
    client = client_for(world, "anonymous")
    client.force_login(mixed)
    table = read_xlsx(download(client, "/io/export/members.xlsx"))
    rows = members_in(table)
    id_col, phone_col = table[0].index("citizen ID number"), table[0].index("phone")
    assert rows["下级党员"][id_col] == people["child"].id_number
    assert rows["下级党员"][phone_col] == people["child"].phone
    assert rows["本级党员"][id_col] == people["own"].masked_id
    assert rows["本级党员"][phone_col] == people["own"].masked_phone
    assert "*" in rows["别处党员"][id_col]


def test_clerk_without_personal_data_gets_masked_ids(world: World, people) -> None:
    rows = members_in(read_csv(download(client_for(world, "clerk"), "/io/export/members.csv")))
    assert rows["本级党员"][4] == people["own"].masked_id
    assert rows["本级党员"][4] != people["own"].id_number


def test_cells_that_look_like_formulas_are_neutralized(world: World) -> None:
    MemberFactory(
        organization=world.own,
        name='=HYPERLINK("http://x")',
        post="+1+1",
        mobile="outflow",
        mobile_organization="@SUM(A1)",
        lost_contact=True,
        lost_contact_kind="other",
        lost_contact_reason="-2",
    )
    client = client_for(world, "secretary")
    content = download(client, "/io/export/members.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row if isinstance(c.value, str)]
    assert all(c.data_type != "f" for c in cells)
    values = {c.value for c in cells}
    assert {'\'=HYPERLINK("http://x")', "'+1+1", "'@SUM(A1)", "'-2"} <= values
    text = download(client, "/io/export/members.csv").decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'+1+1" in text and "'@SUM(A1)" in text


def test_headings_follow_the_ui_language(world: World) -> None:
    client = client_for(world, "secretary")
    zh = read_csv(download(client, "/io/export/members.csv", HTTP_ACCEPT_LANGUAGE="zh-hans"))[0]
    assert zh[:5] == ["姓名", "性别", "民族", "出生日期", "身份证号"]
    en = read_csv(download(client, "/io/export/members.csv", HTTP_ACCEPT_LANGUAGE="en"))
    assert en[0][:3] == ["name", "sex", "ethnicity"]
    assert en[1][1] in ("male", "female")


def test_csv_has_a_byte_order_mark_and_iso_dates(world: World) -> None:
    content = download(client_for(world, "secretary"), "/io/export/members.csv")
    assert content.startswith(b"\xef\xbb\xbf")
    row = read_csv(content)[1]
    assert row[3].count("-") == 2  # 出生日期 as 1960-01-01


def test_xlsx_dates_are_date_cells(world: World) -> None:
    content = download(client_for(world, "secretary"), "/io/export/members.xlsx")
    row = read_xlsx(content)[1]
    assert hasattr(row[3], "year")


def test_member_list_filters_apply(world: World, people) -> None:
    MemberFactory(organization=world.own, name="预备党员甲", status="probationary")
    client = client_for(world, "reviewer")
    by_org = members_in(
        read_csv(download(client, f"/io/export/members.csv?org={world.child.code}"))
    )
    assert set(by_org) == {"下级党员"}
    by_status = members_in(read_csv(download(client, "/io/export/members.csv?status=probationary")))
    assert set(by_status) == {"预备党员甲"}
    by_name = members_in(read_csv(download(client, "/io/export/members.csv?q=兄弟")))
    assert set(by_name) == {"兄弟党员"}


def test_filtering_on_an_organization_out_of_sight_is_a_404(world: World) -> None:
    response = client_for(world, "secretary").get(
        f"/io/export/members.xlsx?org={world.sibling.code}"
    )
    assert response.status_code == 404


def test_organization_and_enterprise_exports_are_scoped(world: World) -> None:
    enterprise = EnterpriseFactory(name="甲科技有限公司")
    world.own.enterprises.add(enterprise)
    world.far.enterprises.add(EnterpriseFactory(name="邻县公司"))
    client = client_for(world, "secretary")
    orgs = read_csv(download(client, "/io/export/organizations.csv"))
    assert [r[0] for r in orgs[1:]] == [world.own.full_name, world.child.full_name]
    assert orgs[1][4] == world.park_a.full_name  # the parent is named, by name and code
    enterprises = read_csv(download(client, "/io/export/enterprises.csv"))
    assert [r[0] for r in enterprises[1:]] == ["甲科技有限公司"]
    assert enterprises[1][8] == world.own.full_name


def test_export_permission_matrix(world: World) -> None:
    for kind in ("members", "organizations", "enterprises"):
        for fmt in ("xlsx", "csv"):
            check_matrix(
                world,
                f"/io/export/{kind}.{fmt}",
                {
                    "anonymous": 302,
                    "nobody": 404,
                    "member_user": 404,
                    "accounts": 403,  # a role with no right on the records
                    "outsider": 200,
                    "office": 200,
                    "clerk": 200,
                    "admin": 200,
                },
            )


def test_export_of_an_organizations_subtree_follows_the_matrix(world: World) -> None:
    for target in ("own", "child", "parent", "sibling", "far"):
        org = world.park_a if target == "parent" else getattr(world, target)
        want = expected(target)
        want["member_user"] = 404
        # Users who see nothing there still see something elsewhere: the filter is what
        # is refused, with a 404 (no hint the organization exists).
        for persona, status in want.items():
            if status == 403:
                want[persona] = 200
        check_matrix(world, f"/io/export/members.csv?org={org.code}", want)


def test_unknown_kind_or_format_is_a_404(world: World) -> None:
    client = client_for(world, "admin")
    assert client.get("/io/export/no-such-list.xlsx").status_code == 404
    assert client.get("/io/export/members.pdf").status_code == 404


def test_export_runs_a_fixed_number_of_queries(world: World) -> None:
    client = client_for(world, "reviewer")

    def grow() -> None:
        for org in (world.own, world.child, world.sibling):
            for _ in range(10):
                MemberFactory(organization=org)
            org.enterprises.add(EnterpriseFactory())

    grow()  # some of everything first: an empty prefetch runs no query
    # Each also writes its audit row (file.download, portal/accounts/audit.py).
    # members: session, user, grants, members with their organizations and enterprises
    assert_constant_queries(client, "/io/export/members.xlsx", grow, expected=5)
    assert_constant_queries(client, "/io/export/members.csv", grow, expected=5)
    # enterprises: session, user, grants, enterprises, their host organizations
    assert_constant_queries(client, "/io/export/enterprises.csv", grow, expected=6)
    # organizations: session, user, grants, organizations (parents by subquery)
    assert_constant_queries(client, "/io/export/organizations.xlsx", grow, expected=5)


def test_a_later_record_type_plugs_in_with_a_resource_and_a_queryset(
    world: World, monkeypatch
) -> None:
    """What meetings, opinions or problem items will do: a PortalResource naming its
    path to the organization, and a queryset for the request; scope comes for free."""
    from organizations.models import MemberTransfer
    from organizations.resources import EXPORTS, Column, ExportSpec, PortalResource

    class TransferResource(PortalResource):
        member = Column("member__name", "姓名", "name")
        to = Column("to_organization__short_name", "转入党组织", "to")
        scope_path_field = "to_organization__path"
        sheet_title = ("组织关系转接", "Transfers")

        class Meta:
            model = MemberTransfer
            fields = ("member", "to")

    monkeypatch.setitem(
        EXPORTS,
        "transfers",
        ExportSpec("Transfers", TransferResource, lambda request: MemberTransfer.objects.all()),
    )
    for org, name in ((world.child, "转入本支部"), (world.other, "转入别处")):
        member = MemberFactory(organization=world.sibling, name=name)
        MemberTransfer.objects.create(
            member=member, from_organization=world.sibling, to_organization=org
        )
    client = client_for(world, "secretary")
    rows = read_csv(download(client, "/io/export/transfers.csv", HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert rows == [["姓名", "转入党组织"], ["转入本支部", world.child.short_name]]
