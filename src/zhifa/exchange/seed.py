"""Demo data: the five demo agencies' exports, generated and imported through the real pipeline.

The ``exchange`` seeder (order 60, after the powers list: the exports reference the city's
agencies, entities and powers) writes the exports of `zhifa.exchange.demo_sources` into
``<ZHIFA_DATA_DIR>/demo-exports/`` and imports each file with `actions.do_import_file` as the
system, with its source's mapping (copied next to the exports, so the runs point at a file an
operator may edit before re-processing the quarantine). The runs and their quarantined rows
(≈1.3 % planted bad rows) then show on /exchange/runs/ and in the API.

The size is chosen by `zhifa demo --scale small|default|large` (`exports_scale`), else by
``ZHIFA_DEMO_SCALE``, else ``small`` when ``ZHIFA_DEMO_SIZE=small`` (tests) and ``default``
(≈214,000 facts) otherwise. ``large`` (≈10 million facts) streams: the generators write row by
row, the JSON-array export is rewritten as JSON Lines (the JSON reader parses a whole document)
and the import reports its progress every `PROGRESS_EVERY` rows.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

from zhifa.analytics.actions import do_snapshot_registry
from zhifa.core import seeding
from zhifa.exchange.actions import ImportReport, Progress, do_import_file
from zhifa.exchange.demo_sources import SCALES, DemoExport, generate_demo_exports

SCALE_ENV = "ZHIFA_DEMO_SCALE"
EXPORTS_DIR = "demo-exports"
PROGRESS_EVERY = 1_000_000
_chosen: list[str] = []


def check_scale(name: str) -> str:
    if name not in SCALES:
        raise ValueError(f"演示导出规模应为 {'、'.join(SCALES)}，而不是 {name!r}")
    return name


@contextmanager
def exports_scale(name: str | None) -> Iterator[None]:
    """Seed the exports at scale `name` inside the block (None: the environment's choice)."""
    if name is None:
        yield
        return
    _chosen.append(check_scale(name))
    try:
        yield
    finally:
        _chosen.pop()


def current_scale() -> str:
    if _chosen:
        return _chosen[-1]
    named = os.environ.get(SCALE_ENV, "").strip().lower()
    if named:
        return check_scale(named)
    from zhifa.registry.seed import demo_size

    return "small" if demo_size().small_agencies_only else "default"


def exports_dir() -> Path:
    return Path(settings.DATA_DIR) / EXPORTS_DIR


# --- the seeder -----------------------------------------------------------------------------------


@seeding.register("exchange", order=60)
def seed_exchange() -> str:
    """Runs inside the transaction `zhifa.core.seeding.run_once` opens."""
    scale = current_scale()
    directory = exports_dir()
    exports = generate_demo_exports(directory, scale=scale)
    rows = sum(e.rows for e in exports)
    sources = len({e.source_system for e in exports})
    seeding.progress(
        f"数据交换：生成 {sources} 个来源的 {len(exports)} 个导出文件（规模 {scale}，{rows:,} 行）于 {directory}"
    )
    total = ImportReport()
    for export in exports:
        report = import_export(export, directory, streaming=scale == "large")
        seeding.progress(source_line(export, report))
        total.add(report)
    snapshots = do_snapshot_registry(None)
    seeding.progress(
        f"主数据快照：{'，'.join(f'{family} {rows:,} 行' for family, rows in snapshots.items())}"
    )
    return (
        f"数据交换：{sources} 个来源 {len(exports)} 个文件，读取 {total.read:,} 行，"
        f"接收 {accepted(total):,} 行，隔离 {total.quarantined:,} 行"
    )


def import_export(export: DemoExport, directory: Path, streaming: bool) -> ImportReport:
    """Import one source's export as the system, with (a copy of) its mapping."""
    path = as_json_lines(export.path) if streaming and export.path.suffix == ".json" else export.path
    mapping = copy_mapping(export.mapping, directory)
    progress = _progress_printer(export) if streaming else None
    return do_import_file(None, export.family, [path], export.source_system, mapping, progress=progress)


def accepted(report: ImportReport) -> int:
    return report.inserted + report.updated + report.unchanged


def source_line(export: DemoExport, report: ImportReport) -> str:
    return (
        f"{export.source_system}（{export.family}，{export.path.suffix.lstrip('.')}）："
        f"读取 {report.read:,} 行，接收 {accepted(report):,} 行，"
        f"隔离 {report.quarantined:,} 行，导入用时 {report.seconds:.1f} 秒"
    )


def copy_mapping(mapping: Path, directory: Path) -> Path:
    target = directory / "mappings" / mapping.name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(mapping, target)
    return target


def as_json_lines(path: Path) -> Path:
    """The generator's JSON array (``[``, one item per line each after a ``,``, ``]``) rewritten
    as JSON Lines line by line, item n on line n, so row numbers stay those of the array."""
    target = path.with_suffix(".jsonl")
    with path.open(encoding="utf-8") as source, target.open("w", encoding="utf-8") as out:
        for line in source:
            item = line.strip().removesuffix(",")
            if item not in ("[", "]", ""):
                out.write(item + "\n")
    path.unlink()
    return target


def _progress_printer(export: DemoExport) -> Progress:
    marks = iter(range(PROGRESS_EVERY, export.rows + PROGRESS_EVERY, PROGRESS_EVERY))
    next_mark = next(marks)

    def report(rows_read: int, seconds: float) -> None:
        nonlocal next_mark
        if rows_read < next_mark:
            return
        while next_mark <= rows_read:
            next_mark = next(marks, export.rows + 1)
        share = rows_read / max(export.rows, 1)
        seeding.progress(
            f"{export.source_system}：已读取 {rows_read:,} / {export.rows:,} 行（{share:.0%}，{seconds:.0f} 秒）"
        )

    return report
