"""Mapping files: turn a source's record batches into exchange-format columns, column-wise.

A mapping file (YAML, see docs/mapping.md) is what onboards a new source without code. It is
loaded and checked once (`load_mapping`), then applied to every record batch the readers
produce (`Mapping.apply`). Every operation is an Arrow compute kernel over whole columns; no
Python runs per row, because the import must reach 500,000 rows/s with validation on two cores.

A value that cannot be converted (a date in no listed format, a code missing from a table)
never stops the run: the target field becomes null and the row gets a *problem* — row number,
field, reason code, raw value — in a side table, so the validation stage can quarantine the row
with all its reasons at once. Rows the reader flagged as malformed carry their reason there too.

Operations run in a fixed order, so a file reads top to bottom the same way whatever its key
order: drop → rename → strip → null_values → split → join → upper/lower → translate → dates →
constants (and ``source_system``). Everything after ``rename`` names target fields.
"""

from __future__ import annotations

import bisect
import zoneinfo
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import yaml

from zhifa.core.errors import ActionError
from zhifa.exchange.readers import BOOKKEEPING, ERROR, RAW, ROW
from zhifa.exchange.schema import FAMILIES

KEYS = (
    "family",
    "source_system",
    "drop",
    "rename",
    "strip",
    "null_values",
    "split",
    "join",
    "upper",
    "lower",
    "translate",
    "dates",
    "constants",
)
INVALID_DATE = "invalid_date"
UNKNOWN_CODE = "unknown_code"
PROBLEM_SCHEMA = pa.schema(
    [("_row", pa.int64()), ("field", pa.string()), ("reason", pa.string()), ("value", pa.string())]
)
_TRUE = ("true", "yes", "on", "是")
_FALSE = ("false", "no", "off", "否")


class MappingError(ActionError):
    """The mapping file itself is wrong; `errors` lists every ``(key, message)`` found."""

    def __init__(self, errors: list[tuple[str, str]]):
        self.errors = errors
        message = "映射文件有误：" + "；".join(f"{key}：{text}" for key, text in errors)
        super().__init__("invalid_mapping", message, errors[0][0] if errors else None, status=400)


@dataclass(frozen=True)
class SplitRule:
    field: str
    into: tuple[str, ...]
    separator: str | None = None
    regex: str | None = None
    keep: bool = False


@dataclass(frozen=True)
class JoinRule:
    target: str
    fields: tuple[str, ...]
    separator: str = ""
    keep: bool = False


@dataclass(frozen=True)
class TranslateRule:
    field: str
    table: dict[str, str]
    unknown: str = "reject"  # reject | keep | default
    default: str | None = None


@dataclass(frozen=True)
class DateRule:
    field: str
    formats: tuple[str, ...]
    timezone: str = "Asia/Shanghai"
    output: str = "datetime"  # datetime (ISO 8601 UTC) | date (local calendar date)


@dataclass(frozen=True)
class MappedBatch:
    """Exchange-format columns (plus ``_row``/``_error``/``_raw``) and this batch's problems."""

    data: pa.RecordBatch
    problems: pa.Table


@dataclass(frozen=True)
class Mapping:
    family: str | None = None
    source_system: str | None = None
    drop: tuple[str, ...] = ()
    rename: dict[str, str] = field(default_factory=dict)
    strip: bool | tuple[str, ...] = True
    null_values: tuple[str, ...] = ("",)
    split: tuple[SplitRule, ...] = ()
    join: tuple[JoinRule, ...] = ()
    upper: tuple[str, ...] = ()
    lower: tuple[str, ...] = ()
    translate: tuple[TranslateRule, ...] = ()
    dates: tuple[DateRule, ...] = ()
    constants: dict[str, str] = field(default_factory=dict)

    def apply(self, batch: pa.RecordBatch) -> MappedBatch:
        return apply_mapping(self, batch)

    def map_batches(self, batches: Iterable[pa.RecordBatch]) -> Iterator[MappedBatch]:
        for batch in batches:
            yield apply_mapping(self, batch)

    def targets(self) -> set[str]:
        """Every field the mapping writes (to check against the exchange schema)."""
        consumed = {r.field for r in self.split if not r.keep} | {
            f for r in self.join if not r.keep for f in r.fields
        }
        out = set(self.rename.values()) - consumed
        out |= {t for r in self.split for t in r.into} | {r.target for r in self.join}
        out |= {r.field for r in self.translate} | {r.field for r in self.dates} | set(self.constants)
        if self.source_system:
            out.add("source_system")
        return out


# --- loading and checking the file -----------------------------------------------------------


def load_mapping(source: str | Path | dict[str, Any], fields: Collection[str] | None = None) -> Mapping:
    """Read and check a mapping (a path, YAML text, or an already-parsed dict).

    YAML is read with every scalar as a string (``BaseLoader``): codes such as ``01`` or ``NO``
    must not turn into the number 1 or the boolean false. `fields`, when given, is the list of
    valid target fields of the family; a target outside it is an error.
    """
    document = _load_yaml(source) if not isinstance(source, dict) else source
    if not isinstance(document, dict):
        raise MappingError([("(根)", "映射文件应为键值对象")])
    errors: list[tuple[str, str]] = []
    mapping = _build(document, errors)
    if fields is not None and not errors:
        for name in sorted(mapping.targets() - set(fields)):
            errors.append((_where(mapping, name), f"目标字段“{name}”不在该数据族的字段中"))
    if errors:
        raise MappingError(errors)
    return mapping


def _load_yaml(source: str | Path) -> Any:
    if isinstance(source, Path) or ("\n" not in source and Path(source).suffix in (".yaml", ".yml")):
        path = Path(source)
        if not path.is_file():
            raise MappingError([("(文件)", f"映射文件不存在：{path}")])
        source = path.read_text(encoding="utf-8-sig")
    try:
        return yaml.load(source, Loader=yaml.BaseLoader)
    except yaml.YAMLError as exc:
        raise MappingError([("(语法)", f"YAML 无法解析：{exc}")]) from exc


def _where(mapping: Mapping, name: str) -> str:
    for key, names in (
        ("constants", set(mapping.constants)),
        ("dates", {r.field for r in mapping.dates}),
        ("translate", {r.field for r in mapping.translate}),
        ("join", {r.target for r in mapping.join}),
        ("split", {t for r in mapping.split for t in r.into}),
    ):
        if name in names:
            return f"{key}.{name}"
    sources = [s for s, t in mapping.rename.items() if t == name]
    return f"rename.{sources[0]}" if sources else name


def _build(doc: dict[str, Any], errors: list[tuple[str, str]]) -> Mapping:
    for key in doc:
        if key not in KEYS:
            errors.append((str(key), f"未知的键（可用：{'、'.join(KEYS)}）"))
    family = _opt_str(doc, "family", errors)
    if family is not None and family not in FAMILIES:
        errors.append(("family", f"未知的数据族“{family}”（可用：{'、'.join(FAMILIES)}）"))
    return Mapping(
        family=family,
        source_system=_opt_str(doc, "source_system", errors),
        drop=_str_list(doc.get("drop", []), "drop", errors),
        rename=_str_map(doc.get("rename", {}), "rename", errors),
        strip=_strip(doc.get("strip", "true"), errors),
        null_values=_str_list(doc.get("null_values", [""]), "null_values", errors, allow_empty=True),
        split=tuple(_split_rules(doc.get("split", {}), errors)),
        join=tuple(_join_rules(doc.get("join", {}), errors)),
        upper=_str_list(doc.get("upper", []), "upper", errors),
        lower=_str_list(doc.get("lower", []), "lower", errors),
        translate=tuple(_translate_rules(doc.get("translate", {}), errors)),
        dates=tuple(_date_rules(doc.get("dates", {}), errors)),
        constants=_str_map(doc.get("constants", {}), "constants", errors),
    )


def _opt_str(doc: dict[str, Any], key: str, errors: list[tuple[str, str]]) -> str | None:
    value = doc.get(key)
    if value is not None and not isinstance(value, str):
        errors.append((key, "应为文本"))
        return None
    return value


def _str_list(
    value: Any, key: str, errors: list[tuple[str, str]], allow_empty: bool = False
) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        errors.append((key, "应为文本列表"))
        return ()
    if not allow_empty and any(v == "" for v in value):
        errors.append((key, "列表中有空名称"))
    return tuple(value)


def _str_map(value: Any, key: str, errors: list[tuple[str, str]]) -> dict[str, str]:
    if not isinstance(value, dict):
        errors.append((key, "应为“名称: 值”的映射"))
        return {}
    result: dict[str, str] = {}
    for name, target in value.items():
        if not isinstance(target, str):
            errors.append((f"{key}.{name}", "值应为文本"))
        else:
            result[str(name)] = target
    return result


def _bool(value: Any, key: str, errors: list[tuple[str, str]]) -> bool:
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text not in _FALSE:
        errors.append((key, f"应为 true 或 false，而不是“{value}”"))
    return False


def _strip(value: Any, errors: list[tuple[str, str]]) -> bool | tuple[str, ...]:
    if isinstance(value, list):
        return _str_list(value, "strip", errors)
    return _bool(value, "strip", errors)


def _rules(value: Any, key: str, errors: list[tuple[str, str]]) -> Iterator[tuple[str, dict[str, Any]]]:
    """The per-field sections (``split``, ``join``, ``translate``, ``dates``): name → options."""
    if not isinstance(value, dict):
        errors.append((key, "应为“字段: 设置”的映射"))
        return
    for name, options in value.items():
        if not isinstance(options, dict):
            errors.append((f"{key}.{name}", "设置应为键值对象"))
            continue
        yield str(name), options


def _unknown_options(
    options: dict[str, Any], allowed: tuple[str, ...], where: str, errors: list[tuple[str, str]]
) -> None:
    for option in options:
        if option not in allowed:
            errors.append((f"{where}.{option}", f"未知的设置（可用：{'、'.join(allowed)}）"))


def _check_regex(pattern: str, where: str, errors: list[tuple[str, str]]) -> None:
    """Compile with Arrow's own engine (RE2), which is what will run the pattern."""
    try:
        pc.split_pattern_regex(pa.array(["x"], pa.string()), pattern)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        errors.append((where, f"正则表达式无效：{exc}"))


def _split_rules(value: Any, errors: list[tuple[str, str]]) -> Iterator[SplitRule]:
    for name, opts in _rules(value, "split", errors):
        where = f"split.{name}"
        _unknown_options(opts, ("into", "separator", "regex", "keep"), where, errors)
        into = _str_list(opts.get("into", []), f"{where}.into", errors)
        if len(into) < 2:
            errors.append((f"{where}.into", "应列出至少两个目标字段"))
        separator, regex = opts.get("separator"), opts.get("regex")
        if (separator is None) == (regex is None):
            errors.append((where, "应给出 separator 或 regex 之一"))
        elif regex is not None:
            _check_regex(regex, f"{where}.regex", errors)
        elif separator == "":
            errors.append((f"{where}.separator", "分隔符不能为空"))
        keep = _bool(opts.get("keep", "false"), f"{where}.keep", errors)
        yield SplitRule(name, into, separator, regex, keep)


def _join_rules(value: Any, errors: list[tuple[str, str]]) -> Iterator[JoinRule]:
    for name, opts in _rules(value, "join", errors):
        where = f"join.{name}"
        _unknown_options(opts, ("fields", "separator", "keep"), where, errors)
        fields = _str_list(opts.get("fields", []), f"{where}.fields", errors)
        if len(fields) < 2:
            errors.append((f"{where}.fields", "应列出至少两个来源字段"))
        separator = opts.get("separator", "")
        if not isinstance(separator, str):
            errors.append((f"{where}.separator", "应为文本"))
            separator = ""
        keep = _bool(opts.get("keep", "false"), f"{where}.keep", errors)
        yield JoinRule(name, fields, separator, keep)


def _translate_rules(value: Any, errors: list[tuple[str, str]]) -> Iterator[TranslateRule]:
    for name, opts in _rules(value, "translate", errors):
        where = f"translate.{name}"
        _unknown_options(opts, ("table", "unknown", "default"), where, errors)
        table = _str_map(opts.get("table", {}), f"{where}.table", errors)
        if not table:
            errors.append((f"{where}.table", "代码对照表不能为空"))
        default = opts.get("default")
        unknown = opts.get("unknown", "default" if default is not None else "reject")
        if unknown not in ("reject", "keep", "default"):
            errors.append((f"{where}.unknown", f"应为 reject、keep 或 default，而不是“{unknown}”"))
        if unknown == "default" and not isinstance(default, str):
            errors.append((f"{where}.default", "unknown 为 default 时须给出文本默认值"))
        yield TranslateRule(name, table, unknown, default)


def _date_rules(value: Any, errors: list[tuple[str, str]]) -> Iterator[DateRule]:
    for name, opts in _rules(value, "dates", errors):
        where = f"dates.{name}"
        _unknown_options(opts, ("formats", "timezone", "output"), where, errors)
        formats = _str_list(opts.get("formats", []), f"{where}.formats", errors)
        if not formats:
            errors.append((f"{where}.formats", "应至少给出一个日期格式"))
        for fmt in formats:
            if "%" not in fmt:
                errors.append((f"{where}.formats", f"格式“{fmt}”中没有任何 % 指令"))
        timezone = opts.get("timezone", "Asia/Shanghai")
        try:
            zoneinfo.ZoneInfo(str(timezone))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            errors.append((f"{where}.timezone", f"未知时区“{timezone}”（例如 Asia/Shanghai、UTC）"))
        output = opts.get("output", "datetime")
        if output not in ("datetime", "date"):
            errors.append((f"{where}.output", f"应为 datetime 或 date，而不是“{output}”"))
        yield DateRule(name, formats, str(timezone), str(output))


# --- applying it to a batch ------------------------------------------------------------------


class _Work:
    """The columns being built for one batch, and the problems found so far."""

    def __init__(self, batch: pa.RecordBatch):
        self.n = batch.num_rows
        self.rows = batch.column(ROW)
        self.columns: dict[str, pa.Array] = {
            name: batch.column(name) for name in batch.schema.names if name not in BOOKKEEPING
        }
        self.problems: list[pa.Table] = []

    def get(self, name: str) -> pa.Array:
        """A column, or nulls when this source (or this JSON Lines batch) lacks it."""
        column = self.columns.get(name)
        return column if column is not None else pa.nulls(self.n, pa.string())

    def problem(self, mask: pa.Array, field_name: str | None, reason: str, values: pa.Array) -> None:
        if not pc.any(mask).as_py():
            return
        rows = pc.filter(self.rows, mask)
        count = len(rows)
        self.problems.append(
            pa.Table.from_arrays(
                [
                    rows,
                    pa.repeat(pa.scalar(field_name, pa.string()), count),
                    pa.repeat(pa.scalar(reason, pa.string()), count),
                    pc.filter(values, mask).cast(pa.string()),
                ],
                schema=PROBLEM_SCHEMA,
            )
        )


def apply_mapping(mapping: Mapping, batch: pa.RecordBatch) -> MappedBatch:
    """Run every operation of `mapping` over one batch (see the module docstring for the order)."""
    work = _Work(batch)
    _reader_problems(work, batch)
    for step in (_drop, _rename, _strip_step, _nulls, _split, _join, _case, _translate, _dates, _constants):
        step(mapping, work)
    kept = [name for name in (ERROR, RAW) if name in batch.schema.names]
    names = [ROW, *kept, *work.columns]
    arrays = [work.rows, *(batch.column(name) for name in kept), *work.columns.values()]
    data = pa.RecordBatch.from_arrays(arrays, names=names)
    problems = PROBLEM_SCHEMA.empty_table()
    if work.problems:
        problems = pa.concat_tables(work.problems).sort_by([("_row", "ascending")])
    return MappedBatch(data, problems)


def _reader_problems(work: _Work, batch: pa.RecordBatch) -> None:
    """Rows the reader flagged (``_error``) become problems with the reader's reason code."""
    if ERROR not in batch.schema.names or batch.column(ERROR).null_count == work.n:
        return
    flagged = pc.is_valid(batch.column(ERROR))
    raw = batch.column(RAW) if RAW in batch.schema.names else pa.nulls(work.n, pa.string())
    rows = pc.filter(work.rows, flagged)
    work.problems.append(
        pa.Table.from_arrays(
            [
                rows,
                pa.nulls(len(rows), pa.string()),
                pc.filter(batch.column(ERROR), flagged),
                pc.filter(raw, flagged),
            ],
            schema=PROBLEM_SCHEMA,
        )
    )


def _drop(mapping: Mapping, work: _Work) -> None:
    for name in mapping.drop:
        work.columns.pop(name, None)


def _rename(mapping: Mapping, work: _Work) -> None:
    """Rename in place, keeping column order; a mapped column absent from the source is null."""
    renamed: dict[str, pa.Array] = {}
    for name, column in work.columns.items():
        renamed[mapping.rename.get(name, name)] = column
    for source, target in mapping.rename.items():
        if source not in work.columns:
            renamed.setdefault(target, pa.nulls(work.n, pa.string()))
    work.columns = renamed


def _text_columns(work: _Work, names: Iterable[str] | None = None) -> list[str]:
    chosen = work.columns if names is None else [n for n in names if n in work.columns]
    return [n for n in chosen if pa.types.is_string(work.columns[n].type)]


def _strip_step(mapping: Mapping, work: _Work) -> None:
    if mapping.strip is False:
        return
    names = None if mapping.strip is True else mapping.strip
    for name in _text_columns(work, names):
        if _may_need_trim(work.columns[name]):
            work.columns[name] = pc.utf8_trim_whitespace(work.columns[name])


# What ``utf8_trim_whitespace`` trims (tests check this against Arrow itself): ASCII bytes up
# to 0x20 (TAB..CR, 0x1C..0x1F, space) and these characters of two or three UTF-8 bytes, whose
# first byte is 0xC2..0xE3 (CJK ideographs start at 0xE4).
_WS_WIDE = ("\x85", "\xa0", "\u1680", *map(chr, range(0x2000, 0x200B)), "\u2028", "\u2029")
_WS_WIDE += ("\u202f", "\u205f", "\u3000")
_WS_LAST = pa.array([b in {c.encode()[-1] for c in _WS_WIDE} for b in range(256)], pa.bool_())
_WS_CODES = pa.array([int.from_bytes(c.encode().rjust(3, b"\0"), "big") for c in _WS_WIDE], pa.int32())
_ONE = pa.scalar(1, pa.int32())
_LEAD_LOW = pa.scalar(0xC2, pa.uint8())


def _may_need_trim(column: pa.Array) -> bool:
    """Whether some value may start or end with whitespace; never false when one does.

    Trimming copies the whole column, and almost every source column has nothing to trim,
    so look at each value's first and last byte through the offsets instead (a ``take``
    each, then min/max). Only a multi-byte candidate ending is checked exactly, on its last
    three bytes; a false alarm merely costs a trim that changes nothing.
    """
    if not isinstance(column, pa.StringArray) or column.null_count == len(column):
        return False
    _, offsets_buf, data_buf = column.buffers()
    if data_buf is None or data_buf.size == 0:
        return False
    n = len(column)
    data = pa.Array.from_buffers(pa.uint8(), data_buf.size, [None, data_buf])
    offsets = pa.Array.from_buffers(pa.int32(), n + 1, [None, offsets_buf], offset=column.offset)
    bounds = memoryview(offsets_buf).cast("i")[column.offset : column.offset + n + 1]
    readable = bisect.bisect_left(bounds, data_buf.size, 0, n)  # trailing "" start past the end
    if _starts_with_space(pc.take(data, offsets.slice(0, readable))):
        return True
    non_empty_start = bisect.bisect_right(bounds, 0, 1)  # leading "" end at 0: no last byte
    last_at = pc.subtract(offsets.slice(non_empty_start), _ONE)
    return _ends_with_space(data, last_at)


def _starts_with_space(first: pa.Array) -> bool:
    if not len(first):
        return False
    low, high = pc.min_max(first).values()
    if low.as_py() <= 0x20:
        return True
    # 0xC2..0xE3 wrap round to 0..0x21 when 0xC2 is subtracted; every other byte does not
    return high.as_py() >= 0xC2 and pc.min(pc.subtract(first, _LEAD_LOW)).as_py() <= 0x21


def _ends_with_space(data: pa.Array, last_at: pa.Array) -> bool:
    if not len(last_at):
        return False
    last = pc.take(data, last_at)
    low, high = pc.min_max(last).values()
    if low.as_py() <= 0x20:
        return True
    if high.as_py() < 0x80:
        return False
    wide = pc.take(_WS_LAST, last)
    if not pc.any(wide).as_py():
        return False
    at = pc.filter(last_at, wide)
    code = pc.cast(pc.filter(last, wide), pa.int32())
    for back, shift in ((1, 8), (2, 16)):
        earlier = pc.max_element_wise(pc.subtract(at, pa.scalar(back, pa.int32())), 0)
        code = pc.bit_wise_or(code, pc.shift_left(pc.cast(pc.take(data, earlier), pa.int32()), shift))
    two_byte = pc.bit_wise_and(code, 0xFFFF)
    hit = pc.or_(pc.is_in(code, value_set=_WS_CODES), pc.is_in(two_byte, value_set=_WS_CODES))
    return bool(pc.any(hit).as_py())


def _nulls(mapping: Mapping, work: _Work) -> None:
    """Placeholders meaning "no value" (``""``, ``NULL``, ``无``, ``-``) become real nulls."""
    if not mapping.null_values:
        return
    for name in _text_columns(work):
        work.columns[name] = _null_out(work.columns[name], mapping.null_values)


def _null_out(column: pa.Array, null_values: Iterable[str]) -> pa.Array:
    values = set(null_values)
    if values == {""}:  # lengths need no hashing, and their minimum says whether to go on
        lengths = pc.binary_length(column)
        if pc.min(lengths).as_py() != 0:
            return column
        mask = pc.equal(lengths, 0)
    else:
        mask = pc.is_in(column, value_set=pa.array(sorted(values), pa.string()))
    if mask.null_count:
        mask = pc.fill_null(mask, False)
    if not pc.any(mask).as_py():
        return column  # the common case: skip rebuilding the column
    return _with_nulls(column, mask)


def _with_nulls(column: pa.Array, mask: pa.Array) -> pa.Array:
    """`column` with the `mask`ed values null: a new validity bitmap over the same text.

    ``if_else`` would copy every value to null a few; the offsets and text buffers can be
    shared when the column starts at offset 0 (the bitmap has to line up with them).
    """
    if not isinstance(column, pa.StringArray) or column.offset != 0:
        return pc.if_else(mask, None, column)
    valid = pc.and_not(pc.is_valid(column), mask)
    _, offsets, data = column.buffers()
    return pa.Array.from_buffers(column.type, len(column), [valid.buffers()[1], offsets, data])


def _split(mapping: Mapping, work: _Work) -> None:
    """One field into several; missing parts are null, the last part keeps any remainder.

    Parts are trimmed and checked against ``null_values`` again: ``A ~ -`` means "no end".
    """
    for rule in mapping.split:
        column = work.get(rule.field)
        limit = len(rule.into) - 1
        if rule.regex is not None:
            parts = pc.split_pattern_regex(column, rule.regex, max_splits=limit)
        else:
            parts = pc.split_pattern(column, rule.separator, max_splits=limit)
        fixed = pc.list_slice(parts, 0, len(rule.into), return_fixed_size_list=True)
        if not rule.keep:
            work.columns.pop(rule.field, None)
        for index, target in enumerate(rule.into):
            part = pc.utf8_trim_whitespace(pc.list_element(fixed, index))
            work.columns[target] = _null_out(part, ("", *mapping.null_values))


def _join(mapping: Mapping, work: _Work) -> None:
    """Several fields into one, skipping nulls; all-null gives null rather than ``""``."""
    for rule in mapping.join:
        joined = work.get(rule.fields[0])
        for name in rule.fields[1:]:
            joined = _join_pair(joined, work.get(name), rule.separator)
        if not rule.keep:
            for name in rule.fields:
                work.columns.pop(name, None)
        work.columns[rule.target] = pc.if_else(pc.equal(joined, ""), None, joined)


def _join_pair(left: pa.Array, right: pa.Array, separator: str) -> pa.Array:
    """``left + separator + right``, or whichever side is not null.

    Folded pairwise instead of ``binary_join_element_wise(null_handling="skip")``, which in
    pyarrow 26 returns a shorter array when the last rows are null in every input.
    """
    both = pc.binary_join_element_wise(left, right, separator)
    return pc.coalesce(both, left, right)


def _case(mapping: Mapping, work: _Work) -> None:
    for name in _text_columns(work, mapping.upper):
        work.columns[name] = pc.utf8_upper(work.columns[name])
    for name in _text_columns(work, mapping.lower):
        work.columns[name] = pc.utf8_lower(work.columns[name])


def _translate(mapping: Mapping, work: _Work) -> None:
    """Look every value up at once (``index_in`` + ``take``); misses follow ``unknown``."""
    for rule in mapping.translate:
        column = work.get(rule.field)
        keys = pa.array(list(rule.table), pa.string())
        values = pa.array(list(rule.table.values()), pa.string())
        index = pc.index_in(column, value_set=keys)
        translated = pc.take(values, index)
        missing = pc.and_(pc.is_valid(column), pc.is_null(index))
        if rule.unknown == "keep":
            translated = pc.coalesce(translated, column)
        elif rule.unknown == "default":
            translated = pc.if_else(missing, rule.default, translated)
        else:
            work.problem(missing, rule.field, UNKNOWN_CODE, column)
        work.columns[rule.field] = translated


def _dates(mapping: Mapping, work: _Work) -> None:
    for rule in mapping.dates:
        column = work.get(rule.field)
        parsed = parse_dates(column, rule.formats, rule.timezone)
        work.problem(pc.and_(pc.is_valid(column), pc.is_null(parsed)), rule.field, INVALID_DATE, column)
        if rule.output == "date":
            work.columns[rule.field] = (
                pc.local_timestamp(parsed.cast(pa.timestamp("s", rule.timezone)))
                .cast(pa.date32())
                .cast(pa.string())
            )
        else:
            work.columns[rule.field] = iso_utc(parsed)


def iso_utc(timestamps: pa.Array) -> pa.Array:
    """``2013-10-30T18:08:41Z`` strings from UTC timestamps.

    Casting a naive timestamp to text is ~30x faster than ``strftime`` (which goes through the
    time-zone library per value), so cast and patch the separator and the ``Z`` in.
    """
    text = timestamps.cast(pa.timestamp("s")).cast(pa.string())
    text = pc.utf8_replace_slice(text, 10, 11, "T")
    return pc.binary_join_element_wise(text, pa.scalar("Z"), "")


def parse_dates(column: pa.Array, formats: Iterable[str], timezone: str) -> pa.Array:
    """Try each format over the whole column; the first that parses a value wins.

    Wall-clock times are read in `timezone` (ambiguous and skipped daylight-saving times take
    the earlier instant rather than failing the batch); formats with ``%z`` carry their own
    offset. The result is ``timestamp[s, UTC]``, null where no format fits.
    """
    result = pa.nulls(len(column), pa.timestamp("s", "UTC"))
    for fmt in formats:
        if result.null_count == column.null_count:
            break  # every value is parsed; the later formats cannot add anything
        ts = pc.strptime(column, format=fmt, unit="s", error_is_null=True)
        if ts.type.tz is None:
            ts = pc.assume_timezone(ts, timezone, ambiguous="earliest", nonexistent="earliest")
        result = pc.coalesce(result, ts.cast(pa.timestamp("s", "UTC")))
    return result


def _constants(mapping: Mapping, work: _Work) -> None:
    values = dict(mapping.constants)
    if mapping.source_system and "source_system" not in values:
        values["source_system"] = mapping.source_system
    for name, value in values.items():
        work.columns[name] = pa.repeat(pa.scalar(value, pa.string()), work.n)


def map_file(mapping: Mapping, batches: Iterable[pa.RecordBatch]) -> Iterator[MappedBatch]:
    """Map every batch of a source (a thin alias of `Mapping.map_batches` for callers)."""
    return mapping.map_batches(batches)
