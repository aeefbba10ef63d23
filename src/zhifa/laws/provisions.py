"""Extracting penalty provisions from the 法律责任 articles of a law.

Interface shared by the importer (which calls `extract_article` for every article of a
法律责任 chapter and stores the result through its action) and the measurement code. The
extractor is pure: text in, dataclasses out, no database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass
class ExtractedFineRange:
    kind: str  # "fixed" | "multiple" (FineRangeKind)
    minimum: Decimal | None  # yuan for fixed, the multiple for "multiple"
    maximum: Decimal | None
    base: str = ""  # 货值金额 / 违法所得 / … for multiples
    condition: str = ""  # 货值金额不足一万元的
    aggravated: bool = False  # 情节严重的 …
    party_kind: str = ""  # 单位 / 个人 / 直接负责的主管人员和其他直接责任人员 …
    text: str = ""  # the words the range was read from


@dataclass
class ExtractedProvision:
    paragraph_number: int | None  # 款, 1-based; None when the article has one paragraph
    item_number: int | None  # 项, when the provision is one item's conduct
    conduct: str  # the conduct punished
    department: str  # the responsible department as written
    penalty_kinds: list[str] = field(default_factory=list)  # PenaltyKind values
    fine_ranges: list[ExtractedFineRange] = field(default_factory=list)
    text: str = ""


def extract_article(law_name: str, article_label: str, paragraphs: list[str]) -> list[ExtractedProvision]:
    """The penalty provisions of one article given its paragraphs (items stay inside their
    paragraph's text, one per line as in the source). Articles that punish nothing yield []."""
    raise NotImplementedError  # implemented in the extraction work (issue 3)
