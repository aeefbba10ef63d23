"""The analytical store: versioned upserts, idempotency, crash safety, concurrency, evolution."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable

from tests.powers_support import food_law_fixture  # noqa: F401  (the food_law fixture)
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


def test_master_data_upserts_keep_versions_beside_the_snapshots(analytics_dir: Path) -> None:
    agencies = pa.table(
        {"source_system": ["registry"], "source_id": ["330500001"], "name": ["湖州市市场监督管理局"]}
    )
    assert store.upsert("agency", agencies, "run-1") == UpsertCounts(inserted=1)
    assert store.history_path("agency") == analytics_dir / "agency_history"
    assert not list(store.history_path("agency").glob("year=*"))  # master data: no year partitions
    assert current("SELECT name FROM agency") == [("湖州市市场监督管理局",)]  # no snapshot yet
    store.snapshot("agency", pa.table({"agency_code": ["A"], "name": ["快照"]}), dt.date(2025, 6, 1))
    assert current("SELECT name FROM agency") == [("快照",)]  # the latest snapshot wins
    assert current("SELECT name FROM agency_history") == [("湖州市市场监督管理局",)]
    assert store.upsert("agency", agencies, "run-2") == UpsertCounts(unchanged=1)


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
    store.upsert("inspection", inspections([1], plan_date=[dt.date(2025, 1, 5)]), "run-1")
    store.upsert("inspection", inspections([2], risk_score=[1.5]), "run-2")  # schema evolution
    protocol = DeltaTable(str(analytics_dir / "inspection")).protocol()
    assert (protocol.min_reader_version, protocol.min_writer_version) == (1, 2)
    # the Parquet types Spark expects: instants as UTC-adjusted INT64 microseconds, no year column
    files = sorted((analytics_dir / "inspection").glob("year=*/*.parquet"))
    schema = pq.read_schema(files[0])
    assert "year" not in schema.names
    assert schema.field("started_at").type == pa.timestamp("us", tz="UTC")
    assert schema.field("_ingested_at").type == pa.timestamp("us", tz="UTC")
    assert schema.field("plan_date").type == pa.date32()
    assert schema.field("_record_version").type == pa.int64()
    parquet = pq.ParquetFile(files[0]).schema.column(
        pq.ParquetFile(files[0]).schema.names.index("started_at")
    )
    assert parquet.physical_type == "INT64"
    logical = json.loads(parquet.logical_type.to_json())
    assert (logical["Type"], logical["isAdjustedToUTC"], logical["timeUnit"]) == (
        "Timestamp",
        True,
        "microseconds",
    )
    # a naive exchange time is China time, stored as an instant
    shanghai = dt.timezone(dt.timedelta(hours=8))
    start = (
        store.query("SELECT started_at FROM inspection WHERE source_id = 'I000001'")
        .column("started_at")[0]
        .as_py()
    )
    assert start == dt.datetime(2025, 2, 2, 9, 30, tzinfo=shanghai)


def test_new_keys_take_the_fast_path_with_the_same_hashes(analytics_dir: Path) -> None:
    batch = inspections(list(range(10)))
    assert store.upsert("inspection", batch, "run-1") == UpsertCounts(inserted=10)
    assert [v for (v,) in current("SELECT _record_version FROM inspection_history")] == [1] * 10
    # the general path (existing keys) computes the very same content and key hashes
    assert store.upsert("inspection", batch, "run-2") == UpsertCounts(unchanged=10)
    assert store.upsert("inspection", batch.slice(0, 0), "run-3") == UpsertCounts()


def test_partition_dates_are_fields_of_the_exchange_schemas() -> None:
    from zhifa.exchange.schema import load_schema

    for family, date_column in store.FAMILIES.items():
        if date_column is not None:
            assert date_column in load_schema(family)["properties"], (family, date_column)


# --- the Delta log written by hand: readable by deltalake, statistics, orphans ----------------


def _sorted_rows(table: pa.Table) -> list[dict]:
    rows = table.select(sorted(table.column_names)).to_pylist()
    return sorted(rows, key=lambda r: (r["source_id"], r["_record_version"]))


def test_deltalake_itself_reads_what_connect_shows(analytics_dir: Path) -> None:
    store.upsert("inspection", inspections([1, 2, 3]), "run-1")
    store.upsert("inspection", inspections([2, 4], result="立案", risk_score=[None, 2.5]), "run-2")
    store.upsert("inspection", inspections([5], year=2024), "run-3")
    by_deltalake = DeltaTable(str(analytics_dir / "inspection")).to_pyarrow_table()
    assert by_deltalake.num_rows == 6
    assert _sorted_rows(by_deltalake) == _sorted_rows(store.query("SELECT * FROM inspection_history"))


def test_files_carry_delta_statistics_for_data_skipping(analytics_dir: Path) -> None:
    store.upsert("inspection", inspections([1, 2, 3], remark=["a", None, "c"]), "run-1")
    table = DeltaTable(str(analytics_dir / "inspection"))
    actions = pa.table(table.get_add_actions(flatten=True)).to_pylist()
    assert [a["num_records"] for a in actions] == [3]
    (action,) = actions
    assert action["min.source_id"] == "I000001" and action["max.source_id"] == "I000003"
    assert action["null_count.remark"] == 1
    assert action["min.started_at"] == dt.datetime(2025, 2, 2, 1, 30, tzinfo=dt.UTC)  # 09:30 in 湖州
    # delta-rs prunes files with the statistics and still finds the row
    found = table.to_pyarrow_table(filters=[("source_id", "=", "I000002")])
    assert found.column("source_id").to_pylist() == ["I000002"]
    assert table.to_pyarrow_table(filters=[("source_id", "=", "I999999")]).num_rows == 0


def test_a_crash_between_the_files_and_the_commit_leaves_invisible_orphans(
    analytics_dir: Path, monkeypatch, settings, tmp_path: Path
) -> None:
    batches = [inspections([1, 2, 3]), inspections([3, 4], result="立案"), inspections([5], year=2024)]

    def crash(*args, **kwargs):
        raise KeyboardInterrupt("killed after the Parquet files, before the Delta commit")

    store.upsert("inspection", batches[0], "run-1", 0)
    real_commit = store._commit_versions
    monkeypatch.setattr(store, "_commit_versions", crash)
    with pytest.raises(KeyboardInterrupt):
        store.upsert("inspection", batches[1], "run-1", 1)
    files = set((analytics_dir / "inspection").rglob("*.parquet"))
    assert len(files) == 2  # the committed file and the orphan
    assert store.table_version("inspection") == 0
    assert current() == [("I000001", "合格"), ("I000002", "合格"), ("I000003", "合格")]  # not seen

    monkeypatch.setattr(store, "_commit_versions", real_commit)
    rerun = [store.upsert("inspection", batch, "run-1", number) for number, batch in enumerate(batches)]
    assert rerun == [UpsertCounts(inserted=3, skipped=True), UpsertCounts(1, 1, 0), UpsertCounts(inserted=1)]
    columns = "source_id, result, year, _record_version, _record_hash, _batch_no"
    crashed = current(f"SELECT {columns} FROM inspection_history ORDER BY ALL")

    settings.ANALYTICS_DIR = tmp_path / "uninterrupted"
    for number, batch in enumerate(batches):
        store.upsert("inspection", batch, "run-1", number)
    assert crashed == current(f"SELECT {columns} FROM inspection_history ORDER BY ALL")

    settings.ANALYTICS_DIR = analytics_dir
    result = store.compact("inspection", retention_hours=0)
    assert result["vacuumed_files"] >= 1
    on_disk = set((analytics_dir / "inspection").rglob("*.parquet"))
    active = {
        Path(uri.removeprefix("file://")) for uri in DeltaTable(str(analytics_dir / "inspection")).file_uris()
    }
    assert on_disk == active  # the orphan (and the files compacted away) are gone
    assert crashed == current(f"SELECT {columns} FROM inspection_history ORDER BY ALL")


def test_a_crash_before_the_first_commit_leaves_no_table(analytics_dir: Path, monkeypatch) -> None:
    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    real_commit = store._commit_versions
    monkeypatch.setattr(store, "_commit_versions", crash)
    with pytest.raises(KeyboardInterrupt):
        store.upsert("inspection", inspections([1]), "run-1")
    assert store.table_version("inspection") is None
    assert store.query("SELECT count(*) AS n FROM inspection").column("n")[0].as_py() == 0
    monkeypatch.setattr(store, "_commit_versions", real_commit)
    assert store.upsert("inspection", inspections([1]), "run-1") == UpsertCounts(inserted=1)
    assert current() == [("I000001", "合格")]


def test_a_column_typed_differently_later_is_stored_in_the_table_type(analytics_dir: Path) -> None:
    store.upsert("inspection", inspections([1], item_count=pa.array([3], pa.int64())), "run-1")
    store.upsert("inspection", inspections([2], item_count=pa.array([4], pa.int32())), "run-2")
    by_deltalake = DeltaTable(str(analytics_dir / "inspection")).to_pyarrow_table()
    assert by_deltalake.schema.field("item_count").type == pa.int64()
    assert sorted(by_deltalake.column("item_count").to_pylist()) == [3, 4]


# --- master-data snapshots ---------------------------------------------------------------------


def _agencies(*names: str) -> pa.Table:
    return pa.table({"agency_code": [f"A{i}" for i in range(len(names))], "name": list(names)})


def test_snapshots_are_dated_and_the_latest_is_the_family_view(analytics_dir: Path) -> None:
    store.snapshot("agency", _agencies("甲", "乙"), dt.date(2025, 6, 1))
    store.snapshot("agency", _agencies("甲", "乙", "丙"), dt.date(2025, 6, 2))
    assert sorted(p.name for p in (analytics_dir / "agency").glob("snapshot_date=*")) == [
        "snapshot_date=2025-06-01",
        "snapshot_date=2025-06-02",
    ]
    assert current("SELECT name FROM agency ORDER BY 1") == [("丙",), ("乙",), ("甲",)]
    assert current("SELECT snapshot_date, count(*) FROM agency_snapshots GROUP BY 1 ORDER BY 1") == [
        (dt.date(2025, 6, 1), 2),
        (dt.date(2025, 6, 2), 3),
    ]
    # deltalake reads the same rows
    by_deltalake = DeltaTable(str(analytics_dir / "agency")).to_pyarrow_table()
    key = ("snapshot_date", "agency_code")
    ours = store.query("SELECT * FROM agency_snapshots")
    assert sorted(
        by_deltalake.select(sorted(by_deltalake.column_names)).to_pylist(), key=lambda r: [r[k] for k in key]
    ) == sorted(ours.select(sorted(ours.column_names)).to_pylist(), key=lambda r: [r[k] for k in key])


def test_a_second_snapshot_on_the_same_day_replaces_only_that_day(analytics_dir: Path) -> None:
    store.snapshot("agency", _agencies("甲"), dt.date(2025, 6, 1))
    store.snapshot("agency", _agencies("甲", "乙"), dt.date(2025, 6, 2))
    store.snapshot(
        "agency", _agencies("甲", "乙").append_column("phone", pa.array(["0572", None])), dt.date(2025, 6, 2)
    )
    assert current("SELECT snapshot_date, count(*) FROM agency_snapshots GROUP BY 1 ORDER BY 1") == [
        (dt.date(2025, 6, 1), 1),
        (dt.date(2025, 6, 2), 2),
    ]
    assert current("SELECT name, phone FROM agency ORDER BY 1") == [("乙", None), ("甲", "0572")]
    assert DeltaTable(str(analytics_dir / "agency")).to_pyarrow_table().num_rows == 3


def test_snapshots_are_for_master_data_only(analytics_dir: Path) -> None:
    with pytest.raises(ValueError, match="not a master-data family"):
        store.snapshot("inspection", inspections([1]))
    assert store.query("SELECT count(*) AS n FROM officer_snapshots").column("n")[0].as_py() == 0
    assert store.query("SELECT count(*) AS n FROM officer").column("n")[0].as_py() == 0


def test_the_registry_is_snapshotted_in_exchange_column_names(analytics_dir: Path, city, food_law) -> None:
    from tests.powers_support import add_penalty_power
    from zhifa.registry.models import Entity

    add_penalty_power(city.market_city, food_law)
    Entity.objects.create(
        kind="enterprise", name="湖州某某商贸有限公司", credit_code="91330502MA2B3C4D5E", region_id="330502"
    )
    written = store.snapshot_registry(taken_on=dt.date(2025, 6, 1))
    assert written == {"agency": 4, "officer": 3, "certificate": 3, "power": 1, "entity": 1}
    assert current(
        "SELECT agency_code, region_code, domains FROM agency WHERE name = '湖州市市场监督管理局'"
    ) == [(city.market_city.code, "330500", ["market_regulation"])]
    assert current("SELECT agency_code FROM officer WHERE name = '张伟'") == [(city.market_city.code,)]
    assert current("SELECT holder_agency_code, domain, legal_basis FROM power") == [
        (city.market_city.code, "market_regulation", [food_law.art122.power_bases.get().citation])
    ]
    assert current("SELECT entity_kind, region_code, latitude FROM entity") == [
        ("enterprise", "330502", None)
    ]
    assert current("SELECT count(*) FROM certificate WHERE expires_on = DATE '2030-01-01'") == [(3,)]
    # a partial run snapshots only the families asked for
    assert store.snapshot_registry(["entity"], taken_on=dt.date(2025, 6, 2)) == {"entity": 1}
    assert current("SELECT DISTINCT snapshot_date FROM agency") == [(dt.date(2025, 6, 1),)]


# --- connect(): DuckDB's Parquet reader over the pinned files, current records without a window


def test_current_view_equals_the_window_over_the_history(analytics_dir: Path) -> None:
    store.upsert("inspection", inspections(list(range(20))), "run-1")
    assert store.pin(DeltaTable(str(analytics_dir / "inspection"))).max_record_version == 1
    plain = store.connect()
    assert "NOT EXISTS" not in _view_sql(plain, "inspection")  # the log proves one version per key
    store.upsert("inspection", inspections([3, 4, 5], result="责令整改"), "run-2")
    store.upsert("inspection", inspections([4], result="立案"), "run-3")
    store.upsert("inspection", inspections([30, 31]), "run-4")
    con = store.connect()
    assert "NOT EXISTS" in _view_sql(con, "inspection")
    window = (
        "SELECT source_id, result, _record_version FROM inspection_history QUALIFY row_number() OVER"
        " (PARTITION BY source_system, source_id ORDER BY _record_version DESC) = 1 ORDER BY 1"
    )
    assert con.sql("SELECT source_id, result, _record_version FROM inspection ORDER BY 1").fetchall() == (
        con.sql(window).fetchall()
    )
    assert con.sql("SELECT result FROM inspection WHERE source_id = 'I000004'").fetchall() == [("立案",)]
    assert con.sql("SELECT count(*) FROM inspection").fetchall() == [(22,)]


def test_connect_reports_the_pinned_versions_and_prunes_by_year(analytics_dir: Path) -> None:
    store.upsert("inspection", inspections([1], year=2024), "run-1")
    store.upsert("inspection", inspections([2], year=2025), "run-2")
    pins: dict[str, store.Pinned | None] = {}
    con = store.connect(pins)
    assert pins["inspection"].version == 1 and pins["case"] is None
    assert store.fingerprint_of(pins["inspection"], [2025]) == store.fingerprint("inspection", [2025])
    plan = "\n".join(
        row[1] for row in con.sql("EXPLAIN SELECT source_id FROM inspection WHERE year = 2025").fetchall()
    )
    assert "READ_PARQUET" in plan.upper() or "PARQUET" in plan.upper()
    assert con.sql("SELECT source_id FROM inspection WHERE year = 2025").fetchall() == [("I000002",)]
    before = store.fingerprint("inspection", [2024])
    store.upsert("inspection", inspections([3], year=2025), "run-3")
    assert store.fingerprint("inspection", [2024]) == before  # only 2025 changed
    assert store.fingerprint("inspection", [2025]) != store.fingerprint("inspection", [2024])


def _view_sql(con, view: str) -> str:
    return con.sql(f"SELECT sql FROM duckdb_views() WHERE view_name = '{view}'").fetchall()[0][0]
