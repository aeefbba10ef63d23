"""Import files into the platform: read → map → validate → store or registry, quarantine the rest.

`do_import_file` is the import pipeline behind ``zhifa import``. Per file it

1. opens an `ImportRun` (audited) whose ``run_id`` is derived from (family, source, file
   SHA-256, mapping hash), so a re-run after a crash resumes: the analytical store skips the
   batches the killed run had committed (Delta application transactions) and returns their
   original counts. A stale ``running`` run of the same file is marked ``superseded``;
2. streams `readers.read_batches` → `fixed_batches` (`batch_rows(path)` rows each, so batch
   numbers are stable across re-runs) → `Mapping.apply` (in a reader thread, one batch ahead)
   → `validation.validate_batch`;
3. stores the accepted rows — facts with `analytics.store.upsert` (written in a worker thread
   while the next batch is validated), master data (agency, officer, certificate, power,
   entity) through the registry's audited actions (`master.py`);
4. quarantines every rejected row once per (file, row number) with its raw content and all its
   reasons, so re-importing a file never duplicates the quarantine;
5. reconciles ``read == inserted + updated + unchanged + quarantined`` (a mismatch fails the
   run) and closes the run (audited).

`do_reprocess_quarantine` runs a run's open quarantined rows again through a (fixed) mapping.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from zhifa.analytics import store
from zhifa.core import audit, roles
from zhifa.core.actions import require_role_permission
from zhifa.core.errors import ActionError, NotFound
from zhifa.exchange import readers, schema, validation
from zhifa.exchange.mapping import MappedBatch, Mapping, load_mapping
from zhifa.exchange.models import ImportRun, QuarantinedRow, QuarantineStatus, RunStatus
from zhifa.exchange.readers import RAW, ROW

MASTER_FAMILIES = ("agency", "officer", "certificate", "power", "entity")
SUPPORTED_MASTER = MASTER_FAMILIES  # all master families go through the registry (`master.py`)
CSV_BLOCK_SIZE = 32 << 20  # what the reader reads at a time; batches are then cut to `batch_rows`
Progress = Callable[[int, float], None]


@dataclass
class ImportReport:
    """What `zhifa import --json` prints; summed over the files of one command."""

    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    runs: list[int] = field(default_factory=list)

    def add(self, other: ImportReport) -> None:
        for name in ("read", "inserted", "updated", "unchanged", "quarantined", "seconds"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.reasons.update(other.reasons)
        self.runs.extend(other.runs)

    @property
    def reconciled(self) -> bool:
        return self.read == self.inserted + self.updated + self.unchanged + self.quarantined

    def as_dict(self) -> dict[str, Any]:
        return {
            "read": self.read,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "quarantined": self.quarantined,
            "reasons": dict(sorted(self.reasons.items())),
            "seconds": round(self.seconds, 3),
        }


# --- the entry point ----------------------------------------------------------------------------


def do_import_file(
    actor: Any,
    family: str,
    paths: Sequence[str | Path],
    source_system: str,
    mapping_path: str | Path | None = None,
    run_id: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import each file of `paths` as records of `family` from `source_system` (one run per file)."""
    require_role_permission(actor, ImportRun, roles.ADD)
    _check_family(family)
    mapping, mapping_hash = _mapping(family, source_system, mapping_path)
    refs = validation.References.load()
    report = ImportReport()
    for path in paths:
        path = Path(path)
        if not path.is_file():
            raise ActionError("file_not_found", f"文件不存在：{path}", "paths")
        # Reading starts at once in its own thread, while this one hashes the file to open the run.
        started = time.monotonic()  # the run's seconds include hashing the file
        with prefetched(_mapped_batches(path, mapping)) as mapped:
            run = _open_run(actor, family, source_system, path, mapping_path, mapping_hash, run_id)
            report.add(_run(actor, run, mapped, refs, progress, started))
    if family in MASTER_FAMILIES and (report.inserted or report.updated):
        store.snapshot_registry([family])  # the store's copy of the registry follows the import
    return report


def _mapped_batches(path: Path, mapping: Mapping) -> Iterator[MappedBatch]:
    """The file's rows, cut to `batch_rows`, mapped (lazy: runs in the reader thread)."""
    batches = readers.read_batches(path, block_size=CSV_BLOCK_SIZE, gather=False)
    for batch in fixed_batches(batches, batch_rows(path)):
        yield mapping.apply(batch)


MIN_BATCH_ROWS, MAX_BATCH_ROWS = 20_000, 1_000_000


def batch_rows(path: Path, sample: int = 1 << 20) -> int:
    """Rows per batch: IMPORT_BATCH_BYTES of the file's average line, from its first megabyte.

    It depends on the file's bytes alone, so a re-run after a crash cuts the same batches.
    Fewer, larger batches mean fewer Delta commits and less per-batch overhead; the byte budget
    keeps memory bounded for wide records. Formats without lines (XLSX) get the minimum.
    """
    if settings.IMPORT_BATCH_ROWS:
        return settings.IMPORT_BATCH_ROWS
    with path.open("rb") as handle:
        start = handle.read(sample)
    lines = start.count(b"\n")
    if not lines:
        return MIN_BATCH_ROWS
    rows = settings.IMPORT_BATCH_BYTES * lines // len(start)
    return max(MIN_BATCH_ROWS, min(MAX_BATCH_ROWS, rows))


def _check_family(family: str) -> None:
    if family not in schema.FAMILIES:
        raise ActionError("unknown_family", f"未知的数据族：{family}", "family")


def _mapping(family: str, source_system: str, path: str | Path | None) -> tuple[Mapping, str]:
    """The file's mapping (or the identity mapping) with `source_system` set, and its hash."""
    if path is None:
        return Mapping(family=family, source_system=source_system), ""
    text = Path(path).read_bytes()
    mapping = load_mapping(Path(path), fields=schema.load_schema(family)["properties"])
    if mapping.family and mapping.family != family:
        raise ActionError("family_mismatch", f"映射文件适用于“{mapping.family}”，不是“{family}”", "mapping")
    mapping = dataclasses.replace(mapping, source_system=source_system)
    mapping.constants.pop("source_system", None)
    return mapping, hashlib.sha256(text).hexdigest()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(8 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def base_run_id(family: str, source_system: str, sha256: str, mapping_hash: str) -> str:
    """Same file, same source, same mapping → same base id (what lets a re-run resume)."""
    return hashlib.sha256(f"{family}|{source_system}|{sha256}|{mapping_hash}".encode()).hexdigest()[:32]


def _open_run(
    actor: Any,
    family: str,
    source_system: str,
    path: Path,
    mapping_path: str | Path | None,
    mapping_hash: str,
    run_id: str | None,
) -> ImportRun:
    """Create the run. A stale ``running`` run of the same import hands over its run_id (resume);
    after a finished one a new attempt number makes a fresh run_id, so its counts come out
    ``unchanged`` instead of replaying the earlier run's."""
    sha = file_sha256(path)
    base = base_run_id(family, source_system, sha, mapping_hash)
    with transaction.atomic():
        earlier = list(ImportRun.objects.select_for_update().filter(run_id__startswith=base).order_by("pk"))
        stale = [r for r in earlier if r.status == RunStatus.RUNNING]
        if run_id is None:
            run_id = stale[-1].run_id if stale else f"{base}-{len(earlier) + 1}"
        for old in stale:
            before = audit.snapshot(old)
            old.status, old.finished_at = RunStatus.SUPERSEDED, timezone.now()
            old.error = "导入中断，已由重新运行取代"
            old.save()
            audit.record_change(actor, "exchange.import_superseded", old, before)
        run = ImportRun.objects.create(
            run_id=run_id,
            family=family,
            source_system=source_system,
            file_name=path.name,
            file_sha256=sha,
            mapping_name=str(mapping_path or ""),
            mapping_hash=mapping_hash,
            actor_username=getattr(actor, "username", "") or "system",
        )
        audit.record_change(actor, "exchange.import_start", run, None)
    return run


# --- one file -----------------------------------------------------------------------------------


def _run(
    actor: Any,
    run: ImportRun,
    mapped: Iterable[MappedBatch],
    refs: validation.References,
    progress: Progress | None,
    started: float,
) -> ImportReport:
    tally = ImportReport()
    try:
        _process(actor, run, mapped, refs, tally, started, progress)
    except Exception as exc:
        _finish(actor, run, tally, time.monotonic() - started, error=_describe(exc))
        raise
    return _finish(actor, run, tally, time.monotonic() - started)


def fixed_batches(batches: Iterable[pa.RecordBatch], rows: int) -> Iterator[pa.RecordBatch]:
    """The reader's batches cut into batches of exactly `rows` rows (the last may be shorter).

    A re-run after a crash skips the batch numbers the store already committed, so batch
    boundaries must depend on the rows alone, never on how a reader happened to chunk the file
    (byte blocks, parallel scan chunks, a fallback reader taking over midway)."""
    pending: list[pa.RecordBatch] = []
    size = 0
    for batch in batches:
        while batch.num_rows:
            part = batch.slice(0, rows - size)
            pending.append(part)
            size += part.num_rows
            batch = batch.slice(part.num_rows)
            if size == rows:
                yield _joined(pending)
                pending, size = [], 0
    if size:
        yield _joined(pending)


def _joined(parts: list[pa.RecordBatch]) -> pa.RecordBatch:
    return parts[0] if len(parts) == 1 else pa.concat_batches(parts)


_DONE = object()


def prefetched(items: Iterable[Any], depth: int = 1) -> Prefetch:
    return Prefetch(items, depth)


class Prefetch:
    """Produce `items` in a background thread, at most `depth` ahead of the consumer.

    Reading and mapping batch n+1 (DuckDB and Arrow release the GIL) overlaps validating batch
    n; the bounded queue keeps memory to a few batches. The thread starts at once, so work can
    begin before the consumer is ready (the file hash). An exception in the producer is raised
    in the consumer where it would have occurred; `close()` (or leaving the `with` block) makes
    the producer stop at its next item, whether or not anything was consumed.
    """

    def __init__(self, items: Iterable[Any], depth: int = 1):
        self._buffer: queue.Queue[Any] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._done = False
        self._thread = threading.Thread(
            target=self._produce, args=(items,), name="import-reader", daemon=True
        )
        self._thread.start()

    def _produce(self, items: Iterable[Any]) -> None:
        try:
            for item in items:
                if self._stop.is_set():
                    return
                self._buffer.put(item)
            self._buffer.put(_DONE)
        except BaseException as exc:  # handed to the consumer
            self._buffer.put(exc)
        finally:
            closing = getattr(items, "close", None)
            if closing is not None:
                closing()  # a stopped generator releases its file and DuckDB connection now

    def __iter__(self) -> Prefetch:
        return self

    def __next__(self) -> Any:
        if self._done:
            raise StopIteration
        item = self._buffer.get()
        if item is _DONE:
            self._done = True
            raise StopIteration
        if isinstance(item, BaseException):
            self._done = True
            raise item
        return item

    def close(self) -> None:
        self._stop.set()
        self._done = True
        while self._thread.is_alive():  # unblock a producer waiting on a full queue
            try:
                self._buffer.get(timeout=0.05)
            except queue.Empty:
                pass
        self._thread.join()

    def __enter__(self) -> Prefetch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _describe(exc: Exception) -> str:
    return exc.message if isinstance(exc, ActionError) else f"{type(exc).__name__}: {exc}"


def _process(
    actor: Any,
    run: ImportRun,
    mapped_batches: Iterable[MappedBatch],
    refs: validation.References,
    tally: ImportReport,
    started: float,
    progress: Progress | None,
) -> None:
    """Validate batch n+1 while batch n is written (one writer thread, so batch order holds)."""
    open_rows = _open_quarantine_rows(run.file_sha256)
    pending: Future[store.UpsertCounts] | None = None
    with ThreadPoolExecutor(max_workers=1) as writer:
        for batch_no, mapped in enumerate(mapped_batches):
            checked = validation.validate_batch(run.family, mapped, refs)
            tally.read += checked.read
            _quarantine(run, checked, tally)
            _mark_reprocessed(run.file_sha256, checked.valid_rows, open_rows)
            if run.family in MASTER_FAMILIES:
                _count(tally, _store_master(actor, run, checked, tally))
            elif checked.valid.num_rows:
                if pending is not None:
                    _count(tally, pending.result())
                pending = writer.submit(store.upsert, run.family, checked.valid, run.run_id, batch_no)
            if progress is not None:
                progress(tally.read, time.monotonic() - started)
        if pending is not None:
            _count(tally, pending.result())


def _count(tally: ImportReport, counts: store.UpsertCounts) -> None:
    tally.inserted += counts.inserted
    tally.updated += counts.updated
    tally.unchanged += counts.unchanged


def _finish(actor: Any, run: ImportRun, tally: ImportReport, seconds: float, error: str = "") -> ImportReport:
    if not error and not tally.reconciled:
        total = tally.inserted + tally.updated + tally.unchanged + tally.quarantined
        error = f"对账不平：读取 {tally.read} 行，新增+更新+未变+隔离 = {total} 行"
    with transaction.atomic():
        before = audit.snapshot(run)
        for name in ("read", "inserted", "updated", "unchanged", "quarantined"):
            setattr(run, name, getattr(tally, name))
        run.reasons = dict(sorted(tally.reasons.items()))
        run.seconds = round(seconds, 3)
        run.finished_at = timezone.now()
        run.status = RunStatus.FAILED if error else RunStatus.SUCCEEDED
        run.error = error
        run.save()
        audit.record_change(actor, "exchange.import_finish", run, before)
    if run.status == RunStatus.FAILED and run.error.startswith("对账不平"):
        raise ActionError("not_reconciled", run.error)
    tally.seconds, tally.runs = seconds, [run.pk]
    return tally


# --- quarantine -------------------------------------------------------------------------------


def _quarantine(run: ImportRun, checked: validation.ValidatedBatch, tally: ImportReport) -> None:
    """One row per rejected source row with all its reasons; a row already quarantined for this
    file (an earlier import of it) is left as it is, so nothing is duplicated."""
    rejected = checked.rejected
    if not rejected.num_rows:
        return
    tally.quarantined += rejected.num_rows
    by_row: dict[int, list[dict[str, str]]] = {}
    for problem in checked.problems.to_pylist():
        reason = problem["reason"]
        tally.reasons[reason] += 1
        by_row.setdefault(problem["_row"], []).append(
            {
                "field": problem["field"] or "",
                "code": reason,
                "message": validation.message(run.family, problem["field"], reason, problem["value"]),
            }
        )
    raws = readers.raw_text(rejected)
    values = rejected.drop_columns([c for c in readers.BOOKKEEPING if c in rejected.column_names])
    objects = [
        QuarantinedRow(
            run=run,
            file_sha256=run.file_sha256,
            row_number=row,
            raw=raw,
            reasons=by_row.get(row, []),
            values=_jsonable(record),
        )
        for row, raw, record in zip(rejected.column(ROW).to_pylist(), raws, values.to_pylist(), strict=True)
    ]
    QuarantinedRow.objects.bulk_create(objects, batch_size=1000, ignore_conflicts=True)


def _jsonable(record: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (v if v is None or isinstance(v, (str, int, float, bool, list)) else str(v))
        for k, v in record.items()
    }


def _open_quarantine_rows(sha256: str) -> pa.Array:
    rows = QuarantinedRow.objects.filter(file_sha256=sha256, status=QuarantineStatus.OPEN)
    return pa.array(list(rows.values_list("row_number", flat=True)), pa.int64())


def _mark_reprocessed(sha256: str, valid_rows: pa.Array, open_rows: pa.Array) -> None:
    """Rows quarantined by an earlier import of this file that are now accepted (a fixed mapping)."""
    if not len(open_rows) or not len(valid_rows):
        return
    now_good = pc.filter(open_rows, pc.is_in(open_rows, value_set=valid_rows.cast(pa.int64()))).to_pylist()
    if now_good:
        QuarantinedRow.objects.filter(file_sha256=sha256, row_number__in=now_good).update(
            status=QuarantineStatus.REPROCESSED
        )


# --- master data through the registry's actions ---------------------------------------------------


def _store_master(
    actor: Any, run: ImportRun, checked: validation.ValidatedBatch, tally: ImportReport
) -> store.UpsertCounts:
    from zhifa.exchange import master

    return master.store(actor, run, checked, tally)


# --- re-processing quarantined rows -------------------------------------------------------------


def do_reprocess_quarantine(actor: Any, run_pk: int, mapping_path: str | Path | None = None) -> ImportReport:
    """Run the open quarantined rows of a run's file again through map and validate.

    The rows are rebuilt from their raw content (a JSON object of the source columns); rows whose
    raw text is not an object (malformed CSV lines) cannot be re-read and stay in quarantine. The
    result is a new run (same file hash) whose accepted rows are stored as any import's."""
    require_role_permission(actor, ImportRun, roles.ADD)
    original = _visible_run(actor, run_pk)
    path = mapping_path or original.mapping_name or None
    mapping, mapping_hash = _mapping(original.family, original.source_system, path)
    open_rows = QuarantinedRow.objects.filter(file_sha256=original.file_sha256, status=QuarantineStatus.OPEN)
    batch = _rebuild_batch(open_rows)
    run = _reprocess_run(actor, original, path, mapping_hash)
    started = time.monotonic()
    tally = ImportReport()
    try:
        refs = validation.References.load()
        mapped = [mapping.apply(batch)] if batch.num_rows else []
        _reprocess(actor, run, mapped, refs, tally, started)
    except Exception as exc:
        _finish(actor, run, tally, time.monotonic() - started, error=_describe(exc))
        raise
    return _finish(actor, run, tally, time.monotonic() - started)


def _visible_run(actor: Any, run_pk: int) -> ImportRun:
    runs = ImportRun.objects.all() if actor is None else ImportRun.objects.restrict(actor, roles.CHANGE)
    run = runs.filter(pk=run_pk).first()
    if run is None:
        raise NotFound("导入记录不存在")
    return run


def _reprocess(
    actor: Any,
    run: ImportRun,
    mapped: list[MappedBatch],
    refs: validation.References,
    tally: ImportReport,
    started: float,
) -> None:
    """Still-bad rows get their new reasons; accepted ones are stored and marked reprocessed."""
    for mapped_batch in mapped:
        checked = validation.validate_batch(run.family, mapped_batch, refs)
        tally.read += checked.read
        rejected_rows = checked.rejected.column(ROW).to_pylist()
        QuarantinedRow.objects.filter(
            file_sha256=run.file_sha256, row_number__in=rejected_rows, status=QuarantineStatus.OPEN
        ).delete()
        _quarantine(run, checked, tally)
        QuarantinedRow.objects.filter(
            file_sha256=run.file_sha256, row_number__in=checked.valid_rows.to_pylist()
        ).update(status=QuarantineStatus.REPROCESSED)
        if run.family in MASTER_FAMILIES:
            _count(tally, _store_master(actor, run, checked, tally))
        elif checked.valid.num_rows:
            _count(tally, store.upsert(run.family, checked.valid, run.run_id, 0))


def _rebuild_batch(rows: Any) -> pa.RecordBatch:
    numbers: list[int] = []
    records: list[dict[str, Any]] = []
    for row_number, raw in rows.values_list("row_number", "raw"):
        try:
            record = json.loads(raw)
        except ValueError:
            continue
        if isinstance(record, dict):
            numbers.append(row_number)
            records.append({k: None if v is None else str(v) for k, v in record.items()})
    names = list(dict.fromkeys(k for r in records for k in r))
    arrays = [pa.array([r.get(name) for r in records], pa.string()) for name in names]
    arrays += [pa.array(numbers, pa.int64()), pa.nulls(len(numbers), pa.string())]
    return pa.RecordBatch.from_arrays(arrays, names=[*names, ROW, RAW])


def _reprocess_run(actor: Any, original: ImportRun, mapping_path: Any, mapping_hash: str) -> ImportRun:
    with transaction.atomic():
        run = ImportRun.objects.create(
            run_id=f"reprocess-{original.pk}-{int(time.time() * 1000)}",
            family=original.family,
            source_system=original.source_system,
            file_name=f"重新处理：{original.file_name}",
            file_sha256=original.file_sha256,
            mapping_name=str(mapping_path or ""),
            mapping_hash=mapping_hash,
            actor_username=getattr(actor, "username", "") or "system",
        )
        audit.record_change(actor, "exchange.reprocess_start", run, None)
    return run
