"""Fixtures for the powers tests: a mini 食品安全法 with its real Art. 122 ranges, built directly
from the law models so the tests do not depend on the importer or the extractor."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from zhifa.laws.models import (
    Article,
    Division,
    FineRange,
    Law,
    LawVersion,
    Paragraph,
    PenaltyProvision,
)
from zhifa.powers import actions
from zhifa.powers.models import Power

ART_122_P1 = (
    "违反本法规定，未取得食品生产经营许可从事食品生产经营活动，或者未取得食品添加剂生产许可从事食品添加剂生产"
    "活动的，由县级以上人民政府食品安全监督管理部门没收违法所得和违法生产经营的食品、食品添加剂以及用于违法"
    "生产经营的工具、设备、原料等物品；违法生产经营的食品、食品添加剂货值金额不足一万元的，并处五万元以上十万元"
    "以下罚款；货值金额一万元以上的，并处货值金额十倍以上二十倍以下罚款。"
)
ART_122_P2 = (
    "明知从事前款规定的违法行为，仍为其提供生产经营场所或者其他条件的，由县级以上人民政府食品安全监督管理部门"
    "责令停止违法行为，没收违法所得，并处五万元以上十万元以下罚款；使消费者的合法权益受到损害的，应当与食品、"
    "食品添加剂生产经营者承担连带责任。"
)
ART_35 = "国家对食品生产经营实行许可制度。从事食品生产、食品销售、餐饮服务，应当依法取得许可。"
ART_110 = (
    "县级以上人民政府食品安全监督管理部门履行食品安全监督管理职责，有权采取下列措施，对生产经营者遵守本法的"
    "情况进行监督检查：\n（一）进入生产经营场所实施现场检查；\n（二）对生产经营的食品进行抽样检验。"
)
ART_126 = (
    "违反本法规定，有下列情形之一的，由县级以上人民政府食品安全监督管理部门责令改正，给予警告；拒不改正的，"
    "处五千元以上五万元以下罚款。"
)


@dataclass
class FoodLaw:
    law: Law
    version: LawVersion
    art35: Article
    art110: Article
    art122: Article
    art126: Article
    p122_1: PenaltyProvision
    p122_2: PenaltyProvision
    p126: PenaltyProvision


def _article(
    version: LawVersion, chapter: Division | None, number: int, label: str, paragraphs: list[str]
) -> Article:
    article = Article.objects.create(
        version=version,
        chapter=chapter,
        number=number,
        label=label,
        text="\n".join(paragraphs),
        sort_order=number,
    )
    for index, text in enumerate(paragraphs, start=1):
        Paragraph.objects.create(article=article, number=index, text=text)
    return article


@pytest.fixture(name="food_law")
def food_law_fixture(db) -> FoodLaw:
    law = Law.objects.create(name="食品安全法", title="中华人民共和国食品安全法")
    version = LawVersion.objects.create(
        law=law, effective_date=dt.date(2021, 4, 29), title=law.title, content_hash="0" * 64
    )
    ch4 = Division.objects.create(
        version=version, level="chapter", number=4, label="第四章", title="食品生产经营"
    )
    ch8 = Division.objects.create(
        version=version, level="chapter", number=8, label="第八章", title="监督管理"
    )
    ch9 = Division.objects.create(
        version=version, level="chapter", number=9, label="第九章", title="法律责任"
    )
    art35 = _article(version, ch4, 35, "第三十五条", [ART_35])
    art110 = _article(version, ch8, 110, "第一百一十条", [ART_110])
    art122 = _article(version, ch9, 122, "第一百二十二条", [ART_122_P1, ART_122_P2])
    art126 = _article(version, ch9, 126, "第一百二十六条", [ART_126])
    department = "县级以上人民政府食品安全监督管理部门"
    p1 = PenaltyProvision.objects.create(
        article=art122,
        paragraph_number=1,
        conduct="未取得食品生产经营许可从事食品生产经营活动",
        department=department,
        penalty_kinds=["confiscate_gains", "confiscate_property", "fine"],
        text=ART_122_P1,
    )
    FineRange.objects.create(
        provision=p1,
        kind="fixed",
        minimum=Decimal(50000),
        maximum=Decimal(100000),
        condition="货值金额不足一万元的",
        text="货值金额不足一万元的，并处五万元以上十万元以下罚款",
    )
    FineRange.objects.create(
        provision=p1,
        kind="multiple",
        minimum=Decimal(10),
        maximum=Decimal(20),
        base="货值金额",
        condition="货值金额一万元以上的",
        text="货值金额一万元以上的，并处货值金额十倍以上二十倍以下罚款",
    )
    p2 = PenaltyProvision.objects.create(
        article=art122,
        paragraph_number=2,
        conduct="明知从事未取得许可的生产经营活动，仍为其提供生产经营场所或者其他条件",
        department=department,
        penalty_kinds=["confiscate_gains", "fine"],
        text=ART_122_P2,
        sort_order=1,
    )
    FineRange.objects.create(
        provision=p2,
        kind="fixed",
        minimum=Decimal(50000),
        maximum=Decimal(100000),
        text="五万元以上十万元以下罚款",
    )
    p126 = PenaltyProvision.objects.create(
        article=art126,
        conduct="食品生产经营者未按规定履行义务",
        department=department,
        penalty_kinds=["warning", "fine"],
        text=ART_126,
    )
    FineRange.objects.create(
        provision=p126,
        kind="fixed",
        minimum=Decimal(5000),
        maximum=Decimal(50000),
        text="五千元以上五万元以下罚款",
    )
    # An ecology provision that must not land in a market-regulation list.
    return FoodLaw(law, version, art35, art110, art122, art126, p1, p2, p126)


def add_penalty_power(
    agency,
    food_law: FoodLaw,
    actor=None,
    name: str = "对未取得食品生产经营许可从事食品生产经营活动的行政处罚",
) -> Power:
    return actions.do_add_power(
        actor,
        actions.PowerInput(
            name=name,
            kind="penalty",
            holder_code=agency.code,
            domain_code="market_regulation",
            conduct="未取得食品生产经营许可从事食品生产经营活动",
            effective_from=dt.date(2024, 1, 1),
            basis=[actions.BasisInput(article_id=food_law.art122.pk, paragraph_number=1)],
            provision_ids=[food_law.p122_1.pk],
        ),
    )


STANDARD_TIERS = [
    actions.TierInput(tier="no_penalty", range_kind="none", circumstances="初次违法；危害后果轻微；及时改正"),
    actions.TierInput(
        tier="lenient",
        minimum=50000,
        maximum=65000,
        circumstances="货值金额较小；主动消除危害后果",
        base_below=10000,
    ),
    actions.TierInput(
        tier="general", minimum=65000, maximum=85000, circumstances="一般情形", base_below=10000
    ),
    actions.TierInput(
        tier="aggravated",
        minimum=85000,
        maximum=100000,
        circumstances="多次违法；造成危害后果；拒不配合调查",
        base_below=10000,
    ),
    actions.TierInput(
        tier="general", range_kind="multiple", minimum=12, maximum=16, base="货值金额", base_from=10000
    ),
    actions.TierInput(
        tier="aggravated", range_kind="multiple", minimum=16, maximum=20, base="货值金额", base_from=10000
    ),
]
