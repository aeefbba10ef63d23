"""Demo: a finished case-file review round in the demo city, through the actions.

After the platform cases (cases seeder, order 70, published to the store) and the outside
agencies' imports (exchange, 60): the 吴兴区 justice bureau's supervisor (`supervisor_wuxing`)
reviews a stratified sample of the year's closed cases of the district, the structural items are
pre-scored, the first reviewer scores some reviewer items, the city supervisor (`supervisor`,
whose region contains the district) scores the double cases as second reviewer, and the round is
closed — so the round page shows results, agency averages and the agreement. Deterministic.
"""

from __future__ import annotations

import datetime as dt
import random

from zhifa.core import seeding
from zhifa.core.models import Region
from zhifa.indicators.engine import parse_period
from zhifa.review import actions, sampling
from zhifa.review.models import ReviewRound, Strata

DEMO_SEED = 2026
NOTES = {
    "facts_clear": "违法事实表述笼统，未写明违法行为持续时间",
    "evidence_sufficient": "主要证据仅有现场检查笔录，缺少书证佐证",
    "evidence_chain": "询问笔录与现场检查笔录记载的时间不一致",
    "discretion_reasoned": "未说明选择该裁量阶次的理由",
    "documents_standard": "文书存在涂改，未加盖骑缝章",
}


def _period(today: dt.date) -> str:
    return str(today.year if today.month >= 4 else today.year - 1)


def _users() -> tuple[object | None, object | None]:
    from zhifa.accounts.models import User

    return (
        User.objects.filter(username="supervisor").first(),
        User.objects.filter(username="supervisor_wuxing").first(),
    )


def _score(actor: object, rnd: ReviewRound, rng: random.Random, second: bool) -> int:
    scored = 0
    items = {i.code: i for i in rnd.rubric.items.filter(structural=False)}
    cases = rnd.cases.filter(double=True) if second else rnd.cases.all()
    for case in cases:
        for code, note in NOTES.items():
            if code in items and rng.random() < 0.3:
                points = min(items[code].max_deduction, 1 + rng.randrange(3))
                actions.do_score_item(actor, case.pk, code, points, note)
                scored += 1
    return scored


def _round(region: str, period: str, body: str) -> ReviewRound | None:
    """A drawn round of the region, or None (nothing created) when it has no closed case."""
    place = Region.objects.filter(code=region).first()
    span = parse_period(period)
    if place is None or not sampling.population(span.start, span.end, place):
        return None
    rnd = actions.do_create_round(
        None,
        actions.RoundInput(
            name=f"{period}年度行政处罚案卷评查",
            period=period,
            region_code=region,
            sample_size=20,
            strata=Strata.AGENCY,
            seed=DEMO_SEED,
            second_share="0.25",
            supervising_body=body,
        ),
    )
    return actions.do_draw_sample(None, rnd.pk)


def seed_review(today: dt.date | None = None) -> str:
    """A round of 吴兴区 (the district supervisor reviews, the city supervisor — whose region
    contains it — is the second reviewer); when the district has no closed case, a city round
    without a second reviewer."""
    city, district = _users()
    period = _period(today or dt.date.today())
    first, second = district, city
    rnd = _round("330502", period, "湖州市吴兴区司法局") if district is not None else None
    if rnd is None:
        first, second = city, None
        rnd = _round(getattr(city, "region_id", None) or "330500", period, "湖州市司法局")
    if rnd is None:
        return "未生成评查活动：评查期间没有已结案的案件"
    actions.do_prescore(None, rnd.pk)
    rng = random.Random(DEMO_SEED)
    scored = _score(first, rnd, rng, second=False)
    if second is not None:
        actions.do_assign_second_reviewer(None, rnd.pk, second.pk)
        scored += _score(second, rnd, rng, second=True)
    actions.do_close_round(None, rnd.pk)
    seeding.progress(f"案卷评查：{rnd.region.full_name}抽取 {rnd.cases.count()} 件，人工评分 {scored} 项")
    return f"案卷评查 1 次（{rnd.cases.count()} 件案卷，已结束）"


@seeding.register("review", order=80)
def seed_demo_review() -> str:
    """After the platform cases (70) were published to the store."""
    return seed_review()
