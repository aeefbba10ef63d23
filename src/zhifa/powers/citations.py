"""Citation text for articles bound to powers, and a small parser for 食品安全法第三十三条.

Kept local to the powers app (the law library's own resolver is written concurrently); it only
needs Chinese numerals below ten thousand."""

from __future__ import annotations

import re

from zhifa.laws.models import Article, Law

DIGITS = "零一二三四五六七八九"
UNITS = {"十": 10, "百": 100, "千": 1000}


def to_chinese(number: int) -> str:
    """1 → 一, 10 → 十, 122 → 一百二十二, 105 → 一百零五 (for 款/项 numbers and tests)."""
    if number < 10:
        return DIGITS[number]
    parts: list[str] = []
    for unit, size in (("千", 1000), ("百", 100), ("十", 10)):
        digit, number = divmod(number, size)
        if digit:
            parts.append(("" if unit == "十" and digit == 1 and not parts else DIGITS[digit]) + unit)
        elif parts and number:
            if parts[-1] != "零":
                parts.append("零")
    if number:
        parts.append(DIGITS[number])
    return "".join(parts)


def from_chinese(text: str) -> int:
    if text.isdigit():
        return int(text)
    total, digit = 0, 0
    for char in text:
        if char in DIGITS:
            digit = DIGITS.index(char)
        elif char in UNITS:
            total += (digit or 1) * UNITS[char]
            digit = 0
        else:
            raise ValueError(text)
    return total + digit


def article_citation(article: Article, paragraph: int | None = None, item: int | None = None) -> str:
    text = f"《{article.version.law.name}》{article.label}"
    if paragraph:
        text += f"第{to_chinese(paragraph)}款"
    if item:
        text += f"第{to_chinese(item)}项"
    return text


CITE = re.compile(
    r"《?(?P<law>[^《》第\s]+?)》?\s*第(?P<article>[零一二三四五六七八九十百千\d]+)条"
    r"(?:之(?P<suffix>[一二三四五六七八九十\d]+))?"
    r"(?:第(?P<paragraph>[一二三四五六七八九十\d]+)款)?(?:第(?P<item>[一二三四五六七八九十\d]+)项)?"
)


def parse_citation(text: str) -> tuple[str, int, int, int | None, int | None] | None:
    """(law name, article, suffix, paragraph, item) or None."""
    match = CITE.search(text or "")
    if not match:
        return None
    law = match["law"].removeprefix("中华人民共和国")

    def num(name: str) -> int | None:
        return from_chinese(match[name]) if match[name] else None

    return law, num("article") or 0, num("suffix") or 0, num("paragraph"), num("item")


def resolve_article(text: str, day: object = None) -> tuple[Article | None, int | None, int | None]:
    """The article a citation names, in the version of the law in force on `day` (today when None)."""
    import datetime as dt

    parsed = parse_citation(text)
    if parsed is None:
        return None, None, None
    name, number, suffix, paragraph, item = parsed
    law = Law.objects.filter(name=name).first()
    if law is None:
        return None, paragraph, item
    version = law.version_on(day if isinstance(day, dt.date) else dt.date.today())
    if version is None:
        return None, paragraph, item
    article = (
        Article.objects.filter(version=version, number=number, suffix=suffix)
        .select_related("version__law")
        .first()
    )
    return article, paragraph, item
