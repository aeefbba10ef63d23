"""Scoring agencies under a scheme: the values per component, points, explanations, ranking.

`values_for(component, period, agencies, region)` gathers one value per agency code;
`score_component` maps them to points with an explanation for every point lost; `rank` orders the
totals. Points are rounded to cents and `lost = weight − points`, so an agency's lost points add up
exactly to `Σ weights − score`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from zhifa.evaluation.schemes import Component
from zhifa.indicators.catalogue import BY_SLUG
from zhifa.indicators.engine import Period

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Scored:
    code: str
    label: str
    value: float | None
    unit: str
    weight: Decimal
    points: Decimal
    explanation: str

    @property
    def lost(self) -> Decimal:
        return self.weight - self.points

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "label": self.label,
            "value": self.value,
            "unit": self.unit,
            "weight": str(self.weight),
            "points": str(self.points),
            "lost": str(self.lost),
            "explanation": self.explanation,
        }


# --- values ---------------------------------------------------------------------------------


def indicator_values(
    period: Period, agencies: Collection[str], slugs: Collection[str]
) -> dict[str, dict[str, float]]:
    """slug → agency code → value, from the indicator engine (over the analytical store)."""
    from zhifa.indicators import engine

    out: dict[str, dict[str, float]] = defaultdict(dict)
    if not agencies or not slugs:
        return out
    for v in engine.compute(period, agencies=agencies, slugs=slugs, by="agency"):
        if v.value is not None:
            out[v.slug][v.key] = float(v.value)
    return out


def review_values(period: Period, region: Any) -> dict[str, float]:
    from zhifa.review.queries import agency_scores

    return agency_scores(period, region)


def clue_values(period: Period, agencies: Collection[str], acts: dict[str, float]) -> dict[str, float]:
    """Confirmed (true positive) clues raised in the period per 100 enforcement acts; an agency
    without acts and without confirmed clues has 0, one with clues but no acts has no value."""
    from zhifa.clues.models import Clue, Verdict

    start = dt.datetime.combine(period.start, dt.time.min, tzinfo=dt.UTC)
    end = dt.datetime.combine(period.end, dt.time.min, tzinfo=dt.UTC)
    confirmed: dict[str, int] = defaultdict(int)
    for code in Clue.objects.filter(
        agency_code__in=list(agencies), verdict=Verdict.TRUE_POSITIVE, raised_at__gte=start, raised_at__lt=end
    ).values_list("agency_code", flat=True):
        confirmed[code] += 1
    out: dict[str, float] = {}
    for code in agencies:
        n, base = confirmed.get(code, 0), acts.get(code) or 0
        if base > 0:
            out[code] = round(100 * n / base, 4)
        elif n == 0:
            out[code] = 0.0
    return out


def rectification_values(period: Period, agencies: Collection[str]) -> dict[str, float]:
    """Share (%) of the supervision notices whose rectification deadline fell in the period (and has
    passed, or was answered) that the agency answered with a report on or before the deadline and
    that were never escalated as overdue."""
    from zhifa.supervision.models import Disposition

    today = dt.date.today()
    due: dict[str, int] = defaultdict(int)
    on_time: dict[str, int] = defaultdict(int)
    rows = Disposition.objects.filter(
        agency__code__in=list(agencies), deadline__gte=period.start, deadline__lt=period.end
    ).prefetch_related("steps")
    for d in rows.select_related("agency"):
        reports = [s for s in d.steps.all() if s.code == "submit_report"]
        if d.deadline >= today and not reports:
            continue  # still running
        due[d.agency.code] += 1
        if reports and reports[0].done_on <= d.deadline and d.overdue_since is None:
            on_time[d.agency.code] += 1
    return {code: round(100 * on_time[code] / n, 4) for code, n in due.items()}


# --- points ---------------------------------------------------------------------------------


def direction(component: Component) -> bool:
    """True when higher values are better: the indicator catalogue's, else the component's."""
    if component.kind == "indicator":
        better = BY_SLUG[component.slug].higher_is_better
        return component.higher_is_better if better is None else better
    return component.higher_is_better


def _cents(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def _fmt(x: float | Decimal | None) -> str:
    if x is None:
        return "—"
    return f"{float(x):.2f}".rstrip("0").rstrip(".")


def _missing(c: Component) -> Scored:
    if c.missing_points == "full":
        return Scored(c.code, c.label, None, c.unit, c.weight, c.weight, f"{c.label}本期无数据，按方案计满分")
    return Scored(
        c.code,
        c.label,
        None,
        c.unit,
        c.weight,
        Decimal(0),
        f"{c.label}本期无数据，按方案计0分，扣{_fmt(c.weight)}分",
    )


def linear(c: Component, value: float) -> Scored:
    higher = direction(c)
    low, high = float(c.low or 0), float(c.high or 0)
    worst, best = (low, high) if higher else (high, low)
    frac = 1.0 if best == worst else (value - worst) / (best - worst)
    frac = min(1.0, max(0.0, frac))
    points = _cents(c.weight * Decimal(str(frac)))
    lost = c.weight - points
    u = c.unit
    if lost == 0:
        text = f"{c.label}为{_fmt(value)}{u}，达到满分标准{_fmt(best)}{u}"
    else:
        side = "低于" if higher else "高于"
        zero = "及以下" if higher else "及以上"
        text = (
            f"{c.label}为{_fmt(value)}{u}，{side}满分标准{_fmt(best)}{u}（{_fmt(worst)}{u}{zero}不得分，"
            f"其间按线性计分），得{_fmt(points)}分，扣{_fmt(lost)}分"
        )
    return Scored(c.code, c.label, value, u, c.weight, points, text)


def competition_ranks(values: dict[str, float], higher: bool) -> dict[str, int]:
    """1 + the number of agencies strictly better (ties share the rank)."""
    return {k: 1 + sum(1 for o in values.values() if (o > v if higher else o < v)) for k, v in values.items()}


def ranked(c: Component, values: dict[str, float]) -> dict[str, Scored]:
    ranks = competition_ranks(values, direction(c))
    n = len(values)
    out = {}
    for code, value in values.items():
        r = ranks[code]
        frac = Decimal(1) if n == 1 else Decimal(n - r) / Decimal(n - 1)
        points = _cents(c.weight * frac)
        lost = c.weight - points
        text = f"{c.label}为{_fmt(value)}{c.unit}，在{n}个有数据的执法主体中排第{r}名"
        text += "，得满分" if lost == 0 else f"，按名次计分得{_fmt(points)}分，扣{_fmt(lost)}分"
        out[code] = Scored(c.code, c.label, value, c.unit, c.weight, points, text)
    return out


def score_component(c: Component, values: dict[str, float], agencies: Collection[str]) -> dict[str, Scored]:
    present = {k: v for k, v in values.items() if k in agencies and v is not None}
    scored = ranked(c, present) if c.mapping == "rank" else {k: linear(c, v) for k, v in present.items()}
    return {code: scored.get(code) or _missing(c) for code in agencies}


def rank_totals(totals: dict[str, Decimal]) -> dict[str, int]:
    return competition_ranks({k: float(v) for k, v in totals.items()}, True)
