"""Validate mapped record batches against a family's exchange schema and the platform's data.

The import must reach hundreds of thousands of rows per second, so every common check runs
over whole Arrow columns (``pyarrow.compute``), never as a Python loop per row:

* required fields (and the schema's simple conditional ones: ``if entity_kind == person then
  entity_id_number``), code sets (``enum``), formats (``pattern``), text lengths, number ranges;
* conversion to typed columns: dates → ``date32``, date-times → ``timestamp[us, UTC]``, numbers,
  integers, booleans; text lists (``officer_certificates``) are split on ``/ , ; 、 |``;
* credit-code and ID-number check characters (the weighted sums computed with one column per
  character position — see `uscc_check_mask`, `ric_check_mask`), ID birth dates;
* region codes that exist, references to known agencies, powers and entities
  (``unknown_reference``), dates that are plausible and in order.

The one pure-Python fallback is for *object* fields (``gps``, ``items``, ``location``): their
rare non-null values are parsed as JSON and checked with `schema.validate` row by row.

Results: the accepted rows as a typed Arrow table (every field of the family, so the store's
schema is stable across batches), the rejected rows' mapped data, and a problem table
``(_row, field, reason, value)`` merged with the mapping's problems — a rejected row carries
every reason found, not only the first.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Sequence
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


class _Checks:
    """Collects problem masks for one batch; rows flagged by the reader are skipped."""

    def __init__(self, rows: pa.Array, skip: pa.Array):
        self.rows = rows
        self.skip = skip
        self.parts: list[pa.Table] = []

    def add(self, mask: pa.Array, field_name: str, reason: str, values: pa.Array) -> None:
        mask = pc.and_(pc.fill_null(mask, False), pc.invert(self.skip))
        if not pc.any(mask).as_py():
            return
        n = pc.sum(mask).as_py()
        self.parts.append(
            pa.Table.from_arrays(
                [
                    pc.filter(self.rows, mask),
                    pa.repeat(pa.scalar(field_name, pa.string()), n),
                    pa.repeat(pa.scalar(reason, pa.string()), n),
                    _as_text(pc.filter(values, mask)),
                ],
                schema=PROBLEM_SCHEMA,
            )
        )


def _as_text(values: pa.Array) -> pa.Array:
    if pa.types.is_list(values.type):
        return pc.binary_join(values, "/")
    return values.cast(pa.string())


def validate_batch(family: str, mapped: MappedBatch, refs: References) -> ValidatedBatch:
    """Check one mapped batch; see the module docstring for what is checked and how."""
    spec = family_spec(family)
    data = mapped.data
    n = data.num_rows
    rows = data.column(ROW)
    skip = pc.is_valid(data.column(ERROR)) if ERROR in data.schema.names else pa.repeat(False, n)
    checks = _Checks(rows, skip)
    present = {name: data.column(name) for name in data.schema.names if name not in BOOKKEEPING}
    for name, column in present.items():
        if name not in spec.fields:
            checks.add(pc.is_valid(column), name, "unknown_field", column)
    typed: dict[str, pa.Array] = {}
    for name, fspec in spec.fields.items():
        column = present.get(name)
        if column is None:
            column = pa.nulls(n, pa.string())
        elif column.type != pa.string():
            column = column.cast(pa.string())
        typed[name] = _check_field(family, fspec, column, checks)
    _check_required(spec, present, checks)
    _check_references(family, spec, typed, refs, checks)
    _check_dates(spec, typed, checks)
    problems = _merge(mapped.problems, checks.parts)
    bad = pc.or_(pc.is_in(rows, value_set=pc.unique(problems.column("_row"))), skip)
    good = pc.invert(bad)
    valid = pa.table({name: pc.filter(col, good) for name, col in typed.items()})
    return ValidatedBatch(valid, pc.filter(rows, good), pa.Table.from_batches([data]).filter(bad), problems)


def _merge(mapping_problems: pa.Table, parts: list[pa.Table]) -> pa.Table:
    """The mapping's problems plus ours, minus ours on a field the mapping already faulted (a
    date the mapping could not parse is null now; "required" on top would only repeat it)."""
    mapped = mapping_problems.cast(PROBLEM_SCHEMA)
    if not parts:
        return mapped
    ours = pa.concat_tables(parts)
    if mapped.num_rows:
        faulted = mapped.select(["_row", "field"]).filter(pc.is_valid(mapped["field"]))
        ours = ours.join(faulted, keys=["_row", "field"], join_type="left anti").select(PROBLEM_SCHEMA.names)
    return pa.concat_tables([mapped, ours.cast(PROBLEM_SCHEMA)]).sort_by([("_row", "ascending")])


# --- per-field checks (columnar) --------------------------------------------------------------


def _check_field(family: str, fspec: FieldSpec, column: pa.Array, checks: _Checks) -> pa.Array:
    """Check one column and return it converted to its exchange type (null where invalid)."""
    if fspec.type == "object":
        return _check_objects(family, fspec, column, checks)
    if fspec.type == "array":
        return _check_list(fspec, column, checks)
    return _check_scalar(fspec, column, checks)


def _check_scalar(fspec: FieldSpec, column: pa.Array, checks: _Checks) -> pa.Array:
    name = fspec.name
    if fspec.type in ("number", "integer"):
        return _check_number(fspec, column, checks)
    if fspec.type == "boolean":
        lowered = pc.utf8_lower(column)
        truthy = pc.is_in(lowered, value_set=pa.array(["true", "1", "yes", "是"]))
        falsy = pc.is_in(lowered, value_set=pa.array(["false", "0", "no", "否"]))
        checks.add(pc.and_(pc.is_valid(column), pc.invert(pc.or_(truthy, falsy))), name, "type", column)
        return pc.if_else(truthy, True, pc.if_else(falsy, False, pa.scalar(None, pa.bool_())))
    if fspec.enum:
        outside = pc.invert(pc.is_in(column, value_set=pa.array(fspec.enum)))
        checks.add(pc.and_(pc.is_valid(column), outside), name, "invalid_code", column)
    _check_text(fspec, column, checks)
    if fspec.format == "date":
        return _check_date(name, column, checks)
    if fspec.format == "date-time":
        return _check_date_time(name, column, checks)
    return column


def _check_text(fspec: FieldSpec, column: pa.Array, checks: _Checks) -> None:
    name = fspec.name
    if fspec.min_length or fspec.max_length:
        length = pc.utf8_length(column)
        if fspec.min_length:
            too_short = pc.less(length, fspec.min_length)
            empty = pc.equal(length, 0)
            checks.add(empty, name, "empty", column)
            checks.add(pc.and_(too_short, pc.invert(empty)), name, "too_short", column)
        if fspec.max_length:
            checks.add(pc.greater(length, fspec.max_length), name, "too_long", column)
    if fspec.pattern:
        matches = pc.match_substring_regex(column, fspec.pattern)
        checks.add(pc.invert(matches), name, "invalid_format", column)
        well_formed = pc.and_(pc.is_valid(column), matches)
    else:
        well_formed = pc.is_valid(column)
    if fspec.identifier == "uscc":
        checks.add(
            pc.and_(well_formed, pc.invert(uscc_check_mask(column))), name, INVALID_CHECK_DIGIT, column
        )
    elif fspec.identifier == "id_number":
        birth_ok = ric_birth_mask(column)
        checks.add(pc.and_(well_formed, pc.invert(birth_ok)), name, INVALID_BIRTH_DATE, column)
        bad_check = pc.and_(pc.and_(well_formed, birth_ok), pc.invert(ric_check_mask(column)))
        checks.add(bad_check, name, INVALID_CHECK_DIGIT, column)


def _check_number(fspec: FieldSpec, column: pa.Array, checks: _Checks) -> pa.Array:
    pattern = r"^-?\d+$" if fspec.type == "integer" else r"^-?\d+(\.\d+)?$"
    ok = pc.match_substring_regex(column, pattern)
    checks.add(pc.invert(ok), fspec.name, "type", column)
    target = pa.int64() if fspec.type == "integer" else pa.float64()
    numbers = pc.if_else(ok, column, pa.scalar(None, pa.string())).cast(target)
    if fspec.minimum is not None:
        checks.add(pc.less(numbers, fspec.minimum), fspec.name, "out_of_range", column)
    if fspec.maximum is not None:
        checks.add(pc.greater(numbers, fspec.maximum), fspec.name, "out_of_range", column)
    return numbers


def _check_date(name: str, column: pa.Array, checks: _Checks) -> pa.Array:
    """``YYYY-MM-DD``; Arrow's strptime rolls 02-30 over to 03-02, so round-trip the text."""
    shaped = pc.match_substring_regex(column, r"^\d{4}-\d{2}-\d{2}$")
    parsed = pc.strptime(
        pc.if_else(shaped, column, pa.scalar(None, pa.string())), "%Y-%m-%d", "s", error_is_null=True
    )
    dates = parsed.cast(pa.date32())
    ok = pc.and_(pc.is_valid(parsed), _day_kept(parsed, column))
    checks.add(pc.and_(pc.is_valid(column), pc.invert(ok)), name, "invalid_date", column)
    return pc.if_else(ok, dates, pa.scalar(None, pa.date32()))


def _check_date_time(name: str, column: pa.Array, checks: _Checks) -> pa.Array:
    """RFC 3339 with an offset (fractions of a second are accepted and dropped)."""
    pattern = r"^\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$"
    shaped = pc.match_substring_regex(column, pattern)
    text = pc.if_else(shaped, column, pa.scalar(None, pa.string()))
    text = pc.replace_substring_regex(text, r"\.\d+", "")
    parsed = pc.strptime(text, "%Y-%m-%dT%H:%M:%S%z", "us", error_is_null=True)
    day_ok = _day_kept(
        pc.strptime(pc.utf8_slice_codeunits(text, 0, 10), "%Y-%m-%d", "s", error_is_null=True), text
    )
    ok = pc.and_(pc.is_valid(parsed), day_ok)
    checks.add(pc.and_(pc.is_valid(column), pc.invert(ok)), name, "invalid_date", column)
    return pc.if_else(ok, parsed, pa.scalar(None, parsed.type)).cast(pa.timestamp("us", "UTC"))


def _day_kept(parsed: pa.Array, text: pa.Array) -> pa.Array:
    """Arrow's strptime rolls 02-30 over to 03-02: the day of month must come out as written."""
    written = pc.utf8_slice_codeunits(text, 8, 10).cast(pa.int64())
    return pc.fill_null(pc.equal(pc.day(parsed), written), False)


def _check_list(fspec: FieldSpec, column: pa.Array, checks: _Checks) -> pa.Array:
    """A list sent as text (``a/b``) becomes list<string>; items are checked flattened."""
    stripped = pc.replace_substring_regex(column, r"^\[|\]$", "")
    lists = pc.split_pattern_regex(stripped, LIST_SEPARATORS)
    parents = pc.list_parent_indices(lists)
    items = pc.list_flatten(lists)
    if fspec.item is not None:
        item_checks = _Checks(pc.take(checks.rows, parents), pc.take(checks.skip, parents))
        _check_scalar(fspec.item, items, item_checks)
        checks.parts.extend(item_checks.parts)
    count = pc.list_value_length(lists)
    if fspec.min_items:
        checks.add(pc.less(count, fspec.min_items), fspec.name, "too_few", column)
    if fspec.unique_items and len(items):
        checks.add(_has_duplicates(lists), fspec.name, "duplicate", column)
    return lists


def _has_duplicates(lists: pa.Array) -> pa.Array:
    """Per list: does an item repeat? (DuckDB's list functions, multi-threaded, in order.)"""
    con = duckdb.connect()
    try:
        frame = pa.table({"l": lists})  # noqa: F841 - read by DuckDB's replacement scan
        result = con.sql(
            "SELECT coalesce(len(list_distinct(l)) < len(l), false) AS d FROM frame"
        ).to_arrow_table()
    finally:
        con.close()
    return result.column("d").combine_chunks()


_POINT_TEXT = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*[,，]\s*(-?\d+(?:\.\d+)?)\s*$")


def _point_text_as_json(value: str) -> str:
    """Agency systems export a GPS point as "lat,lon" text; the exchange format wants an object."""
    match = _POINT_TEXT.match(value)
    if match is None:
        return value
    return json.dumps({"latitude": float(match[1]), "longitude": float(match[2])})


def _check_objects(family: str, fspec: FieldSpec, column: pa.Array, checks: _Checks) -> pa.Array:
    """The documented Python fallback: JSON objects/lists of objects are rare and small.
    Returns the column with "lat,lon" points rewritten as JSON objects."""
    if column.null_count == len(column):
        return column
    values = column.to_pylist()
    if fspec.name == "gps":
        values = [None if v is None else _point_text_as_json(v) for v in values]
    bad_json: list[bool] = []
    bad_schema: list[bool] = []
    for value in values:
        if value is None:
            bad_json.append(False)
            bad_schema.append(False)
            continue
        try:
            parsed = json.loads(value)
        except ValueError:
            bad_json.append(True)
            bad_schema.append(False)
            continue
        problems = exchange_schema.validate(family, {fspec.name: parsed})
        bad_json.append(False)
        bad_schema.append(any(p.field.split(".")[0] == fspec.name for p in problems))
    checks.add(pa.array(bad_json), fspec.name, "type", column)
    checks.add(pa.array(bad_schema), fspec.name, "invalid", column)
    return pa.array(values, pa.string())


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


# --- checks across fields and against the platform's data --------------------------------------


def _check_required(spec: FamilySpec, present: dict[str, pa.Array], checks: _Checks) -> None:
    n = len(checks.rows)

    def column(name: str) -> pa.Array:
        return present.get(name, pa.nulls(n, pa.string()))

    for name in spec.required:
        checks.add(pc.is_null(column(name)), name, "required", column(name))
    for name, value, then in spec.conditional:
        when = pc.equal(column(name), pa.scalar(value))
        for needed in then:
            checks.add(pc.and_(when, pc.is_null(column(needed))), needed, "required", column(needed))


def _check_references(
    family: str, spec: FamilySpec, typed: dict[str, pa.Array], refs: References, checks: _Checks
) -> None:
    for name, fspec in spec.fields.items():
        column = typed[name]
        if fspec.identifier == "region_code" and fspec.type == "string":
            checks.add(_unknown(column, refs.regions), name, UNKNOWN_REGION, column)
        target = fspec.refers_to
        if target in CHECKED_REFERENCES and fspec.type == "string":
            known = refs.targets[target]
            if target == f"{family}.{name}" or target.startswith(f"{family}."):
                # A master-data file may refer to records it brings itself (a supervising agency).
                own = typed.get(target.split(".", 1)[1])
                known = pa.concat_arrays([known, own.drop_null()]) if own is not None else known
            checks.add(_unknown(column, known), name, UNKNOWN_REFERENCE, column)


def _unknown(column: pa.Array, known: pa.Array) -> pa.Array:
    return pc.and_(pc.is_valid(column), pc.invert(pc.is_in(column, value_set=known)))


# Dates that name a deadline or an end of validity: they may lie in the future.
FORWARD_DATES = frozenset({"valid_to", "payment_due_on", "planned_end_on", "due_at"})


def _check_dates(spec: FamilySpec, typed: dict[str, pa.Array], checks: _Checks) -> None:
    today = dt.date.today()
    for name, fspec in spec.fields.items():
        if fspec.format not in ("date", "date-time") or name == "source_updated_at":
            continue
        if name in FORWARD_DATES:
            latest = dt.date(today.year + 50, 12, 31)
        else:
            latest = today + dt.timedelta(days=1)
        column = typed[name]
        day = column if fspec.format == "date" else column.cast(pa.timestamp("us")).cast(pa.date32())
        wrong = pc.or_(pc.less(day, pa.scalar(EARLIEST)), pc.greater(day, pa.scalar(latest)))
        checks.add(wrong, name, IMPLAUSIBLE_DATE, column)
    for first, second in spec.ordered:
        a, b = typed[first], typed[second]
        if a.type != b.type:
            a, b = a.cast(pa.timestamp("us", "UTC")), b.cast(pa.timestamp("us", "UTC"))
        checks.add(pc.less(b, a), second, DATE_ORDER, typed[second])


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
