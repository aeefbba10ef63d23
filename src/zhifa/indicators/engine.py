"""The indicator engine: every indicator of the catalogue over the analytical store, in one pass.

Interface (what the cockpit and the API build on)::

    parse_period("2026" | "2026-Q3" | "2026-07", today=None) -> Period   # ActionError bad_period
    compute(period, *, region=None, agency=None, agencies=None, slugs=None, by="agency",
            con=None) -> list[Value]
        # Value(slug, key, value, previous, yoy): key is the dimension key (an agency code for
        # by="agency", the agency's region code for "region", a power code, a domain code, "01".."12"
        # for "month", "Q1".."Q4" for "quarter", "*" for "total"); previous is the same slice a
        # year earlier; yoy = (value − previous) / |previous| (None when previous is 0 or None).
    drill(period, slug, *, agency=None, power=None, region=None, agencies=None,
          page=1, page_size=50, con=None) -> DrillPage
        # the records behind a value: DrillPage(total, page, page_size, rows), rows as dicts with
        # family, source_system, source_id, number, on, agency_code, power_code, entity_name,
        # amount, status — newest first.
    region_prefix("330500") -> "3305"       # GB/T 2260: a region's subtree is a code prefix

`region` limits to agencies whose region lies in that region's subtree (by the agency snapshot);
`agency` to one agency; `agencies` to a set of codes (the caller's scope). They combine.
`compute` runs on the store alone: facts from `<family>` views, master data (agencies,
officers, certificates, powers, entities) from their snapshots as of each period's end.

How one pass works: the store's views are read once into small temp tables (the *prepared
relations*: facts of the two periods with the columns indicators need, the dimension columns,
master data as of each period's end), then every indicator's SQL runs over them — about 30
small queries over in-memory columns instead of 30 scans of the Parquet files.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

import duckdb

from zhifa.analytics import store
from zhifa.core.errors import ActionError
from zhifa.indicators.catalogue import BY_SLUG, CATALOGUE, DIMENSIONS, Indicator

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


def _columns(con: duckdb.DuckDBPyConnection, view: str) -> set[str]:
    return {row[0] for row in con.sql(f'DESCRIBE SELECT * FROM "{view}"').fetchall()}


class _Source:
    """One store view with the columns it has; a missing column reads as a typed NULL."""

    def __init__(self, con: duckdb.DuckDBPyConnection, view: str):
        self.view = view
        self.present = _columns(con, view)

    def col(self, name: str, kind: str = "VARCHAR", alias: str | None = None) -> str:
        expr = f'"{name}"' if name in self.present else f"NULL::{kind}"
        return f"{expr} AS {alias or name}"

    def has(self, name: str) -> bool:
        return name in self.present


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


def resolve_slice(
    con: duckdb.DuckDBPyConnection,
    *,
    region: str | None = None,
    agency: str | None = None,
    agencies: Collection[str] | None = None,
) -> Slice:
    """The agency codes of the slice (None = all): region subtree ∩ agency ∩ the caller's scope."""
    chosen: set[str] | None = None if agencies is None else set(agencies)
    if region:
        prefix = region_prefix(region)
        rows = (
            con.sql(
                "SELECT DISTINCT agency_code FROM agency WHERE region_code LIKE ? AND agency_code IS NOT NULL",
                params=[prefix + "%"],
            ).fetchall()
            if _Source(con, "agency").has("region_code")
            else []
        )
        in_region = {r[0] for r in rows}
        chosen = in_region if chosen is None else chosen & in_region
    if agency:
        chosen = {agency} if chosen is None else chosen & {agency}
    return Slice(None if chosen is None else tuple(sorted(chosen)))


def _agency_filter(column: str, slice_: Slice) -> str:
    return "TRUE" if slice_.agencies is None else f"{column} IN ({_sql_list(slice_.agencies)})"


_PREFIX_SQL = (
    "CASE WHEN length(region_code) = 6 AND substr(region_code, 3, 4) = '0000' THEN substr(region_code, 1, 2)"
    " WHEN length(region_code) = 6 AND substr(region_code, 5, 2) = '00' THEN substr(region_code, 1, 4)"
    " ELSE region_code END"
)


def prepare(con: duckdb.DuckDBPyConnection, period: Period, slice_: Slice, by: str) -> None:
    """Build the prepared relations (temp tables) the catalogue's SQL reads; see catalogue.py."""
    years = ", ".join(str(y) for y in period.years)
    wide_years = ", ".join(str(y) for y in range(period.years[0] - 2, period.years[-1] + 1))
    agency = _Source(con, "agency")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE ag AS SELECT DISTINCT "
        f"{agency.col('agency_code')}, {agency.col('region_code')} FROM agency"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE ag_prefix AS SELECT agency_code, region_code, {_PREFIX_SQL} AS prefix FROM ag"
    )
    power = _Source(con, "power")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE power_domain AS SELECT DISTINCT "
        f"{power.col('power_code')}, {power.col('domain')} FROM power"
    )
    entity = _Source(con, "entity")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE entity_industry AS SELECT entity_key, any_value(industry) AS industry FROM ("
        f"SELECT coalesce({_raw(entity, 'credit_code')}, {_raw(entity, 'id_number')}) AS entity_key,"
        f" {_raw(entity, 'industry')} AS industry FROM entity) e WHERE entity_key IS NOT NULL GROUP BY 1"
    )

    def fact(
        name: str, view: str, agency_column: str, date: str, columns: list[str], wide: bool = False
    ) -> None:
        src = _Source(con, view)
        year_filter = f"year IN ({wide_years if wide else years})" if src.has("year") else "FALSE"
        joins, extra = "", ""
        if by == "region":
            joins += " LEFT JOIN ag a ON a.agency_code = f.agency_code"
            extra += ", a.region_code AS agency_region"
        else:
            extra += ", NULL::VARCHAR AS agency_region"
        if by == "domain":
            joins += " LEFT JOIN power_domain pd ON pd.power_code = f.power_code"
            extra += ", pd.domain"
        else:
            extra += ", NULL::VARCHAR AS domain"
        inner = ", ".join(
            [
                src.col(agency_column, alias="agency_code"),
                src.col("power_code"),
                date,
                *[c(src) for c in columns],
            ]
        )
        con.execute(
            f'CREATE OR REPLACE TEMP TABLE {name} AS SELECT f.*{extra} FROM (SELECT {inner} FROM "{view}"'
            f" WHERE {year_filter} AND {_agency_filter(_quoted(agency_column, src), slice_)}) f{joins}"
        )

    entity_key = lambda s: (  # noqa: E731
        f"coalesce({_raw(s, 'entity_credit_code')}, {_raw(s, 'entity_id_number')}) AS entity_key"
    )
    fact(
        "f_inspection_base",
        "inspection",
        "agency_code",
        f"CAST({_raw(_Source(con, 'inspection'), 'started_at', 'TIMESTAMPTZ')} AS DATE) AS started_on",
        [lambda s: s.col("entity_kind"), entity_key, lambda s: s.col("complaint_ticket_number")],
    )
    _prepare_repeated(con, period, years, slice_)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE f_inspection AS SELECT i.*, e.industry, coalesce(r.repeated, FALSE) AS repeated"
        " FROM f_inspection_base i LEFT JOIN entity_industry e ON e.entity_key = i.entity_key"
        " LEFT JOIN repeated_keys r ON r.entity_key = i.entity_key AND r.agency_code = i.agency_code"
        " AND r.started_on = i.started_on"
    )
    dsrc = _Source(con, "decision")
    fact(
        "f_decision_base",
        "decision",
        "agency_code",
        dsrc.col("decided_on", "DATE"),
        [lambda s: s.col("fine_amount", "DOUBLE"), lambda s: s.col("legal_basis", "VARCHAR[]"), entity_key],
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE f_decision AS SELECT d.*, e.industry FROM f_decision_base d"
        " LEFT JOIN entity_industry e ON e.entity_key = d.entity_key"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE f_decision_basis AS SELECT agency_code, agency_region, power_code, domain,"
        " decided_on, unnest(legal_basis) AS citation FROM f_decision WHERE legal_basis IS NOT NULL"
    )
    fact("f_licence", "licence", "agency_code", _Source(con, "licence").col("issued_on", "DATE"), [])
    fact(
        "f_coercion",
        "coercion",
        "agency_code",
        _Source(con, "coercion").col("started_on", "DATE"),
        [lambda s: s.col("category")],
    )
    csrc = _Source(con, "case")
    fact(
        "f_case_base",
        "case",
        "agency_code",
        csrc.col("filed_on", "DATE"),
        [
            lambda s: s.col("decided_on", "DATE"),
            lambda s: s.col("extension_approved_on", "DATE"),
            lambda s: s.col("procedure"),
            lambda s: s.col("status"),
        ],
        wide=True,
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE f_case AS SELECT *,"
        f" filed_on + {DECISION_DAYS} + CASE WHEN extension_approved_on IS NOT NULL THEN {EXTENSION_DAYS} ELSE 0 END"
        " AS deadline,"
        " (coalesce(procedure, 'general') <> 'summary' AND NOT (coalesce(status, '') = 'terminated' AND decided_on IS NULL))"
        " AS under_clock FROM f_case_base"
    )
    ksrc = _Source(con, "complaint")
    fact(
        "f_complaint_base",
        "complaint",
        "routed_agency_code",
        f"CAST({_raw(ksrc, 'received_at', 'TIMESTAMPTZ')} AS DATE) AS received_on",
        [lambda s: s.col("ticket_number"), entity_key],
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE f_complaint AS SELECT c.*, e.industry FROM f_complaint_base c"
        " LEFT JOIN entity_industry e ON e.entity_key = c.entity_key"
    )
    fact(
        "f_review",
        "review",
        "respondent_agency_code",
        _Source(con, "review").col("concluded_on", "DATE"),
        [lambda s: s.col("outcome")],
        wide=True,
    )
    isrc = _Source(con, "inspection")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE t_ticket AS SELECT DISTINCT ticket FROM ("
        f"SELECT {_raw(isrc, 'complaint_ticket_number')} AS ticket FROM inspection"
        f' UNION ALL SELECT {_raw(csrc, "complaint_ticket_number")} FROM "case") t WHERE ticket IS NOT NULL'
    )
    _prepare_masters(con, period, slice_, by)


def _raw(src: _Source, name: str, kind: str = "VARCHAR") -> str:
    return f'"{name}"' if src.has(name) else f"NULL::{kind}"


def _quoted(column: str, src: _Source) -> str:
    return _raw(src, column)


def _prepare_repeated(con: duckdb.DuckDBPyConnection, period: Period, years: str, slice_: Slice) -> None:
    """(entity, agency, day) of inspections another agency made on the same entity within 30 days.

    Over every agency's inspections (not only the slice's). Within an entity ordered by day and
    agency, a run is a stretch of rows of one agency; the nearest inspection by another agency
    before a row is the row just before its run, the nearest after it the row just after its
    run — window functions, no self join."""
    src = _Source(con, "inspection")
    low = period.previous_start - dt.timedelta(days=30)
    high = period.end + dt.timedelta(days=30)
    key = f"coalesce({_raw(src, 'entity_credit_code')}, {_raw(src, 'entity_id_number')})"
    year_filter = f"year IN ({years})" if src.has("year") else "FALSE"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE repeated_keys AS
        WITH i AS (
            SELECT DISTINCT {key} AS entity_key, {_raw(src, "agency_code")} AS agency_code,
                   CAST({_raw(src, "started_at", "TIMESTAMPTZ")} AS DATE) AS started_on
            FROM inspection WHERE {year_filter}
        ), o AS (
            SELECT *, CASE WHEN agency_code = lag(agency_code) OVER w THEN 0 ELSE 1 END AS chg,
                   lag(started_on) OVER w AS prev_on, lead(started_on) OVER w AS next_on,
                   lead(agency_code) OVER w AS next_agency
            FROM i WHERE entity_key IS NOT NULL AND started_on >= {_date(low)} AND started_on < {_date(high)}
            WINDOW w AS (PARTITION BY entity_key ORDER BY started_on, agency_code)
        ), r AS (
            SELECT *, sum(chg) OVER (PARTITION BY entity_key ORDER BY started_on, agency_code
                                     ROWS UNBOUNDED PRECEDING) AS run FROM o
        ), runs AS (
            SELECT entity_key, run, max(CASE WHEN chg = 1 THEN prev_on END) AS before_on,
                   max(CASE WHEN next_agency <> agency_code THEN next_on END) AS after_on
            FROM r GROUP BY 1, 2
        )
        SELECT r.entity_key, r.agency_code, r.started_on, TRUE AS repeated
        FROM r JOIN runs ON runs.entity_key = r.entity_key AND runs.run = r.run
        WHERE ({_agency_filter("r.agency_code", slice_)})
          AND (r.started_on - runs.before_on <= 30 OR runs.after_on - r.started_on <= 30)
    """)


def _prepare_masters(con: duckdb.DuckDBPyConnection, period: Period, slice_: Slice, by: str) -> None:
    region = "a.region_code" if by == "region" else "NULL::VARCHAR"
    power = _Source(con, "power")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE m_power AS SELECT p.*, {region} AS agency_region FROM ("
        f"SELECT {power.col('power_code')}, {power.col('holder_agency_code', alias='agency_code')},"
        f" {power.col('domain')}, {power.col('legal_basis', 'VARCHAR[]')}, period"
        f" FROM ({_snapshot_sql(con, 'power', period)}) s"
        f" WHERE coalesce({_raw(power, 'status')}, 'active') = 'active'"
        f" AND {_agency_filter(_raw(power, 'holder_agency_code'), slice_)}) p"
        " LEFT JOIN ag a ON a.agency_code = p.agency_code"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE m_power_basis AS SELECT agency_code, agency_region, power_code, domain,"
        " period, unnest(legal_basis) AS citation FROM m_power WHERE legal_basis IS NOT NULL"
    )
    officer = _Source(con, "officer")
    certificate = _Source(con, "certificate")
    cur_day, prev_day = period.last_day, min(period.previous_end - dt.timedelta(days=1), period.today)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE m_certified AS SELECT DISTINCT officer_id_number, period FROM ("
        f"SELECT {certificate.col('officer_id_number')}, {certificate.col('status')},"
        f" {certificate.col('issued_on', 'DATE')}, {certificate.col('expires_on', 'DATE')}, period"
        f" FROM ({_snapshot_sql(con, 'certificate', period)}) s) c"
        " WHERE coalesce(status, 'valid') = 'valid' AND officer_id_number IS NOT NULL AND"
        f" coalesce(issued_on, DATE '1900-01-01') <= CASE period WHEN 'cur' THEN {_date(cur_day)} ELSE {_date(prev_day)} END"
        f" AND coalesce(expires_on, DATE '9999-12-31') >= CASE period WHEN 'cur' THEN {_date(cur_day)}"
        f" ELSE {_date(prev_day)} END"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE m_officer AS SELECT o.agency_code, {region} AS agency_region,"
        " NULL::VARCHAR AS domain, o.period, (c.officer_id_number IS NOT NULL) AS certified FROM ("
        f"SELECT {officer.col('id_number')}, {officer.col('agency_code')}, {officer.col('status')}, period"
        f" FROM ({_snapshot_sql(con, 'officer', period)}) s) o"
        " LEFT JOIN m_certified c ON c.officer_id_number = o.id_number AND c.period = o.period"
        " LEFT JOIN ag a ON a.agency_code = o.agency_code"
        f" WHERE coalesce(o.status, 'active') = 'active' AND {_agency_filter('o.agency_code', slice_)}"
    )
    entity = _Source(con, "entity")
    key = {"agency": "agency_code", "region": "region_code"}.get(by, "'*'")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE m_entity_scope AS WITH rc AS ("
        f"SELECT {_raw(entity, 'region_code')} AS region_code, count(*) AS n FROM entity GROUP BY 1"
        f"), ak AS (SELECT DISTINCT {key} AS key, prefix FROM ag_prefix"
        f" WHERE prefix IS NOT NULL AND {_agency_filter('agency_code', slice_)}"
        "), pairs AS (SELECT DISTINCT ak.key, rc.region_code, rc.n FROM ak JOIN rc ON rc.region_code LIKE ak.prefix || '%')"
        " SELECT key, p.period, sum(n) AS entities FROM pairs CROSS JOIN (SELECT 'cur' AS period UNION ALL"
        " SELECT 'prev') p GROUP BY 1, 2"
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
) -> list[Value]:
    """Every chosen indicator (default all that support `by`) for the slice, broken down by `by`,
    with the previous year's value and the year-on-year change; sorted by slug order, then key."""
    period = parse_period(period) if isinstance(period, str) else period
    check_by(by)
    indicators = [i for i in check_slugs(slugs) if by in i.dimensions]
    own = con is None
    con = con or store.connect()
    try:
        slice_ = resolve_slice(con, region=region, agency=agency, agencies=agencies)
        prepare(con, period, slice_, by)
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


def _drill_select(
    con: duckdb.DuckDBPyConnection,
    family: str,
    date: str,
    where: str,
    period: Period,
    slice_: Slice,
    power: str | None,
) -> str:
    src = _Source(con, family)
    number, amount, status, agency_column = _DRILL[family]
    on = f"CAST({_raw(src, date, 'DATE')} AS DATE)"
    conditions = [
        f"{on} >= {_date(period.start)}",
        f"{on} < {_date(period.end)}",
        _agency_filter(_raw(src, agency_column), slice_),
        f"({where})",
    ]
    if src.has("year") and store.FAMILIES[family] == date:
        conditions.append(f"year IN ({period.start.year}, {(period.end - dt.timedelta(days=1)).year})")
    if power is not None:
        conditions.append(f"{_raw(src, 'power_code')} = '{power.replace(chr(39), '')}'")
    if not src.has("source_id"):
        return ""
    return (
        f"SELECT '{family}' AS family, source_system, source_id, CAST({_raw(src, number)} AS VARCHAR) AS number,"
        f" {on} AS on_date, {_raw(src, agency_column)} AS agency_code, {_raw(src, 'power_code')} AS power_code,"
        f" {_raw(src, 'entity_name')} AS entity_name,"
        f" CAST({_raw(src, amount, 'DOUBLE') if amount else 'NULL'} AS DOUBLE) AS amount,"
        f' {_raw(src, status)} AS status FROM "{family}" WHERE {" AND ".join(conditions)}'
    )


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
        raise ActionError("no_records", f"指标“{indicator.name}”来自主数据，没有可下钻的执法记录", "slug")
    page, page_size = max(1, page), min(max(1, page_size), 500)
    own = con is None
    con = con or store.connect()
    try:
        slice_ = resolve_slice(con, region=region, agency=agency, agencies=agencies)
        parts = [
            _drill_select(con, family, date, indicator.drill.where, period, slice_, power)
            for family, date in indicator.drill.families
        ]
        union = " UNION ALL ".join(p for p in parts if p)
        if not union:
            return DrillPage(slug, 0, page, page_size, [])
        con.execute(f"CREATE OR REPLACE TEMP TABLE drill_rows AS {union}")
        total = con.sql("SELECT count(*) FROM drill_rows").fetchall()[0][0]
        result = con.sql(
            "SELECT * FROM drill_rows ORDER BY on_date DESC, family, source_system, source_id"
            f" LIMIT {page_size} OFFSET {(page - 1) * page_size}"
        )
        names = [c if c != "on_date" else "on" for c in result.columns]
        rows = [dict(zip(names, row, strict=True)) for row in result.fetchall()]
        for row in rows:
            row["on"] = None if row["on"] is None else row["on"].isoformat()
        return DrillPage(slug, int(total), page, page_size, rows)
    finally:
        if own:
            con.close()
