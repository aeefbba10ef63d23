"""Chinese numerals as written in law texts, to int and back.

Accepted: 一百二十二, 二十, 十, 十二, 一千零三, 〇, 两千, 一万零五, digit strings 二〇二一, and
Arabic digits (half or full width). Anything else raises ValueError.
"""

from __future__ import annotations

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
ZEROS = frozenset("零〇")
UNITS = {"十": 10, "百": 100, "千": 1000}
NUMERAL_CHARS = (
    frozenset(DIGITS) | frozenset(UNITS) | frozenset("万亿") | frozenset("0123456789０１２３４５６７８９")
)
_FULL_WIDTH = str.maketrans("０１２３４５６７８９", "0123456789")


def _below_ten_thousand(text: str, whole: str) -> int:
    """A section without 万: 一千零三, 二十, 十二, 三百."""
    if not text:
        raise ValueError(f"不是有效的中文数字：{whole!r}")
    value = 0
    digit: int | None = None
    last_unit = 10_000
    zero_seen = False
    for ch in text:
        if ch in ZEROS:
            if digit is not None:
                raise ValueError(f"不是有效的中文数字：{whole!r}")
            zero_seen = True
        elif ch in DIGITS:
            if digit is not None:
                raise ValueError(f"不是有效的中文数字：{whole!r}")
            digit = DIGITS[ch]
        elif ch in UNITS:
            unit = UNITS[ch]
            if unit >= last_unit:
                raise ValueError(f"不是有效的中文数字：{whole!r}")
            if digit is None:
                if unit != 10 or value or zero_seen:  # 十二 is fine, 百二 and 一百零十 are not
                    if unit == 10 and zero_seen:  # 一百零十 is written 一百一十; accept 一百零十 loosely
                        digit = 1
                    else:
                        raise ValueError(f"不是有效的中文数字：{whole!r}")
                else:
                    digit = 1
            value += digit * unit
            digit = None
            last_unit = unit
            zero_seen = False
        else:
            raise ValueError(f"不是有效的中文数字：{whole!r}")
    if digit is not None:
        if zero_seen or last_unit in (10, 10_000):
            value += digit
        else:  # colloquial 一百二 = 120
            value += digit * (last_unit // 10)
    return value


def chinese_to_int(text: str) -> int:
    """The value of a numeral: 一百二十二 → 122, 一千零三 → 1003, 〇 → 0, 51 → 51."""
    whole = text
    s = text.strip().translate(_FULL_WIDTH)
    if not s:
        raise ValueError("空的数字")
    if s.isascii():
        if s.isdigit():
            return int(s)
        raise ValueError(f"不是有效的数字：{whole!r}")
    if any(ch not in NUMERAL_CHARS for ch in s):
        raise ValueError(f"不是有效的中文数字：{whole!r}")
    if len(s) > 1 and all(ch in DIGITS for ch in s):  # digit by digit: 二〇二一
        return int("".join(str(DIGITS[ch]) for ch in s))
    if s in ZEROS:
        return 0
    total = 0
    rest = s
    for big, factor in (("亿", 100_000_000), ("万", 10_000)):
        if big in rest:
            head, _, rest = rest.partition(big)
            if big in rest:
                raise ValueError(f"不是有效的中文数字：{whole!r}")
            total += (_below_ten_thousand(head, whole) if head else 1) * factor
            rest = rest.lstrip("零〇") if rest[:1] in ZEROS else rest
    if rest:
        total += _below_ten_thousand(rest, whole)
    return total


def int_to_chinese(value: int) -> str:
    """122 → 一百二十二, 10 → 十, 1003 → 一千零三, 0 → 零 (below 100,000,000)."""
    if value < 0 or value >= 100_000_000:
        raise ValueError("超出范围")
    if value == 0:
        return "零"
    names = "零一二三四五六七八九"

    def section(n: int, leading: bool) -> str:
        out = ""
        zero = False
        for unit_value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
            d = n // unit_value % 10
            if d == 0:
                if out:
                    zero = True
                continue
            if zero:
                out += "零"
                zero = False
            if unit == "十" and d == 1 and not out and leading:
                out += "十"
            else:
                out += names[d] + unit
        return out

    high, low = divmod(value, 10_000)
    if not high:
        return section(low, True)
    text = section(high, True) + "万"
    if low:
        text += ("零" if low < 1000 else "") + section(low, False)
    return text
