"""Validators for Chinese identifiers: citizen ID (GB 11643) and unified social credit
code (GB 32100). Both normalise full-width characters and stray spaces first, because
the values arrive from phones and Excel sheets."""

from __future__ import annotations

import datetime as dt
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

_CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def normalize_code(value: str) -> str:
    """NFKC (full-width -> ASCII), drop all white space, upper-case."""
    return "".join(unicodedata.normalize("NFKC", value or "").split()).upper()


def id_check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def birth_date_from_id(value: str) -> dt.date | None:
    value = normalize_code(value)
    try:
        return dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except (ValueError, IndexError):
        return None


def validate_citizen_id(value: str) -> None:
    value = normalize_code(value)
    if len(value) != 18:
        raise ValidationError(
            _("A citizen ID number has 18 characters; this one has %(count)d."),
            code="id_length",
            params={"count": len(value)},
        )
    if not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        raise ValidationError(
            _("A citizen ID number is 17 digits followed by a digit or X."), code="id_chars"
        )
    birth = birth_date_from_id(value)
    if birth is None or birth.year < 1900 or birth > dt.date.today():
        raise ValidationError(
            _("The birth date inside this ID number is not a real date."), code="id_birth"
        )
    if id_check_char(value[:17]) != value[17]:
        raise ValidationError(
            _("The check digit of this ID number is wrong; please check for a typing error."),
            code="id_check",
        )


def credit_code_check_char(first17: str) -> str:
    total = sum(
        _CREDIT_ALPHABET.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True)
    )
    return _CREDIT_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    value = normalize_code(value)
    if len(value) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(count)d."),
            code="credit_length",
            params={"count": len(value)},
        )
    if any(c not in _CREDIT_ALPHABET for c in value):
        raise ValidationError(
            _(
                "A unified social credit code uses digits and capital letters other than I, O, S, V, Z."
            ),
            code="credit_chars",
        )
    if credit_code_check_char(value[:17]) != value[17]:
        raise ValidationError(
            _("The check character of this credit code is wrong; please check for a typing error."),
            code="credit_check",
        )


def mask_id(value: str) -> str:
    """3201**********123X: region and last four only."""
    if not value:
        return ""
    return value[:4] + "*" * max(len(value) - 8, 0) + value[-4:]


def mask_phone(value: str) -> str:
    if not value:
        return ""
    if len(value) <= 7:
        return value[:1] + "*" * (len(value) - 1)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def make_citizen_id(region: str, birth: dt.date, sequence: int) -> str:
    """A well-formed ID number (for demo data and tests): 6-digit region, birth date,
    3-digit sequence (odd for men, even for women), check character."""
    first17 = f"{region[:6]:0>6}{birth:%Y%m%d}{sequence % 1000:03d}"
    return first17 + id_check_char(first17)


def make_credit_code(sequence: int, region: str = "320115") -> str:
    """A well-formed unified social credit code (for demo data and tests):
    91 (enterprise, company) + region + 9-character organization code + check."""
    body = ""
    n = sequence
    for _i in range(9):
        body = _CREDIT_ALPHABET[n % 31] + body
        n //= 31
    first17 = f"91{region[:6]:0>6}{body}"
    return first17 + credit_code_check_char(first17)
