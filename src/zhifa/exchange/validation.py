"""Validate mapped record batches against a family's exchange schema and the platform's data.

The import must reach 500,000 rows per second on two cores, so a batch is checked by **one
DuckDB query** (multi-threaded, vectorised), generated once per family and column set from the
same `FieldSpec`s the schema gives:

* required fields (and the schema's simple conditional ones: ``if entity_kind == person then
  entity_id_number``), code sets (``enum``), formats (``pattern``), text lengths, number ranges;
* conversion to typed columns: dates → ``DATE``, date-times → ``TIMESTAMPTZ`` (UTC), numbers,
  integers, booleans; text lists (``officer_certificates``) are split on ``/ , ; 、 |``;
* credit-code and ID-number check characters, ID birth dates;
* region codes that exist, references to known agencies, powers and entities
  (``unknown_reference``, against reference tables registered once per import), dates that are
  plausible and in order.

Identifier-like columns (patterns, codes, references, lists) repeat a few thousand values over a
million rows, so their checks run once per *distinct* value and are joined back; free text,
numbers and dates are checked row by row. Every check yields a ``{field, reason, value}`` struct
or NULL; a row's problems are the non-null ones, in a fixed order.

The one pure-Python fallback is for *object* fields (``gps``, ``items``, ``location``): their
rare non-null values are parsed as JSON and checked with `schema.validate`; the verdicts enter the
query as boolean columns.

Results: the accepted rows as a typed Arrow table (every field of the family, so the store's
schema is stable across batches), the rejected rows' mapped data, and a problem table
``(_row, field, reason, value)`` merged with the mapping's problems — a rejected row carries
every reason found, not only the first.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from zhifa.core.identifiers import RIC_CHECK, RIC_WEIGHTS, USCC_ALPHABET, USCC_WEIGHTS
from zhifa.exchange import schema as exchange_schema
from zhifa.exchange.mapping import PROBLEM_SCHEMA, MappedBatch
from zhifa.exchange.readers import BOOKKEEPING, ERROR, ROW

UNKNOWN_REFERENCE = "unknown_reference"
UNKNOWN_REGION = "unknown_region"
DATE_ORDER = "date_order"
IMPLAUSIBLE_DATE = "implausible_date"
INVALID_CHECK_DIGIT = "invalid_check_digit"
INVALID_BIRTH_DATE = "invalid_birth_date"
EARLIEST = dt.date(1949, 10, 1)
LIST_SEPARATORS = r"\s*[/,;、|，；]\s*"

# Pairs of dates that must not run backwards, applied where a family has both fields.
ORDERED_DATES: tuple[tuple[str, str], ...] = (
    ("started_at", "ended_at"),
    ("task_window_start", "task_window_end"),
    ("filed_on", "decided_on"),
    ("decided_on", "served_on"),
    ("filed_on", "closed_on"),
    ("applied_on", "issued_on"),
    ("issued_on", "expires_on"),
    ("valid_from", "valid_to"),
    ("started_on", "ended_on"),
    ("received_at", "answered_at"),
    ("received_at", "closed_at"),
    ("filed_on", "concluded_on"),
)

# x-refers-to targets checked against the registry; other references (certificates, facts of
# other families) may legitimately arrive later and are left to the clues.
CHECKED_REFERENCES = ("agency.agency_code", "power.power_code", "entity.credit_code", "entity.id_number")

# Dates that name a deadline or an end of validity: they may lie in the future.
FORWARD_DATES = frozenset({"valid_to", "expires_on", "payment_due_on", "planned_end_on", "due_at"})


# --- the family's fields, read once from the schema -----------------------------------------


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str = "string"  # string | number | integer | boolean | array | object
    format: str | None = None  # date | date-time
    enum: tuple[str, ...] = ()
    pattern: str | None = None
    min_length: int | None = None
    max_length: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    identifier: str | None = None  # uscc | id_number | region_code
    refers_to: str | None = None
    item: FieldSpec | None = None  # for arrays of scalars
    min_items: int | None = None
    unique_items: bool = False


@dataclass(frozen=True)
class FamilySpec:
    family: str
    fields: dict[str, FieldSpec]
    required: tuple[str, ...]
    conditional: tuple[tuple[str, str, tuple[str, ...]], ...]  # (field, value, then-required)
    ordered: tuple[tuple[str, str], ...] = field(default=())


def _resolve(spec: dict[str, Any]) -> dict[str, Any]:
    """Inline ``$ref``s into common.v1.json (one level is all the schemas use, recursively)."""
    ref = spec.get("$ref")
    if not ref:
        return spec
    target = exchange_schema.load_schema("common")["$defs"][ref.rsplit("/", 1)[-1]]
    merged = {**_resolve(target), **{k: v for k, v in spec.items() if k != "$ref"}}
    merged["x-def"] = ref.rsplit("/", 1)[-1]
    return merged


def _field_spec(name: str, raw: dict[str, Any]) -> FieldSpec:
    spec = _resolve(raw)
    kind = spec.get("type", "string")
    item = None
    if kind == "array":
        item_spec = _resolve(spec.get("items", {}))
        if item_spec.get("type", "string") != "object":
            item = _field_spec(name, item_spec)
        else:
            kind = "object"  # arrays of objects go through the per-row fallback
    definition = spec.get("x-def")
    return FieldSpec(
        name=name,
        type=kind,
        format=spec.get("format"),
        enum=tuple(spec.get("enum", ())),
        pattern=spec.get("pattern"),
        min_length=spec.get("minLength"),
        max_length=spec.get("maxLength"),
        minimum=spec.get("minimum"),
        maximum=spec.get("maximum"),
        identifier=definition if definition in ("uscc", "id_number", "region_code") else None,
        refers_to=spec.get("x-refers-to") or raw.get("x-refers-to"),
        item=item,
        min_items=spec.get("minItems"),
        unique_items=bool(spec.get("uniqueItems")),
    )


def _conditions(doc: dict[str, Any]) -> Iterable[tuple[str, str, tuple[str, ...]]]:
    """The schema's ``if {X: const V} then {required: [...]}`` rules, wherever they sit."""
    parts = [doc, *doc.get("allOf", [])]
    for part in parts:
        part = _resolve(part)
        if part is not doc and "allOf" in part:
            yield from _conditions(part)
        cond, then = part.get("if"), part.get("then")
        if not cond or not then:
            continue
        for name, rule in cond.get("properties", {}).items():
            if "const" in rule:
                yield name, rule["const"], tuple(then.get("required", ()))


@cache
def family_spec(family: str) -> FamilySpec:
    doc = exchange_schema.load_schema(family)
    fields = {name: _field_spec(name, raw) for name, raw in doc["properties"].items()}
    ordered = tuple((a, b) for a, b in ORDERED_DATES if a in fields and b in fields)
    return FamilySpec(family, fields, tuple(doc.get("required", ())), tuple(_conditions(doc)), ordered)


# --- reference data, loaded once per import ---------------------------------------------------


@dataclass
class References:
    """Codes known to the platform, as Arrow arrays for `pc.is_in`."""

    regions: pa.Array
    targets: dict[str, pa.Array]

    @classmethod
    def load(cls) -> References:
        from zhifa.core.models import Region
        from zhifa.powers.models import Power
        from zhifa.registry.models import Agency, Entity

        def codes(qs: Any, column: str) -> pa.Array:
            return pa.array(
                list(qs.exclude(**{f"{column}__isnull": True}).values_list(column, flat=True)), pa.string()
            )

        return cls(
            regions=codes(Region.objects.all(), "code"),
            targets={
                "agency.agency_code": codes(Agency.objects.all(), "code"),
                "power.power_code": codes(Power.objects.all(), "code"),
                "entity.credit_code": codes(Entity.objects.all(), "credit_code"),
                "entity.id_number": codes(Entity.objects.all(), "id_number"),
            },
        )


# --- the result -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ValidatedBatch:
    valid: pa.Table  # typed exchange columns of the accepted rows
    valid_rows: pa.Array  # their source row numbers
    rejected: pa.Table  # mapped data (with _row, _raw …) of the rejected rows
    problems: pa.Table  # PROBLEM_SCHEMA, every problem of every rejected row

    @property
    def read(self) -> int:
        return len(self.valid_rows) + self.rejected.num_rows


_local = threading.local()


def validate_batch(family: str, mapped: MappedBatch, refs: References) -> ValidatedBatch:
    """Check one mapped batch; see the module docstring for what is checked and how.

    Uses a `Validator` cached per thread (a DuckDB connection must not be shared between the
    importer's thread and its writer thread) and per family, rebuilt when `refs` changes."""
    validators: dict[str, Validator] = _local.__dict__.setdefault("validators", {})
    validator = validators.get(family)
    if validator is None or validator.refs is not refs:
        if validator is not None:
            validator.close()
        validator = validators[family] = Validator(family, refs)
    return validator.validate(mapped)


def _merge(mapping_problems: pa.Table, ours: pa.Table) -> pa.Table:
    """The mapping's problems plus ours, minus ours on a field the mapping already faulted (a
    date the mapping could not parse is null now; "required" on top would only repeat it)."""
    mapped = mapping_problems.cast(PROBLEM_SCHEMA)
    if not ours.num_rows:
        return mapped
    if mapped.num_rows:
        faulted = mapped.select(["_row", "field"]).filter(pc.is_valid(mapped["field"]))
        ours = ours.join(faulted, keys=["_row", "field"], join_type="left anti").select(PROBLEM_SCHEMA.names)
    return pa.concat_tables([mapped, ours.cast(PROBLEM_SCHEMA)]).sort_by([("_row", "ascending")])


# --- one DuckDB query per batch ---------------------------------------------------------------

PROBLEM_TYPE = "STRUCT(field VARCHAR, reason VARCHAR, value VARCHAR)"
_TRUTHY = ("true", "1", "yes", "是")
_FALSY = ("false", "0", "no", "否")
_DATE_SHAPE = r"\d{4}-\d{2}-\d{2}"
_DATE_TIME_SHAPE = r"\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})"
_ARROW_TIMESTAMP_TEXT = "%Y-%m-%d %H:%M:%S.%fZ"  # how Arrow writes a UTC timestamp as text
_BATCH = "batch"
_POSITION = "_position"  # row position in the batch, to restore the order after the scan
_SCAN_CHUNK = 20_480  # rows per Arrow record batch handed to DuckDB (its unit of parallel scan)


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _in_list(values: Iterable[str]) -> str:
    return "(" + ", ".join(_lit(v) for v in values) + ")"


def _problem(field_name: str, reason: str, value: str) -> str:
    return f"{{'field': {_lit(field_name)}, 'reason': {_lit(reason)}, 'value': CAST({value} AS VARCHAR)}}"


def _when(condition: str, field_name: str, reason: str, value: str) -> str:
    return f"CASE WHEN {condition} THEN {_problem(field_name, reason, value)} END"


def _ref_table(target: str) -> str:
    return "ref_" + re.sub(r"\W", "_", target)


# A check: (condition on a non-null value, reason, value reported).
Check = tuple[str, str, str]


def uscc_ok_sql(x: str) -> str:
    """GB 32100 check character of an 18-character credit code (SQL; false, never NULL)."""
    alphabet = _lit(USCC_ALPHABET)
    shape = _lit(f"[{USCC_ALPHABET}{USCC_ALPHABET.lower()}]{{18}}")
    terms = " + ".join(
        f"{w} * (instr({alphabet}, upper(substr({x}, {i + 1}, 1))) - 1)" for i, w in enumerate(USCC_WEIGHTS)
    )
    expected = f"(31 - ({terms}) % 31) % 31"
    return f"coalesce(regexp_full_match({x}, {shape}) AND {expected} = instr({alphabet}, upper(substr({x}, 18, 1))) - 1, false)"


def ric_ok_sql(x: str) -> str:
    """ISO 7064 MOD 11-2 check character of an 18-character ID number (SQL; never NULL)."""
    terms = " + ".join(f"{w} * (ord(substr({x}, {i + 1}, 1)) - 48)" for i, w in enumerate(RIC_WEIGHTS))
    shape = _lit(f"[0-9]{{17}}[{RIC_CHECK}{RIC_CHECK.lower()}]")
    return (
        f"coalesce(regexp_full_match({x}, {shape}) AND "
        f"({terms}) % 11 = instr({_lit(RIC_CHECK)}, upper(substr({x}, 18, 1))) - 1, false)"
    )


def ric_birth_sql(x: str, today: dt.date) -> str:
    """The ID number's birth date (characters 7-14) is a real date, 1900 to today (SQL)."""
    text = f"substr({x}, 7, 8)"
    parsed = f"try_strptime(substr({x}, 7, 4) || '-' || substr({x}, 11, 2) || '-' || substr({x}, 13, 2), '%Y-%m-%d')"
    return (
        f"coalesce(strftime({parsed}, '%Y%m%d') = {text} AND "
        f"CAST({parsed} AS DATE) BETWEEN DATE '1900-01-01' AND DATE '{today.isoformat()}', false)"
    )


def _number_sql(fspec: FieldSpec, x: str, t: str | None) -> tuple[str, list[Check]]:
    pattern = r"^-?\d+$" if fspec.type == "integer" else r"^-?\d+(\.\d+)?$"
    target = "BIGINT" if fspec.type == "integer" else "DOUBLE"
    typed = f"CASE WHEN regexp_matches({x}, {_lit(pattern)}) THEN TRY_CAST({x} AS {target}) END"
    value = t or f"({typed})"
    checks: list[Check] = [(f"{value} IS NULL", "type", x)]
    if fspec.minimum is not None:
        checks.append((f"{value} < {float(fspec.minimum)!r}", "out_of_range", x))
    if fspec.maximum is not None:
        checks.append((f"{value} > {float(fspec.maximum)!r}", "out_of_range", x))
    return typed, checks


def _boolean_sql(x: str, t: str | None) -> tuple[str, list[Check]]:
    lowered = f"lower({x})"
    typed = f"CASE WHEN {lowered} IN {_in_list(_TRUTHY)} THEN true WHEN {lowered} IN {_in_list(_FALSY)} THEN false END"
    return typed, [(f"{t or f'({typed})'} IS NULL", "type", x)]


def _known_or(verdict: str, expression: str, known: bool) -> str:
    """A check-character verdict: precomputed for codes the registry knows (the reference
    tables carry it), computed for the others only."""
    if not known:
        return expression
    return f"CASE WHEN {verdict} IS NOT NULL THEN {verdict} ELSE {expression} END"


def _text_checks(fspec: FieldSpec, x: str, today: dt.date, known: bool = False) -> list[Check]:
    checks: list[Check] = []
    if fspec.enum:
        checks.append((f"{x} NOT IN {_in_list(fspec.enum)}", "invalid_code", x))
    if fspec.min_length:
        checks.append((f"{x} = ''", "empty", x))
        if fspec.min_length > 1:  # with a minimum of 1, only the empty text is too short
            checks.append((f"length({x}) < {int(fspec.min_length)} AND {x} <> ''", "too_short", x))
    if fspec.max_length:
        # Characters never outnumber bytes: count them only where the bytes could be too many.
        limit = int(fspec.max_length)
        checks.append((f"strlen({x}) > {limit} AND length({x}) > {limit}", "too_long", x))
    well_formed = "true"
    if fspec.pattern:
        well_formed = f"regexp_matches({x}, {_lit(fspec.pattern)})"
        checks.append((f"NOT {well_formed}", "invalid_format", x))
    if fspec.identifier == "uscc":
        uscc_ok = _known_or("_ok_uscc", uscc_ok_sql(x), known)
        checks.append((f"{well_formed} AND NOT {uscc_ok}", INVALID_CHECK_DIGIT, x))
    elif fspec.identifier == "id_number":
        birth = _known_or("_ok_birth", ric_birth_sql(x, today), known)
        ric_ok = _known_or("_ok_ric", ric_ok_sql(x), known)
        checks.append((f"{well_formed} AND NOT {birth}", INVALID_BIRTH_DATE, x))
        checks.append((f"{well_formed} AND {birth} AND NOT {ric_ok}", INVALID_CHECK_DIGIT, x))
    return checks


def _date_sql(fspec: FieldSpec, x: str) -> str:
    if fspec.format == "date":
        # DuckDB's strptime rejects 02-30 (Arrow's rolled it over to 03-02).
        parsed = f"try_strptime({x}, '%Y-%m-%d')"
        return f"CASE WHEN regexp_full_match({x}, {_lit(_DATE_SHAPE)}) THEN CAST({parsed} AS DATE) END"
    # Fractions of a second are accepted and dropped; %z wants an offset, so Z is +00:00.
    # (A *list* of formats would roll 02-30 over to 03-02, so the fraction is cut instead.)
    whole = f"CASE WHEN contains({x}, '.') THEN regexp_replace({x}, '\\.\\d+', '') ELSE {x} END"
    offset = f"CASE WHEN suffix({x}, 'Z') THEN replace({whole}, 'Z', '+00:00') ELSE {whole} END"
    parsed = f"try_strptime({offset}, '%Y-%m-%dT%H:%M:%S%z')"
    # The usual shape (25 bytes, no fraction, an offset) by LIKE, far cheaper than the regex:
    # strptime then rejects what the regex would — non-digits, hours > 23, minutes or seconds
    # > 59, a sign other than +/- — except leading blanks, which it skips: the text must start
    # with a digit. (Checked exhaustively against the regex for one-character substitutions.)
    usual = f"({x} LIKE '____-__-__T__:__:_____:__' AND strlen({x}) = 25 AND {x} >= '0' AND {x} < ':')"
    return (
        f"CASE WHEN {usual} THEN try_strptime({x}, '%Y-%m-%dT%H:%M:%S%z') "
        f"WHEN regexp_full_match({x}, {_lit(_DATE_TIME_SHAPE)}) THEN {parsed} END"
    )


def _scalar_sql(
    fspec: FieldSpec, x: str, today: dt.date, t: str | None = None, known: bool = False
) -> tuple[str, list[Check]]:
    """The typed value of a text ``x`` and its checks, in the order they report.

    Conditions assume ``x`` is not NULL; ``t`` names the typed value where a query level has
    it already (else the conversion is repeated inline)."""
    if fspec.type in ("number", "integer"):
        return _number_sql(fspec, x, t)
    if fspec.type == "boolean":
        return _boolean_sql(x, t)
    checks = _text_checks(fspec, x, today, known)
    if fspec.format in ("date", "date-time"):
        typed = _date_sql(fspec, x)
        checks.append((f"{t or f'({typed})'} IS NULL", "invalid_date", x))
        return typed, checks
    return x, checks


class _Problems:
    """A row's problems in report order: lists of ``{field, reason, value}`` structs, and the
    conditions under which any of them is there. Each condition is computed once, as a boolean
    column of a query level of its own (`columns`); the level above ORs them and builds the
    lists only for rows with a problem (`sql`) — nearly all rows have none."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.flags: list[str] = []  # conditions, named prefix0, prefix1 …
        self.parts: list[str] = []

    def _flag(self, condition: str) -> str:
        self.flags.append(condition)
        return _ident(f"{self.prefix}{len(self.flags) - 1}")

    def checks(self, name: str, checks: Sequence[Check], x: str | None = None) -> None:
        """Scalar checks of a value ``x`` (guarded against NULL) or of the row (``x=None``)."""
        self.problems([(c if x is None else f"{x} IS NOT NULL AND ({c})", name, r, v) for c, r, v in checks])

    def problems(self, checks: Sequence[tuple[str, str, str, str]]) -> None:
        """Checks naming their own fields: (condition, field, reason, value)."""
        if checks:
            self.parts.append("[" + ", ".join(_when(self._flag(c), f, r, v) for c, f, r, v in checks) + "]")

    def lists(self, expression: str, empty_is_null: bool = True) -> None:
        """A list of problems computed elsewhere (NULL, or empty, when there are none)."""
        flag = self._flag(f"{expression} IS NOT NULL" if empty_is_null else f"len({expression}) > 0")
        self.parts.append(f"CASE WHEN {flag} THEN {expression} END")

    def columns(self) -> str:
        """``, <condition> AS <flag>`` for each condition (the level below `sql`)."""
        return "".join(f", {c} AS {_ident(f'{self.prefix}{i}')}" for i, c in enumerate(self.flags))

    def sql(self, extra_guard: str | None = None) -> str:
        if not self.parts:
            return f"CAST(NULL AS {PROBLEM_TYPE}[])"
        guard = " OR ".join(_ident(f"{self.prefix}{i}") for i in range(len(self.flags)))
        if extra_guard:
            guard = f"{extra_guard} AND ({guard})"
        listed = f"list_filter(flatten([{', '.join(self.parts)}]), lambda _p: _p IS NOT NULL)"
        return f"CASE WHEN {guard} THEN {listed} END"


def _list_sql(fspec: FieldSpec, x: str, today: dt.date) -> tuple[str, _Problems]:
    """A list sent as text (``a/b``) becomes a list of text; items are checked one by one."""
    lists = f"string_split_regex(regexp_replace({x}, '^\\[|\\]$', '', 'g'), {_lit(LIST_SEPARATORS)})"
    found = _Problems("_cf")
    if fspec.item is not None:
        _, item_checks = _scalar_sql(fspec.item, "_x", today)
        for condition, reason, value in item_checks:
            problem = _when(f"_x IS NOT NULL AND ({condition})", fspec.name, reason, value)
            each = f"list_filter(list_transform({lists}, lambda _x: {problem}), lambda _q: _q IS NOT NULL)"
            found.lists(each, empty_is_null=False)
    checks: list[Check] = []
    if fspec.min_items:
        checks.append((f"len({lists}) < {int(fspec.min_items)}", "too_few", x))
    if fspec.unique_items:
        checks.append((f"len(list_distinct({lists})) < len({lists})", "duplicate", x))
    found.checks(fspec.name, checks, x)
    return lists, found


def _by_value(fspec: FieldSpec) -> bool:
    """Check once per distinct value (joined back) rather than per row: identifier-like text,
    which repeats a few thousand values over a million rows, and text lists."""
    if fspec.type == "array":
        return True
    return (
        fspec.type == "string"
        and fspec.format is None
        and bool(fspec.identifier or fspec.pattern or fspec.refers_to in CHECKED_REFERENCES)
    )


def _as_text_sql(fspec: FieldSpec, typed: str) -> str:
    """A typed date or time written as Arrow writes it (the problem's ``value``)."""
    if fspec.format == "date-time":
        return f"strftime({typed}, {_lit(_ARROW_TIMESTAMP_TEXT)})"
    return typed


def _arrow_type(fspec: FieldSpec) -> pa.DataType:
    if fspec.type == "number":
        return pa.float64()
    if fspec.type == "integer":
        return pa.int64()
    if fspec.type == "boolean":
        return pa.bool_()
    if fspec.type == "array":
        return pa.list_(pa.string())
    if fspec.format == "date":
        return pa.date32()
    if fspec.format == "date-time":
        return pa.timestamp("us", "UTC")
    return pa.string()


_DUCK_TYPES = {
    pa.float64(): "DOUBLE",
    pa.int64(): "BIGINT",
    pa.bool_(): "BOOLEAN",
    pa.list_(pa.string()): "VARCHAR[]",
    pa.date32(): "DATE",
    pa.timestamp("us", "UTC"): "TIMESTAMPTZ",
}


@cache
def valid_schema(family: str) -> pa.Schema:
    """The Arrow schema of accepted rows: every field of the family, typed."""
    return pa.schema([(name, _arrow_type(f)) for name, f in family_spec(family).fields.items()])


def _from_query(fspec: FieldSpec) -> bool:
    """Converted fields come from the query. Text is stored as sent (from the batch itself), and
    text lists are split by Arrow once per distinct value (a list column is slow to export)."""
    return fspec.type not in ("string", "array") or fspec.format is not None


def _object_column(name: str, kind: str) -> str:
    return f"__{kind}:{name}"


@dataclass(frozen=True)
class _Query:
    sql: str
    outputs: tuple[str, ...]  # fields the query returns typed (the others pass through)
    view: str = ""  # the temporary view that holds it


def _value_cte(family: str, fspec: FieldSpec, column: str, today: dt.date, present: set[str]) -> str:
    """Problems (``_p``) and reference problems (``_r``) of each distinct non-null value
    (``_v``) of a column that has any: nearly always none, so the join back is nearly free."""
    known = _known_table(fspec)
    if fspec.type == "array":
        typed, found = _list_sql(fspec, "_v", today)
    else:
        typed, checks = _scalar_sql(fspec, "_v", today, t="_t", known=known is not None)
        found = _Problems("_cf")
        found.checks(fspec.name, checks, "_v")
    references = _Problems("_cr")
    references.checks(fspec.name, _reference_checks(family, fspec, present))
    values = f"SELECT DISTINCT {column} AS _v FROM {_BATCH} WHERE {column} IS NOT NULL"
    if known is not None:
        values = (
            "SELECT d._v, k.code AS _known, k.ok_uscc AS _ok_uscc, k.ok_birth AS _ok_birth, "
            f"k.ok_ric AS _ok_ric FROM ({values}) AS d LEFT JOIN {known} AS k ON k.code = d._v"
        )
    return (
        f"SELECT _v, _p, _r FROM (SELECT _v, {found.sql()} AS _p, {references.sql()} AS _r "
        f"FROM (SELECT *{found.columns()}{references.columns()} FROM (SELECT *, {typed} AS _t "
        f"FROM ({values})))) WHERE _p IS NOT NULL OR _r IS NOT NULL"
    )


def _build_query(
    family: str, columns: tuple[str, ...], objects: frozenset[str], skip: bool, today: dt.date
) -> _Query:
    """The one query for a batch with these columns (see the module docstring).

    ``WITH`` per-value checks of identifier-like columns, then ``t``: the batch joined with
    them plus the typed values of the other fields, then per row: typed outputs and problems."""
    spec = family_spec(family)
    present = set(columns)
    ctes: list[str] = []
    joins: list[str] = []
    inner: list[str] = ["b.*"]
    found = _Problems("_cm")
    references: list[str] = []

    def t(name: str) -> str:
        """A field's typed value in the outer query."""
        if name in present and not _from_query(spec.fields[name]):
            return _ident(name)
        if name in present:
            return _ident("t:" + name)
        return f"CAST(NULL AS {_DUCK_TYPES.get(_arrow_type(spec.fields[name]), 'VARCHAR')})"

    found.problems(
        [
            (f"{_ident(name)} IS NOT NULL", name, "unknown_field", _ident(name))
            for name in columns
            if name not in spec.fields and name not in BOOKKEEPING
        ]
    )
    for index, (name, fspec) in enumerate(spec.fields.items()):
        col = _ident(name)
        if name not in present:
            continue
        if fspec.type == "object":
            inner.append(f"{_ident(_object_column(name, 'value')) if name in objects else col} AS {t(name)}")
            if name in objects:
                flags = [(_ident(_object_column(name, kind)), kind, col) for kind in ("type", "invalid")]
                found.checks(name, [(f"{flag}", reason, value) for flag, reason, value in flags])
            continue
        if _by_value(fspec):
            cte = f"v{index}"
            ctes.append(f"{cte} AS ({_value_cte(family, fspec, col, today, present)})")
            joins.append(f"LEFT JOIN {cte} ON b.{col} = {cte}._v")
            inner.append(f"{cte}._p AS {_ident('p:' + name)}")
            found.lists(_ident("p:" + name))
            if _reference_checks(family, fspec, present):
                inner.append(f"{cte}._r AS {_ident('r:' + name)}")
                references.append(_ident("r:" + name))
            continue
        typed, checks = _scalar_sql(fspec, col, today, t=t(name))
        if typed != col:
            inner.append(f"{typed} AS {t(name)}")
        found.checks(name, checks, col)
    found.problems(_required_checks(spec, present))
    for expression in references:
        found.lists(expression)
    found.problems(_date_checks(spec, present, t, today))

    outputs = tuple(n for n, f in spec.fields.items() if _from_query(f) and n in present)
    with_clause = "".join(f"{cte}, " for cte in ctes)
    sql = (
        f"WITH {with_clause}t AS (SELECT {', '.join(inner)} FROM {_BATCH} AS b {' '.join(joins)}), "
        f"f AS (SELECT *{found.columns()} FROM t) "
        f"SELECT {_ident(ROW)}, {_ident(_POSITION)}, "
        + "".join(f"{t(n)} AS {_ident(n)}, " for n in outputs)
        + f"{found.sql(f'{_ident(ERROR)} IS NULL' if skip else None)} AS _problems FROM f"
    )
    return _Query(sql, outputs)


def _reference_checks(family: str, fspec: FieldSpec, present: set[str]) -> list[Check]:
    """Region codes and references to the registry, for one distinct value ``_v``.

    A master-data file may refer to records it brings itself (a supervising agency): values of
    the referred field in the same batch count as known."""
    if fspec.type != "string":
        return []
    checks: list[Check] = []
    if fspec.identifier == "region_code":
        checks.append(("_known IS NULL", UNKNOWN_REGION, "_v"))
    target = fspec.refers_to
    if target in CHECKED_REFERENCES:
        unknown = "_known IS NULL"
        own = target.split(".", 1)[1]
        if target.startswith(f"{family}.") and own in present:
            unknown += f" AND _v NOT IN (SELECT {_ident(own)} FROM {_BATCH} WHERE {_ident(own)} IS NOT NULL)"
        checks.append((unknown, UNKNOWN_REFERENCE, "_v"))
    return checks


def _identifier_of(target: str) -> str | None:
    """The identifier kind (uscc, id_number) of a referenced field, e.g. ``entity.id_number``."""
    family, name = target.split(".", 1)
    referenced = family_spec(family).fields.get(name)
    return referenced.identifier if referenced is not None else None


def _known_table(fspec: FieldSpec) -> str | None:
    """The reference table a text field's values are looked up in, if any."""
    if fspec.type != "string":
        return None
    if fspec.identifier == "region_code":
        return _ref_table("region")
    if fspec.refers_to in CHECKED_REFERENCES:
        return _ref_table(fspec.refers_to)
    return None


def _required_checks(spec: FamilySpec, present: set[str]) -> list[tuple[str, str, str, str]]:
    """Required fields, and the schema's ``if X = V then required`` rules (``value`` is NULL)."""
    checks: list[tuple[str, str, str, str]] = []
    for name in spec.required:
        condition = f"{_ident(name)} IS NULL" if name in present else "true"
        checks.append((condition, name, "required", "NULL"))
    for name, value, then in spec.conditional:
        if name not in present:
            continue
        for needed in then:
            condition = f"{_ident(name)} = {_lit(value)}"
            if needed in present:
                condition += f" AND {_ident(needed)} IS NULL"
            checks.append((condition, needed, "required", "NULL"))
    return checks


def _date_checks(
    spec: FamilySpec, present: set[str], t: Callable[[str], str], today: dt.date
) -> list[tuple[str, str, str, str]]:
    """Implausible dates (1949-10-01 to tomorrow, or 50 years ahead for deadlines) and
    ordered pairs; both on the typed values."""
    checks: list[tuple[str, str, str, str]] = []
    for name, fspec in spec.fields.items():
        if fspec.format not in ("date", "date-time") or name == "source_updated_at" or name not in present:
            continue
        latest = dt.date(today.year + 50, 12, 31) if name in FORWARD_DATES else today + dt.timedelta(days=1)
        if fspec.format == "date":
            wrong = f"({t(name)} < DATE '{EARLIEST}' OR {t(name)} > DATE '{latest}')"
        else:  # the UTC day, compared as instants (no cast per row)
            after = latest + dt.timedelta(days=1)
            wrong = (
                f"({t(name)} < TIMESTAMPTZ '{EARLIEST} 00:00:00+00' "
                f"OR {t(name)} >= TIMESTAMPTZ '{after} 00:00:00+00')"
            )
        checks.append((wrong, name, IMPLAUSIBLE_DATE, _as_text_sql(fspec, t(name))))
    for first, second in spec.ordered:
        if first not in present or second not in present:
            continue
        a, b = t(first), t(second)
        if spec.fields[first].format != spec.fields[second].format:
            a, b = f"CAST({a} AS TIMESTAMPTZ)", f"CAST({b} AS TIMESTAMPTZ)"
        checks.append((f"{b} < {a}", second, DATE_ORDER, _as_text_sql(spec.fields[second], t(second))))
    return checks


class Validator:
    """Validates the batches of one family against one `References`, on its own DuckDB
    connection (use it from one thread). Reference tables are created once, here."""

    def __init__(self, family: str, refs: References, threads: int | None = None):
        self.family = family
        self.refs = refs
        self.spec = family_spec(family)
        self.con = duckdb.connect()
        self.con.execute(f"SET threads = {int(threads or os.cpu_count() or 1)}")
        self.con.execute("SET TimeZone = 'UTC'")
        self._queries: dict[tuple[Any, ...], _Query] = {}
        today = dt.date.today()
        self._register(_ref_table("region"), refs.regions, today, None)
        for target, codes in refs.targets.items():
            self._register(_ref_table(target), codes, today, _identifier_of(target))

    def _register(self, table: str, codes: pa.Array, today: dt.date, identifier: str | None) -> None:
        """A reference table: the known codes, with the check-character verdicts of the
        18-character credit codes or ID numbers computed once here rather than for every batch
        that mentions them (NULL otherwise: a field that meets one computes it itself)."""
        frame = pa.table({"code": codes.cast(pa.string())})
        self.con.register("_codes", frame)  # read by the next statement

        def verdict(kind: str, expression: str) -> str:
            return f"CASE WHEN strlen(code) = 18 THEN {expression} END" if kind == identifier else "NULL"

        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT code, "
            f"CAST({verdict('uscc', uscc_ok_sql('code'))} AS BOOLEAN) AS ok_uscc, "
            f"CAST({verdict('id_number', ric_birth_sql('code', today))} AS BOOLEAN) AS ok_birth, "
            f"CAST({verdict('id_number', ric_ok_sql('code'))} AS BOOLEAN) AS ok_ric "
            "FROM (SELECT DISTINCT code FROM _codes WHERE code IS NOT NULL)"
        )
        self.con.unregister("_codes")

    def close(self) -> None:
        self.con.close()

    def query(self, columns: tuple[str, ...], objects: frozenset[str], skip: bool) -> _Query:
        """The query for this column set, kept as a view (parsed once, not per batch)."""
        today = dt.date.today()
        key = (columns, objects, skip, today)
        if key not in self._queries:
            query = _build_query(self.family, columns, objects, skip, today)
            query = _Query(query.sql, query.outputs, f"validate_{len(self._queries)}")
            self.con.execute(f"CREATE OR REPLACE TEMP VIEW {query.view} AS {query.sql}")
            self._queries[key] = query
        return self._queries[key]

    def validate(self, mapped: MappedBatch) -> ValidatedBatch:
        data = mapped.data
        n = data.num_rows
        rows = data.column(ROW)
        skip = pc.is_valid(data.column(ERROR)) if ERROR in data.schema.names else pa.repeat(False, n)
        frame, objects = self._frame(data)
        self.con.register(_BATCH, frame)  # the view below reads it (and binds to it once made)
        try:
            query = self.query(tuple(data.schema.names), objects, ERROR in data.schema.names)
            out = self.con.sql(f"SELECT * FROM {query.view}").to_arrow_table()
        finally:
            self.con.unregister(_BATCH)
        out = _in_batch_order(out, frame.column(_POSITION).combine_chunks())
        problems = _merge(mapped.problems, _problem_table(out))
        bad = pc.or_(pc.is_in(rows, value_set=pc.unique(problems.column("_row"))), skip)
        schema = valid_schema(self.family)
        columns = []
        for name in self.spec.fields:
            if name in query.outputs:
                columns.append(out.column(name))
            elif name in frame.column_names and self.spec.fields[name].type == "array":
                columns.append(split_list(frame.column(name)))
            elif name in frame.column_names:
                columns.append(frame.column(name))
            else:
                columns.append(pa.nulls(n, schema.field(name).type))
        valid = pa.Table.from_arrays(columns, names=list(self.spec.fields)).cast(schema)
        table = pa.Table.from_batches([data])
        if not pc.any(bad).as_py():  # the usual batch: nothing to take apart
            return ValidatedBatch(valid, rows, table.slice(0, 0), problems)
        good = pc.invert(bad)
        return ValidatedBatch(valid.filter(good), pc.filter(rows, good), table.filter(bad), problems)

    def _frame(self, data: pa.RecordBatch) -> tuple[pa.Table, frozenset[str]]:
        """The batch as the query reads it: row numbers, the reader's error flag, every other
        column as text, and the Python verdicts of object fields."""
        arrays: dict[str, pa.Array] = {ROW: data.column(ROW), _POSITION: _row_positions(data.num_rows)}
        if ERROR in data.schema.names:
            arrays[ERROR] = data.column(ERROR)
        objects: set[str] = set()
        for name in data.schema.names:
            if name in BOOKKEEPING:
                continue
            column = _as_text(data.column(name))
            arrays[name] = column
            fspec = self.spec.fields.get(name)
            if fspec is not None and fspec.type == "object" and column.null_count < len(column):
                value, bad_json, bad_schema = _check_objects(self.family, fspec, column)
                arrays[_object_column(name, "value")] = value
                arrays[_object_column(name, "type")] = bad_json
                arrays[_object_column(name, "invalid")] = bad_schema
                objects.add(name)
        # DuckDB scans an Arrow table in parallel by record batch: hand it several.
        table = pa.table(arrays)
        return pa.Table.from_batches(table.to_batches(max_chunksize=_SCAN_CHUNK), table.schema), frozenset(
            objects
        )


def _as_text(values: pa.Array) -> pa.Array:
    if pa.types.is_list(values.type):
        return pc.binary_join(values, "/")
    if values.type != pa.string():
        return values.cast(pa.string())
    return values


def split_list(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    """A list sent as text (``a/b``, ``[a、b]``) as list<string>, split once per distinct value
    (the same rule as the query's item checks: brackets dropped, `LIST_SEPARATORS`)."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    encoded = pc.dictionary_encode(column)
    stripped = pc.replace_substring_regex(encoded.dictionary, r"^\[|\]$", "")
    return pc.take(pc.split_pattern_regex(stripped, LIST_SEPARATORS), encoded.indices)


def _row_positions(n: int) -> pa.Array:
    """0, 1, … n-1 (without a Python loop)."""
    return pc.subtract(pc.cumulative_sum(pc.fill_null(pa.nulls(n, pa.int64()), 1)), 1)


def _in_batch_order(out: pa.Table, positions: pa.Array) -> pa.Table:
    """A parallel scan of several record batches returns them in any order: put them back."""
    if len(positions) and not pc.all(pc.equal(out.column(_POSITION), positions)).as_py():
        out = out.take(pc.sort_indices(out.column(_POSITION)))
    return out


def _problem_table(out: pa.Table) -> pa.Table:
    """The per-row problem lists as ``(_row, field, reason, value)`` rows."""
    lists = out.column("_problems").combine_chunks()
    if not len(lists) or pc.max(pc.list_value_length(lists)).as_py() in (None, 0):
        return PROBLEM_SCHEMA.empty_table()
    flat = pc.list_flatten(lists)
    rows = pc.take(out.column(ROW), pc.list_parent_indices(lists))
    return pa.Table.from_arrays(
        [rows, flat.field("field"), flat.field("reason"), flat.field("value")], schema=PROBLEM_SCHEMA
    )


# --- the Python fallback for object fields -----------------------------------------------------

_POINT_TEXT = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*[,，]\s*(-?\d+(?:\.\d+)?)\s*$")


def _point_text_as_json(value: str) -> tuple[str, bool | None]:
    """Agency systems export a GPS point as "lat,lon" text; the exchange format wants an object.

    Returns the value (rewritten when it was such text) and, for rewritten points, whether the
    point is valid (the ranges of common.v1.json's latitude/longitude); None for other values."""
    match = _POINT_TEXT.match(value)
    if match is None:
        return value, None
    latitude, longitude = float(match[1]), float(match[2])
    valid = -90 <= latitude <= 90 and -180 <= longitude <= 180
    return json.dumps({"latitude": latitude, "longitude": longitude}), valid


def _object_verdict(family: str, name: str, value: str) -> tuple[bool, bool]:
    """(not JSON, not valid for the schema) for one object value, checked against the field's
    own schema (`schema.field_validator`)."""
    try:
        parsed = json.loads(value)
    except ValueError:
        return True, False
    return False, not exchange_schema.field_validator(family, name).is_valid(parsed)


def _check_objects(family: str, fspec: FieldSpec, column: pa.Array) -> tuple[pa.Array, pa.Array, pa.Array]:
    """The documented Python fallback, over the non-null values only: JSON objects/lists of
    objects are rare and small. Returns the values ("lat,lon" points rewritten as JSON objects)
    and the masks of values that are not JSON and that break the schema."""
    present = pc.is_valid(column)
    values = pc.filter(column, present).to_pylist()
    known: list[bool | None] = [None] * len(values)
    if fspec.name == "gps":
        values, known = (
            map(list, zip(*(_point_text_as_json(v) for v in values), strict=True)) if values else ([], [])
        )
    verdicts = [
        (False, not ok) if ok is not None else _object_verdict(family, fspec.name, v)
        for v, ok in zip(values, known, strict=True)
    ]
    no = pc.fill_null(pa.nulls(len(column), pa.bool_()), False)
    bad_json = pc.replace_with_mask(no, present, pa.array([v[0] for v in verdicts], pa.bool_()))
    bad_schema = pc.replace_with_mask(no, present, pa.array([v[1] for v in verdicts], pa.bool_()))
    rewritten = pc.replace_with_mask(column, present, pa.array(values, pa.string()))
    return rewritten, bad_json, bad_schema


# --- check characters, vectorised --------------------------------------------------------------


def _lookup(alphabet: str) -> pa.Array:
    """Byte value → position in `alphabet` (either case); null for any other byte."""
    table: list[int | None] = [None] * 256
    for index, char in enumerate(alphabet):
        table[ord(char)] = index
        table[ord(char.lower())] = index
    return pa.array(table, pa.int64())


_USCC_TABLE = _lookup(USCC_ALPHABET)
_DIGIT_TABLE = _lookup("0123456789")
_RIC_TABLE = _lookup(RIC_CHECK)


def _positions(column: pa.Array, table: pa.Array) -> tuple[pa.Array, pa.Array]:
    """The well-shaped values (18 ASCII bytes) as an (n × 18) list of alphabet positions, and
    the mask of the rows they come from.

    Identifiers are fixed-width ASCII, so the string data of the well-shaped values is already
    an n × 18 byte matrix: it is viewed as bytes and translated with one `take` over the whole
    column (no Python per row, no substring per character)."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    shaped = pc.fill_null(pc.and_(pc.equal(pc.binary_length(column), 18), pc.string_is_ascii(column)), False)
    picked = pc.filter(column, shaped)
    n = len(picked)
    offsets = pa.Array.from_buffers(pa.int32(), n + 1, [None, picked.buffers()[1]], offset=picked.offset)
    start = offsets[0].as_py() if n else 0
    raw = pa.Array.from_buffers(pa.uint8(), 18 * n, [None, picked.buffers()[2]], offset=start)
    codes = pc.take(table, raw)
    return pa.FixedSizeListArray.from_arrays(codes, 18), shaped


def _weighted_sum(matrix: pa.Array, weights: Sequence[int]) -> pa.Array:
    total = pa.repeat(pa.scalar(0, pa.int64()), len(matrix))
    for position, weight in enumerate(weights):
        total = pc.add(total, pc.multiply(pc.list_element(matrix, position), weight))
    return total


def _scatter(shaped: pa.Array, ok: pa.Array) -> pa.Array:
    """Put the per-value results back at their rows; every other row is false."""
    index = pc.subtract(pc.cumulative_sum(shaped.cast(pa.int64())), 1)
    return pc.fill_null(
        pc.and_(shaped, pc.take(ok, pc.if_else(shaped, index, pa.scalar(None, pa.int64())))), False
    )


def uscc_check_mask(column: pa.Array) -> pa.Array:
    """True where an 18-character credit code's check character is right (GB 32100-2015).

    Σ position × weight over the first 17 characters, for the whole column at once; a character
    outside the alphabet makes the sum null, so malformed and null values come out false."""
    matrix, shaped = _positions(column, _USCC_TABLE)
    expected = pc.remainder(pc.subtract(31, pc.remainder(_weighted_sum(matrix, USCC_WEIGHTS), 31)), 31)
    ok = pc.fill_null(pc.equal(expected, pc.list_element(matrix, 17)), False)
    return _scatter(shaped, ok)


def ric_check_mask(column: pa.Array) -> pa.Array:
    """True where an 18-character ID number's ISO 7064 MOD 11-2 check character is right."""
    digits, shaped = _positions(column, _DIGIT_TABLE)
    checks, _ = _positions(column, _RIC_TABLE)
    total = _weighted_sum(digits, RIC_WEIGHTS)
    ok = pc.fill_null(pc.equal(pc.remainder(total, 11), pc.list_element(checks, 17)), False)
    return _scatter(shaped, ok)


def ric_birth_mask(column: pa.Array, today: dt.date | None = None) -> pa.Array:
    """True where the ID number's birth date (characters 7-14) is a real date, 1900 to today."""
    text = pc.utf8_slice_codeunits(column, 6, 14)
    dates = pc.strptime(text, "%Y%m%d", "s", error_is_null=True).cast(pa.date32())
    real = pc.equal(pc.strftime(dates.cast(pa.timestamp("s")), "%Y%m%d"), text)
    in_range = pc.and_(
        pc.greater_equal(dates, pa.scalar(dt.date(1900, 1, 1))),
        pc.less_equal(dates, pa.scalar(today or dt.date.today())),
    )
    return pc.fill_null(pc.and_(real, in_range), False)


# --- messages for people (rejected rows only) -------------------------------------------------

_MESSAGES = {
    "required": "{label}为必填项",
    "type": "{label}的类型不对：{value}",
    "invalid_code": "{label}的取值不在代码集中：{value}",
    "invalid_format": "{label}格式错误：{value}",
    "invalid_date": "{label}不是有效的日期或时间：{value}",
    "out_of_range": "{label}超出允许范围：{value}",
    "empty": "{label}不能为空",
    "too_short": "{label}过短：{value}",
    "too_long": "{label}过长",
    "too_few": "{label}的条目数不足",
    "duplicate": "{label}含有重复的条目：{value}",
    "unknown_field": "不认识的字段：{field}",
    INVALID_CHECK_DIGIT: "{label}校验位错误：{value}",
    INVALID_BIRTH_DATE: "{label}中的出生日期无效：{value}",
    UNKNOWN_REGION: "{label}不存在：{value}",
    UNKNOWN_REFERENCE: "{label}在平台中找不到对应记录：{value}",
    DATE_ORDER: "{label}早于其起始日期：{value}",
    IMPLAUSIBLE_DATE: "{label}不合理（早于1949年或晚于今天）：{value}",
    "malformed_row": "该行无法按表头拆分为字段（字段数不符或格式损坏）",
    "unknown_code": "{label}的取值在映射文件的代码对照表中找不到：{value}",
    "invalid": "{label}不符合交换格式：{value}",
}


def message(family: str, field_name: str | None, reason: str, value: str | None) -> str:
    """A Chinese sentence for one problem; built for quarantined rows only."""
    titles = exchange_schema.field_titles(family)
    label = f"{titles.get(field_name, field_name)}（{field_name}）" if field_name else ""
    template = _MESSAGES.get(reason, "{label}有误（{reason}）：{value}")
    return template.format(
        label=label, field=field_name or "", value=value if value is not None else "", reason=reason
    )
