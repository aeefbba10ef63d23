"""The clue engine: the catalogue's models over the analytical store, in one DuckDB connection.

Interface::

    evaluate(models, on=None, *, overrides=None, con=None, reference=None) -> list[Outcome]
        # Outcome(model, groups=[(values, agencies)], findings=[Finding], seconds)
    fingerprint(slug, identity) -> str      # sha256 hex of "slug|identity"

How one run works: the store's views are read once into the *prepared relations* the chosen
models need (`RELATIONS`: facts of the lookback with the columns models use, master data from the
latest snapshots, reference tables from the registry's discretion benchmarks and the law
library, working-day calendars), then each model's SQL runs over them — once per distinct set of
parameter values (`zhifa.clues.params.groups`; normally one). Nothing here writes anything.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import duckdb
import pyarrow as pa

from zhifa.analytics import store
from zhifa.analytics.columns import ViewColumns
from zhifa.clues import params as parameters
from zhifa.clues.catalogue import BY_SLUG, MODELS, ClueModel
from zhifa.core.errors import ActionError
from zhifa.rules.holidays import is_working_day

# Facts older than this many years before the run's day are not judged (year partitions pruned).
LOOKBACK_YEARS = 3


@dataclass(frozen=True)
class Finding:
    slug: str
    agency_code: str
    region_code: str | None
    identity: str
    title: str
    detail: str
    evidence: list[dict[str, Any]]
    parameters: dict[str, str]

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.slug, self.identity)


@dataclass
class Outcome:
    model: ClueModel
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0


def fingerprint(slug: str, identity: str) -> str:
    """The problem's identity, independent of model version and parameters (never re-raised)."""
    return hashlib.sha256(f"{slug}|{identity}".encode()).hexdigest()


def check_models(slugs: Iterable[str] | None) -> list[ClueModel]:
    if slugs is None:
        return list(MODELS)
    chosen = list(dict.fromkeys(slugs))
    unknown = [s for s in chosen if s not in BY_SLUG]
    if unknown:
        raise ActionError("unknown_model", f"没有这个线索模型：{'、'.join(unknown)}", "model", status=404)
    return [BY_SLUG[s] for s in chosen]


# --- context and columns ---------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    on: dt.date
    since: dt.date

    @property
    def since_year(self) -> int:
        return self.since.year


def _date(day: dt.date) -> str:
    return f"DATE '{day.isoformat()}'"


class _Source(ViewColumns):
    """A store view's columns (`analytics.columns`) with the readings only clue models need."""

    def point(self, name: str) -> str:
        """A GPS column as STRUCT(latitude, longitude): the importer stores JSON text (parsed once
        with `json_transform`, 5x faster than two `json_extract_string`), a struct passes through."""
        kind = "STRUCT(latitude DOUBLE, longitude DOUBLE)"
        if name not in self.types:
            return f"NULL::{kind}"
        if self.types[name].upper().startswith("STRUCT"):
            return f'TRY_CAST("{name}" AS {kind})'
        return f"""try(json_transform("{name}", '{{"latitude": "DOUBLE", "longitude": "DOUBLE"}}'))"""

    def years(self, ctx: Context) -> str:
        return f"year >= {ctx.since_year}" if self.has("year") else "TRUE"


def _entity_key(src: _Source) -> str:
    return f"coalesce({src.raw('entity_credit_code')}, {src.raw('entity_id_number')}) AS entity_key"


# Fact relations are materialized once per run (in memory): most are read by several models.
MATERIALIZE = True


def _fact(con: duckdb.DuckDBPyConnection, name: str, view: str, ctx: Context, columns: list[str]) -> None:
    src = _Source(con, view)
    kind = "TABLE" if MATERIALIZE else "VIEW"
    con.execute(
        f'CREATE OR REPLACE TEMP {kind} {name} AS SELECT {", ".join(columns)} FROM "{view}" WHERE {src.years(ctx)}'
    )


def _common(src: _Source, number: str, agency: str = "agency_code") -> list[str]:
    return [
        "source_system",
        "source_id",
        src.col(number),
        src.col(agency, alias="agency_code"),
        src.col("power_code"),
        src.col("entity_kind"),
        _entity_key(src),
        src.col("entity_name"),
    ]


# --- prepared relations ----------------------------------------------------------------------


def _f_case(con: duckdb.DuckDBPyConnection, ctx: Context, reference: Any) -> None:
    s = _Source(con, "case")
    _fact(
        con,
        "f_case",
        "case",
        ctx,
        [
            *_common(s, "case_number"),
            s.col("officer_certificates", "VARCHAR[]"),
            s.day("violation_on"),
            s.col("procedure"),
            s.col("major_case", "BOOLEAN"),
            s.day("filed_on"),
            s.day("notice_served_on"),
            s.col("hearing_offered", "BOOLEAN"),
            s.day("legal_review_on"),
            s.day("extension_approved_on"),
            s.day("decided_on"),
            s.day("served_on"),
            s.col("decision_kind"),
            s.col("penalty_kinds", "VARCHAR[]"),
            s.col("fine_amount", "DOUBLE"),
            s.col("confiscation_amount", "DOUBLE"),
            s.col("benchmark_tier"),
            s.col("status"),
        ],
    )


def _f_decision(con: duckdb.DuckDBPyConnection, ctx: Context, reference: Any) -> None:
    s = _Source(con, "decision")
    _fact(
        con,
        "f_decision",
        "decision",
        ctx,
        [
            *_common(s, "decision_number"),
            s.col("case_source_id"),
            s.day("decided_on"),
            s.col("penalty_kinds", "VARCHAR[]"),
            s.col("fine_amount", "DOUBLE"),
            s.col("benchmark_tier"),
            s.day("served_on"),
            s.col("service_method"),
            s.day("payment_due_on"),
            s.day("paid_on"),
            s.col("paid_amount", "DOUBLE"),
            s.col("late_surcharge_amount", "DOUBLE"),
            s.col("enforcement"),
            s.col("status"),
        ],
    )


def _f_inspection(con: duckdb.DuckDBPyConnection, ctx: Context, reference: Any) -> None:
    s = _Source(con, "inspection")
    _fact(
        con,
        "f_inspection",
        "inspection",
        ctx,
        [
            *_common(s, "record_number"),
            s.col("officer_certificates", "VARCHAR[]"),
            s.day("started_at", "started_on"),
            f"{s.point('gps')} AS gps_point",
            s.col("task_code"),
            s.day("task_window_start"),
            s.day("task_window_end"),
            s.col("complaint_ticket_number"),
            s.col("joint", "BOOLEAN"),
        ],
    )


def _f_complaint(con: duckdb.DuckDBPyConnection, ctx: Context, reference: Any) -> None:
    s = _Source(con, "complaint")
    _fact(
        con,
        "f_complaint_raw",
        "complaint",
        ctx,
        [
            *_common(s, "ticket_number", agency="routed_agency_code"),
            s.col("received_at", "TIMESTAMPTZ"),
            s.day("received_at", "received_on"),
            s.col("due_at", "TIMESTAMPTZ"),
            s.col("answered_at", "TIMESTAMPTZ"),
            s.col("category"),
            s.col("place"),
            s.col("status"),
        ],
    )
    con.execute(
        f"CREATE OR REPLACE TEMP {'TABLE' if MATERIALIZE else 'VIEW'} f_complaint AS SELECT *,"
        " coalesce(entity_key, nullif(trim(place), '')) AS place_key FROM f_complaint_raw"
    )


def _f_coercion(con: duckdb.DuckDBPyConnection, ctx: Context, reference: Any) -> None:
    s = _Source(con, "coercion")
    _fact(
        con,
        "f_coercion",
        "coercion",
        ctx,
        [
            *_common(s, "document_number"),
            s.col("category"),
            s.col("measure_kind"),
            s.col("officer_certificates", "VARCHAR[]"),
            s.col("case_source_id"),
            s.day("started_on"),
            s.day("planned_end_on"),
            s.day("extended_to"),
            s.day("ended_on"),
            s.col("status"),
        ],
    )


def _f_licence(con: duckdb.DuckDBPyConnection, ctx: Context, reference: Any) -> None:
    s = _Source(con, "licence")
    _fact(
        con,
        "f_licence",
        "licence",
        ctx,
        [*_common(s, "licence_number"), s.day("applied_on"), s.day("accepted_on"), s.day("issued_on")],
    )


def _acts(con: duckdb.DuckDBPyConnection, ctx: Context, reference: Any) -> None:
    con.execute(
        "CREATE OR REPLACE TEMP VIEW acts AS"
        " SELECT agency_code, power_code, started_on AS acted_on FROM f_inspection"
        " UNION ALL SELECT agency_code, power_code, filed_on FROM f_case"
        " UNION ALL SELECT agency_code, power_code, decided_on FROM f_decision"
        " UNION ALL SELECT agency_code, power_code, issued_on FROM f_licence"
        " UNION ALL SELECT agency_code, power_code, started_on FROM f_coercion"
    )


_ACT_CERT_PARTS = (
    ("inspection", "检查", "f_inspection", "record_number", "started_on"),
    ("case", "案件", "f_case", "case_number", "filed_on"),
    ("coercion", "强制措施", "f_coercion", "document_number", "started_on"),
)


def _act_cert_count(con: duckdb.DuckDBPyConnection, ctx: Context, reference: Any) -> None:
    """Officers per act. The exchange schema makes `officer_certificates` unique items (and the
    cases app stores distinct officers), so the list's length is the number of officers."""
    parts = " UNION ALL ".join(
        f"SELECT '{family}' AS family, '{label}' AS label, source_system, source_id, {number} AS number,"
        f" agency_code, {on} AS acted_on, officer_certificates AS certificates,"
        f" len(officer_certificates) AS officers FROM {table}"
        f" WHERE officer_certificates IS NOT NULL"
        for family, label, table, number, on in _ACT_CERT_PARTS
    )
    con.execute(f"CREATE OR REPLACE TEMP VIEW act_cert_count AS {parts}")


def _act_cert(con: duckdb.DuckDBPyConnection, ctx: Context, reference: Any) -> None:
    parts = " UNION ALL ".join(
        f"SELECT '{family}' AS family, '{label}' AS label, source_system, source_id, {number} AS number,"
        f" agency_code, {on} AS acted_on, unnest(officer_certificates) AS certificate_number FROM {table}"
        f" WHERE officer_certificates IS NOT NULL"
        for family, label, table, number, on in _ACT_CERT_PARTS
    )
    con.execute(f"CREATE OR REPLACE TEMP VIEW act_cert AS {parts}")


def _formally_changed(con: duckdb.DuckDBPyConnection, family: str) -> str:
    """A condition excluding versions that record a formal change of the decision (变更/撤销 after
    reconsideration, litigation or the agency's own correction, decision status changed/revoked):
    those are the procedure working, not a silent edit."""
    decision = _Source(con, "decision")
    if not (decision.has("status") and decision.has("case_source_id")):
        return "TRUE"
    if family == "decision":
        return "coalesce(status, '') NOT IN ('changed', 'revoked')"
    return (
        "source_id NOT IN (SELECT case_source_id FROM decision WHERE status IN ('changed', 'revoked')"
        " AND case_source_id IS NOT NULL)"
    )


def _chg(con: duckdb.DuckDBPyConnection, ctx: Context, reference: Any) -> None:
    """Versions of cases and decisions that changed business fields after the decision day."""
    parts = []
    for family, number, fields in (
        ("case", "case_number", _CHANGE_FIELDS),
        ("decision", "decision_number", _CHANGE_FIELDS),
    ):
        s = _Source(con, f"{family}_history")
        if not (s.has("_record_version") and s.has("_ingested_at")):
            continue  # nothing stored yet
        history = f'"{family}_history"'
        present = [(column, label, kind) for column, label, kind in fields if s.has(column)]
        others = [(c, kind) for c, _, kind in present if c != "decided_on"]
        lags = "".join(f", lag({c}) OVER w AS p_{c}" for c, _ in others)
        cols = "".join(f", {s.col(c, kind)}" for c, kind in others)
        changed = ", ".join(
            f"CASE WHEN {c} IS DISTINCT FROM p_{c} THEN '{label}' END" for c, label, _ in present
        )
        changed_at = (
            "coalesce(TRY_CAST(source_updated_at AS TIMESTAMPTZ), _ingested_at)"
            if s.has("source_updated_at")
            else "_ingested_at"
        )
        parts.append(
            f"""SELECT '{family}' AS family, source_system, source_id, version, number, agency_code,
                   p_decided_on AS decided_on, changed_at,
                   list_filter([{changed}], lambda x: x IS NOT NULL) AS changed
            FROM (SELECT *{lags}, lag(decided_on) OVER w AS p_decided_on FROM (
                  SELECT source_system, source_id, _record_version AS version, {changed_at} AS changed_at,
                         {s.col(number, alias="number")}, {s.col("agency_code")}, {s.col("status")},
                         {s.day("decided_on")}{cols}
                  FROM {history} WHERE (source_system, source_id) IN (
                      SELECT source_system, source_id FROM {history} WHERE _record_version > 1)) h
                  WINDOW w AS (PARTITION BY source_system, source_id ORDER BY version)) l
            WHERE version > 1 AND p_decided_on IS NOT NULL AND CAST(changed_at AS DATE) > p_decided_on
              AND {_formally_changed(con, family)}"""
        )
    body = " UNION ALL ".join(parts) or (
        "SELECT NULL::VARCHAR AS family, NULL::VARCHAR AS source_system, NULL::VARCHAR AS source_id,"
        " NULL::BIGINT AS version, NULL::VARCHAR AS number, NULL::VARCHAR AS agency_code,"
        " NULL::DATE AS decided_on, NULL::TIMESTAMPTZ AS changed_at, NULL::VARCHAR[] AS changed WHERE FALSE"
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE chg AS SELECT * FROM ({body}) c WHERE len(changed) > 0")


# (column, label, DuckDB type) of the business fields whose change after the decision counts.
_CHANGE_FIELDS = (
    ("fine_amount", "罚款金额", "DOUBLE"),
    ("penalty_kinds", "处罚种类", "VARCHAR[]"),
    ("legal_basis", "法律依据", "VARCHAR[]"),
    ("benchmark_tier", "裁量阶次", "VARCHAR"),
    ("entity_name", "当事人", "VARCHAR"),
    ("decided_on", "决定日期", "DATE"),
)


def _m_power(con: duckdb.DuckDBPyConnection, ctx: Context, reference: Any) -> None:
    s = _Source(con, "power")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE m_power AS SELECT DISTINCT "
        f"{s.col('power_code')}, {s.col('holder_agency_code', alias='agency_code')}, {s.col('name')},"
        f" {s.col('kind')}, {s.col('status')}, {s.day('effective_from')}, {s.col('registry_id', 'BIGINT')}"
        " FROM power"
    )


def _m_cert(con: duckdb.DuckDBPyConnection, ctx: Context, reference: Any) -> None:
    s = _Source(con, "certificate")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE m_cert AS SELECT DISTINCT "
        f"{s.col('certificate_number')}, {s.day('issued_on')}, {s.day('expires_on')}, {s.col('status')}"
        " FROM certificate WHERE certificate_number IS NOT NULL"
    )


def _m_entity(con: duckdb.DuckDBPyConnection, ctx: Context, reference: Any) -> None:
    s = _Source(con, "entity")
    lat = f"coalesce({s.raw('latitude', 'DOUBLE')}, ({s.point('location')}).latitude)"
    lon = f"coalesce({s.raw('longitude', 'DOUBLE')}, ({s.point('location')}).longitude)"
    con.execute(
        "CREATE OR REPLACE TEMP TABLE m_entity AS SELECT entity_key, any_value(lat) AS lat, any_value(lon) AS lon"
        f" FROM (SELECT coalesce({s.raw('credit_code')}, {s.raw('id_number')}) AS entity_key,"
        f" TRY_CAST({lat} AS DOUBLE) AS lat, TRY_CAST({lon} AS DOUBLE) AS lon FROM entity) e"
        " WHERE entity_key IS NOT NULL GROUP BY entity_key"
    )


def _reference(name: str) -> Callable[[duckdb.DuckDBPyConnection, Context, Any], None]:
    def build(con: duckdb.DuckDBPyConnection, ctx: Context, reference: Any) -> None:
        from zhifa.clues import reference as registry_reference

        table = (reference or {}).get(name)
        if table is None:
            table = registry_reference.TABLES[name]()
        con.register(f"_{name}_arrow", table)
        con.execute(f'CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM "_{name}_arrow"')
        con.unregister(f"_{name}_arrow")

    return build


_Builder = Callable[[duckdb.DuckDBPyConnection, Context, Any], None]
# name -> (relations it reads, builder)
RELATIONS: dict[str, tuple[tuple[str, ...], _Builder]] = {
    "f_case": ((), _f_case),
    "f_decision": ((), _f_decision),
    "f_inspection": ((), _f_inspection),
    "f_complaint": ((), _f_complaint),
    "f_coercion": ((), _f_coercion),
    "f_licence": ((), _f_licence),
    "acts": (("f_inspection", "f_case", "f_decision", "f_licence", "f_coercion"), _acts),
    "act_cert": (("f_inspection", "f_case", "f_coercion"), _act_cert),
    "act_cert_count": (("f_inspection", "f_case", "f_coercion"), _act_cert_count),
    "chg": ((), _chg),
    "m_power": ((), _m_power),
    "m_cert": ((), _m_cert),
    "m_entity": ((), _m_entity),
    "r_tier": ((), _reference("r_tier")),
    "r_statute": ((), _reference("r_statute")),
    "r_no_penalty": ((), _reference("r_no_penalty")),
}


def prepare(
    con: duckdb.DuckDBPyConnection,
    models: Iterable[ClueModel],
    ctx: Context,
    reference: Any = None,
    timings: dict[str, float] | None = None,
) -> list[str]:
    """Build the relations the models need (each once, dependencies first); their names.
    `timings` receives the seconds of each relation under "prepare:<name>"."""
    done: list[str] = []

    def build(name: str) -> None:
        if name in done:
            return
        needs, builder = RELATIONS[name]
        for need in needs:
            build(need)
        started = time.perf_counter()
        builder(con, ctx, reference)
        if timings is not None:
            timings[f"prepare:{name}"] = time.perf_counter() - started
        done.append(name)

    s = _Source(con, "agency")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE ag AS SELECT agency_code, any_value(region_code) AS region_code FROM"
        f" (SELECT {s.col('agency_code')}, {s.col('region_code')} FROM agency) a"
        " WHERE agency_code IS NOT NULL GROUP BY agency_code"
    )
    for model in models:
        for name in model.needs:
            build(name)
    return done


# --- working days ----------------------------------------------------------------------------


def _working_day_table(con: duckdb.DuckDBPyConnection, ctx: Context, days: int) -> str:
    """`wd_N(day, due)`: the N-th working day after each day (Art. 85: 日 = working days)."""
    name = f"wd_{days}"
    first = dt.date(ctx.since_year - 1, 1, 1)
    last = ctx.on + dt.timedelta(days=3 * days + 30)
    span = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    working = [d for d in span if is_working_day(d)]
    rows_day, rows_due = [], []
    for d in span:
        at = bisect.bisect_right(working, d) + days - 1
        if at < len(working):
            rows_day.append(d)
            rows_due.append(working[at])
    table = pa.table({"day": pa.array(rows_day, pa.date32()), "due": pa.array(rows_due, pa.date32())})
    con.register(f"_{name}_arrow", table)
    con.execute(f'CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM "_{name}_arrow"')
    con.unregister(f"_{name}_arrow")
    return name


# --- rendering and running -------------------------------------------------------------------

_MACRO = re.compile(r"\$\{(?:(wd):)?(\w+)\}")


def render(
    con: duckdb.DuckDBPyConnection, model: ClueModel, values: Mapping[str, Decimal], ctx: Context
) -> str:
    def expand(found: re.Match[str]) -> str:
        kind, name = found[1], found[2]
        if name == "on" and not kind:
            return _date(ctx.on)
        if name == "since" and not kind:
            return _date(ctx.since)
        if name not in values:
            raise KeyError(f"{model.slug}: unknown parameter {name}")
        text = parameters.render_value(values[name])
        if kind == "wd":
            return _working_day_table(con, ctx, int(Decimal(text)))
        return text

    return _MACRO.sub(expand, model.sql)


def _sql_list(values: Iterable[str]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values) or "NULL"


def run_model(
    con: duckdb.DuckDBPyConnection,
    model: ClueModel,
    ctx: Context,
    overrides: Mapping[str, Decimal] | None = None,
) -> Outcome:
    started = time.perf_counter()
    agencies = con.sql("SELECT agency_code, region_code FROM ag").fetchall()
    outcome = Outcome(model)
    for values, codes in parameters.groups(model, agencies, ctx.on, overrides):
        chosen = dict(values)
        sql = render(con, model, chosen, ctx)
        where = "r.agency_code IS NOT NULL"
        if codes is not None:
            where += f" AND r.agency_code IN ({_sql_list(sorted(codes))})"
        rows = con.sql(
            "SELECT r.agency_code, ag.region_code, r.identity, r.title, r.detail, r.evidence"
            f" FROM ({sql}\n) r LEFT JOIN ag ON ag.agency_code = r.agency_code WHERE {where} ORDER BY r.identity"
        ).fetchall()
        shown = {name: parameters.render_value(value) for name, value in values}
        seen: set[str] = set()
        for agency_code, region_code, identity, title, detail, evidence in rows:
            if identity in seen:  # a model's SQL should not repeat an identity; keep the first
                continue
            seen.add(identity)
            outcome.findings.append(
                Finding(
                    model.slug, agency_code, region_code, identity, title, detail, list(evidence or []), shown
                )
            )
    outcome.seconds = time.perf_counter() - started
    return outcome


def evaluate(
    models: Iterable[ClueModel] | None = None,
    on: dt.date | None = None,
    *,
    overrides: Mapping[str, Mapping[str, Decimal]] | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
    reference: Mapping[str, pa.Table] | None = None,
    timings: dict[str, float] | None = None,
) -> list[Outcome]:
    """Run the models (default: all) as of `on` (default: today in China time).

    `overrides`: {slug: {parameter: value}} (backtests); `reference`: the registry reference
    tables (r_tier, r_statute, r_no_penalty) to use instead of reading the registry (tests,
    benchmarks); `timings` receives the seconds spent preparing relations under "prepare"."""
    chosen = list(models) if models is not None else list(MODELS)
    day = on or store.today()
    ctx = Context(on=day, since=dt.date(day.year - LOOKBACK_YEARS, 1, 1))
    own = con is None
    con = con or store.connect()
    try:
        started = time.perf_counter()
        prepare(con, chosen, ctx, reference, timings)
        if timings is not None:
            timings["prepare"] = time.perf_counter() - started
        return [run_model(con, m, ctx, (overrides or {}).get(m.slug)) for m in chosen]
    finally:
        if own:
            con.close()
