"""The catalogue section of docs/indicators.md, generated from the catalogue.

    .venv/bin/python -m zhifa.indicators.docs          # rewrite the section in docs/indicators.md

`tests/test_indicators_docs.py` fails when the page and the catalogue disagree."""

from __future__ import annotations

import sys
from pathlib import Path

from zhifa.indicators.catalogue import CATALOGUE, Indicator

START, END = "<!-- catalogue:start -->", "<!-- catalogue:end -->"
PAGE = Path(__file__).resolve().parents[3] / "docs" / "indicators.md"
_BETTER = {True: "越高越好", False: "越低越好", None: "—"}


def _entry(indicator: Indicator) -> str:
    if indicator.drill is None:
        drill = "无（主数据或汇总结果）"
    elif indicator.drill.relation:
        drill = f"{indicator.drill.relation}（关系库）"
    else:
        drill = "、".join(family for family, _ in indicator.drill.families)
    lines = [
        f"### `{indicator.slug}` {indicator.name}",
        "",
        indicator.definition,
        "",
        f"* 公式：{indicator.formula}",
        f"* 单位：{indicator.unit or '—'}；方向：{_BETTER[indicator.higher_is_better]}；"
        f"维度：{', '.join(indicator.dimensions)}；下钻记录：{drill}"
        + ("；无记录的单位显示 0" if indicator.zero_fill else "")
        + ("；数据来自关系库（非分析库）" if indicator.relational else ""),
        "",
        "```sql",
        indicator.sql.strip(),
        "```",
        "",
    ]
    return "\n".join(lines)


def render_catalogue() -> str:
    groups: dict[str, list[Indicator]] = {}
    for indicator in CATALOGUE:
        groups.setdefault(indicator.group, []).append(indicator)
    parts = [START, "", f"{len(CATALOGUE)} indicators.", ""]
    for group, members in groups.items():
        parts += [f"## {group}", ""]
        parts += [_entry(indicator) for indicator in members]
    parts.append(END)
    return "\n".join(parts)


def current_section(text: str) -> str:
    return text[text.index(START) : text.index(END) + len(END)]


def rewrite(page: Path = PAGE) -> None:
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace(current_section(text), render_catalogue()), encoding="utf-8")


if __name__ == "__main__":
    rewrite(Path(sys.argv[1]) if len(sys.argv) > 1 else PAGE)
