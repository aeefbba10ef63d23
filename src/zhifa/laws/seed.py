"""Demo data: the national law corpus shipped in `zhifa/laws/corpus`, imported through the
import action as the system (order 10, like the registry seeder; it needs nothing from it).

`ZHIFA_DEMO_SIZE=small` (tests) imports a handful of laws spanning the demo's domains instead
of all 280 files, the way the registry seeder builds a reduced city.
"""

from __future__ import annotations

from pathlib import Path

from zhifa.core import seeding
from zhifa.laws.actions import do_import_law_files

CORPUS = Path(__file__).resolve().parent / "corpus"
SMALL_LAWS = (
    "行政处罚法",
    "行政许可法",
    "行政强制法",
    "食品安全法",
    "体育法",
    "产品质量法",
    "大气污染防治法",
    "安全生产法",
    "药品管理法",
    "消防法",
    "统计法",
)


def corpus_files(small: bool) -> list[Path]:
    if not small:
        return [CORPUS]
    return sorted(p for p in CORPUS.rglob("*.md") if p.name.partition("(")[0] in SMALL_LAWS)


@seeding.register("laws", order=10)
def seed_laws() -> str:
    from zhifa.registry.seed import demo_size

    report = do_import_law_files(None, corpus_files(demo_size().small_agencies_only))
    if report.errors:
        raise RuntimeError(f"法律库导入出错：{report.errors[:3]}")
    seeding.progress(f"法律法规 {report.laws} 部，版本 {report.versions} 个，条文 {report.articles} 条")
    return f"法律法规 {report.laws} 部（{report.versions} 个版本，{report.articles} 条）"
