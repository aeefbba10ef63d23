"""The import pipeline as a whole: fixed batch boundaries, and a real `zhifa import` killed with
SIGKILL midway and re-run ends exactly like an uninterrupted import."""

from __future__ import annotations

import csv
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pytest

from zhifa.exchange.actions import fixed_batches, prefetched

ROOT = Path(__file__).resolve().parent.parent
ZHIFA = Path(sys.executable).with_name("zhifa")


@pytest.mark.parametrize("seed", range(5))
def test_fixed_batches_cut_any_chunking_into_the_same_batches(seed: int) -> None:
    rng = random.Random(seed)
    total, size = rng.randint(0, 500), rng.randint(1, 60)
    values = list(range(total))
    chunks, start = [], 0
    while start < total:
        step = rng.randint(1, 90)
        chunks.append(pa.record_batch({"v": values[start : start + step]}))
        start += step
    out = list(fixed_batches(chunks, size))
    assert [v for b in out for v in b.column("v").to_pylist()] == values
    assert all(b.num_rows == size for b in out[:-1])
    assert not out or 0 < out[-1].num_rows <= size


def test_prefetched_keeps_order_and_hands_over_the_producers_error() -> None:
    assert list(prefetched(iter(range(1000)), depth=2)) == list(range(1000))

    def failing():
        yield 1
        yield 2
        raise ValueError("第三批读不出来")

    seen = []
    with pytest.raises(ValueError, match="第三批"):
        for item in prefetched(failing()):
            seen.append(item)
    assert seen == [1, 2]


def test_prefetched_stops_its_producer_when_the_consumer_gives_up() -> None:
    produced = []

    def endless():
        for i in range(10**9):
            produced.append(i)
            yield i

    items = prefetched(endless(), depth=1)
    assert next(items) == 0
    items.close()  # what a `for` loop broken by an exception does
    settled = len(produced)
    time.sleep(0.05)
    assert len(produced) == settled <= 4


# --- kill -9 of the real command -------------------------------------------------------------

ROWS, BATCH = 24_000, 2_000


def _complaints(path: Path) -> None:
    """Complaints need no registry references, so a bare migrated database can take them;
    a few rows are bad (quarantined) and some keys repeat (later rows supersede earlier)."""
    rng = random.Random(7)
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["source_id", "ticket_number", "received_at", "channel", "text", "status"])
        for i in range(ROWS):
            key = i if i % 10 else i // 2  # every tenth row repeats an earlier key
            channel = "fax" if i % 997 == 0 else rng.choice(["phone", "web", "app"])
            day = 1 + i % 28
            out.writerow(
                [
                    f"T{key}",
                    f"12345-{key}",
                    f"2025-03-{day:02d}T10:00:00+08:00",
                    channel,
                    f"诉求{i}",
                    "routed",
                ]
            )


def _env(data_dir: Path, database: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        ZHIFA_DATA_DIR=str(data_dir),
        DATABASE_URL=f"sqlite:///{database}",
        ZHIFA_IMPORT_BATCH_ROWS=str(BATCH),
        DJANGO_SETTINGS_MODULE="zhifa.settings",
    )
    return env


def _import(data_dir: Path, database: Path, path: Path) -> subprocess.Popen:
    command = [str(ZHIFA), "import", "complaint", str(path), "--source", "hotline", "--json"]
    return subprocess.Popen(
        command, env=_env(data_dir, database), cwd=ROOT, stdout=subprocess.PIPE, text=True
    )


def _finished(process: subprocess.Popen) -> dict:
    out, _ = process.communicate(timeout=300)
    assert process.returncode == 0, out
    return json.loads(out.strip().splitlines()[-1])


def _stored(data_dir: Path, database: Path) -> list[tuple]:
    script = (
        "import json, django; django.setup()\n"
        "from zhifa.analytics import store\n"
        "rows = store.query('SELECT source_id, channel, text, _record_version, _record_hash, _batch_no"
        " FROM complaint_history ORDER BY ALL').to_pylist()\n"
        "print(json.dumps(rows))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], env=_env(data_dir, database), cwd=ROOT, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return [tuple(r.values()) for r in json.loads(out.stdout)]


def _committed_version(data_dir: Path) -> int:
    log = data_dir / "analytics" / "complaint" / "_delta_log"
    return max((int(p.stem) for p in log.glob("*.json")), default=-1)


def test_zhifa_import_killed_midway_and_rerun_equals_an_uninterrupted_import(tmp_path: Path) -> None:
    database = tmp_path / "shared.sqlite3"
    migrate = subprocess.run(
        [str(ZHIFA), "manage", "migrate", "--verbosity", "0"],
        env=_env(tmp_path / "setup", database),
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert migrate.returncode == 0, migrate.stderr
    source = tmp_path / "complaints.csv"
    _complaints(source)
    reference_dir, crashed_dir = tmp_path / "reference", tmp_path / "crashed"

    reference = _finished(_import(reference_dir, database, source))
    assert reference["read"] == ROWS and reference["quarantined"] > 0

    crashing = _import(crashed_dir, database, source)
    deadline = time.monotonic() + 120
    while _committed_version(crashed_dir) < 2 and time.monotonic() < deadline and crashing.poll() is None:
        time.sleep(0.002)
    os.kill(crashing.pid, signal.SIGKILL)
    crashing.wait()
    assert crashing.returncode == -signal.SIGKILL
    assert 2 <= _committed_version(crashed_dir) < ROWS // BATCH - 1, "not killed midway"

    rerun = _finished(_import(crashed_dir, database, source))
    for key in ("read", "inserted", "updated", "unchanged", "quarantined", "reasons"):
        assert rerun[key] == reference[key], key
    assert _stored(crashed_dir, database) == _stored(reference_dir, database)


def test_a_file_utf8_at_its_start_and_gbk_later_is_read_whole_as_gb18030(tmp_path: Path, monkeypatch) -> None:
    """Only the start decides the fast path; DuckDB stops at the first GBK byte and the tolerant
    reader, judging the whole file, reads the rest — nothing lost, nothing garbled."""
    from zhifa.exchange import readers

    monkeypatch.setattr(readers, "ENCODING_SAMPLE", 4096)
    lines = ["source_id,name"] + [f"A{i},plain ascii name {i}" for i in range(3000)]
    lines += [f"B{i},湖州市吴兴区第{i}号店" for i in range(500)]
    path = tmp_path / "mixed.csv"
    path.write_bytes("\n".join(lines).encode("gbk") + b"\n")
    rows = [row for batch in readers.read_batches(path) for row in batch.to_pylist()]
    assert [r["source_id"] for r in rows] == [line.split(",")[0] for line in lines[1:]]
    assert rows[-1]["name"] == "湖州市吴兴区第499号店"
    assert [r["_row"] for r in rows] == list(range(2, len(lines) + 1))
    assert not any(r["_error"] for r in rows)


def test_batch_rows_follow_the_byte_budget_and_depend_on_the_file_alone(tmp_path: Path, settings) -> None:
    from zhifa.exchange.actions import MAX_BATCH_ROWS, MIN_BATCH_ROWS, batch_rows

    settings.IMPORT_BATCH_ROWS = None
    settings.IMPORT_BATCH_BYTES = 1_000_000
    narrow, wide = tmp_path / "narrow.csv", tmp_path / "wide.csv"
    narrow.write_text("a,b\n" + "1,2\n" * 50_000, encoding="utf-8")
    wide.write_text("a,b\n" + ("x" * 196 + ",y\n") * 5_000, encoding="utf-8")
    assert batch_rows(narrow) == 250_000  # 4 bytes a line
    assert batch_rows(wide) == MIN_BATCH_ROWS  # 200 bytes a line: 5,000, raised to the minimum
    settings.IMPORT_BATCH_BYTES = 10**12
    assert batch_rows(narrow) == MAX_BATCH_ROWS
    settings.IMPORT_BATCH_ROWS = 123
    assert batch_rows(wide) == 123


def test_ungathered_fast_reading_gives_the_same_rows(tmp_path: Path) -> None:
    from zhifa.exchange import readers

    path = tmp_path / "many.csv"
    path.write_text("source_id,name\n" + "".join(f"S{i},名称{i}\n" for i in range(120_000)), encoding="utf-8")
    gathered = pa.Table.from_batches(list(readers.read_batches(path, block_size=1 << 20)))
    pieces = list(readers.read_batches(path, block_size=1 << 20, gather=False))
    assert pa.Table.from_batches(pieces).equals(gathered)
    assert len(pieces) > 1


def test_a_file_cut_inside_a_character_fails_with_a_clear_reason(tmp_path: Path) -> None:
    """UTF-8 text whose last character was cut off is neither valid UTF-8 nor GB18030: the
    import names the problem instead of crashing in a decoder."""
    from zhifa.core.errors import ActionError
    from zhifa.exchange import readers

    path = tmp_path / "cut.csv"
    path.write_bytes(("source_id,name\n" + "".join(f"S{i},湖州{i}\n" for i in range(100))).encode()[:-4])
    with pytest.raises(ActionError) as failed:
        list(readers.read_batches(path))
    assert failed.value.code == "undecodable" and "GB18030" in failed.value.message
