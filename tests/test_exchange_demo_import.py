"""The demo agencies' exports go through the real import pipeline: exactly the planted bad rows
end up in quarantine, everything else lands, and every run reconciles."""

from __future__ import annotations

import pytest

from zhifa.core import seeding
from zhifa.exchange.actions import do_import_file
from zhifa.exchange.demo_sources import generate_demo_exports
from zhifa.exchange.demo_sources.world import load_world
from zhifa.exchange.models import QuarantinedRow

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_city(settings, tmp_path, monkeypatch):
    monkeypatch.setenv("ZHIFA_DEMO_SIZE", "small")
    settings.DATA_DIR = tmp_path / "data"
    settings.ANALYTICS_DIR = tmp_path / "analytics"
    for seeder in seeding.ordered():
        if seeder.name in {"registry", "laws", "powers"}:
            seeder.run()
    return tmp_path


def test_demo_exports_import_with_exactly_the_planted_rows_quarantined(small_city):
    exports = generate_demo_exports(small_city / "exports", scale="small", seed=7, world=load_world())
    assert len({e.source_system for e in exports}) >= 5
    for export in exports:
        report = do_import_file(None, export.family, [export.path], export.source_system, export.mapping)
        label = f"{export.family}/{export.source_system}"
        assert report.read == report.inserted + report.updated + report.unchanged + report.quarantined, label
        planted = {bad.row for bad in export.bad_rows if bad.reason != "duplicate"}
        duplicates = {bad.row for bad in export.bad_rows if bad.reason == "duplicate"}
        quarantined = set(
            QuarantinedRow.objects.filter(run_id__in=report.runs).values_list("row_number", flat=True)
        )
        assert quarantined == planted, label
        # An exact copy of an earlier row is the same record again: counted unchanged, not lost.
        assert report.unchanged == len(duplicates), label
        if export.path.stem != export.source_system:  # the re-sent January export: new versions
            assert report.updated == report.read and report.inserted == 0, label
            continue
        assert report.inserted == report.read - len(planted) - len(duplicates), label
