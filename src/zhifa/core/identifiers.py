"""Check-digit validation for Chinese identifiers.

* 统一社会信用代码 (GB 32100-2015): 18 characters from an alphabet of 31 (digits and upper-case
  letters without I, O, Z, S, V); the last is a mod-31 check character.
* 公民身份号码 (GB 11643-1999): 17 digits and an ISO 7064 MOD 11-2 check character (0-9 or X).

Both are implemented here (rather than only through python-stdnum) because the demo seeder
needs to *generate* valid numbers and the import pipeline needs a precise reason code; the
tests cross-check the validators against python-stdnum.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
RIC_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
RIC_CHECK = "10X98765432"


@dataclass(frozen=True)
class IdentifierProblem:
    """Why an identifier is invalid: a stable code and a Chinese message."""

    code: str
    message: str


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(ch) * w for ch, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def normalize(value: str) -> str:
    return (value or "").strip().upper().replace(" ", "")


def uscc_problem(value: str) -> IdentifierProblem | None:
    """None when `value` is a well-formed credit code with a correct check character."""
    code = normalize(value)
    if len(code) != 18:
        return IdentifierProblem("invalid_length", "统一社会信用代码应为18位")
    if any(ch not in USCC_ALPHABET for ch in code):
        return IdentifierProblem("invalid_format", "统一社会信用代码含有不允许的字符（不使用I、O、Z、S、V）")
    if not code[2:8].isdigit():
        return IdentifierProblem("invalid_format", "统一社会信用代码第3至8位应为行政区划代码")
    if uscc_check_char(code[:17]) != code[17]:
        return IdentifierProblem("invalid_check_digit", "统一社会信用代码校验位错误")
    return None


def ric_check_char(first17: str) -> str:
    total = sum(int(ch) * w for ch, w in zip(first17, RIC_WEIGHTS, strict=True))
    return RIC_CHECK[total % 11]


def ric_problem(value: str) -> IdentifierProblem | None:
    """None when `value` is a well-formed 18-digit resident ID number (GB 11643)."""
    number = normalize(value)
    if len(number) != 18:
        return IdentifierProblem("invalid_length", "身份证号应为18位")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        return IdentifierProblem("invalid_format", "身份证号格式错误（前17位为数字，末位为数字或X）")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return IdentifierProblem("invalid_birth_date", "身份证号中的出生日期无效")
    if birth.year < 1900 or birth > dt.date.today():
        return IdentifierProblem("invalid_birth_date", "身份证号中的出生日期不合理")
    if ric_check_char(number[:17]) != number[17]:
        return IdentifierProblem("invalid_check_digit", "身份证号校验位错误")
    return None


def mask_id_number(value: str | None) -> str | None:
    """Hide the birth date and sequence: 330502********123X keeps region and last four."""
    if not value:
        return value
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str | None:
    if not value:
        return value
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
