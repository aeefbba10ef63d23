"""The analytical store: every accepted exchange record, versioned, in Delta Lake tables.

This is the one module that touches the store's files. Importers call `upsert`; indicators,
clues and pages call `connect` / `query` and see plain DuckDB views. See docs/analytics.md.

Design in short:

* one append-only Delta table per family under ``ANALYTICS_DIR/<family>/``: every version of
  every record is a row (``<family>_history``); the current record per natural key
  ``(source_system, source_id)`` is the row with the highest ``_record_version`` (``<family>``);
* a record's content hash (``_record_hash``) makes re-imports idempotent: a row whose hash equals
  its key's current hash is counted ``unchanged`` and not written;
* each batch is one Delta commit carrying a Delta application transaction
  (``txn`` action, app id ``zhifa-run:<run_id>``, version ``batch_no``) — the standard Delta
  mechanism for idempotent writes, also understood by Spark — so a re-run of a killed import
  skips the batches that were committed and redoes the rest;
* one writer per family at a time, enforced by ``fcntl.flock`` on ``ANALYTICS_DIR/_locks``;
  readers never lock: Delta gives them the last committed version.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import itertools
import json
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from deltalake import CommitProperties, DeltaTable, Transaction, write_deltalake
from django.conf import settings

# Family -> the column whose year partitions the table (None: small master data, unpartitioned).
# Names follow the exchange format (docs/exchange.md); a batch may also bring `year` itself.
# The date that places a fact in its year partition: a field of the family's exchange schema
# (tests/test_analytics_store.py checks they agree). Master data is not partitioned.
FAMILIES: dict[str, str | None] = {
    "inspection": "started_at",
    "case": "filed_on",
    "decision": "decided_on",
    "licence": "issued_on",
    "coercion": "started_on",
    "complaint": "received_at",
    "review": "filed_on",
    "agency": None,
    "officer": None,
    "certificate": None,
    "power": None,
    "entity": None,
}

KEY = ("source_system", "source_id")
PARTITION = "year"
META = ("_record_version", "_record_hash", "_key_hash", "_ingested_at", "_run_id", "_batch_no")
# Records are dated in China time; the partition year must not depend on the host's zone.
TIME_ZONE = "Asia/Shanghai"
HASH_SCHEME = "duckdb-xor-hash-v1"
_APP_PREFIX = "zhifa-run:"


class StoreBusy(RuntimeError):
    """Another process holds the family's writer lock."""


@dataclass(frozen=True)
class UpsertCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: bool = False  # the batch was committed by an earlier (killed) run with this run_id

    @property
    def total(self) -> int:
        return self.inserted + self.updated + self.unchanged


# --- paths and locks -------------------------------------------------------------------------


def root() -> Path:
    return Path(settings.ANALYTICS_DIR)


def table_path(family: str) -> Path:
    _check_family(family)
    return root() / family


def _check_family(family: str) -> None:
    if family not in FAMILIES:
        raise ValueError(f"unknown record family {family!r}")


@contextmanager
def writer_lock(family: str, timeout: float | None = 60.0) -> Iterator[None]:
    """Hold the family's exclusive writer lock (an flock, so it dies with the process).

    The lock file lives outside the table directory so Spark and other Delta readers never see
    it. `timeout=0` fails at once, `None` waits forever; otherwise raise StoreBusy after it.
    """
    lock_dir = root() / "_locks"
    lock_dir.mkdir(parents=True, exist_ok=True)
    with open(lock_dir / f"{family}.lock", "a+") as handle:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | (0 if deadline is None else fcntl.LOCK_NB))
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:  # type: ignore[operator]
                    raise StoreBusy(f"another writer holds the {family} table") from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# --- reading ---------------------------------------------------------------------------------


def _open(family: str) -> DeltaTable | None:
    path = table_path(family)
    return DeltaTable(str(path)) if DeltaTable.is_deltatable(str(path)) else None


def table_version(family: str) -> int | None:
    """The last committed Delta version of the family's table (None before the first write)."""
    table = _open(family)
    return None if table is None else table.version()


def _current_sql(source: str) -> str:
    """Current records: the highest version per natural key (window, not a join, one scan)."""
    return (
        f"SELECT * FROM {source} QUALIFY row_number() OVER "
        f"(PARTITION BY source_system, source_id ORDER BY _record_version DESC) = 1"
    )


def _session(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    con.execute(f"SET TimeZone = '{TIME_ZONE}'")
    return con


def connect() -> duckdb.DuckDBPyConnection:
    """An in-process DuckDB connection with `<family>` and `<family>_history` views.

    Each table is pinned at its version when connect() runs (snapshot isolation): an import
    committing meanwhile is not seen until the next connect(). DuckDB's `delta` extension is
    not used because it is downloaded at run time; the Delta log is read by `deltalake` and the
    files it names are scanned as an Arrow dataset (projection and filter pushdown included).
    """
    con = _session(duckdb.connect())
    for family in FAMILIES:
        table = _open(family)
        if table is None:
            empty = "SELECT NULL::VARCHAR AS source_system, NULL::VARCHAR AS source_id, NULL::BIGINT AS _record_version WHERE false"
            con.execute(f"CREATE TEMP VIEW {family}_history AS {empty}")
        else:
            con.register(f"_{family}_files", table.to_pyarrow_dataset())
            con.execute(f"CREATE TEMP VIEW {family}_history AS SELECT * FROM _{family}_files")
        con.execute(f'CREATE TEMP VIEW "{family}" AS {_current_sql(family + "_history")}')
    return con


def query(sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> pa.Table:
    """Run one query against the store's views and return the result as an Arrow table."""
    con = connect()
    try:
        return con.sql(sql, params=params).to_arrow_table()
    finally:
        con.close()


# --- writing ---------------------------------------------------------------------------------


def _hash_sql(columns: Sequence[str]) -> str:
    """A 64-bit content hash: XOR over hash(column name, value) of the non-null columns.

    One DuckDB `hash()` per column is ~10x faster than md5 over a text rendering. Skipping nulls
    makes the hash independent of column order and of columns added later but left empty, so a
    schema evolution does not turn every stored record into an "update".
    """
    parts = [f'CASE WHEN "{c}" IS NULL THEN 0::UBIGINT ELSE hash(\'{c}\', "{c}") END' for c in columns]
    expr = parts[0] if parts else "0::UBIGINT"
    for part in parts[1:]:
        expr = f"xor({expr}, {part})"
    return _signed(expr)


def _signed(expr: str) -> str:
    """DuckDB hashes are UBIGINT; Delta (and Spark) have no unsigned types."""
    return f"(({expr})::HUGEINT - 9223372036854775808)::BIGINT"


def _business_columns(batch: pa.Table) -> list[str]:
    return sorted(c for c in batch.column_names if c not in META and c != PARTITION)


def _year_sql(family: str, batch: pa.Table) -> str:
    """The partition year: given by the batch, else the family's main date in China time."""
    if PARTITION in batch.column_names:
        return f'CAST("{PARTITION}" AS INTEGER)'
    column = FAMILIES[family]
    if column not in batch.column_names:
        raise ValueError(f"{family} records need {column!r} (or {PARTITION!r}) to be partitioned")
    return f'CAST(year(TRY_CAST("{column}" AS TIMESTAMPTZ)) AS INTEGER)'


def _check_keys(batch: pa.Table) -> None:
    for column in KEY:
        if column not in batch.column_names:
            raise ValueError(f"records need {column!r}")
        if batch.column(column).null_count:
            raise ValueError(f"{column!r} must not be null (quarantine such rows before upsert)")


def _normalise(batch: pa.Table) -> pa.Table:
    """Naive timestamps are China time; store them as instants (Delta `timestamp`, microseconds).

    A naive column would make delta-rs write `timestamp_ntz`, which raises the table protocol to
    reader 3 / writer 7 and shuts out Spark readers older than Delta 2.4; an instant also means the
    same thing to every reader whatever its session time zone.
    """
    for index, field in enumerate(batch.schema):
        if pa.types.is_timestamp(field.type) and (field.type.tz is None or field.type.unit == "ns"):
            column = batch.column(index)
            if field.type.tz is None:
                column = pc.assume_timezone(column, TIME_ZONE)
            batch = batch.set_column(index, field.name, column.cast(pa.timestamp("us", tz=TIME_ZONE)))
    return batch


def _with_position(batch: pa.Table) -> pa.Table:
    """Row order decides which of two rows with one key in a batch is the later."""
    ones = pa.repeat(pa.scalar(1, pa.int64()), batch.num_rows)
    return batch.append_column("_pos", pc.subtract(pc.cumulative_sum(ones), 1))


def _previous_sql(has_table: bool) -> str:
    """Per key of the batch: the stored current version number and content hash."""
    if not has_table:
        return "SELECT 0::BIGINT AS _key, 0::BIGINT AS v, 0::BIGINT AS h WHERE false"
    return (
        "SELECT _key_hash AS _key, max(_record_version) AS v, arg_max(_record_hash, _record_version) AS h"
        " FROM stored WHERE _key_hash IN (SELECT _key FROM keys) GROUP BY 1"
    )


_KEY_HASH = "((hash(source_system, source_id))::HUGEINT - 9223372036854775808)::BIGINT"


def _year_expr(family: str, batch: pa.Table) -> str:
    partitioned = FAMILIES[family] is not None or PARTITION in batch.column_names
    return _year_sql(family, batch) if partitioned else "NULL::INTEGER"


def _narrow_sql(family: str, batch: pa.Table) -> str:
    """Position, key, content hash and partition year of each batch row: all later steps are narrow."""
    return (
        f"SELECT _pos, source_system, source_id, {_KEY_HASH} AS _key,"
        f" {_hash_sql(_business_columns(batch))} AS _record_hash, {_year_expr(family, batch)} AS _year FROM batch"
    )


# Label every batch row insert / update / unchanged and number its new version. A row's
# predecessor is the previous row with its key in the batch, else the stored current record.
# Equal hash: unchanged (not written). No predecessor: insert. Otherwise: update.
CLASSIFY_SQL = """
WITH ordered AS (
    SELECT n.*, p.v AS stored_version,
           coalesce(lag(n._record_hash) OVER w, CASE WHEN row_number() OVER w = 1 THEN p.h END) AS before
    FROM narrow n LEFT JOIN previous p USING (_key)
    WINDOW w AS (PARTITION BY n.source_system, n.source_id ORDER BY n._pos)
),
labelled AS (
    SELECT *, CASE WHEN before IS NULL THEN 'insert' WHEN before = _record_hash THEN 'unchanged'
                   ELSE 'update' END AS status
    FROM ordered
)
SELECT _pos, status, _record_hash, _key, _year,
       CAST(coalesce(stored_version, 0) + sum(CASE WHEN status = 'unchanged' THEN 0 ELSE 1 END)
       OVER (PARTITION BY source_system, source_id ORDER BY _pos ROWS UNBOUNDED PRECEDING) AS BIGINT) AS version
FROM labelled
ORDER BY _pos
"""

# The same when every key occurs once in the batch (the usual case): a join, no windows.
CLASSIFY_UNIQUE_SQL = """
SELECT n._pos, CASE WHEN p.h IS NULL THEN 'insert' WHEN p.h = n._record_hash THEN 'unchanged'
                    ELSE 'update' END AS status,
       n._record_hash, n._key, n._year, CAST(coalesce(p.v, 0) + 1 AS BIGINT) AS version
FROM narrow n LEFT JOIN previous p USING (_key)
ORDER BY n._pos
"""


def _committed_counts(table: DeltaTable, run_id: str, batch_no: int) -> UpsertCounts | None:
    """The counts a batch got when it was committed, if this run already committed it."""
    done = table.transaction_version(_APP_PREFIX + run_id)
    if done is None or done < batch_no:
        return None
    for commit in table.history():
        meta = commit.get("zhifa")
        if meta:
            recorded = json.loads(meta)
            if recorded.get("run_id") == run_id and recorded.get("batch_no") == batch_no:
                return UpsertCounts(
                    recorded["inserted"], recorded["updated"], recorded["unchanged"], skipped=True
                )
    # Committed, but its commit info is gone (log cleaned up): every row is already stored.
    return UpsertCounts(0, 0, 0, skipped=True)


def upsert(
    family: str, batch: pa.Table, run_id: str, batch_no: int = 0, lock_timeout: float | None = 60.0
) -> UpsertCounts:
    """Store one batch of accepted records of a family; one Delta commit, or none if all unchanged.

    `run_id` and a `batch_no` increasing within the run make the write idempotent across a crash:
    a batch the run already committed is skipped and its original counts returned, so a re-run
    reconciles exactly like an uninterrupted run. Counting and versioning are columnar in DuckDB.
    """
    _check_family(family)
    _check_keys(batch)
    if not batch.num_rows:
        return UpsertCounts()
    batch = _normalise(batch)
    with writer_lock(family, lock_timeout):
        table = _open(family)
        if table is not None and (counts := _committed_counts(table, run_id, batch_no)) is not None:
            return counts
        rows, counts = _classify(family, batch, table, run_id, batch_no)
        if counts.inserted or counts.updated:
            _commit(family, rows, run_id, batch_no, counts)
        return counts


def _classify(
    family: str, batch: pa.Table, table: DeltaTable | None, run_id: str, batch_no: int
) -> tuple[pa.Table | pa.RecordBatchReader, UpsertCounts]:
    """Counts, and the batch's new versions with their metadata columns, ready to append.

    Only narrow columns (key, position, hash) go through DuckDB; the wide rows are taken from the
    caller's Arrow table (zero-copy when every row is new), because copying 25 columns through a
    query engine would cost more than the whole comparison. A batch of keys new to the table, each
    once (a first load, a new month), needs no content comparison: it is streamed to the writer and
    hashed chunk by chunk while delta-rs encodes the previous chunk (about 25 % faster).
    """
    con = _session(duckdb.connect())
    try:
        con.register("batch", _with_position(batch))
        con.execute(f"CREATE TEMP TABLE keys AS SELECT _pos, {_KEY_HASH} AS _key FROM batch")
        if table is not None:
            con.register("stored", table.to_pyarrow_dataset())  # only three int64 columns are read
        con.execute(f"CREATE TEMP TABLE previous AS {_previous_sql(table is not None)}")
        unique = _keys_unique(con)
        if unique and not con.sql("SELECT count(*) FROM previous").fetchall()[0][0]:
            return _stream_new(family, batch, run_id, batch_no), UpsertCounts(inserted=batch.num_rows)
        con.execute(f"CREATE TEMP TABLE narrow AS {_narrow_sql(family, batch)}")
        labels = con.sql(CLASSIFY_UNIQUE_SQL if unique else CLASSIFY_SQL).to_arrow_table()
    finally:
        con.close()
    status = labels.column("status")
    counts = UpsertCounts(
        inserted=pc.sum(pc.equal(status, "insert")).as_py() or 0,
        updated=pc.sum(pc.equal(status, "update")).as_py() or 0,
        unchanged=pc.sum(pc.equal(status, "unchanged")).as_py() or 0,
    )
    rows = _with_meta(family, batch, labels, run_id, batch_no)
    if counts.unchanged:
        rows = rows.filter(pc.not_equal(status, "unchanged"))
    return rows, counts


def _keys_unique(con: duckdb.DuckDBPyConnection) -> bool:
    """No key repeats in the batch (distinct 64-bit key hashes: a collision only sends the batch
    down the general path, never the wrong way)."""
    return bool(con.sql("SELECT count(*) = count(DISTINCT _key) FROM keys").fetchall()[0][0])


STREAM_CHUNK = 250_000


def _stream_new(family: str, batch: pa.Table, run_id: str, batch_no: int) -> pa.RecordBatchReader:
    """All rows are inserts at version 1: hash and decorate them chunk by chunk, lazily."""
    chunks = _new_chunks(family, batch, run_id, batch_no)
    first = next(chunks)
    return pa.RecordBatchReader.from_batches(first.schema, itertools.chain([first], chunks))


def _new_chunks(family: str, batch: pa.Table, run_id: str, batch_no: int) -> Iterator[pa.RecordBatch]:
    con = _session(duckdb.connect())
    try:
        for offset in range(0, batch.num_rows, STREAM_CHUNK):
            part = batch.slice(offset, STREAM_CHUNK)
            con.register("batch", part)
            labels = con.sql(
                f"SELECT 'insert' AS status, 1::BIGINT AS version, {_hash_sql(_business_columns(batch))}"
                f" AS _record_hash, {_KEY_HASH} AS _key, {_year_expr(family, batch)} AS _year FROM batch"
            ).to_arrow_table()  # a projection keeps the row order (preserve_insertion_order)
            yield from _with_meta(family, part, labels, run_id, batch_no).to_batches()
    finally:
        con.close()


def _with_meta(family: str, batch: pa.Table, labels: pa.Table, run_id: str, batch_no: int) -> pa.Table:
    rows = batch.drop_columns([c for c in batch.column_names if c in META or c == PARTITION])
    n = batch.num_rows
    now = pa.scalar(dt.datetime.now(dt.UTC), pa.timestamp("us", tz="UTC"))
    rows = rows.append_column("_record_version", labels.column("version"))
    rows = rows.append_column("_record_hash", labels.column("_record_hash"))
    rows = rows.append_column("_key_hash", labels.column("_key"))
    rows = rows.append_column("_ingested_at", pa.repeat(now, n))
    rows = rows.append_column("_run_id", pa.repeat(pa.scalar(run_id, pa.string()), n))
    rows = rows.append_column("_batch_no", pa.repeat(pa.scalar(batch_no, pa.int64()), n))
    if FAMILIES[family] is not None or PARTITION in batch.column_names:
        rows = rows.append_column(PARTITION, labels.column("_year").cast(pa.int32()))
    return rows


def _commit(
    family: str, rows: pa.Table | pa.RecordBatchReader, run_id: str, batch_no: int, counts: UpsertCounts
) -> None:
    """Append the batch's new versions as one atomic Delta commit marked with (run_id, batch_no)."""
    record = {"run_id": run_id, "batch_no": batch_no, "hash": HASH_SCHEME, **asdict(counts)}
    record.pop("skipped")
    write_deltalake(
        str(table_path(family)),
        rows,
        mode="append",
        partition_by=[PARTITION] if PARTITION in rows.schema.names else None,
        schema_mode="merge",
        commit_properties=CommitProperties(
            custom_metadata={"zhifa": json.dumps(record)},
            app_transactions=[Transaction(_APP_PREFIX + run_id, batch_no)],
        ),
    )


# --- operations ------------------------------------------------------------------------------


def compact(family: str, retention_hours: int = 168) -> dict[str, Any]:
    """Merge small files (Delta OPTIMIZE) and delete files unreferenced for `retention_hours`.

    Readers pinned to an older version keep working as long as their files are younger than the
    retention (a week by default, Delta's own default), so run this from operations, not per import.
    """
    with writer_lock(family):
        table = _open(family)
        if table is None:
            return {}
        optimized = table.optimize.compact()
        removed = table.vacuum(
            retention_hours=retention_hours, dry_run=False, enforce_retention_duration=False
        )
        return {"optimize": optimized, "vacuumed_files": len(removed), "version": table.version()}
