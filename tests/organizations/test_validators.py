from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from organizations.validators import (
    birth_date_from_id,
    make_citizen_id,
    make_credit_code,
    mask_id,
    mask_phone,
    normalize_code,
    validate_citizen_id,
    validate_credit_code,
)

# The worked example of GB 11643-1999 and a credit code published by a registry.
GOOD_ID = "11010519491231002X"
GOOD_CREDIT = "91350100M000100Y43"


def _code(validator, value: str) -> str:
    with pytest.raises(ValidationError) as exc:
        validator(value)
    return exc.value.code


@pytest.mark.parametrize(
    "value",
    [
        GOOD_ID,
        GOOD_ID.lower(),  # a lower-case x is accepted
        "１１０１０５１９４９１２３１００２Ｘ",  # full-width, as typed on a phone
        " 110105 19491231 002X ",  # spaces from a spreadsheet
        make_citizen_id("320115", dt.date(1985, 6, 30), 17),
    ],
)
def test_known_good_citizen_ids_pass(value: str) -> None:
    validate_citizen_id(value)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("110105194912310021", "id_check"),  # wrong check digit
        ("11010519491231002", "id_length"),  # 17 characters
        ("11010519491231002X1", "id_length"),
        ("11010519491231A02X", "id_chars"),
        ("11010519491331002X", "id_birth"),  # month 13
        ("11010518800101002X", "id_birth"),  # before 1900
        ("", "id_length"),
    ],
)
def test_bad_citizen_ids_are_rejected_with_a_specific_reason(value: str, code: str) -> None:
    assert _code(validate_citizen_id, value) == code


def test_a_citizen_id_born_in_the_future_is_rejected() -> None:
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    assert _code(validate_citizen_id, make_citizen_id("320115", tomorrow, 1)) == "id_birth"


def test_birth_date_is_read_from_the_id_number() -> None:
    assert birth_date_from_id(GOOD_ID) == dt.date(1949, 12, 31)
    assert birth_date_from_id("１１０１０５１９４９１２３１００２Ｘ") == dt.date(1949, 12, 31)
    assert birth_date_from_id("garbage") is None


@pytest.mark.parametrize(
    "value",
    [
        GOOD_CREDIT,
        GOOD_CREDIT.lower(),
        "９１３５０１００Ｍ０００１００Ｙ４３",
        "9135 0100 M000 100Y 43",
        make_credit_code(12345),
    ],
)
def test_known_good_credit_codes_pass(value: str) -> None:
    validate_credit_code(value)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("91350100M000100Y44", "credit_check"),
        ("91350100M000100Y4", "credit_length"),
        ("91350100M000100I43", "credit_chars"),  # I, O, S, V, Z are not used
        ("", "credit_length"),
    ],
)
def test_bad_credit_codes_are_rejected_with_a_specific_reason(value: str, code: str) -> None:
    assert _code(validate_credit_code, value) == code


def test_normalize_code_turns_full_width_into_ascii_and_drops_spaces() -> None:
    assert normalize_code("ａｂ １２\u3000３") == "AB123"


def test_masks_keep_only_the_region_and_the_last_four() -> None:
    assert mask_id(GOOD_ID) == "1101**********002X"
    assert mask_phone("13912345678") == "139****5678"
    assert mask_id("") == "" and mask_phone("") == ""
