"""The cockpit's reads: indicator values through `zhifa.indicators.queries.indicator_values` (so
the pages show the API's numbers), a power's use by month through `engine.compute(by="month",
power=…)` (`power_use`), drill-downs through `engine.drill`, and the few breakdowns the engine
does not offer, written here over the store (`store.connect()`):

* complaints vs enforcement per industry (`alignment_rows`): the two histograms the catalogue's
  吻合度 compares (entity industry, GB/T 4754 sections), per agency;
* officers' workload (`officer_workload`): inspections and cases per officer certificate
  (`officer_certificates` of the inspection and case records, certificates from the store);
* one stored record (`stored_record`) from the family's current view.

Everything is limited to the caller's visible agencies (`indicators.api.visible_agencies`).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

import duckdb

from zhifa.analytics import store
from zhifa.analytics.columns import ViewColumns, view_columns
from zhifa.core import roles
from zhifa.core.identifiers import mask_id_number
from zhifa.indicators import engine
from zhifa.indicators.api import visible_agencies
from zhifa.indicators.catalogue import Indicator
from zhifa.indicators.engine import Period, Value
from zhifa.indicators.queries import indicator_values
from zhifa.registry.models import INDUSTRY_SECTIONS, Agency

# The overview's tiles, the region grid's columns, the bubble size and the bulletin's tables.
KPI_SLUGS = (
    "acts",
    "penalties",
    "inspections",
    "licences",
    "fines_total",
    "on_time_rate",
    "exercise_rate",
    "complaints",
    "alignment",
)
GRID_SLUGS = ("acts", "penalties", "inspections", "licences", "fines_total", "exercise_rate", "on_time_rate")
SIZE_SLUG = "acts"
DEFAULT_INDICATOR = "exercise_rate"
TREND_SLUGS = ("acts", "penalties", "inspections", "licences")
POWER_SLUGS = ("acts", "penalties", "inspections", "licences", "fines_total")
RECORDS_SLUG = "acts"  # a power's records: every act (inspection, decision, licence, coercion)
INDUSTRY_NAMES = dict(INDUSTRY_SECTIONS)
# Gap list: an industry is a gap of an agency when its share of the complaints exceeds its share
# of the enforcement acts by at least GAP_SHARE (percentage points) with at least GAP_MIN complaints.
GAP_SHARE = 10.0
GAP_MIN = 3

_FACTS = ("inspection", "decision", "licence", "coercion", "case", "complaint", "review")
# The column naming the agency a record belongs to (as engine.drill reads it).
AGENCY_COLUMN = {
    "inspection": "agency_code",
    "decision": "agency_code",
    "licence": "agency_code",
    "coercion": "agency_code",
    "case": "agency_code",
    "complaint": "routed_agency_code",
    "review": "respondent_agency_code",
}
_PERSONAL_ID_COLUMNS = ("entity_id_number",)


def scope(user: Any) -> list[str]:
    """The agency codes the user may read indicators of (403 via ActionError otherwise)."""
    return visible_agencies(user)


# --- periods -------------------------------------------------------------------------------


# A year greets the supervisor only once it holds this share of the busiest year's facts.
SUBSTANTIAL_SHARE = 0.2


def default_period() -> str:
    """The latest year with a substantial share of the facts (≥ `SUBSTANTIAL_SHARE` of the
    busiest year's), else this year. A year that has barely begun, or that only a few sources
    have reported yet, would open the cockpit on near-empty tiles and −99 % year-on-year."""
    con = store.connect()
    counts: dict[int, int] = {}
    try:
        for family in _FACTS:
            if "year" in view_columns(con, family):
                for year, n in con.sql(f'SELECT year, count(*) FROM "{family}" GROUP BY 1').fetchall():
                    if year is not None:
                        counts[int(year)] = counts.get(int(year), 0) + int(n)
    finally:
        con.close()
    return str(substantial_year(counts) or store.today().year)


def substantial_year(counts: dict[int, int]) -> int | None:
    """The latest year whose count is at least `SUBSTANTIAL_SHARE` of the largest."""
    if not counts:
        return None
    floor = SUBSTANTIAL_SHARE * max(counts.values())
    return max(year for year, n in counts.items() if n >= floor)


def period_choices(selected: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Year, quarters and months of the selected period's year and the two years before."""
    year = int(selected[:4]) if selected[:4].isdigit() else store.today().year
    top = max(year, store.today().year)
    groups = []
    for y in range(top, top - 3, -1):
        options = [(str(y), f"{y} 年")]
        options += [(f"{y}-Q{q}", f"{y} 年第 {q} 季度") for q in range(1, 5)]
        options += [(f"{y}-{m:02d}", f"{y} 年 {m} 月") for m in range(1, 13)]
        groups.append((f"{y} 年", options))
    return groups


def period_title(period: Period) -> str:
    if period.kind == "year":
        return f"{period.start.year} 年"
    if period.kind == "quarter":
        return f"{period.start.year} 年第 {(period.start.month + 2) // 3} 季度"
    return f"{period.start.year} 年 {period.start.month} 月"


# --- indicator values ----------------------------------------------------------------------


def values_by_agency(period: Period, agencies: Collection[str]) -> dict[str, dict[str, Value]]:
    """slug → agency code → value, for every visible agency (materialized for closed periods)."""
    out: dict[str, dict[str, Value]] = {}
    for value in indicator_values(period, by="agency", agencies=agencies):
        out.setdefault(value.slug, {})[value.key] = value
    return out


def totals(period: Period, agencies: Collection[str], slugs: Iterable[str] | None = None) -> dict[str, Value]:
    """slug → the value over all visible agencies (by="total", as the API's by=total)."""
    found = indicator_values(period, by="total", agencies=agencies, slugs=slugs)
    return {v.slug: v for v in found}


def breakdown(
    period: Period, agencies: Collection[str], by: str, slugs: Iterable[str], agency: str | None = None
) -> dict[str, dict[str, Value]]:
    """slug → key → value for a breakdown (month, region, power …)."""
    out: dict[str, dict[str, Value]] = {}
    for value in indicator_values(period, by=by, agencies=agencies, agency=agency, slugs=list(slugs)):
        out.setdefault(value.slug, {})[value.key] = value
    return out


def month_keys(period: Period) -> list[str]:
    first, last = period.start.month, (period.end - dt.timedelta(days=1)).month
    return [f"{m:02d}" for m in range(first, last + 1)]


@dataclass(frozen=True)
class Ranked:
    code: str
    value: float
    rank: int


def ranking(indicator: Indicator, values: dict[str, Value], codes: Iterable[str]) -> list[Ranked]:
    """Agencies with a value, best first (lowest first when lower is better; a volume: largest
    first); equal values share a rank."""
    present = [(c, values[c].value) for c in codes if c in values and values[c].value is not None]
    lower_first = indicator.higher_is_better is False
    present.sort(key=lambda item: (item[1] if lower_first else -item[1], item[0]))  # type: ignore[operator]
    out: list[Ranked] = []
    for n, (code, value) in enumerate(present, start=1):
        rank = out[-1].rank if out and out[-1].value == value else n
        out.append(Ranked(code, float(value), rank))  # type: ignore[arg-type]
    return out


# --- agencies ------------------------------------------------------------------------------


def agencies_by_code(user: Any, codes: Collection[str]) -> dict[str, Agency]:
    """The visible agencies (registry rows) of `codes`, with region and domains."""
    rows = (
        Agency.objects.restrict(user, roles.VIEW)
        .filter(code__in=list(codes))
        .select_related("region")
        .prefetch_related("domains")
    )
    return {a.code: a for a in rows}


def peers(agency: Agency, candidates: Iterable[Agency]) -> list[Agency]:
    """Agencies at the same region level sharing at least one enforcement domain (itself included)."""
    own = {d.code for d in agency.domains.all()}
    return [
        a
        for a in candidates
        if a.region.level == agency.region.level and own & {d.code for d in a.domains.all()}
    ]


@dataclass(frozen=True)
class PeerStat:
    median: float | None
    rank: int | None
    size: int  # agencies of the peer group with a value


def peer_stat(indicator: Indicator, values: dict[str, Value], code: str, group: Iterable[str]) -> PeerStat:
    ranked = ranking(indicator, values, group)
    numbers = [r.value for r in ranked]
    mine = next((r.rank for r in ranked if r.code == code), None)
    return PeerStat(statistics.median(numbers) if numbers else None, mine, len(numbers))


# --- a power's values ----------------------------------------------------------------------


def power_use(period: Period, power: str, agencies: Collection[str]) -> dict[str, dict[str, float]]:
    """Month ("01".."12") → the power's values of `POWER_SLUGS` in the period, in the visible
    agencies: the engine's own indicators, broken down by month and limited to the power."""
    out: dict[str, dict[str, float]] = {}
    if not agencies:
        return out
    for value in engine.compute(period, by="month", agencies=agencies, power=power, slugs=POWER_SLUGS):
        out.setdefault(value.key, dict.fromkeys(POWER_SLUGS, 0.0))[value.slug] = value.value or 0.0
    return out


def power_fines(period: Period, power: str, agencies: Collection[str]) -> list[float]:
    """Fine amounts (> 0) of the power's decisions in the period, in the visible agencies."""
    if not agencies:
        return []
    con = store.connect()
    try:
        present = view_columns(con, "decision")
        if not {"fine_amount", "decided_on", "power_code", "agency_code"} <= present:
            return []
        rows = con.sql(
            'SELECT CAST(fine_amount AS DOUBLE) FROM "decision" WHERE power_code = ? AND fine_amount > 0'
            " AND decided_on >= ? AND decided_on < ? AND list_contains(?, agency_code) ORDER BY 1",
            params=[power, period.start, period.end, sorted(agencies)],
        ).fetchall()
    finally:
        con.close()
    return [float(r[0]) for r in rows]


@dataclass
class TierBand:
    label: str
    minimum: float | None
    maximum: float | None
    count: int = 0


def fines_against_tiers(amounts: list[float], tiers: Iterable[Any]) -> tuple[list[TierBand], int]:
    """Fines counted per benchmark tier range (fixed ranges, in yuan); and how many fell in none.
    A fine inside several overlapping ranges counts for each of them."""
    bands = [
        TierBand(
            t.get_tier_display(),
            None if t.minimum is None else float(t.minimum),
            None if t.maximum is None else float(t.maximum),
        )
        for t in tiers
        if t.range_kind == "fixed" and (t.minimum is not None or t.maximum is not None)
    ]
    outside = 0
    for amount in amounts:
        hit = False
        for band in bands:
            low = band.minimum if band.minimum is not None else float("-inf")
            high = band.maximum if band.maximum is not None else float("inf")
            if low <= amount <= high:
                band.count += 1
                hit = True
        outside += 0 if hit else 1
    return bands, outside


# --- alignment (吻合度) ---------------------------------------------------------------------


# The catalogue's 吻合度 compares two histograms over the entities' industries (GB/T 4754
# sections, the entity registry's `industry`, joined by credit code or ID number): complaints
# routed to the agency (by receipt) and its enforcement acts — inspections (by start) and
# penalty decisions (by decision). The same mapping, per agency and industry, in the period.
def _alignment_sql(con: duckdb.DuckDBPyConnection) -> str:
    complaint, inspection, decision = (ViewColumns(con, f) for f in ("complaint", "inspection", "decision"))
    entity = ViewColumns(con, "entity")

    def key(view: ViewColumns) -> str:
        return f"coalesce({view.raw('entity_credit_code')}, {view.raw('entity_id_number')})"

    return f"""
    WITH industry AS (
        SELECT entity_key, any_value(industry) AS industry FROM (
            SELECT coalesce({entity.raw("credit_code")}, {entity.raw("id_number")}) AS entity_key,
                   {entity.raw("industry")} AS industry FROM entity) e
        WHERE entity_key IS NOT NULL GROUP BY 1
    ), c AS (
        SELECT {complaint.raw("routed_agency_code")} AS agency_code, {key(complaint)} AS entity_key,
               CAST({complaint.raw("received_at", "TIMESTAMPTZ")} AS DATE) AS on_date FROM complaint
    ), a AS (
        SELECT {inspection.raw("agency_code")} AS agency_code, {key(inspection)} AS entity_key,
               CAST({inspection.raw("started_at", "TIMESTAMPTZ")} AS DATE) AS on_date FROM inspection
        UNION ALL
        SELECT {decision.raw("agency_code")}, {key(decision)}, CAST({decision.raw("decided_on", "DATE")} AS DATE)
        FROM decision
    ), cn AS (
        SELECT c.agency_code, i.industry, count(*) AS n FROM c JOIN industry i ON i.entity_key = c.entity_key
        WHERE c.on_date >= $start AND c.on_date < $end AND list_contains($agencies, c.agency_code)
          AND i.industry IS NOT NULL
        GROUP BY 1, 2
    ), an AS (
        SELECT a.agency_code, i.industry, count(*) AS n FROM a JOIN industry i ON i.entity_key = a.entity_key
        WHERE a.on_date >= $start AND a.on_date < $end AND list_contains($agencies, a.agency_code)
          AND i.industry IS NOT NULL
        GROUP BY 1, 2
    )
    SELECT coalesce(cn.agency_code, an.agency_code), coalesce(cn.industry, an.industry),
           coalesce(cn.n, 0), coalesce(an.n, 0)
    FROM cn FULL JOIN an ON an.agency_code = cn.agency_code AND an.industry = cn.industry
    ORDER BY 1, 2
    """


@dataclass
class IndustryRow:
    industry: str
    name: str
    complaints: int
    acts: int
    complaint_share: float | None = None  # % of the agency's complaints with an industry
    act_share: float | None = None

    @property
    def gap(self) -> float | None:
        if self.complaint_share is None:
            return None
        return self.complaint_share - (self.act_share or 0.0)


@dataclass
class AgencyAlignment:
    code: str
    rows: list[IndustryRow] = field(default_factory=list)

    @property
    def overlap(self) -> float | None:
        """Σ min(p, q) × 100 — the engine's 吻合度 when both sides have records."""
        if not any(r.complaints for r in self.rows) or not any(r.acts for r in self.rows):
            return None
        return sum(min(r.complaint_share or 0.0, r.act_share or 0.0) for r in self.rows)

    @property
    def gaps(self) -> list[IndustryRow]:
        found = [r for r in self.rows if r.complaints >= GAP_MIN and r.gap is not None and r.gap >= GAP_SHARE]
        return sorted(found, key=lambda r: -(r.gap or 0.0))


def _shares(rows: list[IndustryRow]) -> None:
    complaints, acts = sum(r.complaints for r in rows), sum(r.acts for r in rows)
    for r in rows:
        r.complaint_share = 100.0 * r.complaints / complaints if complaints else None
        r.act_share = 100.0 * r.acts / acts if acts else None


def alignment_rows(period: Period, agencies: Collection[str]) -> dict[str, AgencyAlignment]:
    """Per agency: complaints and enforcement acts (inspections, decisions) per industry of the
    entity, the two histograms the catalogue's 吻合度 compares; and '*' for the whole scope."""
    con = store.connect()
    try:
        rows = con.sql(
            _alignment_sql(con),
            params={"start": period.start, "end": period.end, "agencies": sorted(agencies) or [""]},
        ).fetchall()
    finally:
        con.close()
    out: dict[str, AgencyAlignment] = {}
    total: dict[str, IndustryRow] = {}
    for code, industry, complaints, acts in rows:
        if code is None:
            continue
        name = INDUSTRY_NAMES.get(industry, industry)
        out.setdefault(code, AgencyAlignment(code)).rows.append(
            IndustryRow(industry, name, int(complaints), int(acts))
        )
        slot = total.setdefault(industry, IndustryRow(industry, name, 0, 0))
        slot.complaints += int(complaints)
        slot.acts += int(acts)
    out["*"] = AgencyAlignment("*", [total[k] for k in sorted(total)])
    for item in out.values():
        _shares(item.rows)
    return out


# --- officers' workload --------------------------------------------------------------------


@dataclass
class Workload:
    id_number: str
    inspections: int = 0
    cases: int = 0

    @property
    def total(self) -> int:
        return self.inspections + self.cases


def officer_workload(period: Period, agency: str) -> dict[str, Workload]:
    """Inspections started and cases filed in the period per officer (ID number), from the
    records' `officer_certificates` and the certificates in the store."""
    con = store.connect()
    try:
        parts = []
        for family, date in (("inspection", "started_at"), ("case", "filed_on")):
            present = view_columns(con, family)
            if {"officer_certificates", "agency_code", date} <= present:
                parts.append(
                    f"SELECT '{family}' AS family, unnest(officer_certificates) AS cert FROM \"{family}\""
                    f" WHERE agency_code = $agency AND CAST({date} AS DATE) >= $start"
                    f" AND CAST({date} AS DATE) < $end"
                )
        if not parts or not {"certificate_number", "officer_id_number"} <= view_columns(con, "certificate"):
            return {}
        rows = con.sql(
            f"SELECT c.officer_id_number, acts.family, count(*) FROM ({' UNION ALL '.join(parts)}) acts"
            " JOIN (SELECT DISTINCT certificate_number, officer_id_number FROM certificate) c"
            " ON c.certificate_number = acts.cert GROUP BY 1, 2",
            params={"agency": agency, "start": period.start, "end": period.end},
        ).fetchall()
    finally:
        con.close()
    out: dict[str, Workload] = {}
    for id_number, family, count in rows:
        slot = out.setdefault(id_number, Workload(id_number))
        if family == "inspection":
            slot.inspections = int(count)
        else:
            slot.cases = int(count)
    return out


# --- records -------------------------------------------------------------------------------


def stored_record(
    family: str, source_system: str, source_id: str, agencies: Collection[str], user: Any
) -> list[tuple[str, Any]] | None:
    """The record's current version as (column, value) pairs, or None when it is absent or its
    agency is outside `agencies`. Personal ID numbers are masked for roles that do not see them."""
    if family not in AGENCY_COLUMN:
        return None
    con = store.connect()
    try:
        # timestamps with a zone are read as text (in the store session's zone, China time)
        zoned = [
            name
            for name, kind, *_ in con.sql(f'DESCRIBE SELECT * FROM "{family}"').fetchall()
            if "TIME ZONE" in kind
        ]
        casts = ", ".join(f'CAST("{n}" AS VARCHAR) AS "{n}"' for n in zoned)
        replace = f" REPLACE ({casts})" if zoned else ""
        result = con.sql(
            f'SELECT *{replace} FROM "{family}" WHERE source_system = ? AND source_id = ? LIMIT 1',
            params=[source_system, source_id],
        )
        names = result.columns
        found = result.fetchall()
    finally:
        con.close()
    if not found:
        return None
    row = found[0]
    record = dict(zip(names, row, strict=True))
    if record.get(AGENCY_COLUMN[family]) not in set(agencies):
        return None
    sees_ids = getattr(user, "role", None) in roles.SEES_ENTITY_PERSONAL_IDS
    out = []
    for name, value in record.items():
        if name.startswith("_") and name != "_record_version":
            continue
        if name in _PERSONAL_ID_COLUMNS and not sees_ids and value:
            value = mask_id_number(value)
        out.append((name, value))
    return out


def record_number(family: str, fields: list[tuple[str, Any]]) -> str | None:
    number_column = {
        "inspection": "record_number",
        "decision": "decision_number",
        "licence": "licence_number",
        "coercion": "document_number",
        "case": "case_number",
        "complaint": "ticket_number",
        "review": "review_number",
    }[family]
    return next((str(v) for k, v in fields if k == number_column and v is not None), None)
