"""Master-data snapshots as a user-facing action: permissions, audit, the command, and the
importer keeping the store's copy of the registry current."""

from __future__ import annotations

import csv
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.conftest import City, make_id_number
from zhifa.analytics import store
from zhifa.analytics.actions import do_snapshot_registry
from zhifa.core.errors import ActionError
from zhifa.core.models import AuditEntry
from zhifa.core.roles import Role
from zhifa.exchange.actions import do_import_file


@pytest.fixture(autouse=True)
def analytics_dir(settings, tmp_path: Path) -> Path:
    settings.ANALYTICS_DIR = tmp_path / "analytics"
    return settings.ANALYTICS_DIR


def _agency_codes() -> set[str]:
    return {row["agency_code"] for row in store.query("SELECT agency_code FROM agency").to_pylist()}


def test_a_supervisor_snapshots_the_registry_and_it_is_audited(city: City, users) -> None:
    written = do_snapshot_registry(users[Role.SUPERVISOR], ["agency", "officer"])
    assert written == {"agency": 4, "officer": 3}
    assert _agency_codes() == {
        city.market_city.code,
        city.market_wuxing.code,
        city.ecology_nanxun.code,
        city.other_city.code,
    }
    entry = AuditEntry.objects.filter(action="analytics.snapshot").latest("seq")
    assert entry.actor_username == users[Role.SUPERVISOR].username
    assert json.loads(entry.after) == written


def test_agency_roles_may_not_snapshot_and_unknown_families_are_named(city: City, users) -> None:
    with pytest.raises(ActionError) as refused:
        do_snapshot_registry(users[Role.OFFICER])
    assert refused.value.status == 403
    with pytest.raises(ActionError) as unknown:
        do_snapshot_registry(None, ["agency", "inspection"])
    assert unknown.value.code == "unknown_family" and "inspection" in unknown.value.message


def test_the_command_prints_rows_per_family(city: City) -> None:
    out = StringIO()
    call_command("snapshot_registry", "agency", "--json", stdout=out)
    assert json.loads(out.getvalue()) == {"agency": 4}


def test_a_master_data_import_refreshes_the_family_snapshot(city: City, tmp_path: Path) -> None:
    do_snapshot_registry(None, ["officer"])
    before = store.query("SELECT count(*) AS n FROM officer").to_pylist()[0]["n"]
    path = tmp_path / "officers.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(
            ["source_id", "id_number", "name", "agency_code", "role", "status", "has_legal_qualification"]
        )
        out.writerow(
            [
                "P1",
                make_id_number("330502"),
                "陈刚",
                city.market_wuxing.code,
                "field_officer",
                "active",
                "false",
            ]
        )
    report = do_import_file(None, "officer", [path], "hr")
    assert report.inserted == 1
    assert store.query("SELECT count(*) AS n FROM officer").to_pylist()[0]["n"] == before + 1
