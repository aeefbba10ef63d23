"""Read a source file (CSV, XLSX, JSON, JSON Lines) into Arrow record batches.

Every batch has the source's columns as strings plus three bookkeeping columns:

* ``_row`` (int64): where the row sits in the source, so quarantine can point at it.
  CSV and XLSX count the header as row 1, so the first data row is row 2 — the number a user
  sees in Excel, and the line number in a CSV without quoted line breaks. CSV counts records
  (a quoted field spanning lines is one record) and does not count blank lines. JSON counts
  the array's elements from 1; JSON Lines counts physical lines from 1.
* ``_error`` (string): null for a well-formed row; ``malformed_row`` when the row could not be
  split into the header's fields (wrong field count, not an object, unparseable JSON). Such rows
  are *emitted*, never dropped, with their source columns null, so the later stage quarantines
  them and ``read = inserted + updated + unchanged + quarantined`` still holds.
* ``_raw`` (string): the row's source text where the reader has it for free — malformed rows,
  JSON objects, JSON Lines lines. Good CSV/XLSX rows leave it null because copying every line
  would double the memory on the hot path; `raw_text` rebuilds their content from the string
  columns (lossless, since nothing was converted) for the few rows that are quarantined.

CSV is the bulk path (millions of rows) and no Python code runs per row. A UTF-8 file whose
delimiter is certain takes the fast path: DuckDB parses it on every core and streams batches in
file order, so ``_row`` is simply the record's ordinal + 2 (DuckDB, like the contract, counts
records and skips blank lines). DuckDB stops at the first malformed record; reading then
continues from the first record not yet yielded with the tolerant reader, which streams through
``pyarrow.csv.open_csv`` serially and flags malformed rows in place. Other encodings, unsure
delimiters and one-column files (where DuckDB reads a blank line as a null row) use the tolerant
reader throughout. XLSX and JSON are small by nature and are read row by row.
"""

from __future__ import annotations

import bisect
import codecs
import csv
import functools
import io
import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from zhifa.core.errors import ActionError

ROW = "_row"
ERROR = "_error"
RAW = "_raw"
BOOKKEEPING = (ROW, ERROR, RAW)
MALFORMED = "malformed_row"

FORMATS = ("csv", "xlsx", "json", "jsonl")
DELIMITERS = (",", ";", "\t", "|")
DEFAULT_BLOCK_SIZE = 8 << 20  # bytes of CSV per batch (~50k typical rows)
DEFAULT_BATCH_ROWS = 50_000  # rows per batch for the row-by-row formats
_SUFFIXES = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}


class SourceError(ActionError):
    """The file as a whole cannot be read (unknown format, missing sheet, broken JSON)."""

    def __init__(self, code: str, message: str, field: str | None = None):
        super().__init__(code, message, field, status=400)


def read_batches(
    path: str | Path,
    *,
    format: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
    json_key: str | None = None,
    block_size: int = DEFAULT_BLOCK_SIZE,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    gather: bool = True,
) -> Iterator[pa.RecordBatch]:
    """Yield the file's rows as string record batches with ``_row``, ``_error`` and ``_raw``.

    `format`, `encoding` and `delimiter` are detected when not given (suffix; strict UTF-8
    else GB18030; the delimiter among ``, ; TAB |`` that splits the first lines consistently).
    """
    path = Path(path)
    if not path.is_file():
        raise SourceError("file_not_found", f"文件不存在：{path}")
    fmt = format or detect_format(path)
    if fmt == "csv":
        if encoding:
            return read_csv(
                path, encoding=encoding, delimiter=delimiter, block_size=block_size, gather=gather
            )
        # The start decides whether DuckDB may read the file (it checks UTF-8 itself as it goes);
        # should it stop on a bad byte later, the tolerant reader takes over with the encoding of
        # the whole file.
        enc = detect_encoding(path, limit=ENCODING_SAMPLE)
        return read_csv(
            path,
            encoding=enc,
            delimiter=delimiter,
            block_size=block_size,
            recheck_encoding=True,
            gather=gather,
        )
    if fmt == "xlsx":
        return read_xlsx(path, sheet=sheet, batch_rows=batch_rows)
    if fmt == "json":
        return read_json(path, encoding=encoding, key=json_key, batch_rows=batch_rows)
    if fmt == "jsonl":
        return read_jsonl(path, encoding=encoding, batch_rows=batch_rows)
    raise SourceError("unknown_format", f"不支持的文件格式：{fmt}（可用：{'、'.join(FORMATS)}）", "format")


def detect_format(path: Path) -> str:
    """The format from the file name's suffix; agencies' exports are named by their tools."""
    fmt = _SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise SourceError("unknown_format", f"无法从文件名判断格式：{path.name}，请指定格式", "format")
    return fmt


ENCODING_SAMPLE = 32 << 20


def detect_encoding(path: Path, chunk_size: int = 16 << 20, limit: int | None = None) -> str:
    """``utf-8-sig`` / ``utf-8`` when the whole file (or its first `limit` bytes) is valid
    UTF-8, else ``gb18030``.

    The whole file is checked (in chunks, by Arrow's UTF-8 validation at several GB/s) rather
    than a sample, because a GBK export is often ASCII for its first megabytes and then breaks
    on the first Chinese name. GB18030 is a superset of GBK and GB2312, so one fallback covers
    all three.
    """
    carry = b""
    if limit is not None:
        chunk_size = min(chunk_size, limit)
    with path.open("rb") as fh:
        first = fh.read(chunk_size)
        bom = first.startswith(codecs.BOM_UTF8)
        chunk = first
        seen = len(first)
        while chunk:
            data = carry + chunk if carry else chunk
            cut = _last_char_start(data)
            if not _valid_utf8(data, cut):
                return "gb18030"
            carry = data[cut:]
            if limit is not None and seen >= limit:
                return "utf-8-sig" if bom else "utf-8"  # the last character may be cut: not judged
            chunk = fh.read(chunk_size)
            seen += len(chunk)
    if carry and not _valid_utf8(carry, len(carry)):
        return "gb18030"
    return "utf-8-sig" if bom else "utf-8"


def _last_char_start(data: bytes) -> int:
    """Where the last (maybe incomplete) character of `data` starts, so a chunk never splits one.

    Looks back over at most four bytes; a longer run of continuation bytes is invalid anyway
    and is left in the chunk for the validation to reject.
    """
    for index in range(len(data) - 1, max(len(data) - 5, -1), -1):
        if data[index] & 0xC0 != 0x80:
            return index
    return len(data)


def _valid_utf8(data: bytes, end: int) -> bool:
    """Whether ``data[:end]`` is valid UTF-8, checked by Arrow without decoding to Python text."""
    offsets = pa.array([0, end], pa.int32()).buffers()[1]
    array = pa.Array.from_buffers(pa.string(), 1, [None, offsets, pa.py_buffer(data)])
    try:
        array.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def sniff_delimiter(sample: str) -> str:
    """The candidate that splits the header into most fields and the next lines alike.

    ``csv.Sniffer`` guesses from character frequencies and is easily fooled by commas inside
    Chinese addresses; parsing with each candidate and comparing field counts is robust.
    """
    return _sniff(sample)[0]


def _sniff(sample: str) -> tuple[str, bool]:
    """`sniff_delimiter`, and whether it is sure: every sampled line splits into the same fields."""
    lines = sample.splitlines(keepends=True)
    if len(lines) > 1:
        lines = lines[:-1]  # the last line of a sample may be cut short
    text = "".join(lines[:50])
    best, best_score = ",", (-1.0, 0)
    for candidate in DELIMITERS:
        rows = [r for r in csv.reader(io.StringIO(text), delimiter=candidate) if r]
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        consistent = sum(len(r) == width for r in rows) / len(rows)
        score = (consistent, width)
        if score > best_score:
            best, best_score = candidate, score
    return best, best_score[0] == 1.0


def unique_names(names: Iterable[Any]) -> list[str]:
    """Header cells as usable column names: trimmed, blanks named ``列N``, repeats suffixed ``_2``."""
    result: list[str] = []
    seen: set[str] = set()
    for index, name in enumerate(names, start=1):
        base = str(name).strip().lstrip("\ufeff") if name is not None else ""
        base = base or f"列{index}"
        candidate, n = base, 1
        while candidate in seen:
            n += 1
            candidate = f"{base}_{n}"
        seen.add(candidate)
        result.append(candidate)
    return result


# --- CSV -------------------------------------------------------------------------------------


def read_csv(
    path: str | Path,
    *,
    encoding: str = "utf-8",
    delimiter: str | None = None,
    block_size: int = DEFAULT_BLOCK_SIZE,
    engine: str = "auto",
    recheck_encoding: bool = False,
    gather: bool = True,
) -> Iterator[pa.RecordBatch]:
    """Stream a CSV in batches of about `block_size` bytes; malformed rows come out flagged in order.

    `gather=False` lets the fast path hand out DuckDB's own pieces (tens of thousands of rows)
    without copying them together, for a caller that cuts its own batches.
    `recheck_encoding`: the encoding was judged from the file's start; if the fast path stops,
    the tolerant reader judges the whole file again before it continues.

    `engine` is ``auto`` (DuckDB when that is sure to be right, see the module docstring),
    ``arrow`` (the tolerant reader only) or ``duckdb`` (the fast path whenever the file is
    UTF-8, even with a sniffed delimiter; for tests and benchmarks).
    """
    if engine not in ("auto", "arrow", "duckdb"):
        raise ValueError(f"unknown CSV engine: {engine}")
    path = Path(path)
    sample = _read_sample(path, encoding)
    sure = delimiter is not None
    if delimiter is None:
        delimiter, sure = _sniff(sample)
    header = next(csv.reader(io.StringIO(sample), delimiter=delimiter), None)
    if not header:
        return iter(())
    names = unique_names(header)
    tolerant = functools.partial(_read_csv_tolerant, path, names, delimiter, encoding, block_size)
    if recheck_encoding:
        tolerant = functools.partial(_rechecked, path, names, delimiter, block_size)
    fast = _is_utf8_name(encoding) and len(names) > 1 and len(delimiter) == 1 and delimiter != '"'
    if engine == "duckdb" and not fast:
        raise ValueError("the DuckDB path reads UTF-8 files with two or more columns only")
    if engine == "arrow" or not fast or (engine == "auto" and not sure):
        return tolerant(0)
    return _read_csv_fast(path, names, delimiter, _rows_per_batch(path, block_size), tolerant, gather)


def _rechecked(
    path: Path, names: list[str], delimiter: str, block_size: int, skip_records: int
) -> Iterator[pa.RecordBatch]:
    """The tolerant reader with the encoding of the whole file (see `read_csv`)."""
    return _read_csv_tolerant(path, names, delimiter, detect_encoding(path), block_size, skip_records)


def _is_utf8_name(encoding: str) -> bool:
    return encoding.replace("_", "-").lower() in ("utf-8", "utf8", "utf-8-sig", "ascii", "us-ascii")


def _read_csv_tolerant(
    path: Path, names: list[str], delimiter: str, encoding: str, block_size: int, skip_records: int
) -> Iterator[pa.RecordBatch]:
    """`_read_tolerantly`, with a byte sequence the encoding cannot decode reported as the
    file's problem (`undecodable`, naming the encoding and the byte), not as a crash."""
    try:
        yield from _read_tolerantly(path, names, delimiter, encoding, block_size, skip_records)
    except (UnicodeDecodeError, pa.ArrowInvalid) as error:
        if isinstance(error, pa.ArrowInvalid) and "utf8" not in str(error).lower():
            raise
        where = f"第 {error.start + 1:,} 字节附近" if isinstance(error, UnicodeDecodeError) else "某处"
        raise SourceError(
            "undecodable",
            f"文件{where}的字节无法按 {encoding} 解码：文件可能被截断，或混用了多种编码。"
            "请以 UTF-8 或 GB18030 重新导出后再导入",
        ) from error


def _read_tolerantly(
    path: Path, names: list[str], delimiter: str, encoding: str, block_size: int, skip_records: int
) -> Iterator[pa.RecordBatch]:
    """The serial pyarrow reader: slower, but it flags malformed rows and reads any encoding.

    `skip_records` leaves out the first data records (header = record 1, so the rows numbered
    ``2 .. skip_records + 1``), where a fast read stopped. Arrow cannot skip *records* (its
    ``skip_rows`` counts physical lines, quoted line breaks included), so the prefix is parsed
    again and dropped; that costs time only on files that have a malformed row.
    """
    invalid: list[tuple[int, str]] = []

    def on_invalid(row: Any) -> str:
        invalid.append((row.number, row.text))
        return "skip"

    arrow_encoding = "utf8" if _is_utf8_name(encoding) else encoding
    reader = pacsv.open_csv(
        path,
        read_options=pacsv.ReadOptions(
            use_threads=False,  # serial parsing is what makes InvalidRow.number known
            block_size=block_size,
            encoding=arrow_encoding,
            column_names=names,
            skip_rows=1,
        ),
        parse_options=pacsv.ParseOptions(
            delimiter=delimiter, newlines_in_values=True, invalid_row_handler=on_invalid
        ),
        convert_options=pacsv.ConvertOptions(
            column_types={name: pa.string() for name in names},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    batches = _number_csv_batches(reader, names, invalid)
    return _after_row(batches, skip_records + 1) if skip_records else batches


def _after_row(batches: Iterable[pa.RecordBatch], last_skipped: int) -> Iterator[pa.RecordBatch]:
    """The rows numbered above `last_skipped` (``_row`` ascends within and across batches)."""
    for batch in batches:
        skipped = pc.sum(pc.less_equal(batch.column(ROW), last_skipped)).as_py() or 0
        if skipped < batch.num_rows:
            yield batch.slice(skipped) if skipped else batch


def _rows_per_batch(path: Path, block_size: int, sample_size: int = 1 << 20) -> int:
    """`block_size` bytes as a row count, from the average line length of the file's start."""
    with path.open("rb") as fh:
        data = fh.read(sample_size)
    lines = max(data.count(b"\n"), 1)
    return max(block_size * lines // max(len(data), 1), 1)


_DUCKDB_QUERY = (
    "SELECT * FROM read_csv(?, auto_detect = false, header = true, columns = {columns}, "
    "delim = ?, quote = '\"', escape = '\"', strict_mode = true, null_padding = false, "
    "allow_quoted_nulls = false, encoding = 'utf-8')"
)


def _read_csv_fast(
    path: Path,
    names: list[str],
    delimiter: str,
    rows_per_batch: int,
    tolerant: Callable[[int], Iterator[pa.RecordBatch]],
    gather: bool = True,
) -> Iterator[pa.RecordBatch]:
    """DuckDB's parallel reader; from its first error on, the tolerant reader takes over.

    Nothing is typed or guessed (``auto_detect = false``, every column ``VARCHAR``). DuckDB
    streams in file order (``preserve_insertion_order``), so the k-th row is record k + 2.
    The Arrow batches it hands out are small (~8 MB) whatever size is asked, so they are
    gathered up to `rows_per_batch`. When DuckDB raises (a malformed record, a quote never
    closed), the rows already gathered are good and are yielded; the rest comes from the
    tolerant reader, starting at the first record not yet yielded, so nothing is lost or
    yielded twice.
    """
    import duckdb

    yielded = 0
    pending: list[pa.RecordBatch] = []
    pending_rows = 0
    failed = False
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(names))) + "}"
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")  # it would draw on the user's terminal
    try:
        query = con.sql(_DUCKDB_QUERY.format(columns=columns), params=[str(path), delimiter])
        for batch in query.to_arrow_reader(rows_per_batch):
            if not gather:  # the caller cuts its own batches: no copy here
                yield _fast_batch([batch], names, yielded)
                yielded += batch.num_rows
                continue
            pending.append(batch)
            pending_rows += batch.num_rows
            if pending_rows >= rows_per_batch:
                yield _fast_batch(pending, names, yielded)
                yielded += pending_rows
                pending, pending_rows = [], 0
    except (duckdb.Error, pa.ArrowException, OSError):
        failed = True  # a parse error comes through the Arrow stream as an ArrowException
    finally:
        con.close()
    if pending_rows:
        yield _fast_batch(pending, names, yielded)
        yielded += pending_rows
    if failed:
        yield from tolerant(yielded)


def _fast_batch(batches: list[pa.RecordBatch], names: list[str], before: int) -> pa.RecordBatch:
    """DuckDB's batches as one reader batch: our column names, ``""`` for empty fields, ``_row``.

    DuckDB reads an unquoted empty field as null; the tolerant reader (so the contract) keeps
    ``""``. Quoted empty fields stay ``""`` already (``allow_quoted_nulls = false``).
    """
    batch = batches[0] if len(batches) == 1 else pa.concat_batches(batches)
    columns = [pc.fill_null(col, "") if col.null_count else col for col in batch.columns]
    n = batch.num_rows
    rows = pc.add(pc.cumulative_sum(pa.repeat(pa.scalar(1, pa.int64()), n)), before + 1)
    return _with_bookkeeping(pa.RecordBatch.from_arrays(columns, names=names), rows)


def _read_sample(path: Path, encoding: str, size: int = 64 << 10) -> str:
    with path.open("rb") as fh:
        data = fh.read(size)
    text = data.decode(encoding, errors="ignore")
    return text.lstrip("\ufeff")


def _number_csv_batches(
    reader: Iterable[pa.RecordBatch], names: list[str], invalid: list[tuple[int, str]]
) -> Iterator[pa.RecordBatch]:
    """Give good rows their record numbers and slot the skipped malformed rows back in.

    Arrow reports each skipped row's record number (header = 1). The j-th good row (1-based)
    then sits at ``j + 1 + (malformed rows before it)``; a malformed row i (0-based, sorted)
    has ``M_i - 2 - i`` good rows before it, so a bisect plus a cumulative sum numbers a batch.
    """
    good_seen = 0
    emitted = 0
    marks: list[int] = []
    for batch in reader:
        n = batch.num_rows
        marks.extend(num - 2 - i for i, (num, _) in enumerate(invalid[len(marks) :], start=len(marks)))
        rows = _row_numbers(marks, good_seen, n)
        good_seen += n
        out = _with_bookkeeping(batch, rows)
        last = rows[-1].as_py() if n else 0
        upto = emitted
        while upto < len(invalid) and invalid[upto][0] < last:
            upto += 1
        if upto > emitted:
            out = _merge_sorted(out, _malformed_batch(names, invalid[emitted:upto]))
            emitted = upto
        if out.num_rows:
            yield out
    if emitted < len(invalid):
        yield _malformed_batch(names, invalid[emitted:])


def _row_numbers(marks: list[int], good_seen: int, n: int) -> pa.Array:
    """Record numbers of good rows ``good_seen+1 .. good_seen+n`` given the sorted marks.

    Built with Arrow kernels (no per-row Python); only batches with malformed rows inside them
    pay for a small step array.
    """
    first = bisect.bisect_left(marks, good_seen + 1)
    inside = marks[first : bisect.bisect_left(marks, good_seen + n)]
    ones = pa.repeat(pa.scalar(1, pa.int64()), n)
    rows = pc.add(pc.cumulative_sum(ones), good_seen + 1 + first)
    if inside:
        steps = [0] * n
        for mark in inside:
            steps[mark - good_seen] += 1
        rows = pc.add(rows, pc.cumulative_sum(pa.array(steps, pa.int64())))
    return rows


def _with_bookkeeping(batch: pa.RecordBatch, rows: pa.Array, raw: pa.Array | None = None) -> pa.RecordBatch:
    n = batch.num_rows
    arrays = [
        rows,
        *batch.columns,
        pa.nulls(n, pa.string()),
        raw if raw is not None else pa.nulls(n, pa.string()),
    ]
    return pa.RecordBatch.from_arrays(arrays, names=[ROW, *batch.schema.names, ERROR, RAW])


def _malformed_batch(names: list[str], rows: list[tuple[int, str]]) -> pa.RecordBatch:
    n = len(rows)
    columns = [pa.nulls(n, pa.string()) for _ in names]
    return pa.RecordBatch.from_arrays(
        [
            pa.array([num for num, _ in rows], pa.int64()),
            *columns,
            pa.array([MALFORMED] * n, pa.string()),
            pa.array([text for _, text in rows], pa.string()),
        ],
        names=[ROW, *names, ERROR, RAW],
    )


def _merge_sorted(a: pa.RecordBatch, b: pa.RecordBatch) -> pa.RecordBatch:
    table = pa.Table.from_batches([a, b]).sort_by(ROW)
    return table.combine_chunks().to_batches()[0]


# --- XLSX, JSON, JSON Lines (row by row: small sources) --------------------------------------


def read_xlsx(
    path: str | Path, *, sheet: str | None = None, batch_rows: int = DEFAULT_BATCH_ROWS
) -> Iterator[pa.RecordBatch]:
    """The first (or the named) sheet; row 1 is the header; empty rows are skipped."""
    import openpyxl

    workbook = openpyxl.load_workbook(Path(path), read_only=True, data_only=True)
    try:
        if sheet is not None and sheet not in workbook.sheetnames:
            raise SourceError(
                "unknown_sheet", f"工作表“{sheet}”不存在（有：{'、'.join(workbook.sheetnames)}）", "sheet"
            )
        worksheet = workbook[sheet] if sheet is not None else workbook.worksheets[0]
        rows = worksheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            return
        names = unique_names(header)
        while names and names[-1].startswith("列") and header[len(names) - 1] in (None, ""):
            names.pop()  # trailing blank header cells are formatting, not columns
        builder = _RowBuilder(names, batch_rows)
        for number, values in enumerate(rows, start=2):
            cells = [_cell_text(v) for v in values]
            if all(c is None or c == "" for c in cells):
                continue
            extra = cells[len(names) :]
            if any(c not in (None, "") for c in extra):
                builder.add_malformed(number, "\t".join(c or "" for c in cells))
            else:
                cells = cells[: len(names)] + [None] * (len(names) - len(cells))
                builder.add(number, dict(zip(names, cells, strict=True)), None)
            yield from builder.flush_if_full()
        yield from builder.flush()
    finally:
        workbook.close()


def _cell_text(value: Any) -> str | None:
    """A cell as the text a user typed: whole floats without ``.0``, midnight datetimes as dates."""
    import datetime as dt

    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def read_json(
    path: str | Path,
    *,
    encoding: str | None = None,
    key: str | None = None,
    batch_rows: int = DEFAULT_BATCH_ROWS,
) -> Iterator[pa.RecordBatch]:
    """An array of objects, or an object holding that array under `key` (found if unique)."""
    path = Path(path)
    text = path.read_bytes().decode(encoding or detect_encoding(path)).lstrip("\ufeff")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError("invalid_json", f"JSON 文件无法解析：第 {exc.lineno} 行 {exc.msg}") from exc
    items = _json_items(document, key)
    names = unique_names(_union_keys(items))
    builder = _RowBuilder(names, batch_rows)
    for number, item in enumerate(items, start=1):
        _add_json_item(builder, number, item)
        yield from builder.flush_if_full()
    yield from builder.flush()


def _json_items(document: Any, key: str | None) -> list[Any]:
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        if key is not None:
            if not isinstance(document.get(key), list):
                raise SourceError("invalid_json", f"JSON 对象中键“{key}”不是数组", "json_key")
            return document[key]
        lists = [k for k, v in document.items() if isinstance(v, list)]
        if len(lists) == 1:
            return document[lists[0]]
        raise SourceError("invalid_json", "JSON 对象中找不到唯一的记录数组，请指定键（json_key）", "json_key")
    raise SourceError("invalid_json", "JSON 文件应为对象数组，或在某个键下含对象数组")


def _union_keys(items: list[Any]) -> list[str]:
    keys: dict[str, None] = {}
    for item in items:
        if isinstance(item, dict):
            keys.update(dict.fromkeys(item))
    return list(keys)


def _json_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, ensure_ascii=False)


def _add_json_item(builder: _RowBuilder, number: int, item: Any) -> None:
    raw = json.dumps(item, ensure_ascii=False)
    if isinstance(item, dict):
        builder.add(number, {str(k): _json_text(v) for k, v in item.items()}, raw)
    else:
        builder.add_malformed(number, raw)


def read_jsonl(
    path: str | Path, *, encoding: str | None = None, batch_rows: int = DEFAULT_BATCH_ROWS
) -> Iterator[pa.RecordBatch]:
    """One object per line; blank lines are skipped, a broken line comes out malformed.

    Columns are the keys in order of first appearance within a batch, so batches may differ
    in columns; the mapping stage aligns them (absent fields are null).
    """
    path = Path(path)
    enc = encoding or detect_encoding(path)
    with path.open("r", encoding=enc, newline="") as fh:
        lines: list[tuple[int, str]] = []
        for number, line in enumerate(fh, start=1):
            line = line.rstrip("\r\n").lstrip("\ufeff")
            if line.strip():
                lines.append((number, line))
            if len(lines) >= batch_rows:
                yield _jsonl_batch(lines)
                lines = []
        if lines:
            yield _jsonl_batch(lines)


def _jsonl_batch(lines: list[tuple[int, str]]) -> pa.RecordBatch:
    parsed: list[tuple[int, str, Any]] = []
    keys: dict[str, None] = {}
    for number, line in lines:
        try:
            item = json.loads(line)
        except json.JSONDecodeError:
            item = _BROKEN
        if isinstance(item, dict):
            keys.update(dict.fromkeys(str(k) for k in item))
        parsed.append((number, line, item))
    builder = _RowBuilder(list(keys), len(parsed) + 1)
    for number, line, item in parsed:
        if isinstance(item, dict):
            builder.add(number, {str(k): _json_text(v) for k, v in item.items()}, line)
        else:
            builder.add_malformed(number, line)
    return next(builder.flush())


_BROKEN = object()


class _RowBuilder:
    """Collects rows column-wise and cuts them into record batches of `batch_rows`."""

    def __init__(self, names: list[str], batch_rows: int):
        self.names = names
        self.batch_rows = batch_rows
        self._reset()

    def _reset(self) -> None:
        self.rows: list[int] = []
        self.columns: dict[str, list[str | None]] = {name: [] for name in self.names}
        self.errors: list[str | None] = []
        self.raws: list[str | None] = []

    def add(self, number: int, values: dict[str, str | None], raw: str | None) -> None:
        self.rows.append(number)
        for name, column in self.columns.items():
            column.append(values.get(name))
        self.errors.append(None)
        self.raws.append(raw)

    def add_malformed(self, number: int, raw: str) -> None:
        self.rows.append(number)
        for column in self.columns.values():
            column.append(None)
        self.errors.append(MALFORMED)
        self.raws.append(raw)

    def flush_if_full(self) -> Iterator[pa.RecordBatch]:
        if len(self.rows) >= self.batch_rows:
            yield from self.flush()

    def flush(self) -> Iterator[pa.RecordBatch]:
        if not self.rows:
            return
        arrays = [pa.array(self.rows, pa.int64())]
        arrays += [pa.array(self.columns[name], pa.string()) for name in self.names]
        arrays += [pa.array(self.errors, pa.string()), pa.array(self.raws, pa.string())]
        batch = pa.RecordBatch.from_arrays(arrays, names=[ROW, *self.names, ERROR, RAW])
        self._reset()
        yield batch


# --- for quarantine --------------------------------------------------------------------------


def source_columns(schema: pa.Schema) -> list[str]:
    """The source's own columns, without the bookkeeping ones."""
    return [name for name in schema.names if name not in BOOKKEEPING]


def raw_text(batch: pa.RecordBatch | pa.Table) -> list[str]:
    """Each row's source content: ``_raw`` where kept, else a JSON object of its source columns.

    Called on the rejected rows only, so a Python loop is fine here.
    """
    names = source_columns(batch.schema)
    raws = batch.column(RAW).to_pylist() if RAW in batch.schema.names else [None] * batch.num_rows
    missing = pc.is_null(batch.column(RAW)) if RAW in batch.schema.names else None
    if missing is not None and not pc.any(missing).as_py():
        return raws
    records = batch.select(names).to_pylist()
    return [
        raw if raw is not None else json.dumps(rec, ensure_ascii=False)
        for raw, rec in zip(raws, records, strict=True)
    ]
