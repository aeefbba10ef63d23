"""Drawing the sample: the population of closed cases and a reproducible draw from a seed.

Population: the analytical store's current `case` records (outside agencies' and the platform's
own published cases alike) with `status = 'closed'` whose closing day — `closed_on`, else
`served_on`, else `decided_on` — lies in the round's period, of the agencies in the round's region
subtree (the registry's agencies there and the store's agency snapshot's). The matching `decision`
record (same source system, `case_source_id`) comes along for the pre-scoring.

Draw: the population is ordered by its natural key, so the result depends on the data and the
seed only, never on the store's file order. `random.Random(seed)`:

* `random`: `rng.sample(population, n)`;
* `agency` / `agency_power`: strata keyed by agency (and power), in key order; every stratum gets
  one case, the remaining `n − strata` are allocated proportionally to the strata's sizes by the
  largest remainder (ties by key), capped at each stratum's size; then `rng.sample` inside each
  stratum, strata in key order. When `n` is smaller than the number of strata, every stratum still
  gets one (the sample is as large as the number of strata).

The second-reviewer subset: `ceil(share × sample)` cases drawn with `random.Random(f"{seed}:second")`
from the sample in position order.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from zhifa.analytics import store
from zhifa.analytics.columns import view_columns
from zhifa.indicators.engine import region_prefix

CASE_COLUMNS = (
    "source_system",
    "source_id",
    "case_number",
    "agency_code",
    "power_code",
    "entity_kind",
    "entity_name",
    "officer_certificates",
    "violation_on",
    "procedure",
    "major_case",
    "filed_on",
    "notice_served_on",
    "hearing_offered",
    "hearing_requested_on",
    "hearing_held_on",
    "legal_review_on",
    "extension_approved_on",
    "decided_on",
    "served_on",
    "paid_on",
    "closed_on",
    "decision_kind",
    "penalty_kinds",
    "fine_amount",
    "confiscation_amount",
    "benchmark_tier",
    "legal_basis",
    "status",
)
DECISION_COLUMNS = (
    "decision_number",
    "served_on",
    "service_method",
    "paid_on",
    "enforcement",
    "enforcement_on",
    "legal_basis",
    "status",
)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def region_agencies(con: Any, region: Any) -> set[str]:
    """Agency codes in the region subtree: the registry's and the store's agency snapshot's."""
    from zhifa.registry.models import Agency

    codes = set(Agency.objects.filter(region__path__startswith=region.path).values_list("code", flat=True))
    if "region_code" in view_columns(con, "agency"):
        rows = con.execute(
            "SELECT DISTINCT agency_code FROM agency WHERE region_code LIKE ? AND agency_code IS NOT NULL",
            [region_prefix(region.code) + "%"],
        ).fetchall()
        codes |= {r[0] for r in rows}
    return codes


def _select(available: set[str], wanted: Sequence[str], alias: str) -> str:
    return ", ".join(f'{alias}."{c}"' if c in available else f'NULL AS "{c}"' for c in wanted)


def population(start: dt.date, end: dt.date, region: Any) -> list[dict[str, Any]]:
    """The closed cases of the period in the region, ordered by natural key; each row has the
    case record's fields and `decision` (the decision record's, or {})."""
    con = store.connect()
    try:
        agencies = region_agencies(con, region)
        case_cols = view_columns(con, "case")
        if not agencies or "status" not in case_cols:
            return []
        closing = (
            "coalesce("
            + ", ".join(f'c."{c}"' for c in ("closed_on", "served_on", "decided_on") if c in case_cols)
            + ")"
        )
        dec_cols = view_columns(con, "decision")
        join = "case_source_id" in dec_cols
        dec_select = _select(dec_cols, DECISION_COLUMNS, "d") if join else ""
        sql = (
            f"SELECT {_select(case_cols, CASE_COLUMNS, 'c')}"
            + (f", {dec_select}" if join else "")
            + ' FROM "case" c'
            + (
                " LEFT JOIN (SELECT * FROM decision QUALIFY row_number() OVER (PARTITION BY source_system,"
                " case_source_id ORDER BY decided_on DESC, source_id) = 1) d"
                " ON d.source_system = c.source_system AND d.case_source_id = c.source_id"
                if join
                else ""
            )
            + f" WHERE c.status = 'closed' AND {closing} >= ? AND {closing} < ?"
            + " AND c.agency_code IN (SELECT unnest(?::VARCHAR[]))"
            + " ORDER BY c.source_system, c.source_id"
        )
        cursor = con.execute(sql, [start, end, sorted(agencies)])
        names = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    finally:
        con.close()
    n_case = len(CASE_COLUMNS)
    result = []
    for row in rows:
        values = [_jsonable(v) for v in row]
        record = dict(zip(names[:n_case], values[:n_case], strict=True))
        decision = dict(zip(DECISION_COLUMNS, values[n_case:], strict=False)) if join else {}
        if not decision.get("decision_number"):
            decision = {}
        record["decision"] = decision
        result.append(record)
    return result


def stratum_key(row: dict[str, Any], strata: str) -> str:
    if strata == "agency":
        return row["agency_code"] or ""
    if strata == "agency_power":
        return f"{row['agency_code'] or ''}/{row['power_code'] or ''}"
    return ""


def allocate(sizes: dict[str, int], n: int) -> dict[str, int]:
    """One per stratum, the rest in proportion to the cases left, by largest remainder, capped."""
    keys = sorted(sizes)
    alloc = {k: 1 for k in keys}
    rest = min(n, sum(sizes.values())) - len(keys)
    while rest > 0:
        room = {k: sizes[k] - alloc[k] for k in keys if sizes[k] > alloc[k]}
        if not room:
            break
        total = sum(room.values())
        quotas = {k: rest * room[k] / total for k in room}
        given = {k: min(room[k], math.floor(q)) for k, q in quotas.items()}
        left = rest - sum(given.values())
        by_remainder = sorted(room, key=lambda k: (-(quotas[k] - math.floor(quotas[k])), k))
        for k in by_remainder:
            if left <= 0:
                break
            if given[k] < room[k]:
                given[k] += 1
                left -= 1
        for k, g in given.items():
            alloc[k] += g
        rest -= sum(given.values())
        if not any(given.values()):
            break
    return alloc


def draw(rows: list[dict[str, Any]], n: int, seed: int, strata: str) -> list[dict[str, Any]]:
    """The sample, each row with its `stratum`; reproducible from (rows, n, seed, strata)."""
    rows = sorted(rows, key=lambda r: (r["source_system"], r["source_id"]))
    rng = random.Random(seed)
    if strata == "random":
        chosen = rng.sample(rows, min(n, len(rows)))
        return [{**r, "stratum": ""} for r in chosen]
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[stratum_key(row, strata)].append(row)
    alloc = allocate({k: len(v) for k, v in groups.items()}, n)
    sample: list[dict[str, Any]] = []
    for key in sorted(groups):
        sample += [{**r, "stratum": key} for r in rng.sample(groups[key], alloc[key])]
    return sample


def second_subset(count: int, share: float, seed: int) -> set[int]:
    """Positions (0-based) of the cases a second reviewer scores."""
    if count == 0 or share <= 0:
        return set()
    k = min(count, math.ceil(share * count - 1e-9))
    return set(random.Random(f"{seed}:second").sample(range(count), k))
