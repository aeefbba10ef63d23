"""Benchmark: analytics store upsert throughput against bare Parquet writes (run by hand).

    .venv/bin/python benchmarks/analytics_store.py [--rows 1000000 5000000] [--batch 1000000]

For each size: generate inspection-like rows (25 columns) in memory (not timed), write them
once with DuckDB's bare `COPY … TO '….parquet'` (the floor: the store writes its files the same
way, but also hashes, versions, partitions and commits to the Delta log) and once with pyarrow's
Parquet writer (for reference), then time `store.upsert` of the same rows into an empty store in
batches (first load: all inserts), and again (re-import: all unchanged, nothing written).
Prints rows/s and the ratio of each upsert's time to the bare DuckDB COPY of the same run (the
machine is shared: compare ratios, and run twice).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def _rows(count: int):  # -> pa.Table
    import duckdb

    con = duckdb.connect()
    con.execute("SET TimeZone = 'Asia/Shanghai'")
    return con.sql(
        f"""
        SELECT 'sys-' || (i % 5) AS source_system, 'INS' || lpad(i::VARCHAR, 10, '0') AS source_id,
               '3305' || lpad((i % 84)::VARCHAR, 8, '0') AS agency_code,
               'P' || lpad((i % 900)::VARCHAR, 6, '0') AS power_code,
               '91330500' || lpad((i % 200000)::VARCHAR, 10, '0') AS entity_credit_code,
               '某某商贸有限公司' || (i % 200000) AS entity_name,
               TIMESTAMP '2024-01-01' + to_seconds(i * 13 % 63072000) AS started_at,
               TIMESTAMP '2024-01-01' + to_seconds(i * 13 % 63072000 + 3600) AS end_time,
               '湖州市吴兴区某街道' || (i % 5000) || '号' AS place,
               30.8 + (i % 1000) / 10000.0 AS latitude, 120.0 + (i % 1000) / 10000.0 AS longitude,
               ['plan', 'random', 'complaint', 'risk'][1 + i % 4] AS origin,
               (i % 3 = 0) AS problem_found, ['合格', '责令整改', '立案'][1 + i % 3] AS result,
               'ZJ' || lpad((i % 1200)::VARCHAR, 8, '0') AS officer_1,
               'ZJ' || lpad(((i + 7) % 1200)::VARCHAR, 8, '0') AS officer_2,
               '检查事项' || (i % 40) AS item, (i % 17)::INTEGER AS item_count,
               '330502' AS region_code, (i % 11)::INTEGER AS risk_level,
               CASE WHEN i % 9 = 0 THEN NULL ELSE 'remark ' || (i % 777) END AS remark,
               DATE '2024-01-01' + (i % 700)::INTEGER AS plan_date, 'v1' AS schema_version,
               (i % 100000) * 1.5 AS amount, (i % 2 = 0) AS on_site
        FROM range({count}) r(i)
        """
    ).to_arrow_table()


def _bare_copy(table, path: Path) -> float:  # table: pa.Table
    import duckdb

    con = duckdb.connect()
    con.register("rows", table)
    started = time.perf_counter()
    con.execute(f"COPY rows TO '{path}' (FORMAT parquet)")
    seconds = time.perf_counter() - started
    con.close()
    return seconds


def _measure(rows: int, batch: int, workdir: Path) -> dict[str, float]:
    import pyarrow.parquet as pq

    from zhifa.analytics import store

    table = _rows(rows)
    copy = _bare_copy(table, workdir / f"duckdb-{rows}.parquet")
    started = time.perf_counter()
    pq.write_table(table, workdir / f"plain-{rows}.parquet")
    parquet = time.perf_counter() - started

    result = {"rows": rows, "columns": table.num_columns, "copy_s": copy, "parquet_s": parquet}
    for label in ("insert", "unchanged"):
        started = time.perf_counter()
        for number, offset in enumerate(range(0, rows, batch)):
            counts = store.upsert("inspection", table.slice(offset, batch), f"bench-{label}-{rows}", number)
            assert counts.total == min(batch, rows - offset)
        result[f"{label}_s"] = time.perf_counter() - started
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 5_000_000])
    parser.add_argument("--batch", type=int, default=1_000_000)
    args = parser.parse_args()
    for rows in args.rows:
        with tempfile.TemporaryDirectory(prefix="zhifa-bench-") as tmp:
            os.environ["ZHIFA_DATA_DIR"] = tmp
            os.environ["DJANGO_SETTINGS_MODULE"] = "zhifa.settings"
            from django.conf import settings

            settings.ANALYTICS_DIR = Path(tmp) / f"analytics-{rows}"
            r = _measure(rows, args.batch, Path(tmp))
        print(f"{rows:>10,} rows x {r['columns']} columns, batches of {args.batch:,}")
        print(f"  bare DuckDB COPY          {rows / r['copy_s']:>12,.0f} rows/s  ({r['copy_s']:.2f} s)")
        print(f"  plain Parquet (pyarrow)   {rows / r['parquet_s']:>12,.0f} rows/s  ({r['parquet_s']:.2f} s)")
        for label in ("insert", "unchanged"):
            seconds = r[f"{label}_s"]
            ratio = seconds / r["copy_s"]
            print(
                f"  upsert, all {label:<10}   {rows / seconds:>12,.0f} rows/s  ({seconds:.2f} s, {ratio:.2f}x COPY time)"
            )


if __name__ == "__main__":
    main()
