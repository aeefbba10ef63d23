"""Demo exports: a year (2025) of facts as five agencies' own systems would export them.

`generate_demo_exports(directory, scale, seed)` reads the seeded demo city (agencies, officers'
certificates, entities, powers) and writes one file per source system, each in its own shape,
with a mapping file (``mappings/<source>.yaml``) that turns it into the exchange format and
about 1.5 % deliberately bad rows. See docs/mapping.md, "Demo sources".

| source | agency system | family | shape |
|---|---|---|---|
| hz_scjg_jcxt | 市场监管 inspections | inspection | GBK CSV, Chinese headers |
| hz_12345 | 12345 hotline | complaint | JSON array |
| hz_zhzf_cfjd | 综合行政执法 decisions | decision | JSON Lines, composite fields |
| hz_jtys_xk | 交通运输 licences | licence | UTF-8 CSV with BOM, ``;`` |
| hz_sthj_ajxt | 生态环境 cases | case | XLSX, US-style date-times |
| hz_sthj_ajxt (January) | 生态环境 cases re-sent | case | XLSX: a few decided cases with a changed fine |
| hz_zhzf_qzcs | 综合行政执法 seals, seizures, enforcement | coercion | UTF-8 CSV, Chinese codes |
| hz_fyys | 行政复议与应诉 | review | JSON array |

Besides the bad rows, each export carries a few *planted problems* (valid records the clue
models should raise: late licences, overdue seizures, summary fines above the limit …, see the
generators' ``PLANTS``), a few to a few dozen each at the default scale, at least two at small.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from zhifa.exchange.demo_sources import (
    ecology_cases,
    hotline_complaints,
    market_inspections,
    review_outcomes,
    transport_licences,
    urban_coercion,
    urban_decisions,
)
from zhifa.exchange.demo_sources.common import BadRow
from zhifa.exchange.demo_sources.world import DemoWorld, load_world

MAPPINGS = Path(__file__).parent / "mappings"
# Rows per source at the default scale (≈214,000 facts); `small` is 1 %, `large` ≈ 10 million.
DEFAULT_ROWS = {
    "complaint": 72_000,
    "inspection": 115_000,
    "decision": 12_000,
    "licence": 9_000,
    "case": 6_000,
}
SCALES = {"small": 0.01, "default": 1.0, "large": 10_000_000 / sum(DEFAULT_ROWS.values())}
DEFAULT_SEED = 2025


@dataclass(frozen=True)
class DemoExport:
    family: str
    source_system: str
    path: Path
    mapping: Path
    good_rows: int
    bad_rows: tuple[BadRow, ...]

    @property
    def expected_bad(self) -> int:
        return len(self.bad_rows)

    @property
    def rows(self) -> int:
        return self.good_rows + len(self.bad_rows)


def rows_at(scale: str) -> dict[str, int]:
    if scale not in SCALES:
        raise ValueError(f"scale 应为 {'、'.join(SCALES)}，而不是 {scale!r}")
    return {family: max(200, round(n * SCALES[scale])) for family, n in DEFAULT_ROWS.items()}


def generate_demo_exports(
    directory: str | Path, scale: str = "default", seed: int = DEFAULT_SEED, world: DemoWorld | None = None
) -> list[DemoExport]:
    """Write the five sources' exports into `directory` (created if needed)."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    world = world or load_world()
    rows = rows_at(scale)
    tickets: dict[str, list[tuple[str, int]]] = {}
    exports = []
    for module, extension in (
        (hotline_complaints, "json"),
        (market_inspections, "csv"),
        (urban_decisions, "jsonl"),
        (transport_licences, "csv"),
        (ecology_cases, "xlsx"),
        (urban_coercion, "csv"),
        (review_outcomes, "json"),
    ):
        path = out / f"{module.SOURCE}.{extension}"
        rng = random.Random(f"{seed}:{module.SOURCE}")
        count = rows.get(module.FAMILY, 0)
        if module is urban_coercion:
            count = urban_coercion.measures_at(rows["decision"])
        elif module is review_outcomes:
            count = review_outcomes.reviews_at(rows["decision"])
        if module in (hotline_complaints, market_inspections):
            good, bad = module.write(world, path, count, rng, tickets)
        else:
            good, bad = module.write(world, path, count, rng)
        mapping = MAPPINGS / f"{module.SOURCE}.yaml"
        exports.append(DemoExport(module.FAMILY, module.SOURCE, path, mapping, good, tuple(bad)))
        if module is ecology_cases:
            later = ecology_cases.corrections_path(path)
            exports.append(DemoExport(module.FAMILY, module.SOURCE, later, mapping, _xlsx_rows(later), ()))
    return exports


def _xlsx_rows(path: Path) -> int:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    try:
        return sum(1 for _ in book.active.iter_rows(min_row=2))
    finally:
        book.close()
