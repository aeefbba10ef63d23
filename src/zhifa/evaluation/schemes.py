"""Evaluation schemes (效能评价方案): weighted components declared as data.

A component takes one value per agency and maps it to points out of its `weight`:

* `linear` — full points at `best`, none at `worst`, linear in between (clamped). Which end is
  best follows the direction: an indicator's `higher_is_better` from the indicator catalogue,
  else the component's own `higher_is_better`; `low`/`high` are the thresholds in the value's unit
  (for higher-is-better: worst = low, best = high; else worst = high, best = low);
* `rank` — among the evaluated agencies that have a value, competition ranking (ties share the
  better rank): points = weight × (n − rank) / (n − 1) (all points when n = 1).

A missing value scores `missing_points` ("zero": none, "full": all), explained either way.

Kinds: `indicator` (the engine's value of `slug` per agency), `review` (average case-file review
score, `zhifa.review.queries.agency_scores`), `clues` (confirmed clues per 100 enforcement acts),
`rectification` (share of supervision notices rectified on time, `zhifa.supervision`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

KINDS = ("indicator", "review", "clues", "rectification")
MAPPINGS = ("linear", "rank")


@dataclass(frozen=True)
class Component:
    code: str
    label: str
    kind: str
    weight: Decimal
    mapping: str = "linear"
    slug: str = ""  # indicator slug (kind "indicator")
    low: float | None = None
    high: float | None = None
    higher_is_better: bool = True  # for non-indicator kinds; indicators use the catalogue
    unit: str = ""
    missing_points: str = "zero"

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["weight"] = str(self.weight)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Component:
        return cls(**{**data, "weight": Decimal(str(data["weight"]))})


def _c(code: str, label: str, kind: str, weight: str, **kw: Any) -> Component:
    return Component(code, label, kind, Decimal(weight), **kw)


DEFAULT_CODE = "default"
DEFAULT_NAME = "行政执法效能评价方案"
DEFAULT_COMPONENTS: tuple[Component, ...] = (
    _c("on_time", "按期办结率", "indicator", "15", slug="on_time_rate", low=60, high=100, unit="%"),
    _c("exercise", "职权履行率", "indicator", "10", slug="exercise_rate", low=30, high=90, unit="%"),
    _c("certified", "持证率", "indicator", "10", slug="certified_share", low=80, high=100, unit="%"),
    _c(
        "conversion",
        "举报案件立案查处率",
        "indicator",
        "10",
        mapping="rank",
        slug="complaint_conversion",
        unit="%",
    ),
    _c("correction", "复议诉讼纠错率", "indicator", "10", slug="correction_rate", low=0, high=10, unit="%"),
    _c(
        "decision_days",
        "立案至决定天数",
        "indicator",
        "5",
        slug="median_decision_days",
        low=30,
        high=90,
        unit="天",
    ),
    _c("review", "案卷评查平均分", "review", "20", low=60, high=95, unit="分"),
    _c(
        "clues",
        "属实监督线索（每百件执法行为）",
        "clues",
        "10",
        low=0,
        high=5,
        higher_is_better=False,
        unit="件",
        missing_points="full",
    ),
    _c(
        "rectification",
        "监督整改按期完成率",
        "rectification",
        "10",
        low=50,
        high=100,
        unit="%",
        missing_points="full",
    ),
)


def markdown_table(components: tuple[Component, ...] = DEFAULT_COMPONENTS) -> str:
    """The default scheme's table in docs/evaluation.md (a test keeps them in sync)."""
    lines = ["| component | 名称 | 来源 | 权重 | 计分 | 缺数据 |", "|---|---|---|---|---|---|"]
    for c in components:
        source = f"indicator `{c.slug}`" if c.kind == "indicator" else c.kind
        rule = "rank" if c.mapping == "rank" else f"linear {c.low:g}–{c.high:g} {c.unit}".rstrip()
        lines.append(f"| `{c.code}` | {c.label} | {source} | {c.weight} | {rule} | {c.missing_points} |")
    return "\n".join(lines) + "\n"
