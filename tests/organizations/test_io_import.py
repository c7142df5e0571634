"""The import engine (organizations/imports/): what a roster creates and changes, every
error class by row and column, scope, all-or-nothing, history and round trips."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from organizations.models import Enterprise, Member, MemberTransfer, Organization, OrgKind
from organizations.resources import (
    EnterpriseResource,
    MemberResource,
    OrganizationResource,
    export_response,
)
from portal.accounts.models import AuditEvent
from tests.conftest import World
from tests.factories import EnterpriseFactory, MemberFactory
from tests.organizations.test_io_support import (
    MEMBER_HEADINGS,
    body,
    citizen_id,
    credit_code,
    csv_bytes,
    errors_by_cell,
    member_values,
    run_import,
    table,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db

UNKNOWN_ORG = "Unknown organization, or one outside your scope"


def roster(world: World, n: int, org: Organization | None = None, **overrides) -> bytes:
    return xlsx_bytes(table([member_values(i, org or world.own, **overrides) for i in range(n)]))


def _as_in_the_id(member: Member) -> dict[str, str]:
    """The sex and birth date a row must give for `member`'s ID number (a row that
    contradicts its ID number is an error)."""
    return {"性别": "男" if member.sex == "M" else "女", "出生日期": member.birth_date.isoformat()}


def exported(resource, queryset, user, fmt: str = "xlsx") -> bytes:
    response = export_response(resource, queryset, user=user, fmt=fmt, filename="x")
    return body(response)


# --- members: the happy path -----------------------------------------------------------


def test_new_roster_creates_members_where_the_rows_say(world: World) -> None:
    rows = [member_values(i, world.own) for i in range(3)] + [member_values(3, world.child)]
    report = run_import("members", world.secretary, xlsx_bytes(table(rows)), commit=True)
    assert (report.created, report.updated, report.unchanged, report.error_count) == (4, 0, 0, 0)
    assert Member.objects.filter(organization=world.own).count() == 4  # 3 + the world's own
    member = Member.objects.get(id_number=citizen_id(3))
    assert member.organization == world.child
    assert (member.name, member.education, member.status) == ("党员3", "bachelor", "full")
    assert member.joined_on == dt.date(2010, 7, 1)
    assert member.phone == "13900000003"


def test_preview_writes_nothing_but_reports_what_would_happen(world: World) -> None:
    report = run_import("members", world.secretary, roster(world, 5), commit=False)
    assert report.created == 5
    assert [p["row"] for p in report.preview] == [2, 3, 4, 5, 6]
    assert not Member.objects.filter(id_number__in=[citizen_id(i) for i in range(5)]).exists()


def test_title_rows_blank_rows_and_unknown_columns_are_tolerated(world: World) -> None:
    rows = table(
        [member_values(0, world.own, 序号=1), member_values(1, world.own, 序号=2)],
        headings=["序号", *MEMBER_HEADINGS],
    )
    rows.insert(2, [None] * len(rows[0]))  # a blank row between the two members
    rows.insert(2, ["", "  ", ""])  # and one with only spaces
    data = xlsx_bytes(rows, above=[["甲公司党委党员名册"], ["填报单位：甲公司党委"]])
    report = run_import("members", world.secretary, data, commit=True)
    assert report.error_count == 0, report.errors
    assert report.created == 2
    assert report.header_row == 3
    assert report.ignored_columns == ["序号"]
    # Rows are numbered as in the spreadsheet: heading at 3, members at 4 and 7.
    assert [p["row"] for p in report.preview] == [4, 7]


def test_messy_cells_full_width_digits_spaces_and_date_forms(world: World) -> None:
    good = citizen_id(11)
    wide = good.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    row = member_values(
        11,
        world.own,
        姓名=" 王  伟 ",
        身份证号=f" {wide[:6]} {wide[6:]} ",
        入党时间="2014年4月1日",
        转正时间=41730 + 365,
        出生日期="1980.1.1",
        学历="本科",
        所在党支部=f" {world.own.short_name} ",
        手机号码="１３９ ０００ ０１１１",
    )
    report = run_import("members", world.secretary, xlsx_bytes(table([row])), commit=True)
    assert report.error_count == 0, report.errors
    member = Member.objects.get(id_number=good)
    assert member.name == "王伟"
    assert member.joined_on == dt.date(2014, 4, 1)
    assert member.full_member_on == dt.date(2015, 4, 1)
    assert member.phone == "139 000 0111"
    assert member.organization == world.own


def test_csv_in_gb18030_imports_like_xlsx(world: World) -> None:
    rows = table([member_values(i, world.own) for i in range(2)])
    report = run_import(
        "members", world.secretary, csv_bytes(rows, encoding="gb18030"), commit=True, fmt="csv"
    )
    assert report.created == 2, report.errors


def test_a_second_column_for_the_same_thing_is_ignored(world: World) -> None:
    row = member_values(22, world.own, 联系电话="025-84561234")
    data = xlsx_bytes(table([row], headings=[*MEMBER_HEADINGS, "联系电话"]))
    report = run_import("members", world.secretary, data, commit=True)
    assert report.created == 1, report.errors
    assert report.ignored_columns == ["联系电话"]
    assert Member.objects.get(id_number=citizen_id(22)).phone == "13900000022"


def test_english_headings_are_accepted(world: World) -> None:
    headings = ["name", "citizen ID number", "organization code", "sex", "joined the Party on"]
    data = xlsx_bytes([headings, ["Li Ming", citizen_id(21), world.own.code, "male", "2014/4/1"]])
    report = run_import("members", world.secretary, data, commit=True)
    assert report.created == 1, report.errors
    assert Member.objects.get(id_number=citizen_id(21)).sex == "M"


def test_blank_sex_birth_date_and_membership_are_derived(world: World) -> None:
    row = member_values(31, world.own, 性别="", 出生日期="", 转正时间="", **{"预/正": ""})
    report = run_import("members", world.secretary, xlsx_bytes(table([row])), commit=True)
    assert report.created == 1, report.errors
    member = Member.objects.get(id_number=citizen_id(31))
    assert member.sex == "M"  # the 17th digit (31) is odd
    assert member.birth_date == dt.date(1980, 1, 1)
    assert member.status == "probationary"  # no 转正时间


def test_rows_without_an_organization_go_to_the_default_one(world: World) -> None:
    row = member_values(41, "")
    report = run_import(
        "members", world.secretary, xlsx_bytes(table([row])), commit=True, org=world.child
    )
    assert report.created == 1, report.errors
    assert Member.objects.get(id_number=citizen_id(41)).organization == world.child


def test_without_a_default_the_organization_is_required(world: World) -> None:
    report = run_import(
        "members", world.secretary, xlsx_bytes(table([member_values(42, "")])), commit=False
    )
    assert errors_by_cell(report) == {(2, "所在党支部"): "A value is required here."}


# --- members: every error class, by row and column ----------------------------------------


def test_each_error_is_reported_at_its_row_and_column(world: World) -> None:
    bad_check = citizen_id(2)[:17] + ("0" if citizen_id(2)[17] != "0" else "1")
    rows = [
        member_values(1, world.own),
        member_values(2, world.own, 身份证号=bad_check),
        member_values(3, world.own, 入党时间="2014年13月1日"),
        member_values(4, world.own, 入党时间="去年七一"),
        member_values(5, world.own, 所在党支部="中共不存在的支部委员会"),
        member_values(6, world.own, 所在党支部=world.sibling.full_name),  # exists, not hers
        member_values(1, world.own),  # duplicate of row 2
        member_values(8, world.own, 姓名=""),
        member_values(9, world.own, 学历="扫盲班"),
        member_values(10, world.own, 入党时间="2012-01-01", 转正时间="2011-01-01"),
    ]
    report = run_import("members", world.secretary, xlsx_bytes(table(rows)), commit=True)
    errors = errors_by_cell(report)
    assert "check digit" in errors[(3, "身份证号")]
    assert "does not exist" in errors[(4, "入党时间")]
    assert "Cannot read this as a date" in errors[(5, "入党时间")]
    assert errors[(6, "所在党支部")].startswith(UNKNOWN_ORG)
    assert errors[(7, "所在党支部")].startswith(UNKNOWN_ORG)  # same words: no hint it exists
    assert "also appears in row 2" in errors[(8, "身份证号")]
    assert errors[(9, "姓名")] == "A value is required here."
    assert "is not one of" in errors[(10, "学历")]
    assert errors[(11, "转正时间")] == "转正时间 2011-01-01 is before 入党时间 2012-01-01."
    assert report.error_count == 9
    assert not Member.objects.filter(id_number=citizen_id(1)).exists()  # nothing written


def test_id_number_on_the_roster_of_an_organization_out_of_scope_is_refused(world: World) -> None:
    elsewhere = MemberFactory(organization=world.other)
    row = member_values(0, world.own, 身份证号=elsewhere.id_number)
    report = run_import("members", world.secretary, xlsx_bytes(table([row])), commit=True)
    assert "outside your scope" in errors_by_cell(report)[(2, "身份证号")]
    elsewhere.refresh_from_db()
    assert elsewhere.organization == world.other


def test_masked_id_numbers_explain_that_a_full_export_is_needed(world: World) -> None:
    row = member_values(0, world.own, 身份证号="3201**********0018")
    report = run_import("members", world.secretary, xlsx_bytes(table([row])), commit=False)
    assert "masked" in errors_by_cell(report)[(2, "身份证号")]


def test_missing_required_columns_reject_the_file(world: World) -> None:
    data = xlsx_bytes([["姓名", "性别", "所在党支部"], ["王伟", "男", world.own.full_name]])
    from organizations.imports import FileRejected

    with pytest.raises(FileRejected, match="身份证号"):
        run_import("members", world.secretary, data, commit=False)


def test_a_sheet_without_headings_is_rejected(world: World) -> None:
    from organizations.imports import FileRejected

    with pytest.raises(FileRejected, match="No heading row"):
        run_import("members", world.secretary, xlsx_bytes([["a", "b"], ["c", "d"]]), commit=False)


def test_ambiguous_short_names_ask_for_the_code(world: World) -> None:
    from tests.factories import add_org

    add_org(world.own, short_name=world.child.short_name, full_name="中共甲公司第二支部委员会")
    row = member_values(0, world.child.short_name)
    report = run_import("members", world.secretary, xlsx_bytes(table([row])), commit=False)
    assert "use the organization code" in errors_by_cell(report)[(2, "所在党支部")]
    by_code = member_values(0, world.child.short_name, 党组织编码=world.child.code)
    report = run_import(
        "members",
        world.secretary,
        xlsx_bytes(table([by_code], headings=[*MEMBER_HEADINGS, "党组织编码"])),
        commit=True,
    )
    assert report.created == 1, report.errors


def test_name_and_code_naming_different_organizations_is_an_error(world: World) -> None:
    row = member_values(0, world.own, 党组织编码=world.child.code)
    data = xlsx_bytes(table([row], headings=[*MEMBER_HEADINGS, "党组织编码"]))
    report = run_import("members", world.secretary, data, commit=False)
    assert "different organizations" in errors_by_cell(report)[(2, "所在党支部")]


# --- members: scope ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "target", "allowed"),
    [
        ("secretary", "own", True),
        ("secretary", "child", True),
        ("clerk", "child", True),
        ("secretary", "park_a", False),  # parent
        ("secretary", "sibling", False),
        ("reviewer", "sibling", True),  # MANAGE_ORGANIZATIONS over park_a's subtree
        ("reviewer", "other", False),
        ("office", "own", False),  # read-only
        ("instructor", "own", False),
        ("outsider", "own", False),
        ("admin", "far", True),
    ],
)
def test_who_may_import_members_where(
    world: World, persona: str, target: str, allowed: bool
) -> None:
    org = getattr(world, target)
    report = run_import("members", getattr(world, persona), roster(world, 1, org), commit=True)
    assert (report.created == 1) is allowed
    if not allowed:
        assert errors_by_cell(report)[(2, "所在党支部")].startswith(UNKNOWN_ORG)
    assert Member.objects.filter(id_number=citizen_id(0)).exists() is allowed


# --- members: updates, transfers, history -------------------------------------------------


def test_existing_members_are_matched_by_id_number_and_only_given_columns_change(
    world: World,
) -> None:
    member = MemberFactory(organization=world.own, phone="13800000000", post="会计")
    data = xlsx_bytes([["姓名", "身份证号", "学历"], [member.name, member.id_number, "研究生"]])
    report = run_import("members", world.secretary, data, commit=True)
    assert (report.created, report.updated) == (0, 1)
    assert report.preview[0]["changes"] == ["学历"]
    member.refresh_from_db()
    assert (member.education, member.phone, member.post) == ("master", "13800000000", "会计")


def test_a_new_organization_for_an_existing_member_records_a_transfer(world: World) -> None:
    member = MemberFactory(organization=world.own)
    row = member_values(0, world.child, 身份证号=member.id_number, 姓名=member.name,
                        **_as_in_the_id(member))  # fmt: skip
    report = run_import("members", world.secretary, xlsx_bytes(table([row])), commit=True)
    assert (report.updated, report.transfers) == (1, 1), report.errors
    transfer = MemberTransfer.objects.get(member=member)
    assert (transfer.from_organization, transfer.to_organization) == (world.own, world.child)
    assert transfer.recorded_by == world.secretary


def test_imported_changes_are_in_the_history_under_the_importing_user(world: World) -> None:
    member = MemberFactory(organization=world.own)
    rows = [
        member_values(0, world.own),
        member_values(
            1, world.own, 身份证号=member.id_number, 姓名="改过的名字", **_as_in_the_id(member)
        ),
    ]
    run_import("members", world.clerk, xlsx_bytes(table(rows)), commit=True)
    created = Member.objects.get(id_number=citizen_id(0))
    first = created.history.get()
    assert (first.history_type, first.history_user) == ("+", world.clerk)
    assert "Imported from" in first.history_change_reason
    latest = member.history.order_by("-history_id").first()
    assert (latest.history_type, latest.history_user, latest.name) == (
        "~",
        world.clerk,
        "改过的名字",
    )
    audit = AuditEvent.objects.get(action="import.members")
    assert audit.actor == world.clerk
    assert audit.detail["created"] == 1


def test_all_or_nothing_an_error_in_row_9000_writes_nothing(world: World) -> None:
    rows = [member_values(i, world.own) for i in range(9000)]
    rows[8998]["入党时间"] = "2014-02-30"  # spreadsheet row 9,000
    before = (Member.objects.count(), Member.history.count())
    report = run_import("members", world.secretary, xlsx_bytes(table(rows)), commit=True)
    assert [(e["row"], e["column"]) for e in report.errors] == [(9000, "入党时间")]
    assert not report.committed
    assert (Member.objects.count(), Member.history.count()) == before


def test_export_then_import_of_the_same_file_changes_nothing(world: World) -> None:
    enterprise = EnterpriseFactory(name="甲科技有限公司")
    world.own.enterprises.add(enterprise)
    MemberFactory(organization=world.own, enterprise=enterprise, party_post="secretary")
    MemberFactory(organization=world.child, status="probationary", full_member_on=None)
    MemberFactory(
        organization=world.child,
        mobile="outflow",
        mobile_organization="=中共外地支部",  # a formula-looking value survives the trip
        lost_contact=True,
        lost_contact_kind="other",
        lost_contact_reason="+外出务工",
        native_place="江苏南京",
        started_work_on=dt.date(2008, 7, 1),
        phone="+86 139 0000 0000",
        is_pocket=True,
    )
    queryset = Member.objects.all()
    for fmt in ("xlsx", "csv"):
        before = list(Member.history.values_list("pk", flat=True))
        data = exported(MemberResource(user=world.secretary), queryset, world.secretary, fmt)
        report = run_import("members", world.secretary, data, commit=True, fmt=fmt)
        assert report.error_count == 0, report.errors
        assert (report.created, report.updated, report.unchanged) == (0, 0, 4), fmt
        assert list(Member.history.values_list("pk", flat=True)) == before


def test_export_in_english_imports_back_unchanged_too(world: World) -> None:
    MemberFactory(organization=world.own)
    data = exported(
        MemberResource(user=world.reviewer, language="en"), Member.objects.all(), world.reviewer
    )
    report = run_import("members", world.reviewer, data, commit=True)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 2), report.errors


# --- organizations -------------------------------------------------------------------------

ORG_HEADINGS = ["党组织全称", "简称", "组织类别", "组织编码", "上级党组织", "成立时间"]


def test_reviewer_creates_organizations_under_the_subtree_parents_first_or_not(
    world: World,
) -> None:
    rows = [
        # the child row comes before its parent's row: order does not matter
        ["中共新公司第一支部委员会", "新公司一支部", "党支部", "NEW-2", "新公司党委", "2014/4/1"],
        ["中共新公司委员会", "新公司党委", "党委", "NEW-1", world.park_a.code, "2014.3.1"],
    ]
    report = run_import(
        "organizations", world.reviewer, xlsx_bytes([ORG_HEADINGS, *rows]), commit=True
    )
    assert report.created == 2, report.errors
    parent = Organization.objects.get(code="NEW-1")
    child = Organization.objects.get(code="NEW-2")
    assert Organization.objects.get_parent(parent) == world.park_a
    assert Organization.objects.get_parent(child) == parent
    assert child.kind == OrgKind.BRANCH
    assert child.founded_on == dt.date(2014, 4, 1)
    assert child.history.get().history_user == world.reviewer


def test_organizations_outside_manage_scope_are_refused(world: World) -> None:
    row = ["中共新支部委员会", "新支部", "党支部", "NEW-3", world.own.code, ""]
    report = run_import(
        "organizations", world.secretary, xlsx_bytes([ORG_HEADINGS, row]), commit=True
    )
    assert errors_by_cell(report)[(2, "上级党组织")].startswith(UNKNOWN_ORG)
    row = ["中共新支部委员会", "新支部", "党支部", world.other.code, world.park_a.code, ""]
    report = run_import(
        "organizations", world.reviewer, xlsx_bytes([ORG_HEADINGS, row]), commit=True
    )
    assert "outside your scope" in errors_by_cell(report)[(2, "组织编码")]
    assert not Organization.objects.filter(code="NEW-3").exists()


def test_organization_import_updates_by_code_but_does_not_move(world: World) -> None:
    row = [world.child.full_name, "改名支部", "党支部", world.child.code, world.own.full_name, ""]
    report = run_import(
        "organizations", world.reviewer, xlsx_bytes([ORG_HEADINGS, row]), commit=True
    )
    assert report.updated == 1, report.errors
    world.child.refresh_from_db()
    assert world.child.short_name == "改名支部"
    row[4] = world.sibling.full_name
    report = run_import(
        "organizations", world.reviewer, xlsx_bytes([ORG_HEADINGS, row]), commit=True
    )
    assert "not done by import" in errors_by_cell(report)[(2, "上级党组织")]


def test_organization_export_imports_back_unchanged(world: World) -> None:
    data = exported(
        OrganizationResource(user=world.reviewer), Organization.objects.all(), world.reviewer
    )
    report = run_import("organizations", world.reviewer, data, commit=True)
    assert report.error_count == 0, report.errors
    assert (report.created, report.updated, report.unchanged) == (0, 0, 4)


def test_new_organizations_without_a_parent_go_under_the_pages_organization(world: World) -> None:
    row = ["中共无上级支部委员会", "无上级支部", "党支部", "NEW-9", "", ""]
    report = run_import(
        "organizations", world.reviewer, xlsx_bytes([ORG_HEADINGS, row]), commit=True, org=world.own
    )
    assert report.created == 1, report.errors
    assert Organization.objects.get_parent(Organization.objects.get(code="NEW-9")) == world.own


def test_duplicate_codes_in_the_file(world: World) -> None:
    rows = [
        ["中共甲支部委员会", "甲支部", "党支部", "DUP-1", world.park_a.code, ""],
        ["中共乙支部委员会", "乙支部", "党支部", "DUP-1", world.park_a.code, ""],
    ]
    report = run_import(
        "organizations", world.reviewer, xlsx_bytes([ORG_HEADINGS, *rows]), commit=True
    )
    assert "also appears in row 2" in errors_by_cell(report)[(3, "组织编码")]


# --- enterprises -----------------------------------------------------------------------------

ENTERPRISE_HEADINGS = ["企业名称", "统一社会信用代码", "企业类型", "职工人数", "所在党组织"]


def test_secretary_registers_enterprises_of_her_organization(world: World) -> None:
    rows = [
        ["甲科技有限公司", credit_code(1), "有限责任公司", "1,200", world.own.full_name],
        [
            "甲物流有限公司",
            credit_code(2).lower(),
            "公司",
            "",
            f"{world.own.short_name}；{world.child.code}",
        ],
    ]
    report = run_import(
        "enterprises", world.secretary, xlsx_bytes([ENTERPRISE_HEADINGS, *rows]), commit=True
    )
    assert report.created == 2, report.errors
    logistics = Enterprise.objects.get(credit_code=credit_code(2))
    assert set(logistics.organizations.all()) == {world.own, world.child}
    assert Enterprise.objects.get(credit_code=credit_code(1)).employee_count == 1200
    assert logistics.history.get().history_user == world.secretary


def test_enterprises_without_an_organization_are_hosted_by_the_pages_one(world: World) -> None:
    row = ["乙科技有限公司", credit_code(5), "公司", "10", ""]
    report = run_import(
        "enterprises",
        world.secretary,
        xlsx_bytes([ENTERPRISE_HEADINGS, row]),
        commit=True,
        org=world.child,
    )
    assert report.created == 1, report.errors
    assert list(Enterprise.objects.get(credit_code=credit_code(5)).organizations.all()) == [
        world.child
    ]


def test_bad_credit_codes_and_foreign_enterprises_are_refused(world: World) -> None:
    foreign = EnterpriseFactory()
    world.other.enterprises.add(foreign)
    bad = credit_code(3)[:17] + ("0" if credit_code(3)[17] != "0" else "1")
    rows = [
        ["坏代码公司", bad, "公司", "10", world.own.full_name],
        ["别人的公司", foreign.credit_code, "公司", "10", world.own.full_name],
        ["没有党组织的公司", credit_code(4), "公司", "10", ""],
    ]
    report = run_import(
        "enterprises", world.secretary, xlsx_bytes([ENTERPRISE_HEADINGS, *rows]), commit=True
    )
    errors = errors_by_cell(report)
    assert "check character" in errors[(2, "统一社会信用代码")]
    assert "outside your scope" in errors[(3, "统一社会信用代码")]
    assert "host organization" in errors[(4, "所在党组织")]


def test_enterprise_export_imports_back_unchanged(world: World) -> None:
    shared = EnterpriseFactory(name="合办公司")
    world.own.enterprises.add(shared)
    world.other.enterprises.add(shared)  # hosted outside the secretary's scope too
    attached = EnterpriseFactory(name="挂靠公司", attached_to=world.child)
    data = exported(
        EnterpriseResource(user=world.secretary), Enterprise.objects.all(), world.secretary
    )
    report = run_import("enterprises", world.secretary, data, commit=True)
    assert report.error_count == 0, report.errors
    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)
    assert set(shared.organizations.all()) == {world.own, world.other}
    attached.refresh_from_db()
    assert attached.attached_to == world.child


def test_members_name_their_enterprise_by_name_or_credit_code(world: World) -> None:
    enterprise = EnterpriseFactory(name="甲科技有限公司")
    world.own.enterprises.add(enterprise)
    stranger = EnterpriseFactory(name="丙科技有限公司")
    world.other.enterprises.add(stranger)
    rows = [
        member_values(0, world.own, 工作单位="甲科技有限公司"),
        member_values(1, world.own, 工作单位=enterprise.credit_code),
        member_values(2, world.own, 工作单位="丙科技有限公司"),
    ]
    report = run_import("members", world.secretary, xlsx_bytes(table(rows)), commit=False)
    assert list(errors_by_cell(report)) == [(4, "工作单位")]


# --- the 2017 roster fields, contradictions, the example row -------------------------------


def test_native_place_date_started_work_and_the_lost_contact_code_are_imported(
    world: World,
) -> None:
    headings = [*MEMBER_HEADINGS, "籍贯", "参加工作时间", "失联党员", "失联情形", "失联原因"]
    rows = [
        member_values(1, world.own, 籍贯="江苏南京", 参加工作时间="2003年7月1日", 失联党员="否"),
        member_values(2, world.own, 失联党员="是", 失联情形="⑤", 失联原因=""),
        member_values(3, world.own, 失联党员="是", 失联情形="其他", 失联原因="家属称去向不明"),
        member_values(4, world.own, 失联党员="是", 失联情形="其他", 失联原因=""),
    ]
    report = run_import("members", world.secretary, xlsx_bytes(table(rows, headings)), commit=True)
    assert errors_by_cell(report) == {(5, "失联原因"): "Say in words why contact was lost."}
    rows.pop()
    report = run_import("members", world.secretary, xlsx_bytes(table(rows, headings)), commit=True)
    assert report.error_count == 0, report.errors
    first = Member.objects.get(id_number=citizen_id(1))
    assert (first.native_place, first.started_work_on) == ("江苏南京", dt.date(2003, 7, 1))
    assert Member.objects.get(id_number=citizen_id(2)).lost_contact_kind == "abroad"
    other = Member.objects.get(id_number=citizen_id(3))
    assert (other.lost_contact_kind, other.lost_contact_reason) == ("other", "家属称去向不明")
    # and they go out again under the same headings
    content = exported(
        MemberResource(user=world.secretary, language="zh-hans"),
        Member.objects.filter(pk=first.pk),
        world.secretary,
    )
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    heads = [c.value for c in sheet[1]]
    values = dict(zip(heads, [c.value for c in sheet[2]], strict=False))
    assert values["籍贯"] == "江苏南京" and "参加工作时间" in heads and "失联情形" in heads


def test_rows_that_contradict_themselves_or_the_id_number_name_both_values(world: World) -> None:
    born = dt.date(1980, 1, 1)
    rows = [
        member_values(1, world.own, 性别="女"),  # odd sequence: the ID number says male
        member_values(2, world.own, 出生日期="1980-01-02"),
        member_values(3, world.own, 入党时间="1997-12-31", 转正时间="1998-12-31"),  # aged 17
        member_values(4, world.own, 入党时间="2012-01-01", 转正时间="2011-06-30"),
        member_values(5, world.own),
    ]
    report = run_import("members", world.secretary, xlsx_bytes(table(rows)), commit=False)
    errors = errors_by_cell(report)
    assert errors[(2, "性别")] == "性别 says female, but the ID number says male."
    assert errors[(3, "出生日期")] == "出生日期 says 1980-01-02, but the ID number says 1980-01-01."
    assert errors[(4, "入党时间")] == (
        f"入党时间 1997-12-31 is before the member turned 18 (born {born.isoformat()})."
    )
    assert errors[(5, "转正时间")] == "转正时间 2011-06-30 is before 入党时间 2012-01-01."
    assert report.error_count == 4


def test_errors_are_listed_in_row_order_whichever_check_found_them(world: World) -> None:
    rows = [
        member_values(1, world.own, 性别="女"),  # found when the rows are checked together
        member_values(2, world.own, 入党时间="去年七一"),  # found while reading the cell
        member_values(3, world.own, 所在党支部="中共不存在的支部委员会"),
        member_values(4, world.own, 学历="扫盲班"),
    ]
    report = run_import("members", world.secretary, xlsx_bytes(table(rows)), commit=False)
    assert [e["row"] for e in report.errors] == [2, 3, 4, 5]


def test_the_templates_example_row_is_marked_and_refused_when_uploaded_unchanged(
    world: World,
) -> None:
    from organizations.resources.xlsx_template import build_template

    template = build_template(MemberResource(user=world.secretary, language="zh-hans"))
    sheet = openpyxl.load_workbook(io.BytesIO(template)).worksheets[0]
    assert sheet["A2"].comment is not None and "示例" in sheet["A2"].comment.text
    assert sheet["A2"].font.italic
    report = run_import("members", world.secretary, template, commit=False)
    assert report.errors[0]["row"] == 2
    assert "example row" in report.errors[0]["message"]
    sheet["A2"] = "李真"  # the same row with a real name is an ordinary row
    out = io.BytesIO()
    sheet.parent.save(out)
    report = run_import("members", world.secretary, out.getvalue(), commit=False)
    assert all("example row" not in e["message"] for e in report.errors)
