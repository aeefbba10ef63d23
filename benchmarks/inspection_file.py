"""Write an N-row inspection export (UTF-8 CSV, exchange field names) for the import benchmark.

Every row is valid against the exchange schema and the seeded registry: agency, power and entity
codes, certificate numbers and region codes are drawn from the database the benchmark imports
into, so the import does its full validation and accepts every row. DuckDB writes the file
(10 million rows in a few seconds) so generating is not what the benchmark waits for.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

COLUMNS = (
    "source_system",
    "source_id",
    "agency_code",
    "power_code",
    "entity_kind",
    "entity_credit_code",
    "entity_name",
    "officer_certificates",
    "started_at",
    "ended_at",
    "region_code",
    "origin",
    "result",
)


def reference_codes() -> dict[str, list[str]]:
    """Codes of the seeded registry (Django must be set up)."""
    from zhifa.core.models import Region
    from zhifa.powers.models import Power
    from zhifa.registry.models import Agency, Certificate, Entity

    entities = Entity.objects.exclude(credit_code__isnull=True).exclude(credit_code="").order_by("pk")
    pairs = list(entities.values_list("credit_code", "name"))
    return {
        "agency": list(Agency.objects.values_list("code", flat=True)),
        "power": list(Power.objects.values_list("code", flat=True)),
        "entity": [code for code, _ in pairs],
        "entity_name": [name for _, name in pairs],
        "certificate": list(Certificate.objects.values_list("number", flat=True)),
        "region": list(Region.objects.filter(code__startswith="3305").values_list("code", flat=True)),
    }


def write_inspection_csv(path: Path, rows: int, codes: dict[str, list[str]], source: str = "bench") -> int:
    """Write `rows` inspections of 2025 to `path`; returns the file size in bytes."""
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = true")
    for name, values in codes.items():
        con.register(f"_{name}", pa.table({"v": pa.array(values, pa.string())}))
        con.execute(f"CREATE TEMP TABLE {name}_codes AS SELECT list(v) AS l, count(*) AS n FROM _{name}")
    entity_pairs = "(SELECT e.l AS el, n.l AS nl, e.n AS en FROM entity_codes e, entity_name_codes n)"
    con.execute(
        f"""
        COPY (
          SELECT '{source}' AS source_system,
                 'JC' || lpad(i::VARCHAR, 10, '0') AS source_id,
                 a.l[1 + (hash(i, 1) % a.n)::BIGINT] AS agency_code,
                 p.l[1 + (hash(i, 2) % p.n)::BIGINT] AS power_code,
                 'enterprise' AS entity_kind,
                 e.el[1 + (hash(i, 3) % e.en)::BIGINT] AS entity_credit_code,
                 e.nl[1 + (hash(i, 3) % e.en)::BIGINT] AS entity_name,
                 c.l[1 + (hash(i, 4) % c.n)::BIGINT] || '/' || c.l[1 + ((hash(i, 4) + 1) % c.n)::BIGINT]
                   AS officer_certificates,
                 strftime(TIMESTAMP '2025-01-01 08:00:00' + to_seconds((hash(i, 5) % 31000000)::BIGINT),
                          '%Y-%m-%dT%H:%M:%S+08:00') AS started_at,
                 strftime(TIMESTAMP '2025-01-01 08:00:00' + to_seconds((hash(i, 5) % 31000000)::BIGINT + 5400),
                          '%Y-%m-%dT%H:%M:%S+08:00') AS ended_at,
                 r.l[1 + (hash(i, 6) % r.n)::BIGINT] AS region_code,
                 (['plan', 'random', 'complaint', 'risk'])[1 + (hash(i, 7) % 4)::BIGINT] AS origin,
                 (['no_problem', 'rectification', 'case_filed'])[1 + (hash(i, 8) % 3)::BIGINT] AS result
          FROM range({rows}) t(i), agency_codes a, power_codes p, {entity_pairs} e,
               certificate_codes c, region_codes r
          ORDER BY i
        ) TO '{path}' (HEADER, DELIMITER ',')
        """
    )
    con.close()
    return path.stat().st_size
