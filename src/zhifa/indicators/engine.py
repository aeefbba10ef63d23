"""The indicator engine: every indicator of the catalogue over the analytical store, in one pass.

Interface (what the cockpit and the API build on)::

    parse_period("2026" | "2026-Q3" | "2026-07", today=None) -> Period   # ActionError bad_period
    compute(period, *, region=None, agency=None, agencies=None, slugs=None, by="agency",
            con=None, power=None) -> list[Value]
        # power="…": only that power's records, only the indicators with the power dimension
        # Value(slug, key, value, previous, yoy): key is the dimension key (an agency code for
        # by="agency", the agency's region code for "region", a power code, a domain code, "01".."12"
        # for "month", "Q1".."Q4" for "quarter", "*" for "total"); previous is the same slice a
        # year earlier; yoy = (value − previous) / |previous| (None when previous is 0 or None).
    drill(period, slug, *, agency=None, power=None, region=None, agencies=None,
          page=1, page_size=50, con=None) -> DrillPage
        # the records behind a value: DrillPage(slug, total, page, page_size, rows), rows as dicts
        # with family, source_system, source_id, number, on, agency_code, power_code, entity_name,
        # amount, status — newest first.
    region_prefix("330500") -> "3305"       # GB/T 2260: a region's subtree is a code prefix

Pages and endpoints call `zhifa.indicators.queries.indicator_values(...)` (same arguments as
`compute`): it serves closed periods from the materialized values. The catalogue (names,
units, directions, dimensions) is `zhifa.indicators.catalogue.CATALOGUE` / `BY_SLUG`.

`region` limits to agencies whose region lies in that region's subtree (by the agency snapshot);
`agency` to one agency; `agencies` to a set of codes (the caller's scope). They combine.
`compute` runs on the store — facts from `<family>` views, master data (agencies, officers,
certificates, powers, entities) from their snapshots as of each period's end — except the
supervision indicators (group 执法监督, `Indicator.relational`): clues, dispositions, notices,
rectifications and review scores are read from the relational database (Django ORM,
`zhifa.indicators.supervision`) and only when one of them is computed.

How one pass works (docs/indicators.md): the facts of the period's years are reduced once to
all-agency *base relations* — month cubes per family, inspections by entity — kept as Parquet by
the store per fingerprint of the files read (`build_base`, `store.cached`); each computation
takes views of them restricted to the slice and the two periods (the *prepared relations*,
`prepare`) and runs every indicator's SQL over those.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import time
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

import duckdb

from zhifa.analytics import store
from zhifa.analytics.columns import ViewColumns
from zhifa.core.errors import ActionError
from zhifa.indicators import supervision
from zhifa.indicators.catalogue import BY_SLUG, CATALOGUE, CORRECTIONS, DIMENSIONS, SHARED, Indicator

# An approved extension of the 90-day decision period (Art. 60) is counted as 30 more days:
# the case records carry the approval date, not the length.
DECISION_DAYS = 90
EXTENSION_DAYS = 30


# --- periods -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    label: str  # "2026", "2026-Q3", "2026-07"
    kind: str  # year, quarter, month
    start: dt.date
    end: dt.date  # exclusive
    previous_start: dt.date
    previous_end: dt.date
    today: dt.date

    @property
    def closed(self) -> bool:
        """The period is over (China time): its values change only when late facts arrive."""
        return self.end <= self.today

    @property
    def years(self) -> list[int]:
        """Partition years holding facts of the period or of the same period a year earlier."""
        return list(range(self.previous_start.year, (self.end - dt.timedelta(days=1)).year + 1))

    @property
    def last_day(self) -> dt.date:
        """The day master data is taken as of: the period's last day, or today while it runs."""
        return min(self.end - dt.timedelta(days=1), self.today)


_PERIOD = re.compile(r"^(\d{4})(?:-(?:Q([1-4])|(0[1-9]|1[0-2])))?$")


def parse_period(text: str, today: dt.date | None = None) -> Period:
    found = _PERIOD.match((text or "").strip())
    if not found:
        raise ActionError("bad_period", "统计期间格式应为 2026、2026-Q3 或 2026-07", "period")
    year, quarter, month = int(found[1]), found[2], found[3]
    if not 1990 <= year <= 2100:
        raise ActionError("bad_period", "统计年份超出范围（1990–2100）", "period")
    if quarter:
        first = 3 * int(quarter) - 2
        start, end, kind = dt.date(year, first, 1), _month_after(year, first + 2), "quarter"
    elif month:
        start, end, kind = dt.date(year, int(month), 1), _month_after(year, int(month)), "month"
    else:
        start, end, kind = dt.date(year, 1, 1), dt.date(year + 1, 1, 1), "year"
    return Period(
        label=text.strip(),
        kind=kind,
        start=start,
        end=end,
        previous_start=start.replace(year=year - 1),
        previous_end=end.replace(year=end.year - 1),
        today=today or store.today(),
    )


def _month_after(year: int, month: int) -> dt.date:
    return dt.date(year + 1, 1, 1) if month == 12 else dt.date(year, month + 1, 1)


def region_prefix(code: str) -> str:
    """GB/T 2260: a province 330000 covers 33…, a city 330500 covers 3305…, a county its code;
    street and village codes (9/12 digits) extend their county's code."""
    if len(code) == 6 and code.endswith("0000"):
        return code[:2]
    if len(code) == 6 and code.endswith("00"):
        return code[:4]
    return code


# --- values --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Value:
    slug: str
    key: str
    value: float | None
    previous: float | None
    yoy: float | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "key": self.key,
            "value": self.value,
            "previous": self.previous,
            "yoy": self.yoy,
        }


def yoy(value: float | None, previous: float | None) -> float | None:
    if value is None or previous is None or previous == 0:
        return None
    return round((value - previous) / abs(previous), 6)


def _clean(number: Any) -> float | None:
    if number is None:
        return None
    number = float(number)
    return None if math.isnan(number) or math.isinf(number) else number


def _round(number: float | None) -> float | None:
    return None if number is None else round(number, 6) + 0.0  # + 0.0: no "-0.0"


# --- SQL rendering -------------------------------------------------------------------------

_MACRO = re.compile(r"\{(dim|period):([\w-]+)\}")
_DIM_COLUMN = {"agency": "agency_code", "region": "agency_region", "power": "power_code", "domain": "domain"}


def _date(day: dt.date) -> str:
    return f"DATE '{day.isoformat()}'"


def period_case(column: str, period: Period) -> str:
    return (
        f"CASE WHEN {column} >= {_date(period.start)} AND {column} < {_date(period.end)} THEN 'cur'"
        f" WHEN {column} >= {_date(period.previous_start)} AND {column} < {_date(period.previous_end)}"
        " THEN 'prev' END"
    )


def dim_expr(by: str, column: str) -> str:
    if by in _DIM_COLUMN:
        return _DIM_COLUMN[by]
    if by == "total":
        return "'*'"
    if column == "-":
        raise ValueError(f"no time column for dimension {by}")
    if by == "month":
        return f"lpad(CAST(EXTRACT(MONTH FROM {column}) AS VARCHAR), 2, '0')"
    return f"'Q' || CAST(EXTRACT(QUARTER FROM {column}) AS VARCHAR)"


def render(sql: str, by: str, period: Period) -> str:
    """Expand the catalogue's macros for one dimension and period."""

    def expand(found: re.Match[str]) -> str:
        macro, column = found[1], found[2]
        return dim_expr(by, column) if macro == "dim" else period_case(column, period)

    return _MACRO.sub(expand, sql.replace("{as_of}", _date(period.today)))


# --- prepared relations --------------------------------------------------------------------


def _sql_list(values: Iterable[str]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values) or "NULL"


def _snapshot_sql(con: duckdb.DuckDBPyConnection, family: str, period: Period) -> str:
    """The family's master rows tagged with `period` ('cur'/'prev'): the snapshot taken on or
    before each period's last day, else the earliest one; without snapshots the current view."""
    dates = [
        row[0]
        for row in con.sql(
            f'SELECT DISTINCT {store.SNAPSHOT_PARTITION} FROM "{family}_snapshots" ORDER BY 1'
        ).fetchall()
        if row[0] is not None
    ]
    if not dates:
        return f"SELECT *, 'cur' AS period FROM \"{family}\" UNION ALL SELECT *, 'prev' AS period FROM \"{family}\""

    def as_of(day: dt.date) -> dt.date:
        earlier = [d for d in dates if d <= day]
        return earlier[-1] if earlier else dates[0]

    cur, prev = as_of(period.last_day), as_of(period.previous_end - dt.timedelta(days=1))
    return (
        f"SELECT *, 'cur' AS period FROM \"{family}_snapshots\" WHERE {store.SNAPSHOT_PARTITION} = {_date(cur)}"
        f" UNION ALL SELECT *, 'prev' AS period FROM \"{family}_snapshots\""
        f" WHERE {store.SNAPSHOT_PARTITION} = {_date(prev)}"
    )


@dataclass(frozen=True)
class Slice:
    agencies: tuple[str, ...] | None  # None: every agency
    power: str | None = None  # one power's records only (indicators with the power dimension)


def resolve_slice(
    con: duckdb.DuckDBPyConnection,
    *,
    region: str | None = None,
    agency: str | None = None,
    agencies: Collection[str] | None = None,
    power: str | None = None,
) -> Slice:
    """The agency codes of the slice (None = all): region subtree ∩ agency ∩ the caller's scope;
    and the one power it is limited to, if any."""
    chosen: set[str] | None = None if agencies is None else set(agencies)
    if region:
        prefix = region_prefix(region)
        rows = (
            con.sql(
                "SELECT DISTINCT agency_code FROM agency WHERE region_code LIKE ? AND agency_code IS NOT NULL",
                params=[prefix + "%"],
            ).fetchall()
            if ViewColumns(con, "agency").has("region_code")
            else []
        )
        in_region = {r[0] for r in rows}
        chosen = in_region if chosen is None else chosen & in_region
    if agency:
        chosen = {agency} if chosen is None else chosen & {agency}
    return Slice(None if chosen is None else tuple(sorted(chosen)), power or None)


def _agency_filter(column: str, slice_: Slice) -> str:
    return "TRUE" if slice_.agencies is None else f"{column} IN ({_sql_list(slice_.agencies)})"


def _power_filter(con: duckdb.DuckDBPyConnection, read: str, slice_: Slice) -> str:
    """`c.power_code = …` when the slice names a power and the relation has the column (the
    relations the power-dimension indicators read all have it)."""
    if slice_.power is None:
        return "TRUE"
    columns = {row[0] for row in con.sql(f"DESCRIBE SELECT * FROM {read} c").fetchall()}
    return f"c.power_code = {_sql_list([slice_.power])}" if "power_code" in columns else "TRUE"


_PREFIX_SQL = (
    "CASE WHEN length(region_code) = 6 AND substr(region_code, 3, 4) = '0000' THEN substr(region_code, 1, 2)"
    " WHEN length(region_code) = 6 AND substr(region_code, 5, 2) = '00' THEN substr(region_code, 1, 4)"
    " ELSE region_code END"
)


TIMINGS: dict[str, float] = {}  # seconds per prepared relation and indicator of the last compute


def _execute(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    found = re.search(r"TEMP (?:TABLE|VIEW) (\w+)", sql)
    started = time.perf_counter()
    con.execute(sql)
    TIMINGS[found[1] if found else sql[:30]] = time.perf_counter() - started


def _month(expr: str) -> str:
    """The first day of the month (periods start on a month's first day, so month cubes are exact)."""
    return f"CAST(date_trunc('month', {expr}) AS DATE)"


# Bump when the base relations' SQL changes: their cached files are keyed by it.
BASE_VERSION = "base-v6"
# Fact families whose base relations read more years than the period's (cases are decided and
# reviews concluded long after filing; hotline tickets are matched to inspections and cases of
# those years too).
_WIDE = ("case", "review")


@dataclass(frozen=True)
class Base:
    """Where this computation's base relations are (`read_parquet(...)` per name) and their key."""

    key: str
    reads: dict[str, str]


def _years(period: Period, family: str) -> list[int]:
    years = period.years
    return list(range(years[0] - 2, years[-1] + 1)) if family in _WIDE else years


def base_key(period: Period, pins: dict[str, Any] | None) -> str:
    """Everything the base relations of `period` depend on: the files of the partition years they
    read (per fact family), the entity snapshot (industries), the code's version. New facts of
    other years leave the key — and the cached files — alone. (`case_due` also depends on today,
    the 90-day clock: its key adds the date.)"""
    parts = [BASE_VERSION, ",".join(map(str, period.years))]
    for family, date_column in store.FAMILIES.items():
        if date_column is None and family != "entity":
            continue
        years = None if date_column is None else _years(period, family)
        if pins is not None and family in pins:
            parts.append(f"{family}:{store.fingerprint_of(pins[family], years)}")
        else:
            parts.append(f"{family}:{store.fingerprint(family, years)}")
    import hashlib

    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def _year_filter(src: ViewColumns, years: list[int]) -> str:
    return f"year IN ({', '.join(map(str, years))})" if src.has("year") else "FALSE"


def build_base(
    con: duckdb.DuckDBPyConnection, period: Period, pins: dict[str, Any] | None = None, cache: bool = True
) -> Base:
    """The all-agency base relations of the period's years: month cubes (agency, power, month →
    counts and sums) per family, inspections by entity (with the repeated-inspection flag and the
    entity's industry), decided cases with their days. Computed once per `base_key` and kept by
    the store as Parquet (`store.cached`): the first computation after new facts of these years
    pays for the scan of the facts, every later one (other slices, breakdowns, periods of the same
    years, the other processes) reads a few small files. Without `cache` (a caller's connection
    whose pinned state is unknown, so no honest key exists) they are temp tables of `con`."""
    key = base_key(period, pins)
    entity = ViewColumns(con, "entity")
    isrc, dsrc, csrc = ViewColumns(con, "inspection"), ViewColumns(con, "decision"), ViewColumns(con, "case")
    lsrc, osrc, ksrc, vsrc = (ViewColumns(con, f) for f in ("licence", "coercion", "complaint", "review"))
    industries = (
        "SELECT hash(entity_key) AS entity, any_value(industry) AS industry FROM (SELECT"
        f" coalesce({entity.raw('credit_code')}, {entity.raw('id_number')}) AS entity_key,"
        f" {entity.raw('industry')} AS industry FROM entity) e WHERE entity_key IS NOT NULL GROUP BY 1"
    )
    reads: dict[str, str] = {}

    def keep(name: str, sql: str, daily: bool = False) -> str:
        started = time.perf_counter()
        if cache:
            reads[name] = store.cached(con, name, f"{key}-{period.today:%Y%m%d}" if daily else key, sql)
        else:
            con.execute(f"CREATE OR REPLACE TEMP TABLE base_{name} AS {sql}")
            reads[name] = f"base_{name}"
        TIMINGS[f"base:{name}"] = time.perf_counter() - started
        return reads[name]

    def ent(src: ViewColumns) -> str:
        return f"coalesce({src.raw('entity_credit_code')}, {src.raw('entity_id_number')})"

    started = f"CAST({isrc.raw('started_at', 'TIMESTAMPTZ')} AS DATE)"
    in_years = f"{_year_filter(isrc, period.years)} AND {started} IS NOT NULL"
    # The heavy work runs on 64-bit integers only (hashes of the agency, power and entity codes);
    # the codes are joined back from this small dictionary.
    codes = keep(
        "inspection_codes",
        f"SELECT DISTINCT hash({isrc.raw('agency_code')}) AS agency, {isrc.raw('agency_code')} AS agency_code,"
        f" hash({isrc.raw('power_code')}) AS power, {isrc.raw('power_code')} AS power_code FROM inspection"
        f" WHERE {in_years}",
    )
    inspections = (
        f"SELECT hash({isrc.raw('agency_code')}) AS agency, hash({isrc.raw('power_code')}) AS power,"
        f" {started} AS started_on, hash({ent(isrc)}) AS entity, ({ent(isrc)}) IS NOT NULL AS identified,"
        f" {isrc.raw('entity_kind')} = 'enterprise' AS enterprise FROM inspection WHERE {in_years}"
    )
    by_entity = keep(
        "inspection_entity",
        f"WITH flagged AS ({_repeated_sql(inspections)}), ind AS ({industries})"
        f" SELECT f.agency, f.power, {_month('f.started_on')} AS started_on,"
        " CASE WHEN f.identified THEN f.entity END AS entity, bool_or(f.repeated) AS repeated,"
        " any_value(ind.industry) AS industry, count(*) AS n,"
        " sum(CASE WHEN f.enterprise THEN 1 ELSE 0 END) AS n_enterprise"
        " FROM flagged f LEFT JOIN ind ON ind.entity = f.entity AND f.identified GROUP BY 1, 2, 3, 4",
    )
    agencies = f"(SELECT DISTINCT agency, agency_code FROM {codes})"
    # Per agency and period label (year*100, year*100+20+quarter, year*100+month — see
    # `label_code`): inspections, distinct identified entities, repeatedly inspected entities.
    # Distinct entities are not additive, so they are counted per label from nested groupings:
    # (agency, month, entity) → (agency, quarter, entity) → (agency, year, entity), each level
    # grouping the smaller one below it.
    months = (
        f"SELECT agency, year(started_on) * 100 + month(started_on) AS label, entity, sum(n) AS n,"
        f" bool_or(repeated) AS repeated FROM {by_entity} GROUP BY 1, 2, 3"
    )
    quarters = (
        "SELECT agency, (label // 100) * 100 + 20 + ((label % 100) + 2) // 3 AS label, entity, sum(n) AS n,"
        " bool_or(repeated) AS repeated FROM m GROUP BY 1, 2, 3"
    )
    years_ = "SELECT agency, (label // 100) * 100 AS label, entity, sum(n) AS n, bool_or(repeated) AS repeated FROM q GROUP BY 1, 2, 3"
    keep(
        "entity_stats",
        f"WITH m AS ({months}), q AS ({quarters}), y AS ({years_}), e AS (SELECT * FROM m UNION ALL SELECT * FROM q"
        " UNION ALL SELECT * FROM y)"
        " SELECT a.agency_code, s.label, s.n, s.entities, s.repeated FROM (SELECT agency, label, sum(n) AS n,"
        " count(entity) AS entities, sum(CASE WHEN repeated AND entity IS NOT NULL THEN 1 ELSE 0 END) AS repeated"
        f" FROM e GROUP BY 1, 2) s JOIN {agencies} a ON a.agency = s.agency",
    )
    keep(
        "inspection_cube",
        "SELECT c.agency_code, c.power_code, s.started_on, s.n, s.n_enterprise FROM (SELECT agency, power,"
        f" started_on, sum(n) AS n, sum(n_enterprise) AS n_enterprise FROM {by_entity} GROUP BY 1, 2, 3) s"
        f" JOIN {codes} c ON c.agency = s.agency AND c.power = s.power",
    )
    decided = dsrc.raw("decided_on", "DATE")
    decisions = (
        f"SELECT {dsrc.raw('agency_code')} AS agency_code, {dsrc.raw('power_code')} AS power_code,"
        f" {_month(decided)} AS decided_on, {dsrc.raw('fine_amount', 'DOUBLE')} AS fine,"
        f" {dsrc.raw('legal_basis', 'VARCHAR[]')} AS legal_basis, hash({ent(dsrc)}) AS entity,"
        f" ({ent(dsrc)}) IS NOT NULL AS identified FROM decision"
        f" WHERE {_year_filter(dsrc, period.years)} AND {decided} IS NOT NULL"
    )
    keep(
        "decision_cube",
        "SELECT agency_code, power_code, decided_on, count(*) AS n, sum(coalesce(fine, 0)) AS fines,"
        f" sum(CASE WHEN fine > 0 THEN 1 ELSE 0 END) AS n_fined FROM ({decisions}) d GROUP BY 1, 2, 3",
    )
    keep(
        "decision_basis",
        "SELECT DISTINCT agency_code, NULL::VARCHAR AS power_code, decided_on, citation FROM"
        f" (SELECT agency_code, decided_on, unnest(legal_basis) AS citation FROM ({decisions}) d"
        "  WHERE legal_basis IS NOT NULL) c",
    )
    keep(
        "entity_acts",
        f"WITH ind AS ({industries}) SELECT agency_code, NULL::VARCHAR AS power_code, acted_on, industry,"
        " sum(n) AS n FROM (SELECT a.agency_code, i.started_on AS acted_on, i.industry, i.n FROM"
        f" {by_entity} i JOIN {agencies} a ON a.agency = i.agency WHERE i.industry IS NOT NULL"
        " UNION ALL SELECT d.agency_code, d.decided_on, ind.industry, 1"
        f" FROM ({decisions}) d JOIN ind ON ind.entity = d.entity AND d.identified) a GROUP BY 1, 2, 3, 4",
    )
    issued = lsrc.raw("issued_on", "DATE")
    keep(
        "licence_cube",
        f"SELECT {lsrc.raw('agency_code')} AS agency_code, {lsrc.raw('power_code')} AS power_code,"
        f" {_month(issued)} AS issued_on, count(*) AS n FROM licence"
        f" WHERE {_year_filter(lsrc, period.years)} AND {issued} IS NOT NULL GROUP BY 1, 2, 3",
    )
    coerced = osrc.raw("started_on", "DATE")
    keep(
        "coercion_cube",
        f"SELECT {osrc.raw('agency_code')} AS agency_code, {osrc.raw('power_code')} AS power_code,"
        f" {_month(coerced)} AS started_on, count(*) AS n,"
        f" sum(CASE WHEN {osrc.raw('category')} = 'measure' THEN 1 ELSE 0 END) AS n_measure FROM coercion"
        f" WHERE {_year_filter(osrc, period.years)} AND {coerced} IS NOT NULL GROUP BY 1, 2, 3",
    )
    filed, case_decided = csrc.raw("filed_on", "DATE"), csrc.raw("decided_on", "DATE")
    deadline = (
        f"{filed} + {DECISION_DAYS} + CASE WHEN {csrc.raw('extension_approved_on', 'DATE')}"
        f" IS NOT NULL THEN {EXTENSION_DAYS} ELSE 0 END"
    )
    cases = (
        f"SELECT {csrc.raw('agency_code')} AS agency_code, {csrc.raw('power_code')} AS power_code,"
        f" {filed} AS filed_on, {case_decided} AS decided_on, {deadline} AS deadline,"
        f" (coalesce({csrc.raw('procedure')}, 'general') <> 'summary' AND NOT"
        f" (coalesce({csrc.raw('status')}, '') = 'terminated' AND {case_decided} IS NULL)) AS under_clock"
        f' FROM "case" WHERE {_year_filter(csrc, _years(period, "case"))} AND {filed} IS NOT NULL'
    )
    keep(
        "case_cube",
        f"SELECT agency_code, power_code, {_month('filed_on')} AS filed_on, count(*) AS n FROM ({cases}) c"
        f" WHERE filed_on >= {_date(period.previous_start)} GROUP BY 1, 2, 3",
    )
    keep(
        "case_due",
        f"SELECT agency_code, power_code, {_month('deadline')} AS deadline, count(*) AS n,"
        " sum(CASE WHEN decided_on IS NOT NULL AND decided_on <= deadline THEN 1 ELSE 0 END) AS n_on_time"
        f" FROM ({cases}) c WHERE under_clock AND deadline < {_date(period.today)}"
        f" AND deadline >= {_date(period.previous_start)} GROUP BY 1, 2, 3",
        daily=True,
    )
    keep(
        "case_decided",
        "SELECT agency_code, power_code, decided_on, CAST(decided_on - filed_on AS DOUBLE) AS days"
        f" FROM ({cases}) c WHERE decided_on >= {_date(period.previous_start)}",
    )
    received = f"CAST({ksrc.raw('received_at', 'TIMESTAMPTZ')} AS DATE)"
    tickets = (
        f"SELECT {isrc.raw('complaint_ticket_number')} AS ticket FROM inspection"
        f" WHERE {_year_filter(isrc, _years(period, 'case'))}"
        f' UNION SELECT {csrc.raw("complaint_ticket_number")} FROM "case"'
        f" WHERE {_year_filter(csrc, _years(period, 'case'))}"
    )
    complaints = (
        f"SELECT {ksrc.raw('routed_agency_code')} AS agency_code, NULL::VARCHAR AS power_code,"
        f" {_month(received)} AS received_on, {ksrc.raw('ticket_number')} AS ticket,"
        f" hash({ent(ksrc)}) AS entity, ({ent(ksrc)}) IS NOT NULL AS identified FROM complaint"
        f" WHERE {_year_filter(ksrc, period.years)} AND {received} IS NOT NULL"
    )
    keep(
        "complaint_cube",
        f"WITH t AS ({tickets}) SELECT agency_code, power_code, received_on, count(*) AS n,"
        " sum(CASE WHEN ticket IN (SELECT ticket FROM t WHERE ticket IS NOT NULL) THEN 1 ELSE 0 END)"
        f" AS n_converted FROM ({complaints}) k GROUP BY 1, 2, 3",
    )
    keep(
        "complaint_industry",
        f"WITH ind AS ({industries}) SELECT k.agency_code, k.power_code, k.received_on, ind.industry,"
        f" count(*) AS n FROM ({complaints}) k JOIN ind ON ind.entity = k.entity AND k.identified GROUP BY 1, 2, 3, 4",
    )
    concluded = vsrc.raw("concluded_on", "DATE")
    corrections = ", ".join(f"'{o}'" for o in CORRECTIONS)
    keep(
        "review_cube",
        f"SELECT {vsrc.raw('respondent_agency_code')} AS agency_code, {vsrc.raw('power_code')} AS power_code,"
        f" {_month(concluded)} AS concluded_on, count(*) AS n,"
        f" sum(CASE WHEN {vsrc.raw('outcome')} IN ({corrections}) THEN 1 ELSE 0 END) AS n_corrected FROM review"
        f" WHERE {_year_filter(vsrc, _years(period, 'review'))} AND {concluded} >= {_date(period.previous_start)}"
        " GROUP BY 1, 2, 3",
    )
    return Base(key, reads)


# prepared relation ← (base relation, its date column)
_PREPARED = {
    "f_inspection": ("inspection_cube", "started_on"),
    "i_entity": ("inspection_entity", "started_on"),
    "f_decision": ("decision_cube", "decided_on"),
    "f_decision_basis": ("decision_basis", "decided_on"),
    "f_entity_acts": ("entity_acts", "acted_on"),
    "f_licence": ("licence_cube", "issued_on"),
    "f_coercion": ("coercion_cube", "started_on"),
    "f_case": ("case_cube", "filed_on"),
    "f_case_due": ("case_due", "deadline"),
    "f_case_decided": ("case_decided", "decided_on"),
    "f_complaint": ("complaint_cube", "received_on"),
    "f_complaint_industry": ("complaint_industry", "received_on"),
    "f_review": ("review_cube", "concluded_on"),
}


def prepare(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    slice_: Slice,
    by: str,
    pins: dict[str, Any] | None = None,
    relational: bool = False,
) -> None:
    """Build the prepared relations (temp tables) the catalogue's SQL reads; see catalogue.py:
    the base relations (`build_base`) restricted to the slice's agencies and the two periods,
    with the dimension columns the breakdown needs, and master data as of each period's end.
    With `relational`, also the supervision relations read from the relational database
    (`_prepare_supervision`)."""
    agency, power = ViewColumns(con, "agency"), ViewColumns(con, "power")
    _execute(
        con,
        "CREATE OR REPLACE TEMP TABLE ag AS SELECT DISTINCT "
        f"{agency.col('agency_code')}, {agency.col('region_code')} FROM agency",
    )
    _execute(
        con,
        f"CREATE OR REPLACE TEMP TABLE ag_prefix AS SELECT agency_code, region_code, {_PREFIX_SQL} AS prefix FROM ag",
    )
    _execute(
        con,
        "CREATE OR REPLACE TEMP TABLE power_domain AS SELECT power_code, any_value(domain) AS domain FROM"
        f" (SELECT {power.col('power_code')}, {power.col('domain')} FROM power) p GROUP BY 1",
    )
    started = time.perf_counter()
    base = build_base(con, period, pins, cache=pins is not None)
    TIMINGS["base"] = time.perf_counter() - started
    dims = _DimJoin(by)
    for name, (source, date_column) in _PREPARED.items():
        read = base.reads[source]
        if name == "i_entity":
            read = (
                f"(SELECT k.agency_code, k.power_code, i.started_on, i.entity, i.repeated, i.n FROM {read} i"
                f" JOIN {base.reads['inspection_codes']} k ON k.agency = i.agency AND k.power = i.power)"
            )
        _execute(
            con,
            f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT c.*{dims.columns('c')} FROM {read} c"
            f"{dims.joins('c')} WHERE {_agency_filter('c.agency_code', slice_)}"
            f" AND {_power_filter(con, read, slice_)}"
            f" AND ({period_case('c.' + date_column, period)}) IS NOT NULL",
        )
    _prepare_entity_stats(con, period, slice_, by, base)
    _prepare_masters(con, period, slice_, by)
    if relational:
        _prepare_supervision(con, period, slice_, by)
    for name, sql in SHARED.items():
        _execute(con, f"CREATE OR REPLACE TEMP TABLE {name} AS {render(sql, by, period)}")


def _register_supervision(con: duckdb.DuckDBPyConnection, period: Period) -> None:
    """The supervision rows of the two periods as registered Arrow tables `raw_s_*` (small)."""
    started = time.perf_counter()
    for name, table in supervision.tables(period).items():
        con.register(f"raw_{name}", table)
    TIMINGS["supervision_rows"] = time.perf_counter() - started


def _prepare_supervision(con: duckdb.DuckDBPyConnection, period: Period, slice_: Slice, by: str) -> None:
    """`s_clue`, `s_closed`, `s_notice`, `s_rectification`, `s_review`: the relational DB's rows
    (`supervision.tables`) restricted to the slice and the two periods, with the agency's region
    (from the store's agency view) and the domain columns joined like the fact relations'."""
    _register_supervision(con, period)
    dims = _DimJoin(by)
    for name in supervision.RELATIONS:
        date_column = supervision.DATE_COLUMN[name]
        in_periods = (
            "TRUE" if date_column == "-" else f"({period_case('c.' + date_column, period)}) IS NOT NULL"
        )
        _execute(
            con,
            f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT c.*{dims.columns('c')} FROM raw_{name} c"
            f"{dims.joins('c')} WHERE {_agency_filter('c.agency_code', slice_)} AND {in_periods}",
        )
        con.unregister(f"raw_{name}")


def label_code(start: dt.date, kind: str) -> int:
    """A period as an integer: 202600 (the year), 202623 (its third quarter), 202607 (July)."""
    if kind == "year":
        return start.year * 100
    if kind == "quarter":
        return start.year * 100 + 20 + (start.month + 2) // 3
    return start.year * 100 + start.month


def _prepare_entity_stats(
    con: duckdb.DuckDBPyConnection, period: Period, slice_: Slice, by: str, base: Base
) -> None:
    """`e_stats(key, period, n, entities, repeated)`: inspections, distinct identified entities and
    those inspected repeatedly, per key. By agency they come precomputed per period label from
    the base (`entity_stats`); other breakdowns count distinct entities in `i_entity`."""
    if by == "agency" and slice_.power is None:  # the precomputed stats count every power
        sql = (
            f"SELECT agency_code AS key, CASE label WHEN {label_code(period.start, period.kind)} THEN 'cur'"
            f" ELSE 'prev' END AS period, n, entities, repeated FROM {base.reads['entity_stats']}"
            f" WHERE label IN ({label_code(period.start, period.kind)}, {label_code(period.previous_start, period.kind)})"
            f" AND {_agency_filter('agency_code', slice_)}"
        )
    else:
        sql = render(
            "SELECT key, period, sum(n) AS n, count(entity) AS entities,"
            " sum(CASE WHEN repeated AND entity IS NOT NULL THEN 1 ELSE 0 END) AS repeated FROM ("
            "SELECT {dim:started_on} AS key, {period:started_on} AS period, entity, sum(n) AS n,"
            " bool_or(repeated) AS repeated FROM i_entity GROUP BY 1, 2, 3) e GROUP BY 1, 2",
            by,
            period,
        )
    _execute(con, f"CREATE OR REPLACE TEMP TABLE e_stats AS {sql}")


class _DimJoin:
    """The agency's region and the power's domain, joined only when the breakdown needs them."""

    def __init__(self, by: str):
        self.by = by

    def columns(self, alias: str) -> str:
        region = "a.region_code" if self.by == "region" else "NULL::VARCHAR"
        domain = "pd.domain" if self.by == "domain" else "NULL::VARCHAR"
        return f", {region} AS agency_region, {domain} AS domain"

    def joins(self, alias: str) -> str:
        out = ""
        if self.by == "region":
            out += f" LEFT JOIN ag a ON a.agency_code = {alias}.agency_code"
        if self.by == "domain":
            out += f" LEFT JOIN power_domain pd ON pd.power_code = {alias}.power_code"
        return out


def _repeated_sql(inspections: str) -> str:
    """The inspections with `repeated`: another agency inspected the same entity within 30 days
    before or after (over every agency's inspections of the years, not only the slice's).

    One sort by (entity, day, agency): a *run* is a stretch of rows of one agency of one entity.
    The nearest inspection by another agency before a row is the row just before its run (carried
    forward from the run's first row with `last_value … IGNORE NULLS`), the nearest after it the
    row just after its run (carried backward with `first_value … IGNORE NULLS`). No self join;
    keys are 64-bit hashes. 1900-01-01 / 2999-01-01 stand for "no such inspection"."""
    order = "ORDER BY entity, started_on, agency"
    return f"""
        WITH i AS ({inspections}),
        o AS (
            SELECT *, lag(entity) OVER w AS pe, lag(agency) OVER w AS pa, lag(started_on) OVER w AS pd,
                   lead(entity) OVER w AS ne, lead(agency) OVER w AS na, lead(started_on) OVER w AS nd
            FROM i WINDOW w AS ({order})
        ), marked AS (
            SELECT *,
                   CASE WHEN pe IS DISTINCT FROM entity THEN DATE '1900-01-01' WHEN pa <> agency THEN pd END AS run_before,
                   CASE WHEN ne IS DISTINCT FROM entity THEN DATE '2999-01-01' WHEN na <> agency THEN nd END AS run_after
            FROM o
        ), carried AS (
            SELECT *,
                   last_value(run_before IGNORE NULLS) OVER ({order} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
                   AS before_on,
                   first_value(run_after IGNORE NULLS) OVER ({order} ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING)
                   AS after_on
            FROM marked
        )
        SELECT agency, power, started_on, entity, identified, enterprise,
               identified AND (started_on - before_on <= 30 OR after_on - started_on <= 30) AS repeated
        FROM carried
    """


def _prepare_masters(con: duckdb.DuckDBPyConnection, period: Period, slice_: Slice, by: str) -> None:
    region = "a.region_code" if by == "region" else "NULL::VARCHAR"
    power = ViewColumns(con, "power")
    _execute(
        con,
        f"CREATE OR REPLACE TEMP TABLE m_power AS SELECT p.*, {region} AS agency_region FROM ("
        f"SELECT {power.col('power_code')}, {power.col('holder_agency_code', alias='agency_code')},"
        f" {power.col('domain')}, {power.col('legal_basis', 'VARCHAR[]')}, period"
        f" FROM ({_snapshot_sql(con, 'power', period)}) s"
        f" WHERE coalesce({power.raw('status')}, 'active') = 'active'"
        f" AND {_agency_filter(power.raw('holder_agency_code'), slice_)}) p"
        " LEFT JOIN ag a ON a.agency_code = p.agency_code",
    )
    _execute(
        con,
        "CREATE OR REPLACE TEMP TABLE m_power_basis AS SELECT agency_code, agency_region, power_code, domain,"
        " period, unnest(legal_basis) AS citation FROM m_power WHERE legal_basis IS NOT NULL",
    )
    officer = ViewColumns(con, "officer")
    certificate = ViewColumns(con, "certificate")
    cur_day, prev_day = period.last_day, min(period.previous_end - dt.timedelta(days=1), period.today)
    _execute(
        con,
        "CREATE OR REPLACE TEMP TABLE m_certified AS SELECT DISTINCT officer_id_number, period FROM ("
        f"SELECT {certificate.col('officer_id_number')}, {certificate.col('status')},"
        f" {certificate.col('issued_on', 'DATE')}, {certificate.col('expires_on', 'DATE')}, period"
        f" FROM ({_snapshot_sql(con, 'certificate', period)}) s) c"
        " WHERE coalesce(status, 'valid') = 'valid' AND officer_id_number IS NOT NULL AND"
        f" coalesce(issued_on, DATE '1900-01-01') <= CASE period WHEN 'cur' THEN {_date(cur_day)} ELSE {_date(prev_day)} END"
        f" AND coalesce(expires_on, DATE '9999-12-31') >= CASE period WHEN 'cur' THEN {_date(cur_day)}"
        f" ELSE {_date(prev_day)} END",
    )
    _execute(
        con,
        f"CREATE OR REPLACE TEMP TABLE m_officer AS SELECT o.agency_code, {region} AS agency_region,"
        " NULL::VARCHAR AS domain, o.period, (c.officer_id_number IS NOT NULL) AS certified FROM ("
        f"SELECT {officer.col('id_number')}, {officer.col('agency_code')}, {officer.col('status')}, period"
        f" FROM ({_snapshot_sql(con, 'officer', period)}) s) o"
        " LEFT JOIN m_certified c ON c.officer_id_number = o.id_number AND c.period = o.period"
        " LEFT JOIN ag a ON a.agency_code = o.agency_code"
        f" WHERE coalesce(o.status, 'active') = 'active' AND {_agency_filter('o.agency_code', slice_)}",
    )
    entity = ViewColumns(con, "entity")
    key = {"agency": "agency_code", "region": "region_code"}.get(by, "'*'")
    _execute(
        con,
        "CREATE OR REPLACE TEMP TABLE m_entity_scope AS WITH rc AS ("
        f"SELECT {entity.raw('region_code')} AS region_code, count(*) AS n FROM entity GROUP BY 1"
        f"), ak AS (SELECT DISTINCT {key} AS key, prefix FROM ag_prefix"
        f" WHERE prefix IS NOT NULL AND {_agency_filter('agency_code', slice_)}"
        "), pairs AS (SELECT DISTINCT ak.key, rc.region_code, rc.n FROM ak JOIN rc ON rc.region_code LIKE ak.prefix || '%')"
        " SELECT key, p.period, sum(n) AS entities FROM pairs CROSS JOIN (SELECT 'cur' AS period UNION ALL"
        " SELECT 'prev') p GROUP BY 1, 2",
    )


# --- compute -------------------------------------------------------------------------------


def check_slugs(slugs: Iterable[str] | None) -> list[Indicator]:
    if slugs is None:
        return list(CATALOGUE)
    chosen = list(slugs)
    unknown = [s for s in chosen if s not in BY_SLUG]
    if unknown:
        raise ActionError("unknown_indicator", f"没有这个指标：{'、'.join(unknown)}", "slugs")
    return [BY_SLUG[s] for s in chosen]


def check_by(by: str) -> None:
    if by not in DIMENSIONS:
        raise ActionError("bad_dimension", f"维度应为 {'、'.join(DIMENSIONS)} 之一", "by")


def compute(
    period: Period | str,
    *,
    region: str | None = None,
    agency: str | None = None,
    agencies: Collection[str] | None = None,
    slugs: Iterable[str] | None = None,
    by: str = "agency",
    con: duckdb.DuckDBPyConnection | None = None,
    power: str | None = None,
) -> list[Value]:
    """Every chosen indicator (default all that support `by`) for the slice, broken down by `by`,
    with the previous year's value and the year-on-year change; sorted by slug order, then key.
    With `power`, only one power's records count, and only the indicators that have the power
    dimension are computed (the others, e.g. officers, do not belong to one power)."""
    period = parse_period(period) if isinstance(period, str) else period
    check_by(by)
    indicators = [
        i for i in check_slugs(slugs) if by in i.dimensions and (power is None or "power" in i.dimensions)
    ]
    own = con is None
    pins: dict[str, Any] | None = {} if own else None  # a caller's connection: pins unknown
    con = con or store.connect(pins)
    try:
        slice_ = resolve_slice(con, region=region, agency=agency, agencies=agencies, power=power)
        prepare(con, period, slice_, by, pins, relational=any(i.relational for i in indicators))
        keys = _zero_keys(con, by, slice_)
        values: list[Value] = []
        for indicator in indicators:
            values.extend(_run(con, indicator, period, by, keys))
        return values
    finally:
        if own:
            con.close()


def _zero_keys(con: duckdb.DuckDBPyConnection, by: str, slice_: Slice) -> list[str]:
    """Keys a count shows as 0 when nothing happened: the slice's agencies (or their regions)."""
    if by == "agency":
        if slice_.agencies is not None:
            return list(slice_.agencies)
        return [
            r[0]
            for r in con.sql(
                "SELECT DISTINCT agency_code FROM ag WHERE agency_code IS NOT NULL ORDER BY 1"
            ).fetchall()
        ]
    if by == "region":
        return [
            r[0]
            for r in con.sql(
                f"SELECT DISTINCT region_code FROM ag WHERE region_code IS NOT NULL AND {_agency_filter('agency_code', slice_)} ORDER BY 1"
            ).fetchall()
        ]
    if by == "total":
        return ["*"]
    return []


def _run(
    con: duckdb.DuckDBPyConnection, indicator: Indicator, period: Period, by: str, keys: list[str]
) -> list[Value]:
    rows = con.sql(render(indicator.sql, by, period)).fetchall()
    found: dict[str, dict[str, float | None]] = {}
    for key, which, value in rows:
        if key is None or which is None:
            continue
        found.setdefault(str(key), {})[which] = _clean(value)
    if indicator.zero_fill:
        for key in keys:
            slot = found.setdefault(key, {})
            slot.setdefault("cur", 0.0)
            slot.setdefault("prev", 0.0)
    out = []
    for key in sorted(found):
        cur, prev = found[key].get("cur"), found[key].get("prev")
        if cur is None and prev is None:
            continue
        out.append(Value(indicator.slug, key, _round(cur), _round(prev), yoy(cur, prev)))
    return out


# --- drill-down ----------------------------------------------------------------------------

# Per family: the uniform drill columns (number, date expression base, amount, status, agency).
_DRILL = {
    "inspection": ("record_number", None, "result", "agency_code"),
    "decision": ("decision_number", "fine_amount", "status", "agency_code"),
    "licence": ("licence_number", None, "status", "agency_code"),
    "coercion": ("document_number", "property_value", "status", "agency_code"),
    "case": ("case_number", "fine_amount", "status", "agency_code"),
    "complaint": ("ticket_number", None, "status", "routed_agency_code"),
    "review": ("review_number", None, "outcome", "respondent_agency_code"),
}


@dataclass(frozen=True)
class DrillPage:
    slug: str
    total: int
    page: int
    page_size: int
    rows: list[dict[str, Any]]


_DRILL_COLUMNS = (
    "family, source_system, source_id, number, on_date, agency_code, power_code, entity_name, amount, status"
)


def _drill_years(family: str, date: str, period: Period) -> list[int]:
    """Partition years that can hold the period's records by `date` (cases are decided and
    reviews concluded up to two years after the year they are filed under)."""
    last = (period.end - dt.timedelta(days=1)).year
    first = period.start.year if store.FAMILIES[family] == date else period.start.year - 2
    return list(range(first, last + 1))


def _drill_rows(con: duckdb.DuckDBPyConnection, family: str, date: str, period: Period) -> str:
    """The family's records of the partition years as the uniform drill columns, plus the
    columns drill conditions use (category, entity_kind, fine_amount)."""
    src = ViewColumns(con, family)
    number, amount, status, agency_column = _DRILL[family]
    year_filter = _year_filter(src, _drill_years(family, date, period))
    return (
        f"SELECT '{family}' AS family, source_system, source_id, CAST({src.raw(number)} AS VARCHAR) AS number,"
        f" CAST({src.raw(date, 'DATE')} AS DATE) AS on_date, {src.raw(agency_column)} AS agency_code,"
        f" {src.raw('power_code')} AS power_code, {src.raw('entity_name')} AS entity_name,"
        f" CAST({src.raw(amount, 'DOUBLE') if amount else 'NULL'} AS DOUBLE) AS amount, {src.raw(status)} AS status,"
        f" {src.raw('category')} AS category, {src.raw('entity_kind')} AS entity_kind,"
        f" {src.raw('fine_amount', 'DOUBLE')} AS fine_amount"
        f' FROM "{family}" WHERE {year_filter}'
    )


def _drill_source(
    con: duckdb.DuckDBPyConnection, family: str, date: str, period: Period, pins: dict[str, Any] | None
) -> str | None:
    """Where to read the family's drill rows: with a pinned connection, a *drill index* — the
    rows of those years ordered by agency and date in small row groups, kept by the store per
    fingerprint of the files (`store.cached`), so one agency's page reads a few row groups
    instead of the whole year; else straight from the store's view."""
    if not ViewColumns(con, family).has("source_id"):
        return None
    rows = _drill_rows(con, family, date, period)
    if pins is None:
        return f"({rows})"
    years = _drill_years(family, date, period)
    import hashlib

    key = hashlib.sha256(
        f"{BASE_VERSION}|{family}|{date}|{years}|{store.fingerprint_of(pins.get(family), years)}".encode()
    ).hexdigest()[:32]
    return store.cached(
        con, f"drill_{family}_{date}", key, f"{rows} ORDER BY agency_code, on_date DESC", row_group_size=16384
    )


def _drill_select(source: str, where: str, period: Period, slice_: Slice, power: str | None) -> str:
    conditions = [
        f"on_date >= {_date(period.start)}",
        f"on_date < {_date(period.end)}",
        _agency_filter("agency_code", slice_),
        f"({where})",
    ]
    if power is not None:
        conditions.append(f"power_code = '{power.replace(chr(39), '')}'")
    return f"SELECT {_DRILL_COLUMNS} FROM {source} d WHERE {' AND '.join(conditions)}"


def drill(
    period: Period | str,
    slug: str,
    *,
    agency: str | None = None,
    power: str | None = None,
    region: str | None = None,
    agencies: Collection[str] | None = None,
    page: int = 1,
    page_size: int = 50,
    con: duckdb.DuckDBPyConnection | None = None,
) -> DrillPage:
    """The records behind an indicator's value in the period (newest first, paged)."""
    period = parse_period(period) if isinstance(period, str) else period
    indicator = check_slugs([slug])[0]
    if indicator.drill is None:
        raise ActionError(
            "no_records", f"指标“{indicator.name}”来自主数据或汇总结果，没有可下钻的记录", "slug"
        )
    page, page_size = max(1, page), min(max(1, page_size), 500)
    own = con is None
    pins: dict[str, Any] | None = {} if own else None  # a caller's connection: no drill index
    con = con or store.connect(pins)
    try:
        slice_ = resolve_slice(con, region=region, agency=agency, agencies=agencies)
        if indicator.drill.relation is not None:
            _register_supervision(con, period)
        sources = [(f"raw_{indicator.drill.relation}", "supervision")] if indicator.drill.relation else []
        sources += [
            (source, family)
            for family, date in indicator.drill.families
            if (source := _drill_source(con, family, date, period, pins)) is not None
        ]
        parts = [_drill_select(source, indicator.drill.where, period, slice_, power) for source, _ in sources]
        if not any(parts):
            return DrillPage(slug, 0, page, page_size, [])
        # No temp table of all matching rows: the count reads the filter columns only, and each
        # family contributes its own top rows (a Top-N that fetches the wide columns of those
        # rows only), merged and paged.
        selects = [p for p in parts if p]
        total = con.sql(
            "SELECT " + " + ".join(f"(SELECT count(*) FROM ({p}) x)" for p in selects)
        ).fetchall()[0][0]
        order = "ORDER BY on_date DESC, family, source_system, source_id"
        top = page * page_size
        union = " UNION ALL ".join(f"(SELECT * FROM ({p}) x {order} LIMIT {top})" for p in selects)
        result = con.sql(
            f"SELECT * FROM ({union}) u {order} LIMIT {page_size} OFFSET {(page - 1) * page_size}"
        )
        names = [c if c != "on_date" else "on" for c in result.columns]
        rows = [dict(zip(names, row, strict=True)) for row in result.fetchall()]
        for row in rows:
            row["on"] = None if row["on"] is None else row["on"].isoformat()
        return DrillPage(slug, int(total), page, page_size, rows)
    finally:
        if own:
            con.close()
