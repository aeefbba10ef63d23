"""Reference tables the clue models read from the relational registry (not the store): the
discretion benchmarks' tiers, the statutory fine ranges of each power's provisions (law library)
and the no-penalty lists. Small (one row per tier / range / listed power), read in a few queries.
"""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa

from zhifa.powers.citations import article_citation

TIER_SCHEMA = pa.schema(
    [
        ("tier_id", pa.int64()),
        ("benchmark_id", pa.int64()),
        ("benchmark_version", pa.int64()),
        ("effective_from", pa.date32()),
        ("power_code", pa.string()),
        ("agency_code", pa.string()),
        ("tier", pa.string()),
        ("range_kind", pa.string()),
        ("minimum", pa.float64()),
        ("maximum", pa.float64()),
        ("base", pa.string()),
    ]
)
STATUTE_SCHEMA = pa.schema(
    [
        ("power_code", pa.string()),
        ("kind", pa.string()),
        ("minimum", pa.float64()),
        ("maximum", pa.float64()),
        ("base", pa.string()),
        ("aggravated", pa.bool_()),
        ("citation", pa.string()),
    ]
)
NO_PENALTY_SCHEMA = pa.schema([("power_code", pa.string()), ("kind", pa.string())])


def _float(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def table(rows: list[dict[str, object]], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=schema)


def tiers() -> pa.Table:
    from zhifa.powers.models import BenchmarkTier

    rows = [
        {
            "tier_id": t.pk,
            "benchmark_id": t.benchmark_id,
            "benchmark_version": t.benchmark.version,
            "effective_from": t.benchmark.effective_from,
            "power_code": t.benchmark.power.code,
            "agency_code": t.benchmark.power.holder.code,
            "tier": t.tier,
            "range_kind": t.range_kind,
            "minimum": _float(t.minimum),
            "maximum": _float(t.maximum),
            "base": t.base,
        }
        for t in BenchmarkTier.objects.select_related("benchmark__power__holder").iterator(chunk_size=2000)
    ]
    return table(rows, TIER_SCHEMA)


def statute() -> pa.Table:
    """Fine ranges of the provisions bound to powers that have a benchmark (the only ones judged)."""
    from zhifa.powers.models import Power

    powers = (
        Power.objects.filter(benchmarks__isnull=False)
        .distinct()
        .prefetch_related("provisions__fine_ranges", "provisions__article__version__law")
    )
    rows = []
    for power in powers:
        for provision in power.provisions.all():
            citation = article_citation(provision.article, provision.paragraph_number, provision.item_number)
            for r in provision.fine_ranges.all():
                rows.append(
                    {
                        "power_code": power.code,
                        "kind": r.kind,
                        "minimum": _float(r.minimum),
                        "maximum": _float(r.maximum),
                        "base": r.base,
                        "aggravated": r.aggravated,
                        "citation": citation,
                    }
                )
    return table(rows, STATUTE_SCHEMA)


def no_penalty() -> pa.Table:
    from zhifa.powers.models import NoPenaltyRule

    rows = [
        {"power_code": code, "kind": kind}
        for code, kind in NoPenaltyRule.objects.filter(active=True).values_list("power__code", "kind")
    ]
    return table(rows, NO_PENALTY_SCHEMA)


TABLES: dict[str, Callable[[], pa.Table]] = {
    "r_tier": tiers,
    "r_statute": statute,
    "r_no_penalty": no_penalty,
}
