"""The analytical store: versioned upserts, idempotency, crash safety, concurrency, evolution."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyarrow as pa
import pytest

from zhifa.analytics import store
from zhifa.analytics.store import StoreBusy, UpsertCounts

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def analytics_dir(settings, tmp_path: Path) -> Path:
    settings.ANALYTICS_DIR = tmp_path / "analytics"
    return settings.ANALYTICS_DIR


def inspections(ids: list[int], result: str = "合格", year: int = 2025, **extra: list) -> pa.Table:
    n = len(ids)
    columns = {
        "source_system": ["hz-market"] * n,
        "source_id": [f"I{i:06d}" for i in ids],
        "agency_code": [f"A{i % 3}" for i in ids],
        "started_at": [dt.datetime(year, 1 + i % 12, 1 + i % 28, 9, 30) for i in ids],
        "result": [result] * n,
        "officers": [["ZJ001", "ZJ002"]] * n,
        **extra,
    }
    return pa.table(columns)


def current(sql: str = "SELECT source_id, result FROM inspection ORDER BY source_id") -> list[tuple]:
    table = store.query(sql)
    return list(zip(*(table.column(c).to_pylist() for c in table.column_names), strict=True))


def test_insert_then_same_batch_again_is_unchanged(analytics_dir: Path) -> None:
    batch = inspections([1, 2, 3])
    assert store.upsert("inspection", batch, "run-1") == UpsertCounts(inserted=3)
    version = store.table_version("inspection")
    assert store.upsert("inspection", batch, "run-2") == UpsertCounts(unchanged=3)
    assert store.table_version("inspection") == version  # nothing to write: no commit at all
    assert store.query("SELECT count(*) AS n FROM inspection_history").column("n")[0].as_py() == 3


def test_changed_record_supersedes_and_history_keeps_versions(analytics_dir: Path) -> None:
    store.upsert("inspection", inspections([1, 2]), "run-1")
    counts = store.upsert("inspection", inspections([2, 3], result="责令整改"), "run-2")
    assert counts == UpsertCounts(inserted=1, updated=1)
    assert current() == [("I000001", "合格"), ("I000002", "责令整改"), ("I000003", "责令整改")]
    history = current(
        "SELECT source_id, _record_version, result, _run_id FROM inspection_history ORDER BY ALL"
    )
    assert history == [
        ("I000001", 1, "合格", "run-1"),
        ("I000002", 1, "合格", "run-1"),
        ("I000002", 2, "责令整改", "run-2"),
        ("I000003", 1, "责令整改", "run-2"),
    ]


def test_repeated_key_within_a_batch_counts_each_row(analytics_dir: Path) -> None:
    batch = pa.concat_tables([inspections([1]), inspections([1]), inspections([1], result="立案")])
    assert store.upsert("inspection", batch, "run-1") == UpsertCounts(inserted=1, updated=1, unchanged=1)
    assert current() == [("I000001", "立案")]
    assert current("SELECT _record_version, result FROM inspection_history ORDER BY 1") == [
        (1, "合格"),
        (2, "立案"),
    ]


def test_facts_are_partitioned_by_year_in_china_time(analytics_dir: Path) -> None:
    utc_new_year_eve = dt.datetime(2024, 12, 31, 17, 0, tzinfo=dt.UTC)  # 2025-01-01 01:00 in 湖州
    batch = pa.concat_tables([inspections([1], year=2024), inspections([2], year=2026)]).set_column(
        3, "started_at", pa.array([dt.datetime(2024, 5, 1, tzinfo=dt.UTC), utc_new_year_eve])
    )
    store.upsert("inspection", batch, "run-1")
    assert sorted(p.name for p in (analytics_dir / "inspection").glob("year=*")) == ["year=2024", "year=2025"]
    assert current("SELECT source_id, year FROM inspection ORDER BY 1") == [
        ("I000001", 2024),
        ("I000002", 2025),
    ]


def test_master_data_snapshots_are_one_unpartitioned_table(analytics_dir: Path) -> None:
    agencies = pa.table(
        {"source_system": ["registry"], "source_id": ["330500001"], "name": ["湖州市市场监督管理局"]}
    )
    assert store.upsert("agency", agencies, "run-1") == UpsertCounts(inserted=1)
    assert not list((analytics_dir / "agency").glob("year=*"))
    assert current("SELECT name FROM agency") == [("湖州市市场监督管理局",)]


def test_a_batch_already_committed_by_the_run_is_skipped_with_its_counts(analytics_dir: Path) -> None:
    store.upsert("inspection", inspections([1, 2]), "run-1", batch_no=0)
    again = store.upsert("inspection", inspections([1, 2]), "run-1", batch_no=0)
    assert again == UpsertCounts(inserted=2, skipped=True)
    assert store.table_version("inspection") == 0


def test_bad_input_is_refused(analytics_dir: Path) -> None:
    with pytest.raises(ValueError, match="unknown record family"):
        store.upsert("gossip", inspections([1]), "run-1")
    no_key = inspections([1]).set_column(1, "source_id", pa.array([None], pa.string()))
    with pytest.raises(ValueError, match="must not be null"):
        store.upsert("inspection", no_key, "run-1")
    with pytest.raises(ValueError, match="started_at"):
        store.upsert("inspection", inspections([1]).drop_columns(["started_at"]), "run-1")


def test_views_exist_for_families_not_written_yet(analytics_dir: Path) -> None:
    assert store.query('SELECT count(*) AS n FROM "case"').column("n")[0].as_py() == 0
    assert store.table_version("case") is None


def test_query_takes_parameters(analytics_dir: Path) -> None:
    store.upsert("inspection", inspections([1, 2, 3, 4]), "run-1")
    found = store.query("SELECT count(*) AS n FROM inspection WHERE agency_code = ?", ["A1"])
    assert found.column("n")[0].as_py() == 2


def test_added_column_merges_schema_and_null_columns_do_not_change_records(analytics_dir: Path) -> None:
    store.upsert("inspection", inspections([1, 2]), "run-1")
    widened = inspections([1, 2], risk_score=[None, 7.5])
    assert store.upsert("inspection", widened, "run-2") == UpsertCounts(unchanged=1, updated=1)
    assert current("SELECT source_id, risk_score FROM inspection ORDER BY 1") == [
        ("I000001", None),
        ("I000002", 7.5),
    ]
    # an older mapping without the column still writes (the column is null for it)
    assert store.upsert("inspection", inspections([3]), "run-3") == UpsertCounts(inserted=1)


def test_compact_merges_files_and_keeps_the_current_view(analytics_dir: Path) -> None:
    for number in range(5):
        store.upsert("inspection", inspections([number]), "run-1", batch_no=number)
    before = current()
    result = store.compact("inspection", retention_hours=0)
    assert result["optimize"]["numFilesRemoved"] > result["optimize"]["numFilesAdded"]
    assert current() == before


def test_a_second_writer_is_refused_while_the_lock_is_held(analytics_dir: Path) -> None:
    with store.writer_lock("inspection"):
        with pytest.raises(StoreBusy):
            store.upsert("inspection", inspections([1]), "run-2", lock_timeout=0)
        store.upsert("case", _cases(), "run-3", lock_timeout=0)  # other families are free
    assert store.upsert("inspection", inspections([1]), "run-2", lock_timeout=0).inserted == 1


def _cases() -> pa.Table:
    return pa.table({"source_system": ["s"], "source_id": ["C1"], "filed_on": [dt.date(2025, 3, 1)]})


def test_readers_see_whole_commits_while_an_import_writes(analytics_dir: Path) -> None:
    batches, size = 8, 500
    store.upsert("inspection", inspections(list(range(size))), "run-1", batch_no=0)
    pinned = store.connect()
    seen: list[int] = []

    def write() -> None:
        for number in range(1, batches):
            store.upsert(
                "inspection", inspections(list(range(number * size, (number + 1) * size))), "run-1", number
            )

    writer = threading.Thread(target=write)
    writer.start()
    while writer.is_alive():
        seen.append(store.query("SELECT count(*) AS n FROM inspection").column("n")[0].as_py())
    writer.join()
    assert all(n % size == 0 for n in seen), seen  # never a partial batch
    assert pinned.sql("SELECT count(*) FROM inspection").fetchall() == [(size,)]  # snapshot kept
    assert store.query("SELECT count(*) AS n FROM inspection").column("n")[0].as_py() == batches * size


# --- kill -9 and re-run ----------------------------------------------------------------------

IMPORT_SCRIPT = """
import sys, time, datetime as dt
import pyarrow as pa
from django.conf import settings
settings.ANALYTICS_DIR = sys.argv[1]
from zhifa.analytics import store
total = 0
for number in range(int(sys.argv[2])):
    ids = range(number * 2000, number * 2000 + 4000)  # overlaps the previous batch: updates
    batch = pa.table({
        "source_system": ["s"] * len(ids), "source_id": [f"I{i}" for i in ids],
        "started_at": [dt.datetime(2025, 1 + i % 12, 1) for i in ids],
        "result": [f"batch {number}" if i % 2 else "same" for i in ids],
    })
    counts = store.upsert("inspection", batch, "run-crash", number)
    total += counts.total
    print(number, counts.inserted, counts.updated, counts.unchanged, flush=True)
    time.sleep(0.05)
print("read", total, flush=True)
"""


def _run_import(directory: Path, batches: int, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "zhifa.settings", "ZHIFA_DATA_DIR": str(directory.parent)}
    return subprocess.Popen(
        [sys.executable, "-c", IMPORT_SCRIPT, str(directory), str(batches)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def _counts_by_batch(output: str) -> dict[int, tuple[int, ...]]:
    lines = [line.split() for line in output.splitlines() if line and line[0].isdigit()]
    return {int(parts[0]): tuple(int(p) for p in parts[1:]) for parts in lines}


def test_an_import_killed_midway_and_rerun_ends_like_an_uninterrupted_one(settings, tmp_path: Path) -> None:
    batches = 6
    reference_dir, crashed_dir = tmp_path / "ref" / "analytics", tmp_path / "crash" / "analytics"
    reference = _run_import(reference_dir, batches)
    reference_out, _ = reference.communicate(timeout=120)
    assert reference.returncode == 0

    crashing = _run_import(crashed_dir, batches)
    settings.ANALYTICS_DIR = crashed_dir
    deadline = time.monotonic() + 60
    while (store.table_version("inspection") or -1) < 1 and time.monotonic() < deadline:
        time.sleep(0.005)
    os.kill(crashing.pid, signal.SIGKILL)
    crashing.wait()
    assert crashing.returncode == -signal.SIGKILL
    assert store.table_version("inspection") < batches - 1  # really killed midway

    rerun = _run_import(crashed_dir, batches)
    rerun_out, _ = rerun.communicate(timeout=120)
    assert rerun.returncode == 0
    # the re-run reports every batch exactly as the uninterrupted run did (skipped ones too)
    assert _counts_by_batch(rerun_out) == _counts_by_batch(reference_out)

    columns = "source_id, result, year, _record_version, _record_hash, _batch_no"
    crashed = current(f"SELECT {columns} FROM inspection_history ORDER BY ALL")
    settings.ANALYTICS_DIR = reference_dir
    assert crashed == current(f"SELECT {columns} FROM inspection_history ORDER BY ALL")


def test_tables_keep_the_basic_delta_protocol_so_any_spark_reads_them(analytics_dir: Path) -> None:
    from deltalake import DeltaTable

    store.upsert("inspection", inspections([1]), "run-1")
    protocol = DeltaTable(str(analytics_dir / "inspection")).protocol()
    assert (protocol.min_reader_version, protocol.min_writer_version) == (1, 2)
    # a naive exchange time is China time, stored as an instant
    shanghai = dt.timezone(dt.timedelta(hours=8))
    start = store.query("SELECT started_at FROM inspection").column("started_at")[0].as_py()
    assert start == dt.datetime(2025, 2, 2, 9, 30, tzinfo=shanghai)


def test_new_keys_take_the_fast_path_with_the_same_hashes(analytics_dir: Path) -> None:
    batch = inspections(list(range(10)))
    assert store.upsert("inspection", batch, "run-1") == UpsertCounts(inserted=10)
    assert [v for (v,) in current("SELECT _record_version FROM inspection_history")] == [1] * 10
    # the general path (existing keys) computes the very same content and key hashes
    assert store.upsert("inspection", batch, "run-2") == UpsertCounts(unchanged=10)
    assert store.upsert("inspection", batch.slice(0, 0), "run-3") == UpsertCounts()


def test_partition_dates_are_fields_of_the_exchange_schemas():
    from zhifa.exchange.schema import load_schema

    for family, date_column in store.FAMILIES.items():
        if date_column is not None:
            assert date_column in load_schema(family)["properties"], (family, date_column)
