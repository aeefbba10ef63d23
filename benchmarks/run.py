"""Benchmarks: audit-chain verification over 1,000,000 entries, demo seeding, and importing
10,000,000 inspection records against PostgreSQL COPY.

    .venv/bin/python benchmarks/run.py [--entries N] [--import-rows N] [--skip-demo]
                                       [--skip-import] [--skip-postgres]

Each measurement runs in a child process with its own data directory (Django settings are
per process): SQLite always, PostgreSQL too when DATABASE_URL is set (in a fresh database
created for the run and dropped afterwards). See benchmarks/README.md for what is measured.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
VERIFY_TARGET_SECONDS = 10.0
SEED_TARGET_SECONDS = 60.0
LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"


# --- parent: orchestration -----------------------------------------------------------------


def _child(task: str, env: dict[str, str], *args: str) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter; it prints one JSON line last."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child", task, *args]
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"benchmark step {task} failed (exit {done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _environment(data_dir: str, database_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ZHIFA_DEMO_SIZE")}
    env.update(ZHIFA_DATA_DIR=data_dir, DJANGO_SETTINGS_MODULE="zhifa.settings")
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


@contextmanager
def fresh_postgres(base_url: str) -> Iterator[str]:
    """A new, empty database next to the one DATABASE_URL names; dropped afterwards."""
    import psycopg

    parts = urlsplit(base_url)
    name = f"zhifa_bench_{uuid.uuid4().hex[:8]}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def databases(skip_postgres: bool) -> Iterator[list[tuple[str, str, str | None]]]:
    """(label, data dir, DATABASE_URL) for SQLite and, when configured, PostgreSQL."""
    with tempfile.TemporaryDirectory(prefix="zhifa-bench-") as root:
        targets: list[tuple[str, str, str | None]] = [("SQLite", f"{root}/sqlite", None)]
        base_url = os.environ.get("DATABASE_URL", "")
        if skip_postgres or not base_url.startswith(("postgres://", "postgresql://")):
            yield targets
            return
        with fresh_postgres(base_url) as url:
            yield [*targets, ("PostgreSQL", f"{root}/postgres", url)]


def _print_audit(label: str, r: dict[str, Any]) -> None:
    verdict = "达标" if r["verify_seconds"] < VERIFY_TARGET_SECONDS else "未达标"
    print(f"\n== 审计链校验（{label}，{r['entries']:,} 条）")
    print(
        f"  写入（record_many，每批 {r['batch']:,} 条）  {r['write_seconds']:8.1f} 秒  {r['write_rate']:>12,.0f} 条/秒"
    )
    print(
        f"  verify_chain()                      {r['verify_seconds']:8.2f} 秒  {r['verify_rate']:>12,.0f} 条/秒"
        f"  目标 < {VERIFY_TARGET_SECONDS:.0f} 秒：{verdict}"
    )
    print(
        f"  基线：内存中 SHA-256（同样载荷）      {r['sha256_seconds']:8.2f} 秒  {r['sha256_rate']:>12,.0f} 条/秒"
    )
    print(
        f"  对照：内存中 entry_digest（JSON+SHA） {r['digest_seconds']:8.2f} 秒  {r['digest_rate']:>12,.0f} 条/秒"
    )
    print(
        f"  verify / 纯 SHA-256 = {r['verify_seconds'] / r['sha256_seconds']:.1f} 倍；"
        f"平均载荷 {r['payload_bytes']:,.0f} 字节；数据库 {r['database_mb']:,.0f} MB"
    )


def _print_demo(r: dict[str, Any]) -> None:
    verdict = "达标" if r["seed_seconds"] < SEED_TARGET_SECONDS else "未达标"
    print(f"\n== 演示数据生成（{r['database']}，正常规模）")
    print(
        f"  迁移 {r['migrate_seconds']:.1f} 秒；生成 {r['seed_seconds']:.1f} 秒（目标 < {SEED_TARGET_SECONDS:.0f} 秒：{verdict}）"
    )
    for name, seconds in r["seeders"].items():
        print(f"    {name:<10} {seconds:6.1f} 秒")
    print(f"  {r['counts']}；审计条目 {r['audit_entries']:,}，校验 {'通过' if r['audit_ok'] else '失败'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000, help="审计条目数（默认 1,000,000）")
    parser.add_argument("--skip-demo", action="store_true", help="不测演示数据生成")
    parser.add_argument("--skip-postgres", action="store_true", help="即使设置了 DATABASE_URL 也只测 SQLite")
    parser.add_argument(
        "--import-rows", type=int, default=10_000_000, help="导入基准的记录数（默认 10,000,000）"
    )
    parser.add_argument("--skip-import", action="store_true", help="不测数据导入")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--postgres-url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return _run_child(args.child, args.entries, args.import_rows, args.postgres_url)
    started = time.perf_counter()
    print(f"zhifa 基准测试（{os.cpu_count()} 核，Python {sys.version.split()[0]}）", flush=True)
    with databases(args.skip_postgres) as targets:
        for label, data_dir, url in targets:
            print(f"… 审计链：{label}，写入 {args.entries:,} 条", flush=True)
            _print_audit(label, _child("audit", _environment(data_dir, url), "--entries", str(args.entries)))
        if not args.skip_demo:
            for label, data_dir, url in targets:
                print(f"\n… 演示数据：{label}", flush=True)
                _print_demo(_child("demo", _environment(f"{data_dir}-demo", url and _reset(url))))
        if not args.skip_import:
            _import_benchmark(targets[0][1], args)
    print(f"\n全部用时 {time.perf_counter() - started:.0f} 秒")
    return 0


def _reset(url: str) -> str:
    """The PostgreSQL benchmark database emptied for the demo run (the audit run filled it)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    return url


# --- child: measurements ---------------------------------------------------------------------


def _run_child(task: str, entries: int, import_rows: int, postgres_url: str | None) -> int:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhifa.settings")
    django.setup()
    if task == "audit":
        result = audit_benchmark(entries)
    elif task == "import":
        result = import_benchmark(import_rows, postgres_url)
    else:
        result = demo_benchmark()
    print(json.dumps(result))
    return 0


def _timed(work) -> tuple[Any, float]:
    started = time.perf_counter()
    value = work()
    return value, time.perf_counter() - started


def audit_benchmark(entries: int, batch: int = 50_000) -> dict[str, Any]:
    from django.core.management import call_command

    from zhifa.core.audit import verify_chain

    call_command("migrate", interactive=False, verbosity=0)
    _, write_seconds = _timed(lambda: write_entries(entries, batch))
    result, verify_seconds = _timed(verify_chain)
    if not result.ok or result.count != entries:
        raise SystemExit(f"verify_chain failed: {result}")
    baseline = hashing_baselines()
    return {
        "entries": entries,
        "batch": batch,
        "write_seconds": write_seconds,
        "write_rate": entries / write_seconds,
        "verify_seconds": verify_seconds,
        "verify_rate": entries / verify_seconds,
        **baseline,
        "sha256_rate": entries / baseline["sha256_seconds"],
        "digest_rate": entries / baseline["digest_seconds"],
        "database_mb": database_megabytes(),
    }


def write_entries(total: int, batch: int) -> None:
    """`total` realistic entries through audit.record_many, one transaction per batch."""
    from django.db import transaction

    from zhifa.core import audit

    changes = change_stream()
    for start in range(0, total, batch):
        with transaction.atomic():
            audit.record_many(next(changes) for _ in range(min(batch, total - start)))


class _Actor:
    """A stand-in for a logged-in user, as the audit writer reads it."""

    is_authenticated = True

    def __init__(self, pk: int, username: str, role: str, agency_code: str):
        self.pk, self.username, self.role = pk, username, role
        self.agency = type("Agency", (), {"code": agency_code})()

    def get_username(self) -> str:
        return self.username


def change_stream() -> Iterator[Any]:
    """Entity creations and updates by officers (before/after snapshots shaped like
    `audit.snapshot` of an Entity), with logins mixed in, as a busy city produces them."""
    import datetime as dt
    import random

    from zhifa.core import audit

    rng = random.Random(7)
    actors = [_Actor(i, f"officer{i:03d}", "officer", f"11330500{i:08d}X") for i in range(1, 201)]
    moment = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    streets = ("月河街道", "织里镇", "南浔镇", "武康街道", "雉城街道", "递铺街道")
    words = ("鑫源", "华盛", "恒泰", "宏祥", "瑞丰", "顺福", "嘉信", "锦荣")
    trades = ("食品", "纺织", "童装", "机械", "餐饮管理", "商贸")
    serial = 0
    while True:
        serial += 1
        moment += dt.timedelta(microseconds=rng.randrange(1, 400_000))
        actor = rng.choice(actors)
        if rng.random() < 0.05:
            yield audit.Change(
                "accounts.login",
                "accounts.user",
                str(actor.pk),
                after={"failed_logins": 0, "locked_until": None},
                actor=actor,
                occurred_at=moment,
            )
            continue
        snapshot = {
            "id": serial,
            "kind": "enterprise",
            "name": f"湖州{rng.choice(words)}{rng.choice(trades)}有限公司",
            "credit_code": f"913305{rng.randrange(10**11, 10**12)}",
            "id_number": None,
            "legal_representative": rng.choice(("沈伟", "王芳", "钱建国", "姚晓红")),
            "region_id": f"330502{rng.randrange(1, 14):03d}",
            "address": f"湖州市吴兴区{rng.choice(streets)}人民路{rng.randrange(1, 900)}号",
            "industry": rng.choice("CFHEG"),
            "phone": f"0572-{rng.randrange(2000000, 8999999)}",
            "latitude": f"{30.8 + rng.random() / 10:.6f}",
            "longitude": f"{120.0 + rng.random() / 10:.6f}",
            "created_at": moment.isoformat(),
            "updated_at": moment.isoformat(),
        }
        if rng.random() < 0.6:
            yield audit.Change(
                "registry.entity_create",
                "registry.entity",
                str(serial),
                after=snapshot,
                actor=actor,
                occurred_at=moment,
            )
        else:
            after = {**snapshot, "phone": f"0572-{rng.randrange(2000000, 8999999)}"}
            yield audit.Change(
                "registry.entity_update",
                "registry.entity",
                str(serial),
                before=snapshot,
                after=after,
                actor=actor,
                occurred_at=moment,
            )


def hashing_baselines(chunk: int = 100_000) -> dict[str, float]:
    """How fast the same work goes with the rows already in memory: SHA-256 alone over the
    exact payloads (the floor), and `entry_digest` (JSON encoding + SHA-256) per entry."""
    import hashlib
    import json as json_module

    from zhifa.core.audit import CHAINED_COLUMNS, entry_digest, format_time
    from zhifa.core.models import AuditEntry

    sha_seconds = digest_seconds = 0.0
    payload_bytes = count = 0
    last = 0
    while True:
        rows = list(
            AuditEntry.objects.filter(seq__gt=last).order_by("seq").values_list(*CHAINED_COLUMNS)[:chunk]
        )
        if not rows:
            break
        last = rows[-1][0]
        payloads = [
            json_module.dumps(
                [r[0], format_time(r[1]), *r[2:]], ensure_ascii=False, separators=(",", ":")
            ).encode()
            for r in rows
        ]
        started = time.perf_counter()
        for payload in payloads:
            hashlib.sha256(payload).hexdigest()
        sha_seconds += time.perf_counter() - started
        started = time.perf_counter()
        for row in rows:
            entry_digest(row)
        digest_seconds += time.perf_counter() - started
        payload_bytes += sum(map(len, payloads))
        count += len(rows)
    return {
        "sha256_seconds": sha_seconds,
        "digest_seconds": digest_seconds,
        "payload_bytes": payload_bytes / count,
    }


def database_megabytes() -> float:
    from django.conf import settings
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            return cursor.fetchone()[0] / 2**20
    path = Path(settings.DATABASES["default"]["NAME"])
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 2**20


def demo_benchmark() -> dict[str, Any]:
    """The full-size demo city into an empty database, seeder by seeder."""
    from django.core.management import call_command
    from django.db import connection

    from zhifa.core import seeding
    from zhifa.core.audit import verify_chain
    from zhifa.registry.models import Agency, Certificate, Entity, Officer

    _, migrate_seconds = _timed(lambda: call_command("migrate", interactive=False, verbosity=0))
    seeders = {}
    for seeder in seeding.ordered():
        _, seeders[seeder.name] = _timed(lambda s=seeder: seeding.run_once(s))
    verified = verify_chain()
    counts = (
        f"执法主体 {Agency.objects.count()}，执法人员 {Officer.objects.count()}，"
        f"执法证件 {Certificate.objects.count()}，行政相对人 {Entity.objects.count()}"
    )
    return {
        "database": connection.vendor,
        "migrate_seconds": migrate_seconds,
        "seeders": seeders,
        "seed_seconds": sum(seeders.values()),
        "counts": counts,
        "audit_entries": verified.count,
        "audit_ok": verified.ok,
    }


# --- the import benchmark ------------------------------------------------------------------


def _postgres_for_copy(skip: bool) -> str | None:
    """DATABASE_URL, else the local server this kind of machine runs, if it answers."""
    if skip:
        return None
    url = os.environ.get("DATABASE_URL", "")
    candidates = [url] if url.startswith(("postgres://", "postgresql://")) else [LOCAL_POSTGRES]
    import psycopg

    for candidate in candidates:
        try:
            with psycopg.connect(candidate, connect_timeout=3):
                return candidate
        except psycopg.OperationalError:
            continue
    return None


def _import_benchmark(sqlite_dir: str, args: argparse.Namespace) -> None:
    """In the SQLite demo's data directory when it exists (its registry gives the codes)."""
    demo_dir = f"{sqlite_dir}-demo"
    data_dir = demo_dir if Path(demo_dir).exists() else f"{sqlite_dir}-import"
    print(f"\n… 数据导入：{args.import_rows:,} 条检查记录（CSV）", flush=True)
    base = _postgres_for_copy(args.skip_postgres)
    with fresh_postgres(base) if base else _nothing() as url:
        env = _environment(data_dir, None)
        extra = ["--import-rows", str(args.import_rows), *(["--postgres-url", url] if url else [])]
        result = _child("import", env, *extra)
    # The imports are started from this small process, not the child that generated the file:
    # a process started by fork+exec inherits its parent's peak RSS in ru_maxrss.
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import import_speed

    try:
        result["first"] = import_speed.run_import(result["path"], env)
        result["again"] = import_speed.run_import(result["path"], env)
        # Two more first loads into an emptied table: one run on a shared 2-core VM swings ±10 %.
        result["loads"] = [result["first"]]
        for _ in range(2):
            shutil.rmtree(Path(data_dir) / "analytics" / "inspection", ignore_errors=True)
            result["loads"].append(import_speed.run_import(result["path"], env))
    finally:
        Path(result["path"]).unlink()
    _print_import(result)


@contextmanager
def _nothing() -> Iterator[None]:
    yield None


def import_benchmark(rows: int, postgres_url: str | None) -> dict[str, Any]:
    import import_speed
    from django.conf import settings
    from django.core.management import call_command

    from zhifa.core import seeding
    from zhifa.registry.models import Agency

    call_command("migrate", interactive=False, verbosity=0)
    if not Agency.objects.exists():
        for seeder in seeding.ordered():
            if seeder.name != "exchange":
                seeding.run_once(seeder)
    data_dir = Path(settings.DATA_DIR)
    made = import_speed.generate(data_dir, rows)
    result: dict[str, Any] = {"rows": rows, "file_bytes": made["bytes"], "generate_seconds": made["seconds"]}
    result["path"] = made["path"]
    result["duckdb_read_seconds"] = import_speed.duckdb_read_seconds(made["path"])
    result["copy_seconds"] = (
        import_speed.postgres_copy_seconds(postgres_url, made["path"]) if postgres_url else None
    )
    return result


def _print_import(r: dict[str, Any]) -> None:
    rows = r["rows"]
    first, again = r["first"], r["again"]
    loads = sorted(r["loads"], key=lambda run: run["seconds"])
    median = loads[len(loads) // 2]
    rate = rows / median["seconds"]
    peak = max(run["peak_gb"] for run in [*loads, again])
    verdict = "达标" if rate >= 500_000 and peak < 4 else "未达标"
    print(f"\n== 数据导入（检查记录 {rows:,} 条，CSV {r['file_bytes'] / 2**30:.2f} GB，全量校验）")
    print(
        f"  DuckDB 裸读 read_csv（每列取 max）        {r['duckdb_read_seconds']:8.1f} 秒  {rows / r['duckdb_read_seconds']:>12,.0f} 行/秒"
    )
    if r["copy_seconds"]:
        print(
            f"  PostgreSQL COPY（无索引表）           {r['copy_seconds']:8.1f} 秒  {rows / r['copy_seconds']:>12,.0f} 行/秒"
        )
    for label, run in (("zhifa import（首次，全部新增）", first), ("zhifa import（再次，全部未变）", again)):
        rep = run["report"]
        print(
            f"  {label:<28}{run['seconds']:8.1f} 秒  {rows / run['seconds']:>12,.0f} 行/秒"
            f"  峰值内存 {run['peak_gb']:.2f} GB  新增 {rep['inserted']:,} 未变 {rep['unchanged']:,} 隔离 {rep['quarantined']:,}"
        )
    times = "、".join(f"{run['seconds']:.1f}" for run in r["loads"])
    print(
        f"  首次导入共 {len(loads)} 次（清空后重导）：{times} 秒；中位数 {median['seconds']:.1f} 秒 = {rate:,.0f} 行/秒"
    )
    print(f"  目标 ≥ 500,000 行/秒（中位数）、峰值内存 < 4 GB（{peak:.2f} GB）：{verdict}")
    if r["copy_seconds"]:
        print(
            f"  zhifa import / PostgreSQL COPY = {r['copy_seconds'] / median['seconds']:.2f} 倍速度（中位数）"
        )
    else:
        print("  （没有可用的 PostgreSQL，未测 COPY 对照）")


if __name__ == "__main__":
    sys.exit(main())
