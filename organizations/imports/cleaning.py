"""Cleaning one cell: the forms real rosters come in (dates in every common form,
Excel serial numbers, full-width digits, stray spaces, masked or rounded ID numbers)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.core.text import strip_control_characters

from ..resources import (
    Column,
    normalize_key,
)
from ..validators import (
    normalize_code,
    validate_citizen_id,
    validate_credit_code,
)


class CellError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- cleaning helpers ------------------------------------------------------------------

_NEUTRALIZED = re.compile(r"^'[=+\-@\t\r]")
_CJK = re.compile(r"[\u3400-\u9fff]")
_DATE_YMD = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_DATE_YM = re.compile(r"^(\d{4})[-/.年](\d{1,2})月?$")
_TIME_SUFFIX = re.compile(r"[ T]\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?$")
_SCIENTIFIC = re.compile(r"^\d(?:\.\d+)?E\+?\d+$")
# The 56 ethnic groups: "汉" and "汉族" are both written on rosters; we store "汉族".
ETHNIC_GROUPS = frozenset(
    (
        "汉",
        "蒙古",
        "回",
        "藏",
        "维吾尔",
        "苗",
        "彝",
        "壮",
        "布依",
        "朝鲜",
        "满",
        "侗",
        "瑶",
        "白",
        "土家",
        "哈尼",
        "哈萨克",
        "傣",
        "黎",
        "傈僳",
        "佤",
        "畲",
        "高山",
        "拉祜",
        "水",
        "东乡",
        "纳西",
        "景颇",
        "柯尔克孜",
        "土",
        "达斡尔",
        "仫佬",
        "羌",
        "布朗",
        "撒拉",
        "毛南",
        "仡佬",
        "锡伯",
        "阿昌",
        "普米",
        "塔吉克",
        "怒",
        "乌孜别克",
        "俄罗斯",
        "鄂温克",
        "德昂",
        "保安",
        "裕固",
        "京",
        "塔塔尔",
        "独龙",
        "鄂伦春",
        "赫哲",
        "门巴",
        "珞巴",
        "基诺",
    )
)
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_SPLIT_LIST = re.compile(r"[;；、,，\n]+")


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def clean_text(value: Any) -> str:
    """A cell as text: numbers without a trailing .0, white space (including the
    ideographic space) trimmed and collapsed, control characters dropped, and the quote our exports put in front
    of = + - @ removed again."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    text = " ".join(strip_control_characters(str(value)).split())
    if _NEUTRALIZED.match(text):
        text = text[1:]
    return text


def clean_name(value: Any) -> str:
    """Chinese names are often padded for alignment ("王  伟"): drop the spaces."""
    text = clean_text(value)
    if _CJK.search(text):
        text = text.replace(" ", "")
    return text


def parse_date(value: Any) -> dt.date | None:
    """2014-04-01, 2014/4/1, 2014.4.1, 2014年4月1日, 20140401, 2014-04 (first of the
    month), Excel serial numbers and date cells; full-width digits welcome."""
    if is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _from_serial(value)
    text = _TIME_SUFFIX.sub("", unicodedata.normalize("NFKC", clean_text(value)))
    text = text.replace(" ", "")
    match = _DATE_YMD.match(text)
    if match:
        return _make_date(*match.groups())
    match = _DATE_YM.match(text)
    if match:
        return _make_date(match.group(1), match.group(2), "1")
    if re.fullmatch(r"\d{8}", text):
        return _make_date(text[:4], text[4:6], text[6:])
    if re.fullmatch(r"\d{1,5}(?:\.0+)?", text):
        return _from_serial(float(text))
    raise CellError(_("Cannot read this as a date; write it like 2014-04-01."))


def _make_date(year: str, month: str, day: str) -> dt.date:
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        raise CellError(_("This date does not exist in the calendar.")) from None


def _from_serial(number: float) -> dt.date:
    if not 1 <= number < 2958466 or not float(number).is_integer():
        raise CellError(_("Cannot read this as a date; write it like 2014-04-01."))
    return _EXCEL_EPOCH + dt.timedelta(days=int(number))


def parse_int(value: Any) -> int | None:
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = unicodedata.normalize("NFKC", clean_text(value)).replace(",", "").rstrip("人名个")
    if re.fullmatch(r"\d+(?:\.0+)?", text):
        return int(float(text))
    raise CellError(_("Write a whole number."))


def parse_choice(column: Column, value: Any) -> str:
    code = column.lookup.get(normalize_key(clean_text(value)))
    if code is None:
        if column.kind == "bool":
            raise CellError(_("Write 是 or 否 (yes or no)."))
        labels = [label for label in column.labels(english=False) if label]
        raise CellError(
            _("“%(value)s” is not one of: %(choices)s.")
            % {"value": clean_text(value), "choices": "、".join(labels)}
        )
    return code


def org_code(value: Any) -> str:
    """Organization codes keep their case; only width and white space are normalized."""
    return "".join(unicodedata.normalize("NFKC", clean_text(value)).split())


def clean_ethnicity(value: Any) -> str:
    text = clean_name(value)
    return text + "族" if text in ETHNIC_GROUPS else text


def parse_code_cell(value: Any, *, what: str) -> str:
    """ID numbers and credit codes: refuse numbers (Excel rounds 18 digits) and masks."""
    as_number = isinstance(value, int | float) and not isinstance(value, bool)
    if as_number or _SCIENTIFIC.match(normalize_code(clean_text(value))):
        raise CellError(
            _(
                "Excel stored this %(what)s as a number and may have rounded it; format "
                "the column as text and type it again."
            )
            % {"what": what}
        )
    code = normalize_code(clean_text(value))
    if "*" in code:
        raise CellError(
            _(
                "This value is masked (it comes from an export without personal data). Use "
                "an export made by someone who may see personal data, or type the full value."
            )
        )
    return code


def parse_cell(column: Column, value: Any) -> Any:
    """The cleaned value of one cell, or CellError with a message for the user."""
    kind = column.kind
    if kind == "date":
        parsed = parse_date(value)
        if parsed is not None and parsed > timezone.localdate():
            raise CellError(_("This date is in the future."))
        return parsed
    if kind == "int":
        return parse_int(value)
    if is_blank(value):
        if kind == "bool":
            return False
        return ""
    if kind in ("choice", "bool"):
        code = parse_choice(column, value)
        return bool(code) if kind == "bool" else code
    if kind == "id_number":
        code = parse_code_cell(value, what=_("ID number"))
        _validate(validate_citizen_id, code)
        return code
    if kind == "credit_code":
        code = parse_code_cell(value, what=_("credit code"))
        _validate(validate_credit_code, code)
        return code
    if kind == "phone":
        # Full-width digits become ASCII; inner spaces stay (round trips stay exact).
        phone = clean_text(unicodedata.normalize("NFKC", clean_text(value)))
        if "*" in phone:
            raise CellError(
                _(
                    "This phone number is masked (it comes from an export without personal "
                    "data); type the full number or delete the column."
                )
            )
        return phone
    if kind in ("code", "org_code"):
        return org_code(value)
    if kind == "name":
        return clean_name(value)
    if kind == "ethnicity":
        return clean_ethnicity(value)
    if kind in ("orgs", "org_codes"):
        return [p.strip() for p in _SPLIT_LIST.split(clean_text(value)) if p.strip()]
    return clean_text(value)


def _validate(validator: Callable[[str], None], value: str) -> None:
    try:
        validator(value)
    except ValidationError as exc:
        raise CellError(" ".join(exc.messages)) from None
