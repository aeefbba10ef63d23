"""The import benchmark: N inspection records from one CSV, against PostgreSQL COPY of the file.

Run by `benchmarks/run.py` (``make bench``). In a seeded data directory it

1. writes an N-row UTF-8 inspection CSV whose codes come from the seeded registry
   (`inspection_file.write_inspection_csv`), so every row passes full validation;
2. baselines, on the same file in the same run: DuckDB's bare parallel ``read_csv`` (count
   only), and PostgreSQL ``COPY`` into an unindexed table with the file's columns typed
   (``COPY FROM STDIN`` fed the file's bytes, as ``psql \\copy`` does: the server's data
   directory cannot read a private temporary directory);
3. runs ``zhifa import inspection FILE --source bench --json`` as a separate process, twice:
   into the store (all rows inserted), then again (all rows unchanged); wall time, the
   report's counts, and the process's peak resident memory (``wait4`` rusage).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

from inspection_file import COLUMNS, reference_codes, write_inspection_csv  # noqa: E402

IMPORT_TARGET_ROWS_PER_SECOND = 500_000
MEMORY_LIMIT_GB = 4.0

# PostgreSQL types of the file's columns (typed, as a real load would be; no index, no key).
_PG_TYPES = {"started_at": "timestamptz", "ended_at": "timestamptz"}


def generate(data_dir: Path, rows: int) -> dict[str, Any]:
    """The CSV for this run (Django must be set up: the codes come from the registry)."""
    path = data_dir / f"inspections-{rows}.csv"
    started = time.perf_counter()
    size = write_inspection_csv(path, rows, reference_codes())
    return {"path": str(path), "bytes": size, "seconds": time.perf_counter() - started}


def duckdb_read_seconds(path: str) -> float:
    """DuckDB's bare parallel CSV scan of the file: every value parsed (max of each column, as
    a bare count would let DuckDB skip the columns), as strings, no checks, nothing stored."""
    con = duckdb.connect()
    started = time.perf_counter()
    con.sql(f"SELECT max(COLUMNS(*)) FROM read_csv('{path}', all_varchar = true, header = true)").fetchall()
    seconds = time.perf_counter() - started
    con.close()
    return seconds


def postgres_copy_seconds(url: str, path: str) -> float:
    """COPY of the file's bytes into a fresh unindexed table (dropped afterwards)."""
    import psycopg

    columns = ", ".join(f"{name} {_PG_TYPES.get(name, 'text')}" for name in COLUMNS)
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("DROP TABLE IF EXISTS bench_inspection_copy")
        connection.execute(f"CREATE UNLOGGED TABLE bench_inspection_copy ({columns})")
        started = time.perf_counter()
        with connection.cursor() as cursor, open(path, "rb") as source:
            with cursor.copy("COPY bench_inspection_copy FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
                while chunk := source.read(8 << 20):
                    copy.write(chunk)
        seconds = time.perf_counter() - started
        connection.execute("DROP TABLE bench_inspection_copy")
    return seconds


def run_import(path: str, env: dict[str, str]) -> dict[str, Any]:
    """`zhifa import` in its own process: wall seconds, its JSON report, peak RSS in GB.

    The child's output goes to files and it is reaped with `os.wait4`, which returns the
    child's own resource usage (ru_maxrss), not a maximum over earlier children."""
    os.sync()  # the COPY's or the last run's written data is flushed before timing starts
    time.sleep(1)
    zhifa = Path(sys.executable).with_name("zhifa")
    command = [str(zhifa), "import", "inspection", path, "--source", "bench", "--json"]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if process.returncode != 0:
        sys.stderr.write(stdout + stderr)
        raise SystemExit(f"zhifa import failed (exit {process.returncode})")
    report = json.loads(stdout.strip().splitlines()[-1])
    return {"seconds": seconds, "report": report, "peak_gb": usage.ru_maxrss / 2**20}
