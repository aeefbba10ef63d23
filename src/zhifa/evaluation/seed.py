"""Demo: one efficiency evaluation of the demo city under the default scheme (after the review
round, so its scores count), by the system."""

from __future__ import annotations

import datetime as dt

from zhifa.core import seeding
from zhifa.evaluation import actions


def seed_evaluation(today: dt.date | None = None, region: str = "330500") -> str:
    today = today or dt.date.today()
    period = str(today.year if today.month >= 4 else today.year - 1)
    evaluation = actions.do_evaluate(None, None, period, region)
    top = evaluation.results.order_by("rank", "agency_code").first()
    leader = f"，第一名 {top.agency_name} {top.score} 分" if top else ""
    seeding.progress(f"效能评价：{evaluation.results.count()} 个执法主体{leader}")
    return f"效能评价 1 次（{period}）"


@seeding.register("evaluation", order=90)
def seed_demo_evaluation() -> str:
    """After the review round (80)."""
    return seed_evaluation()
