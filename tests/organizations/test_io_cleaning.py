"""Cell cleaning and file checks of organizations/imports/: the forms real rosters
come in (dates, full-width digits, stray spaces, Excel numbers)."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from organizations.imports import (
    CellError,
    FileRejected,
    check_upload,
    clean_name,
    clean_text,
    parse_cell,
    parse_date,
    parse_int,
)
from organizations.resources import EnterpriseResource, MemberResource, neutralize
from tests.organizations.test_io_support import citizen_id, credit_code, csv_bytes, xlsx_bytes

APRIL_FIRST = dt.date(2014, 4, 1)


@pytest.mark.parametrize(
    "value",
    [
        "2014-04-01",
        "2014/4/1",
        "2014.4.1",
        "2014年4月1日",
        "2014 年 4 月 1 日",
        "２０１４－０４－０１",  # full-width digits and dash
        "２０１４年４月１日",
        " 2014-4-1 ",
        "20140401",
        "2014-04-01 00:00:00",
        "2014/4/1 0:00",
        41730,  # Excel serial number in a number cell
        41730.0,
        "41730",  # …and typed as text or saved to CSV
        dt.datetime(2014, 4, 1, 0, 0),  # a date cell, as openpyxl reads it
        APRIL_FIRST,
    ],
)
def test_every_common_date_form_reads_as_the_same_day(value: object) -> None:
    assert parse_date(value) == APRIL_FIRST


def test_a_month_without_a_day_means_the_first_of_the_month() -> None:
    assert parse_date("2014.4") == APRIL_FIRST
    assert parse_date("2014年4月") == APRIL_FIRST


@pytest.mark.parametrize("value", ["2014-13-01", "2014-02-30", "yesterday", "2014/4", "14.4.1x"])
def test_unreadable_or_impossible_dates_are_cell_errors(value: str) -> None:
    if value == "2014/4":
        assert parse_date(value) == APRIL_FIRST
        return
    with pytest.raises(CellError):
        parse_date(value)


def test_blank_date_is_none() -> None:
    assert parse_date("  ") is None
    assert parse_date(None) is None


def test_future_dates_are_refused_in_date_columns() -> None:
    column = MemberResource().columns["joined_on"]
    with pytest.raises(CellError, match="future"):
        parse_cell(column, "2999-01-01")


def test_text_is_trimmed_and_inner_white_space_collapsed() -> None:
    assert clean_text("  甲公司\u3000 第一  支部 ") == "甲公司 第一 支部"
    assert clean_text(13912345678.0) == "13912345678"


def test_chinese_names_lose_alignment_spaces() -> None:
    assert clean_name("王  伟") == "王伟"
    assert clean_name("王\u3000伟") == "王伟"
    assert clean_name("John  Smith") == "John Smith"


def test_id_numbers_accept_full_width_digits_spaces_and_lower_case_x() -> None:
    column = MemberResource().columns["id_number"]
    good = citizen_id(7)
    messy = (
        " "
        + good[:6]
        + " "
        + good[6:].translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    )
    assert parse_cell(column, messy) == good
    with_x = next(citizen_id(n) for n in range(1000) if citizen_id(n).endswith("X"))
    assert parse_cell(column, with_x.lower()) == with_x


def test_id_number_with_a_wrong_check_digit_is_refused() -> None:
    column = MemberResource().columns["id_number"]
    good = citizen_id(8)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(CellError, match="check digit"):
        parse_cell(column, bad)


def test_id_number_stored_as_an_excel_number_is_refused_with_advice() -> None:
    column = MemberResource().columns["id_number"]
    with pytest.raises(CellError, match="as a number"):
        parse_cell(column, 3.20115198001010e17)
    with pytest.raises(CellError, match="as a number"):
        parse_cell(column, "3.20115E+17")


def test_masked_values_from_an_export_are_refused() -> None:
    columns = MemberResource().columns
    with pytest.raises(CellError, match="masked"):
        parse_cell(columns["id_number"], "3201**********123X")
    with pytest.raises(CellError, match="masked"):
        parse_cell(columns["phone"], "139****5678")


def test_credit_code_check_character_is_verified() -> None:
    column = EnterpriseResource().columns["credit_code"]
    good = credit_code(1)
    assert parse_cell(column, " " + good.lower() + " ") == good
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(CellError, match="check character"):
        parse_cell(column, bad)


@pytest.mark.parametrize(
    ("value", "code"),
    [("男", "M"), ("女", "F"), (" 男 ", "M"), ("male", "M"), ("Female", "F")],
)
def test_sex_accepts_chinese_and_english(value: str, code: str) -> None:
    assert parse_cell(MemberResource().columns["sex"], value) == code


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("本科", "bachelor"),
        ("大学本科", "bachelor"),
        ("大专", "college"),
        ("中专", "senior"),
        ("高中", "senior"),
        ("硕士研究生", "master"),
        ("bachelor's degree", "bachelor"),
    ],
)
def test_education_accepts_the_words_rosters_use(value: str, code: str) -> None:
    assert parse_cell(MemberResource().columns["education"], value) == code


def test_status_accepts_short_forms() -> None:
    column = MemberResource().columns["status"]
    assert parse_cell(column, "预") == "probationary"
    assert parse_cell(column, "正式") == "full"
    with pytest.raises(CellError, match="not one of"):
        parse_cell(column, "积极分子")


def test_yes_no_columns() -> None:
    column = MemberResource().columns["is_pocket"]
    assert parse_cell(column, "是") is True
    assert parse_cell(column, "√") is True
    assert parse_cell(column, "否") is False
    assert parse_cell(column, "") is False
    with pytest.raises(CellError):
        parse_cell(column, "也许")


def test_ethnicity_without_the_suffix_is_completed() -> None:
    column = MemberResource().columns["ethnicity"]
    assert parse_cell(column, "汉") == "汉族"
    assert parse_cell(column, "回族") == "回族"


def test_whole_numbers_accept_units_and_separators() -> None:
    assert parse_int("1,200") == 1200
    assert parse_int("１２０人") == 120
    assert parse_int(120.0) == 120
    with pytest.raises(CellError):
        parse_int("about 100")


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
def test_formula_neutralizing_round_trips(prefix: str) -> None:
    exported = neutralize(prefix + "SUM(A1:A9)")
    assert exported == "'" + prefix + "SUM(A1:A9)"
    if prefix not in "\t\r":  # leading white space is trimmed on import anyway
        assert clean_text(exported) == prefix + "SUM(A1:A9)"


def test_ordinary_text_is_not_neutralized() -> None:
    assert neutralize("甲公司") == "甲公司"
    assert neutralize(12) == 12


# --- file checks by content ---------------------------------------------------------


def test_xlsx_and_csv_are_recognised_by_content_not_name() -> None:
    data = xlsx_bytes([["姓名", "身份证号"]])
    assert check_upload(io.BytesIO(data), len(data)) == "xlsx"
    text = csv_bytes([["姓名", "身份证号"]])
    assert check_upload(io.BytesIO(text), len(text)) == "csv"
    gbk = csv_bytes([["姓名", "身份证号"], ["王伟", "x"]], encoding="gb18030")
    assert check_upload(io.BytesIO(gbk), len(gbk)) == "csv"


def test_old_xls_files_get_a_specific_message() -> None:
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100
    with pytest.raises(FileRejected, match=r"\.xls"):
        check_upload(io.BytesIO(data), len(data))


def test_binary_and_fake_zip_files_are_refused() -> None:
    for data in (b"\x89PNG\r\n\x1a\n\x00\x00", b"PK\x03\x04not really a zip"):
        with pytest.raises(FileRejected):
            check_upload(io.BytesIO(data), len(data))


def test_other_zip_files_are_not_workbooks() -> None:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<x/>")
        archive.writestr("[Content_Types].xml", "<x/>")
    with pytest.raises(FileRejected):
        check_upload(io.BytesIO(out.getvalue()), len(out.getvalue()))


def test_size_limit(settings) -> None:
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    data = b"a," * (600 * 1024)
    with pytest.raises(FileRejected, match="larger than 1 MB"):
        check_upload(io.BytesIO(data), len(data))


@pytest.mark.parametrize("kind", ["members", "organizations", "enterprises"])
def test_every_accepted_heading_names_exactly_one_column(kind: str) -> None:
    from organizations.resources import RESOURCES

    owners: dict[str, str] = {}
    for name, column in RESOURCES[kind]().columns.items():
        for heading in column.headings():
            assert owners.setdefault(heading, name) == name, (heading, owners[heading], name)


@pytest.mark.parametrize("kind", ["members", "organizations", "enterprises"])
def test_choice_spellings_are_unambiguous(kind: str) -> None:
    from organizations.resources import RESOURCES, normalize_key

    for column in RESOURCES[kind]().columns.values():
        seen: dict[str, str] = {}
        for code, zh, en, others in column.choices or ():
            for word in (code, zh, en, *others):
                key = normalize_key(word)
                assert seen.setdefault(key, code) == code, (column.zh, word)
