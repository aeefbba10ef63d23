"""Benchmark: the indicator engine over 10 million facts (run by hand: `make bench-indicators`).

    .venv/bin/python benchmarks/indicators.py [--facts 10000000] [--runs 3] [--drills 50]
                                              [--postgres URL | --skip-postgres]

1. Generates a city's facts with DuckDB (84 agencies, 3,360 powers, 2,400 officers, 300,000
   entities; inspections 50 %, penalty decisions 20 %, cases 15 %, licences 8 %, complaints 4 %,
   coercion 2 %, reviews 1 % of the facts, dated 2025–2026) and stores them in a temporary
   store with `store.upsert` / `store.snapshot` (not timed; printed).
2. Times `engine.compute("2026")` — every indicator for every agency with the 2025 values and
   the year-on-year change (the cockpit's heaviest load; target < 2 s), each run on a fresh
   `store.connect()`: first once right after the load (it builds the base relations of 2025–2026
   from the 10M facts and keeps them, `store.cached`), then `--runs` times as every later request
   does (the base read back, all indicators computed from it).
3. Times 50 drill-downs (`engine.drill`, random agency and single-family indicator — penalties,
   inspections, licences, cases, complaints, reviews — first page, each with its own
   `store.connect()` as an API request): p50/p95 (target p95 < 200 ms); then the composite "all
   acts" drill-down (four families merged) separately. The first drill-down of each family after
   new facts builds its drill index and is timed apart.
4. The same grouped SQL — count, sum and median of the amount per agency over all facts — on
   DuckDB over the store and on PostgreSQL holding the same facts (COPY into an unlogged table in
   `--postgres`, dropped afterwards): both times and the ratio, measured in this run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
AGENCIES, POWERS_PER_AGENCY, OFFICERS, ENTITIES = 84, 40, 2400, 300_000
SHARES = {
    "inspection": 0.50,
    "decision": 0.20,
    "case": 0.15,
    "licence": 0.08,
    "complaint": 0.04,
    "coercion": 0.02,
    "review": 0.01,
}
CHUNK = 1_000_000
DISTRICTS = "['330502', '330503', '330521', '330522', '330523', '330500']"

# Shared SQL pieces: h(i, salt) a pseudo-random number; the agency, its power and an entity.
_H = "hash(i * 2654435761 + {salt})"
AGENCY = f"'AG' || lpad(({_H.format(salt=1)} % {AGENCIES})::VARCHAR, 16, '0')"
POWER = (
    f"'P' || lpad(({_H.format(salt=1)} % {AGENCIES})::VARCHAR, 3, '0')"
    f" || lpad(({_H.format(salt=2)} % {POWERS_PER_AGENCY})::VARCHAR, 3, '0')"
)
ENTITY = f"'91330500' || lpad(({_H.format(salt=3)} % {ENTITIES})::VARCHAR, 10, '0')"
DAY = f"DATE '2025-01-01' + ({_H.format(salt=4)} % 730)::INTEGER"


def _family_sql(family: str, start: int, count: int) -> str:
    common = (
        f"'bench' AS source_system, '{family[:3]}' || i AS source_id, {AGENCY} AS agency_code,"
        f" {POWER} AS power_code, CASE WHEN {_H.format(salt=5)} % 5 = 0 THEN 'person' ELSE 'enterprise' END"
        f" AS entity_kind, {ENTITY} AS entity_credit_code, '某某有限公司' || ({_H.format(salt=3)} % {ENTITIES})"
        " AS entity_name"
    )
    rows = f"FROM range({start}, {start + count}) r(i)"
    amount = f"(({_H.format(salt=6)} % 200) * 100)::DOUBLE"
    if family == "inspection":
        return (
            f"SELECT {common}, ({DAY})::TIMESTAMP + INTERVAL 9 HOUR AS started_at, 'J' || i AS record_number,"
            f" CASE WHEN {_H.format(salt=7)} % 20 = 0 THEN 'T' || ({_H.format(salt=8)} % 400000) END"
            f" AS complaint_ticket_number, 'plan' AS origin, 'no_problem' AS result {rows}"
        )
    if family == "decision":
        return (
            f"SELECT {common}, {DAY} AS decided_on, {amount} AS fine_amount, 'D' || i AS decision_number,"
            f" ['L' || ({_H.format(salt=9)} % 500)] AS legal_basis, 'effective' AS status {rows}"
        )
    if family == "case":
        return (
            f"SELECT {common}, {DAY} AS filed_on, CASE WHEN {_H.format(salt=10)} % 10 = 0 THEN NULL"
            f" ELSE {DAY} + ({_H.format(salt=11)} % 150)::INTEGER END AS decided_on, 'C' || i AS case_number,"
            f" CASE WHEN {_H.format(salt=12)} % 7 = 0 THEN 'summary' ELSE 'general' END AS procedure,"
            f" {amount} AS fine_amount, 'decided' AS status {rows}"
        )
    if family == "licence":
        return f"SELECT {common}, {DAY} AS issued_on, 'X' || i AS licence_number, 'valid' AS status {rows}"
    if family == "coercion":
        return (
            f"SELECT {common}, {DAY} AS started_on, 'Q' || i AS document_number,"
            f" CASE WHEN i % 3 = 0 THEN 'execution' ELSE 'measure' END AS category, {amount} AS property_value,"
            f" 'lifted' AS status {rows}"
        )
    if family == "complaint":
        return (
            f"SELECT 'bench' AS source_system, 'cmp' || i AS source_id, {AGENCY} AS routed_agency_code,"
            f" ({DAY})::TIMESTAMP + INTERVAL 10 HOUR AS received_at, 'T' || i AS ticket_number,"
            f" {ENTITY} AS entity_credit_code, 'closed' AS status {rows}"
        )
    return (
        f"SELECT 'bench' AS source_system, 'rev' || i AS source_id, {AGENCY} AS respondent_agency_code,"
        f" {POWER} AS power_code, {DAY} AS filed_on, {DAY} + 60 AS concluded_on,"
        f" ['upheld', 'changed', 'revoked', 'dismissed', 'upheld'][1 + ({_H.format(salt=13)} % 5)::INTEGER]"
        f" AS outcome, 'R' || i AS review_number {rows}"
    )


def _masters(con) -> dict[str, object]:  # -> pa.Table per family
    agencies = con.sql(
        f"SELECT 'AG' || lpad(k::VARCHAR, 16, '0') AS agency_code, '执法局' || k AS name,"
        f" {DISTRICTS}[1 + (k % 6)::INTEGER] AS region_code, 'active' AS status FROM range({AGENCIES}) r(k)"
    ).to_arrow_table()
    powers = con.sql(
        f"SELECT 'P' || lpad(a::VARCHAR, 3, '0') || lpad(p::VARCHAR, 3, '0') AS power_code,"
        f" 'AG' || lpad(a::VARCHAR, 16, '0') AS holder_agency_code, 'domain' || (a % 12) AS domain,"
        f" 'active' AS status, ['L' || ((a * 40 + p) % 500), 'L' || ((a * 40 + p + 1) % 500)] AS legal_basis"
        f" FROM range({AGENCIES}) r(a), range({POWERS_PER_AGENCY}) q(p)"
    ).to_arrow_table()
    officers = con.sql(
        f"SELECT 'ID' || k AS id_number, 'AG' || lpad((k % {AGENCIES})::VARCHAR, 16, '0') AS agency_code,"
        f" 'active' AS status FROM range({OFFICERS}) r(k)"
    ).to_arrow_table()
    certificates = con.sql(
        "SELECT 'CERT' || k AS certificate_number, 'ID' || k AS officer_id_number, 'valid' AS status,"
        f" DATE '2020-01-01' AS issued_on, DATE '2030-01-01' AS expires_on FROM range({OFFICERS}) r(k)"
        " WHERE k % 10 <> 0"
    ).to_arrow_table()
    entities = con.sql(
        f"SELECT '91330500' || lpad(k::VARCHAR, 10, '0') AS credit_code,"
        f" {DISTRICTS}[1 + (k % 6)::INTEGER] || CASE WHEN k % 2 = 0 THEN '001' ELSE '' END AS region_code,"
        f" chr(65 + (k % 20)::INTEGER) AS industry, 'enterprise' AS entity_kind FROM range({ENTITIES}) r(k)"
    ).to_arrow_table()
    return {
        "agency": agencies,
        "power": powers,
        "officer": officers,
        "certificate": certificates,
        "entity": entities,
    }


def load(total: int) -> dict[str, int]:
    import duckdb

    from zhifa.analytics import store

    con = duckdb.connect()
    for family, table in _masters(con).items():
        store.snapshot(family, table)
    counts = {}
    for family, share in SHARES.items():
        rows = int(total * share)
        counts[family] = rows
        for batch, start in enumerate(range(0, rows, CHUNK)):
            table = con.sql(_family_sql(family, start, min(CHUNK, rows - start))).to_arrow_table()
            store.upsert(family, table, f"bench-{family}", batch_no=batch)
    return counts


GROUPED_SQL = """
SELECT agency_code, count(*) AS n, sum(amount) AS total,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY amount) AS median
FROM {facts} GROUP BY agency_code
"""
FACTS_SQL = """
SELECT agency_code, 'inspection' AS family, CAST(started_at AS DATE) AS acted_on, NULL::DOUBLE AS amount FROM inspection
UNION ALL SELECT agency_code, 'decision', decided_on, fine_amount FROM decision
UNION ALL SELECT agency_code, 'case', filed_on, fine_amount FROM "case"
UNION ALL SELECT agency_code, 'licence', issued_on, NULL FROM licence
UNION ALL SELECT agency_code, 'coercion', started_on, property_value FROM coercion
UNION ALL SELECT routed_agency_code, 'complaint', CAST(received_at AS DATE), NULL FROM complaint
UNION ALL SELECT respondent_agency_code, 'review', concluded_on, NULL FROM review
"""


def _timed(function, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return times


def bench_engine(runs: int, drills: int) -> dict[str, object]:
    import random

    from zhifa.analytics import store
    from zhifa.indicators import engine

    period = engine.parse_period("2026")
    result: dict[str, object] = {}
    result["connect"] = _timed(lambda: store.connect().close(), 3)
    values: list = []
    result["cold"] = _timed(lambda: values.append(engine.compute(period)), 1)[0]
    result["base"] = engine.TIMINGS.get("base", 0.0)
    result["compute"] = _timed(lambda: values.append(engine.compute(period)), runs)
    result["values"] = len(values[-1])
    result["indicators"] = len({v.slug for v in values[-1]})
    result["agencies"] = len({v.key for v in values[-1]})
    agencies = sorted({v.key for v in values[-1]})
    rng = random.Random(7)
    slugs = ["penalties", "inspections", "licences", "cases_filed", "complaints", "correction_rate"]
    # The first drill-down of each family after new facts builds its drill index (the year's rows
    # ordered by agency, store.cached): timed apart, then every later drill-down as the API runs
    # it — its own store.connect() and the page.
    result["drill_index"] = _timed(lambda: [engine.drill(period, slug) for slug in [*slugs, "acts"]], 1)[0]
    result["drill"] = [
        _timed(lambda: engine.drill(period, rng.choice(slugs), agency=rng.choice(agencies)), 1)[0]
        for _ in range(drills)
    ]
    result["drill_acts"] = [
        _timed(lambda: engine.drill(period, "acts", agency=rng.choice(agencies)), 1)[0]
        for _ in range(max(10, drills // 5))
    ]
    con = store.connect()
    try:
        facts = f"({FACTS_SQL}) facts"
        result["duckdb_grouped"] = _timed(lambda: con.sql(GROUPED_SQL.format(facts=facts)).fetchall(), runs)
        result["duckdb_rows"] = con.sql(f"SELECT count(*) FROM {facts}").fetchall()[0][0]
    finally:
        con.close()
    return result


def bench_postgres(url: str, runs: int) -> dict[str, float]:
    import psycopg

    from zhifa.analytics import store

    table = f"bench_facts_{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "facts.csv"
        con = store.connect()
        con.execute(f"COPY ({FACTS_SQL}) TO '{csv_path}' (HEADER false, DELIMITER ',')")
        con.close()
        with psycopg.connect(url, autocommit=True) as pg:
            pg.execute(
                f"CREATE UNLOGGED TABLE {table} (agency_code text, family text, acted_on date, amount double precision)"
            )
            try:
                started = time.perf_counter()
                with pg.cursor() as cursor, cursor.copy(f"COPY {table} FROM STDIN (FORMAT csv)") as copy:
                    with csv_path.open("rb") as handle:
                        while chunk := handle.read(1 << 20):
                            copy.write(chunk)
                loaded = time.perf_counter() - started
                pg.execute(f"ANALYZE {table}")
                times = _timed(lambda: pg.execute(GROUPED_SQL.format(facts=table)).fetchall(), runs)
                rows = pg.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            finally:
                pg.execute(f"DROP TABLE IF EXISTS {table}")
    return {"copy_seconds": loaded, "grouped": times, "rows": rows}


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--facts", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--drills", type=int, default=50)
    parser.add_argument("--postgres", default=os.environ.get("BENCH_POSTGRES", LOCAL_POSTGRES))
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="zhifa-bench-indicators-") as data_dir:
        os.environ["ZHIFA_DATA_DIR"] = data_dir
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhifa.settings")
        # the supervision indicators read the relational DB: an empty SQLite one in the temp dir
        os.environ.pop("DATABASE_URL", None)
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        counts = load(args.facts)
        print(f"loaded {sum(counts.values()):,} facts in {time.perf_counter() - started:.1f} s: {counts}")
        result = bench_engine(args.runs, args.drills)
        compute = result["compute"]
        print(f"store.connect(): median {statistics.median(result['connect']) * 1000:.0f} ms")
        print(
            f"first computation after the load (builds the base relations: {result['base']:.2f} s): "
            f"{result['cold']:.2f} s"
        )
        print(
            f"all indicators, all agencies, 2026 vs 2025 ({result['indicators']} indicators × "
            f"{result['agencies']} agencies = {result['values']} values): "
            f"runs {', '.join(f'{t:.2f}' for t in compute)} s → median {statistics.median(compute):.2f} s "
            f"(target < 2 s: {'ok' if statistics.median(compute) < 2 else 'MISSED'})"
        )
        drill = result["drill"]
        print(f"first drill-down of each family (builds the drill indexes): {result['drill_index']:.2f} s")
        print(
            f"drill-down ({len(drill)} runs, each with its own connect()): p50 {_p(drill, 0.5) * 1000:.0f} ms, "
            f"p95 {_p(drill, 0.95) * 1000:.0f} ms (target p95 < 200 ms: "
            f"{'ok' if _p(drill, 0.95) < 0.2 else 'MISSED'})"
        )
        acts = result["drill_acts"]
        print(
            f"drill-down of all acts (inspections + decisions + licences + coercion, {len(acts)} runs): "
            f"p50 {_p(acts, 0.5) * 1000:.0f} ms, p95 {_p(acts, 0.95) * 1000:.0f} ms"
        )
        duck = statistics.median(result["duckdb_grouped"])
        print(
            f"grouped count+sum+median per agency over {result['duckdb_rows']:,} facts: DuckDB {duck:.2f} s"
        )
        if not args.skip_postgres:
            pg = bench_postgres(args.postgres, args.runs)
            slow = statistics.median(pg["grouped"])
            print(
                f"  PostgreSQL ({pg['rows']:,} rows, COPY {pg['copy_seconds']:.1f} s): {slow:.2f} s "
                f"→ DuckDB is {slow / duck:.1f}× faster; the full indicator set takes "
                f"{statistics.median(compute) / slow:.2f}× PostgreSQL's one grouped query"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
