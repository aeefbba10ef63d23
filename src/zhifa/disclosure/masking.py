"""Masking of personal information in published penalty decisions (pure functions).

What is masked and why (see docs/disclosure.md for the full rationale):

* natural persons' names become surname + 某 (张某, 欧阳某, 买买提某): 《个人信息保护法》 Art. 28 and
  GB/T 35273-2020 §3.2/§9.5 treat identifying data as to be de-identified before publication;
  行政处罚决定公开 rules (国办发〔2018〕118号, and the provincial 行政处罚结果信息网上公开 rules)
  publish natural persons' names in masked form only;
* ID numbers (18-digit with X, old 15-digit), bank card numbers, mobile and landline numbers,
  e-mail addresses and home addresses are removed entirely: they are 个人敏感信息 (GB/T 35273
  Annex B) and 《政府信息公开条例》 Art. 15 forbids disclosing information whose disclosure would
  harm a third party's lawful rights;
* the scrubber is deliberately greedy: any run of 11 or more digits, and any digit groups joined
  by spaces or dashes totalling 15 or more digits, are removed, whatever they were meant to be.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "****"

# 复姓: kept whole, so 欧阳修 becomes 欧阳某 rather than 欧某.
COMPOUND_SURNAMES = frozenset(
    """欧阳 司马 诸葛 上官 东方 皇甫 令狐 公孙 慕容 尉迟 长孙 宇文 司徒 夏侯 轩辕 端木 独孤 南宫 西门
    万俟 闻人 澹台 公冶 宗政 濮阳 淳于 单于 太叔 申屠 钟离 闾丘 东郭 呼延 百里 司空 司寇 拓跋 赫连
    第五 羊舌 微生 梁丘 左丘 东门 公羊 谷梁 亓官 仉督 子车 颛孙 壤驷 公良 漆雕 乐正 宰父 巫马 鲜于
    段干 夹谷 锺离 公西 乌孙""".split()
)
# Separators in transliterated ethnic-minority and foreign names (买买提·艾力).
NAME_SEPARATORS = "·•・‧∙."


def mask_person_name(name: str) -> str:
    """A natural person's name as published: surname + 某."""
    text = "".join((name or "").split())
    if not text:
        return ""
    for sep in NAME_SEPARATORS:
        if sep in text:
            first = text.split(sep, 1)[0]
            return (first or text.replace(sep, "")[:1]) + "某"
    if len(text) >= 3 and text[:2] in COMPOUND_SURNAMES:
        return text[:2] + "某"
    return text[0] + "某"


_SEP = r"[ \t\u3000.\-－—]"
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")
# The label stays, what follows it up to the next punctuation goes (colons after the label too).
_ADDRESS = re.compile(
    r"(住址|住所地|住所|家庭住址|家住|户籍地|户籍所在地|居住于|居住地|现住址|现住|经常居住地)"
    r"((?:[：:\s]|为|在|是)*)"
    r"[^，,。；;！!？?\n\r]+"
)
# Digit groups joined by single spaces or dashes (bank cards 6222 0212 ..., ID numbers 330502 19850317 ...).
_DIGIT_GROUPS = re.compile(rf"\d+(?:{_SEP}\d+)*[Xx]?")
_MOBILE = re.compile(rf"(?:(?:[(（]\s*)?(?:\+|00)?\s*86(?:\s*[)）])?{_SEP}*)?1[3-9]\d(?:{_SEP}?\d){{8}}")
_LONG_DIGITS = re.compile(r"\d{11,}[Xx]?")
_LANDLINE = re.compile(
    rf"(?<!\d)(?:[(（]\s*0\d{{2,3}}\s*[)）]|0\d{{2,3}}){_SEP}?\d{{3,4}}{_SEP}?\d{{4}}"
    rf"(?:\s*(?:-|转|ext\.?)\s*\d{{1,6}})?"
)
_CONTACT = re.compile(
    r"(联系电话|电话号码|手机号码|手机号|电话|手机|联系方式|微信号|微信|QQ号|QQ|[Tt]el|TEL)"
    r"((?:[：:\s]|为|是)*)[\d\s\-+()（）]{5,}"
)


def _mask_digit_groups(match: re.Match[str]) -> str:
    text = match.group(0)
    return MASK if sum(ch.isdigit() for ch in text) >= 15 else text


def _replace_name(text: str, name: str, replacement: str) -> str:
    """Every occurrence of the name, also with spaces between its characters (张 伟)."""
    pattern = re.compile(r"[ \t\u3000]*".join(re.escape(ch) for ch in name))
    for _ in range(10):  # a replacement can, in theory, complete a new occurrence
        text, count = pattern.subn(replacement, text)
        if not count:
            break
    return text


def scrub_text(text: str | None, names: Iterable[str] = (), replacement_for_names: str | None = None) -> str:
    """Free text with personal data removed: ID numbers, phones, bank cards, e-mail, home
    addresses (after 住址/住所/家住/户籍地/居住于 …), and the given personal names (full name →
    surname + 某, or `replacement_for_names` when given, e.g. 当事人 for a minor)."""
    if not text:
        return ""
    result = str(text)
    result = _EMAIL.sub(MASK, result)
    result = _ADDRESS.sub(lambda m: m.group(1) + m.group(2) + MASK, result)
    result = _DIGIT_GROUPS.sub(_mask_digit_groups, result)
    result = _MOBILE.sub(MASK, result)
    result = _LONG_DIGITS.sub(MASK, result)
    result = _LANDLINE.sub(MASK, result)
    result = _CONTACT.sub(lambda m: m.group(1) + m.group(2) + MASK, result)
    full_names = sorted(
        {"".join(n.split()) for n in names if n and len("".join(n.split())) >= 2}, key=len, reverse=True
    )
    for name in full_names:
        result = _replace_name(result, name, replacement_for_names or mask_person_name(name))
    return result
