"""The demo's `exchange` seeder: the seven agencies' exports (and a later re-sent one) are
generated into the data directory and imported, so /exchange/runs/ shows runs with quarantined rows (tested at `small` scale)."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from zhifa.accounts.models import User
from zhifa.core import seeding
from zhifa.exchange import seed
from zhifa.exchange.demo_sources import rows_at
from zhifa.exchange.models import ImportRun, QuarantinedRow, RunStatus

pytestmark = pytest.mark.django_db

SOURCES = {
    "hz_12345",
    "hz_scjg_jcxt",
    "hz_zhzf_cfjd",
    "hz_jtys_xk",
    "hz_sthj_ajxt",
    "hz_zhzf_qzcs",
    "hz_fyys",
}
RESENT = "hz_sthj_ajxt_202601.xlsx"  # a few decided cases re-sent in January: no bad rows


@pytest.fixture
def data_dir(settings, tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("ZHIFA_DEMO_SIZE", "small")
    monkeypatch.delenv(seed.SCALE_ENV, raising=False)
    settings.DATA_DIR = tmp_path / "data"
    settings.ANALYTICS_DIR = tmp_path / "analytics"
    return settings.DATA_DIR


def run_demo(*args: str) -> str:
    out = StringIO()
    call_command("demo", "--no-serve", "--skip-migrate", *args, stdout=out)
    return out.getvalue()


def test_exchange_seeds_after_the_city_and_its_powers():
    order = [s.name for s in seeding.ordered()]
    assert order.index("exchange") > max(order.index(n) for n in ("registry", "accounts", "powers"))


def test_the_demo_imports_every_source_and_the_runs_page_lists_them(data_dir):
    output = run_demo("--scale", "small")
    runs = list(ImportRun.objects.all())
    assert {r.source_system for r in runs} == SOURCES
    assert all(r.status == RunStatus.SUCCEEDED and r.reconciled for r in runs)
    assert all(r.actor_username == "system" for r in runs)
    yearly = [r for r in runs if r.file_name != RESENT]
    assert len(yearly) == len(SOURCES) and all(r.quarantined > 0 and r.reasons for r in yearly)
    resent = next(r for r in runs if r.file_name == RESENT)
    assert resent.quarantined == 0 and resent.updated > 0
    for run in runs:
        assert QuarantinedRow.objects.filter(run=run).count() == run.quarantined
        assert Path(run.mapping_name).parent == data_dir / seed.EXPORTS_DIR / "mappings"
    assert sum(r.read for r in runs) >= sum(rows_at("small").values())
    for source in SOURCES:
        assert "[exchange]" in output and source in output
    assert "隔离" in output and "接收" in output
    assert {p.suffix for p in (data_dir / seed.EXPORTS_DIR).iterdir()} >= {".csv", ".json", ".jsonl", ".xlsx"}
    assert_the_runs_page_lists(SOURCES)


def assert_the_runs_page_lists(sources: set[str]) -> None:
    client = Client()
    client.force_login(User.objects.get(username="supervisor"))
    page = client.get("/exchange/runs/")
    assert page.status_code == 200
    assert all(source in page.content.decode() for source in sources)


def test_the_scale_comes_from_the_option_then_the_environment_then_the_city_size(monkeypatch):
    monkeypatch.delenv(seed.SCALE_ENV, raising=False)
    monkeypatch.setenv("ZHIFA_DEMO_SIZE", "small")
    assert seed.current_scale() == "small"
    monkeypatch.delenv("ZHIFA_DEMO_SIZE")
    assert seed.current_scale() == "default"
    monkeypatch.setenv(seed.SCALE_ENV, "large")
    assert seed.current_scale() == "large"
    with seed.exports_scale("small"):
        assert seed.current_scale() == "small"
    assert seed.current_scale() == "large"
    monkeypatch.setenv(seed.SCALE_ENV, "huge")
    with pytest.raises(ValueError, match="规模"):
        seed.current_scale()


def test_large_scale_rewrites_the_json_array_as_json_lines_keeping_row_numbers(tmp_path):
    items = [{"id": 1, "t": "a,"}, "导出失败", {"id": 3, "t": "[x]"}]
    array = tmp_path / "hz_12345.json"
    array.write_text("[\n" + ",\n".join(json.dumps(i, ensure_ascii=False) for i in items) + "\n]\n")
    lines = seed.as_json_lines(array)
    assert lines.suffix == ".jsonl" and not array.exists()
    assert [json.loads(line) for line in lines.read_text().splitlines()] == items


def test_large_scale_prints_progress_every_million_rows(monkeypatch):
    messages: list[str] = []
    export = seed.DemoExport("complaint", "hz_12345", Path("x.jsonl"), Path("m.yaml"), 2_500_000, ())
    printer = seed._progress_printer(export)
    with seeding.reporting(messages.append):
        for read in (200_000, 1_000_000, 1_200_000, 2_400_000, 2_500_000):
            printer(read, 1.0)
    assert [m.split("：")[1].split(" /")[0] for m in messages] == ["已读取 1,000,000", "已读取 2,400,000"]


def test_large_scale_streams_and_reports_progress(data_dir, monkeypatch):
    """The `large` path end to end, on small files: JSON Lines instead of the JSON array, the
    same rows quarantined, and progress lines while a source imports."""
    small = seed.generate_demo_exports
    monkeypatch.setattr(seed, "generate_demo_exports", lambda directory, scale: small(directory, "small"))
    monkeypatch.setattr(seed, "PROGRESS_EVERY", 300)
    output = run_demo("--scale", "large")
    hotline = ImportRun.objects.get(source_system="hz_12345")
    assert hotline.file_name == "hz_12345.jsonl" and hotline.quarantined > 0 and hotline.reconciled
    assert not (data_dir / seed.EXPORTS_DIR / "hz_12345.json").exists()
    assert "hz_scjg_jcxt：已读取" in output and "规模 large" in output
