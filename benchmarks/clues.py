"""Benchmark: every clue model over 10 million facts (run by hand: `make bench-clues`).

    .venv/bin/python benchmarks/clues.py [--facts 10000000] [--runs 1]

1. Generates the facts with the indicator benchmark's generator (`benchmarks/indicators.py`:
   84 agencies, 3,360 powers, 2,400 officers, 300,000 entities; inspections 50 %, decisions 20 %,
   cases 15 %, licences 8 %, complaints 4 %, coercion 2 %, reviews 1 %, dated 2025–2026) and adds
   the columns clue models read (officers' certificates, device GPS and entity locations, task
   windows, notice / review / service / payment dates, complaint deadlines, measure ends, licence
   acceptance …), about 1 % of each planted as a problem; stores them with `store.upsert` /
   `store.snapshot` (not timed; printed).
2. Baseline, same run: a plain full scan of every fact family through `store.connect()` (the max of
   every column of every current record — each byte of every file read once).
3. Times `engine.evaluate` of every model as of 2026-12-31 on a fresh `store.connect()`: the
   preparation of the shared relations, each model, the total (target < 10 s), and the findings.
   Registry reference tables (benchmark tiers, statutory ranges, no-penalty list) are generated
   for the powers too (a few thousand rows).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import indicators as base  # noqa: E402  (the indicator benchmark's generator)

ON = dt.date(2026, 12, 31)
H = "hash(f.source_id || '{salt}')"


def _h(salt: str) -> str:
    return H.format(salt=salt)


CERTS = (
    f"CASE WHEN {_h('c0')} % 200 = 0 THEN ['CERT' || ({_h('c1')} % 2400)]"
    f" ELSE ['CERT' || ({_h('c1')} % 2400), 'CERT' || ({_h('c2')} % 2400)] END"
)
ENTITY_NO = "CAST(substr(f.entity_credit_code, 9) AS BIGINT)"
LAT = f"30.8 + ({ENTITY_NO} % 1000) / 10000.0"
LON = f"120.0 + ({ENTITY_NO} // 1000 % 1000) / 10000.0"

# Per family: the columns replaced (REPLACE) and added, over the base generator's rows `f`.
EXTRA = {
    "inspection": (
        [
            # an entity is inspected by its own regulator, now and then by another agency
            f"CASE WHEN {_h('ag')} % 100 < 97 THEN 'AG' || lpad((hash(f.entity_credit_code) % 84)::VARCHAR, 16, '0')"
            " ELSE f.agency_code END AS agency_code",
        ],
        [
            f"{CERTS} AS officer_certificates",
            f"'{{\"latitude\": ' || CAST(round({LAT} + CASE WHEN {_h('g')} % 500 = 0 THEN 0.05 ELSE 0.0001 END, 6)"
            f" AS VARCHAR) || ', \"longitude\": ' || CAST(round({LON}, 6) AS VARCHAR) || '}}' AS gps",
            "'TASK' || (hash(f.agency_code) % 50) AS task_code",
            "CAST(f.started_at AS DATE) - 10 AS task_window_start",
            f"CAST(f.started_at AS DATE) + CASE WHEN {_h('w')} % 500 = 0 THEN -1 ELSE 20 END AS task_window_end",
            "FALSE AS joint",
        ],
    ),
    "case": (
        [
            f"f.filed_on + CASE WHEN {_h('d')} % 100 = 0 THEN 120 ELSE 2 + ({_h('d1')} % 78)::INTEGER END"
            " AS decided_on",
            f"(CASE WHEN f.procedure = 'summary' THEN CASE WHEN {_h('su')} % 100 = 0 THEN 5000 ELSE 100 END"
            f" ELSE (({_h('a')} % 190) * 100) + 5000 + CASE WHEN {_h('big')} % 300 = 0 THEN 200000 ELSE 0 END"
            " END)::DOUBLE AS fine_amount",
        ],
        [
            f"{CERTS} AS officer_certificates",
            f"f.filed_on - CASE WHEN {_h('v')} % 1000 = 0 THEN 900 ELSE 30 END AS violation_on",
            f"({_h('m')} % 100 = 0) AS major_case",
            "f.filed_on + 1 AS notice_served_on",
            f"({_h('hr')} % 300 <> 0) AS hearing_offered",
            f"CASE WHEN {_h('lr')} % 200 = 0 THEN NULL ELSE f.filed_on + 6 END AS legal_review_on",
            "NULL::DATE AS extension_approved_on",
            "'penalty' AS decision_kind",
            "['fine'] AS penalty_kinds",
            "'general' AS benchmark_tier",
        ],
    ),
    "decision": (
        [
            f"(CASE WHEN {_h('lo')} % 1000 = 0 THEN 100 ELSE (({_h('a')} % 190) * 100) + 5000 END)::DOUBLE"
            " AS fine_amount",
        ],
        [
            "'cas' || f.source_id AS case_source_id",
            "['fine'] AS penalty_kinds",
            "'general' AS benchmark_tier",
            f"f.decided_on + CASE WHEN {_h('s')} % 100 = 0 THEN 30 ELSE 2 END AS served_on",
            "'direct' AS service_method",
            "f.decided_on + 17 AS payment_due_on",
            f"CASE WHEN {_h('p')} % 100 = 0 THEN NULL ELSE f.decided_on + 10 END AS paid_on",
            "'none' AS enforcement",
            f"CASE WHEN {_h('x')} % 1000 = 0 THEN 999999.0 ELSE 0.0 END AS late_surcharge_amount",
        ],
    ),
    "complaint": (
        [],
        [
            "f.received_at + INTERVAL 15 DAY AS due_at",
            f"f.received_at + INTERVAL (CASE WHEN {_h('l')} % 100 = 0 THEN 20 ELSE {_h('l1')} % 14 END) DAY"
            " AS answered_at",
            "'商贸旅游/市场监管/商品质量' AS category",
            "'某路' || (hash(f.entity_credit_code) % 50000) || '号' AS place",
        ],
    ),
    "coercion": (
        [],
        [
            "'seal' AS measure_kind",
            f"{CERTS} AS officer_certificates",
            f"f.started_on + CASE WHEN {_h('e')} % 100 = 0 THEN 45 ELSE 20 END AS ended_on",
        ],
    ),
    "licence": (
        [],
        [f"f.issued_on - CASE WHEN {_h('k')} % 100 = 0 THEN 80 ELSE 10 END AS accepted_on"],
    ),
}


def _family_sql(family: str, start: int, count: int) -> str:
    sql = base._family_sql(family, start, count)
    replace, add = EXTRA.get(family, ([], []))
    star = f"* REPLACE ({', '.join(replace)})" if replace else "*"
    return f"SELECT {star}{''.join(', ' + a for a in add)} FROM ({sql}) f"


def load(total: int) -> dict[str, int]:
    import duckdb

    from zhifa.analytics import store

    con = duckdb.connect()
    masters = base._masters(con)
    entities = masters["entity"]
    con.register("entities", entities)
    masters["entity"] = con.sql(
        "SELECT *, 30.8 + (CAST(substr(credit_code, 9) AS BIGINT) % 1000) / 10000.0 AS latitude,"
        " 120.0 + (CAST(substr(credit_code, 9) AS BIGINT) // 1000 % 1000) / 10000.0 AS longitude FROM entities"
    ).to_arrow_table()
    con.register("powers", masters["power"])
    masters["power"] = con.sql(
        "SELECT *, 'penalty' AS kind, DATE '2020-01-01' AS effective_from, '职权' || power_code AS name FROM powers"
    ).to_arrow_table()
    for family, table in masters.items():
        store.snapshot(family, table)
    counts = {}
    for family, share in base.SHARES.items():
        rows = int(total * share)
        counts[family] = rows
        for batch, start in enumerate(range(0, rows, base.CHUNK)):
            table = con.sql(_family_sql(family, start, min(base.CHUNK, rows - start))).to_arrow_table()
            store.upsert(family, table, f"bench-{family}", batch_no=batch)
    return counts


def reference_tables():  # -> dict[str, pa.Table]
    """Benchmark tiers for every power (one in 50 wider than its statutory range, one decision in 100 above its tier), statutory ranges,
    and a no-penalty list of one power in 200."""
    from zhifa.clues import reference

    codes = [f"P{a:03d}{p:03d}" for a in range(base.AGENCIES) for p in range(base.POWERS_PER_AGENCY)]
    tiers, statute, listed = [], [], []
    for n, code in enumerate(codes):
        holder = f"AG{int(code[1:4]):016d}"
        top = 30000.0 if n % 50 == 0 else 24000.0
        for k, (tier, low, high) in enumerate((("lenient", 0.0, 8000.0), ("general", 5000.0, top))):
            tiers.append(
                {
                    "tier_id": n * 2 + k,
                    "benchmark_id": n,
                    "benchmark_version": 1,
                    "effective_from": dt.date(2020, 1, 1),
                    "power_code": code,
                    "agency_code": holder,
                    "tier": tier,
                    "range_kind": "fixed",
                    "minimum": low,
                    "maximum": high,
                    "base": "",
                }
            )
        statute.append(
            {
                "power_code": code,
                "kind": "fixed",
                "minimum": 0.0,
                "maximum": 25000.0,
                "base": "",
                "aggravated": False,
                "citation": "《某法》第五十条",
            }
        )
        if n % 200 == 0:
            listed.append({"power_code": code, "kind": "first"})
    return {
        "r_tier": reference.table(tiers, reference.TIER_SCHEMA),
        "r_statute": reference.table(statute, reference.STATUTE_SCHEMA),
        "r_no_penalty": reference.table(listed, reference.NO_PENALTY_SCHEMA),
    }


FAMILIES = ("inspection", "decision", "case", "licence", "complaint", "coercion", "review")


def baseline() -> float:
    """A plain full scan: the max of every column of every current fact."""
    from zhifa.analytics import store

    con = store.connect()
    try:
        started = time.perf_counter()
        for family in FAMILIES:
            con.sql(f'SELECT CAST(max(COLUMNS(*)) AS VARCHAR) FROM "{family}"').fetchall()
        return time.perf_counter() - started
    finally:
        con.close()


def run_models(reference) -> tuple[float, dict[str, float], list]:
    from zhifa.clues import engine

    timings: dict[str, float] = {}
    started = time.perf_counter()
    outcomes = engine.evaluate(on=ON, reference=reference, timings=timings)
    return time.perf_counter() - started, timings, outcomes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--facts", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--keep", default=None, help="use (and keep) this data directory; load only if empty")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="zhifa-bench-clues-") as scratch:
        data_dir = args.keep or scratch
        os.environ["ZHIFA_DATA_DIR"] = data_dir
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhifa.settings")
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)  # parameter settings are read from the database
        started = time.perf_counter()
        if args.keep and (Path(data_dir) / "analytics" / "inspection").exists():
            print(f"using the facts already in {data_dir}")
        else:
            counts = load(args.facts)
            print(f"loaded {sum(counts.values()):,} facts in {time.perf_counter() - started:.1f} s: {counts}")
        reference = reference_tables()
        scan = baseline()
        print(f"baseline: plain full scan of every column of every fact: {scan:.2f} s")
        totals = []
        for run in range(args.runs):
            total, timings, outcomes = run_models(reference)
            totals.append(total)
            parts = ", ".join(f"{k[8:]} {v:.2f}" for k, v in timings.items() if k.startswith("prepare:"))
            print(f"run {run + 1}: prepare shared relations {timings['prepare']:.2f} s ({parts})")
            for o in outcomes:
                print(f"  {o.model.slug:<36} {o.seconds:6.2f} s  {len(o.findings):>8,} findings")
            found = sum(len(o.findings) for o in outcomes)
            print(
                f"  all {len(outcomes)} models: {total:.2f} s, {found:,} findings "
                f"({total / scan:.1f}× the plain scan; target < 10 s: {'ok' if total < 10 else 'MISSED'})"
            )
        if args.runs > 1:
            print(f"median of {args.runs} runs: {statistics.median(totals):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
