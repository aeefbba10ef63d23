"""Amounts and multiples as they are written in Chinese penalty clauses.

Private helper of the provision extractor; kept apart from the importer's numeral module so
the extractor can be developed and measured on its own. Handles Chinese numerals (五万,
一万五千, 二千, 一百万), Arabic digits mixed with 万/亿 (1万, 0.5万), percentages (百分之十),
multiples (三倍, 等值 = one time) and ranges (X以上Y以下, X以下, X以上).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
BIG_UNITS = {"万": 10_000, "亿": 100_000_000}
NUMBER_CHARS = "0-9.零〇一二两三四五六七八九十百千万亿"
NUMBER = f"[{NUMBER_CHARS}]+"


def parse_number(text: str) -> Decimal:
    """`五万` → 50000, `一万五千` → 15000, `1万` → 10000, `十` → 10, `0.5` → 0.5.

    Big units (万, 亿) multiply everything accumulated before them, so 一百万 is 1 000 000 and
    一亿五千万 is 150 000 000. Raises ValueError on anything that is not a number."""
    text = text.strip()
    if not text:
        raise ValueError("empty number")
    total = Decimal(0)  # finished groups (above the last big unit)
    group = Decimal(0)  # the current group below a big unit
    current: Decimal | None = None  # the digit(s) waiting for a unit
    index = 0
    while index < len(text):
        char = text[index]
        if char.isdigit() or char == ".":
            match = re.match(r"[0-9]+(?:\.[0-9]+)?", text[index:])
            if not match:
                raise ValueError(f"bad number {text!r}")
            try:
                current = Decimal(match.group())
            except InvalidOperation as exc:  # pragma: no cover - regex guarantees a number
                raise ValueError(f"bad number {text!r}") from exc
            index += len(match.group())
            continue
        if char in DIGITS:
            current = Decimal(DIGITS[char])
        elif char in SMALL_UNITS:
            group += (current if current is not None else Decimal(1)) * SMALL_UNITS[char]
            current = None
        elif char in BIG_UNITS:
            group += current or Decimal(0)
            total = (total + group) * BIG_UNITS[char] if char == "亿" else total + group * BIG_UNITS[char]
            group, current = Decimal(0), None
        else:
            raise ValueError(f"bad number {text!r}")
        index += 1
    return total + group + (current or Decimal(0))


def parse_multiple(text: str) -> Decimal:
    """`十倍` → 10, `等值` → 1, `百分之五十` → 0.5, `千分之五` → 0.005."""
    text = text.strip()
    if text == "等值":
        return Decimal(1)
    for prefix, scale in (("百分之", 100), ("千分之", 1000), ("万分之", 10000)):
        if text.startswith(prefix):
            return parse_number(text[len(prefix) :]) / Decimal(scale)
    if text.endswith("倍"):
        return parse_number(text[:-1])
    raise ValueError(f"bad multiple {text!r}")


@dataclass(frozen=True)
class AmountRange:
    """A fine range: `kind` fixed (yuan) or multiple (of `base`); open bounds are None."""

    kind: str
    minimum: Decimal | None
    maximum: Decimal | None
    base: str = ""


MULTIPLE = f"(?:{NUMBER}倍|等值|[百千万]分之{NUMBER})"
FIXED = f"{NUMBER}元"
RANGE_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("multiple", re.compile(f"(?P<low>{MULTIPLE})以上(?P<high>{MULTIPLE})以下")),
    ("fixed", re.compile(f"(?P<low>{FIXED})以上(?P<high>{FIXED})以下")),
    ("multiple", re.compile(f"(?P<high>{MULTIPLE})以下")),
    ("fixed", re.compile(f"(?P<high>{FIXED})以下")),
    ("multiple", re.compile(f"(?P<low>{MULTIPLE})以上")),
    ("fixed", re.compile(f"(?P<low>{FIXED})以上")),
    ("multiple", re.compile(f"(?P<exact>{MULTIPLE})")),
    ("fixed", re.compile(f"(?P<exact>{FIXED})")),
]

KNOWN_BASES = (
    "货值金额",
    "违法所得",
    "广告费用",
    "违法收入",
    "违法销售额",
    "销售额",
    "营业额",
    "合同价款",
    "工程价款",
    "罚款数额",
    "出资额",
)


def _bound(kind: str, text: str | None) -> Decimal | None:
    if text is None:
        return None
    return parse_multiple(text) if kind == "multiple" else parse_number(text[:-1])


def normalise_base(text: str) -> str:
    """The base a multiple applies to, shortened to its head noun when it is a known one:
    `违法生产、销售产品（包括已售出和未售出的产品，下同）货值金额` → 货值金额."""
    text = re.sub(r"（[^）]*）", "", text).strip("，、的 ")
    for base in KNOWN_BASES:
        if base in text:
            return base
    return text


def parse_range(text: str) -> AmountRange | None:
    """The range inside the words of one fine (`货值金额十倍以上二十倍以下的`,
    `五万元以上十万元以下`, `二千元以下`); None when it names no amount."""
    for kind, pattern in RANGE_PATTERNS:
        match = pattern.search(text)
        if not match:
            continue
        groups = match.groupdict()
        try:
            exact = _bound(kind, groups.get("exact"))
            low = exact if exact is not None else _bound(kind, groups.get("low"))
            high = exact if exact is not None else _bound(kind, groups.get("high"))
        except ValueError:
            continue
        base = normalise_base(text[: match.start()]) if kind == "multiple" else ""
        return AmountRange(kind, low, high, base)
    return None
