"""Citations of law articles: parse "食品安全法第一百二十二条第二款" and its kin, and resolve them
against the version in force on a day.

Accepted forms (law name with or without 《》 and with or without 中华人民共和国; numerals in
Chinese or Arabic digits; 第X条之一; 款 and 项 optional, 项 with or without parentheses):

    食品安全法第一百二十二条第二款
    《中华人民共和国行政处罚法》第五十一条
    《行政处罚法》第五十一条第一款第（三）项
    行政处罚法第51条
    体育法第二十条之一

Errors are `ActionError`s with stable codes: unparseable_citation, unknown_law,
no_version_in_force, unknown_article, unknown_paragraph, unknown_item.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from zhifa.core.errors import ActionError
from zhifa.laws.models import Article, Item, Law, LawVersion, Paragraph
from zhifa.laws.numerals import chinese_to_int, int_to_chinese

PRC = "中华人民共和国"
_NUM = r"[零〇一二三四五六七八九十百千两0-9０-９]+"
CITATION = re.compile(
    rf"""^\s*
    (?:《(?P<quoted>[^》]+)》|(?P<name>[^《》\s]+?))?\s*
    第\s*(?P<article>{_NUM})\s*条
    (?:之(?P<suffix>{_NUM}))?
    (?:\s*第\s*(?P<paragraph>{_NUM})\s*款)?
    (?:\s*第\s*[（(]?\s*(?P<item>{_NUM})\s*[）)]?\s*项)?
    [\s。；;，,]*$""",
    re.VERBOSE,
)
FIELD = "cite"


@dataclass(frozen=True)
class Citation:
    law: str  # as written, without 《》
    article: int
    suffix: int = 0
    paragraph: int | None = None
    item: int | None = None


@dataclass
class ResolvedCitation:
    law: Law
    version: LawVersion
    article: Article
    paragraph: Paragraph | None
    item: Item | None

    @property
    def text(self) -> str:
        if self.item is not None:
            return self.item.text
        if self.paragraph is not None:
            return self.paragraph.text
        return self.article.text

    @property
    def citation(self) -> str:
        """The normalised form: 《中华人民共和国行政处罚法》第五十一条第一款第（三）项."""
        return format_citation(
            self.version.title or self.law.title or self.law.name,
            self.article.label,
            self.paragraph.number if self.paragraph else None,
            self.item.number if self.item else None,
        )


def format_citation(title: str, article_label: str, paragraph: int | None, item: int | None) -> str:
    text = f"《{title}》{article_label}"
    if paragraph is not None:
        text += f"第{int_to_chinese(paragraph)}款"
    if item is not None:
        text += f"第（{int_to_chinese(item)}）项"
    return text


def article_label(number: int, suffix: int = 0) -> str:
    return f"第{int_to_chinese(number)}条" + (f"之{int_to_chinese(suffix)}" if suffix else "")


def _number(text: str | None) -> int | None:
    return None if text is None else chinese_to_int(text)


def parse_citation(text: str, default_law: str = "") -> Citation:
    """The parts of a citation; `default_law` names the law when the text starts at 第."""
    match = CITATION.match(text or "")
    if not match:
        raise ActionError("unparseable_citation", f"无法识别的引用：{text}", FIELD)
    law = (match["quoted"] or match["name"] or default_law or "").strip()
    if not law:
        raise ActionError("unparseable_citation", f"引用中缺少法律名称：{text}", FIELD)
    try:
        article = chinese_to_int(match["article"])
        suffix = _number(match["suffix"]) or 0
        paragraph = _number(match["paragraph"])
        item = _number(match["item"])
    except ValueError as exc:
        raise ActionError("unparseable_citation", f"引用中的数字无效：{text}", FIELD) from exc
    if article == 0 or paragraph == 0 or item == 0:
        raise ActionError("unparseable_citation", f"引用中的序号无效：{text}", FIELD)
    return Citation(law, article, suffix, paragraph, item)


def find_law(name: str, laws: QuerySet[Law] | None = None) -> Law:
    """The law named, with or without 中华人民共和国 (name or full title)."""
    queryset = laws if laws is not None else Law.objects.all()
    short = name.removeprefix(PRC)
    candidates = {name, short, PRC + short}
    law = queryset.filter(Q(name__in=candidates) | Q(title__in=candidates)).order_by("pk").first()
    if law is None:
        raise ActionError("unknown_law", f"法律库中没有“{name}”", FIELD, status=404)
    return law


def resolve(
    text: str, day: dt.date | None = None, laws: QuerySet[Law] | None = None, default_law: str = ""
) -> ResolvedCitation:
    """Resolve the citation against the version in force on `day` (today by default). `laws`
    is the caller's visible laws (`Law.objects.restrict(user)`)."""
    day = day or dt.date.today()
    citation = parse_citation(text, default_law)
    law = find_law(citation.law, laws)
    version = law.version_on(day)
    if version is None:
        first = law.versions.order_by("effective_date").first()
        since = f"（最早版本 {first.effective_date:%Y-%m-%d}）" if first else ""
        raise ActionError(
            "no_version_in_force", f"{law.name}在 {day:%Y-%m-%d} 尚无有效版本{since}", "date", status=404
        )
    label = article_label(citation.article, citation.suffix)
    article = version.articles.filter(number=citation.article, suffix=citation.suffix).first()
    if article is None:
        raise ActionError(
            "unknown_article",
            f"{law.name}（{version.effective_date:%Y-%m-%d} 版）没有{label}",
            FIELD,
            status=404,
        )
    paragraph = item = None
    if citation.paragraph is not None:
        paragraph = article.paragraphs.filter(number=citation.paragraph).first()
        if paragraph is None:
            raise ActionError(
                "unknown_paragraph",
                f"{law.name}{article.label}没有第{int_to_chinese(citation.paragraph)}款",
                FIELD,
                status=404,
            )
    if citation.item is not None:
        if paragraph is None:  # 第X条第（三）项: the item of the article's only paragraph with items
            candidates = [p for p in article.paragraphs.all() if p.items.exists()]
            paragraph_for_item = candidates[0] if len(candidates) == 1 else None
        else:
            paragraph_for_item = paragraph
        item = paragraph_for_item.items.filter(number=citation.item).first() if paragraph_for_item else None
        if item is None:
            where = f"第{int_to_chinese(paragraph.number)}款" if paragraph else ""
            raise ActionError(
                "unknown_item",
                f"{law.name}{article.label}{where}没有第（{int_to_chinese(citation.item)}）项",
                FIELD,
                status=404,
            )
        paragraph = paragraph or paragraph_for_item
    return ResolvedCitation(law, version, article, paragraph, item)
