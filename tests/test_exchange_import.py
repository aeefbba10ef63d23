"""The import pipeline: validate, store or register, quarantine, reconcile, re-import, pages."""

from __future__ import annotations

import csv
import json
import random
from io import StringIO
from pathlib import Path

import pyarrow as pa
import pytest
from django.core.management import call_command
from django.test import Client

from tests.conftest import PASSWORD, City, make_credit_code, make_id_number
from tests.powers_support import add_penalty_power, food_law_fixture  # noqa: F401
from zhifa.analytics import store
from zhifa.core.identifiers import ric_check_char, ric_problem, uscc_check_char, uscc_problem
from zhifa.core.models import AuditEntry
from zhifa.core.roles import Role
from zhifa.exchange import validation
from zhifa.exchange.actions import do_import_file, do_reprocess_quarantine
from zhifa.exchange.models import ImportRun, QuarantinedRow, QuarantineStatus, RunStatus
from zhifa.registry import actions as registry
from zhifa.registry.models import Entity

DATA = Path(__file__).parent / "data" / "exchange"
HEADER = [
    "source_id",
    "agency_code",
    "power_code",
    "entity_kind",
    "entity_credit_code",
    "entity_name",
    "officer_certificates",
    "started_at",
    "ended_at",
    "region_code",
    "origin",
    "result",
]


@pytest.fixture
def analytics_dir(settings, tmp_path: Path) -> Path:
    settings.ANALYTICS_DIR = tmp_path / "analytics"
    return settings.ANALYTICS_DIR


@pytest.fixture
def known(city: City, food_law) -> dict[str, str]:
    """An agency, a power and an entity the inspections may refer to."""
    power = add_penalty_power(city.market_wuxing, food_law)
    entity = registry.do_create_entity(
        None,
        registry.EntityInput(
            kind="enterprise",
            name="湖州好味食品有限公司",
            region_code="330502",
            credit_code=make_credit_code("330502", "91"),
        ),
    )
    return {"agency": city.market_wuxing.code, "power": power.code, "entity": entity.credit_code or ""}


def _row(known: dict[str, str], source_id: str, **changes: str) -> list[str]:
    values = {
        "source_id": source_id,
        "agency_code": known["agency"],
        "power_code": known["power"],
        "entity_kind": "enterprise",
        "entity_credit_code": known["entity"],
        "entity_name": "湖州好味食品有限公司",
        "officer_certificates": "3305001234/3305001235",
        "started_at": "2025-03-05T09:30:00+08:00",
        "ended_at": "2025-03-05T10:15:00+08:00",
        "region_code": "330502",
        "origin": "random",
        "result": "no_problem",
    }
    values.update(changes)
    return [values[name] for name in HEADER]


def _bad_check_digit(code: str) -> str:
    wrong = next(ch for ch in "0123456789ABCDEFGHJKLMNPQRTUWXY" if ch != code[-1])
    return code[:-1] + wrong


def _write(path: Path, rows: list[list[str]], extra_lines: list[str] = ()) -> Path:
    buffer = StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    path.write_text(buffer.getvalue() + "".join(line + "\n" for line in extra_lines), encoding="utf-8")
    return path


@pytest.fixture
def inspection_file(tmp_path: Path, known: dict[str, str]) -> Path:
    rows = [
        _row(known, "JC-1"),
        _row(known, "JC-2", result="rectification"),
        _row(known, "JC-3", entity_credit_code=_bad_check_digit(known["entity"])),  # row 4
        _row(known, "JC-4", region_code="999999"),  # row 5
        _row(known, "JC-5", agency_code=make_credit_code("330502")),  # row 6: unknown agency
        _row(known, "JC-6", started_at="2025-02-30T09:00:00+08:00"),  # row 7: bad date
        _row(known, "JC-7", ended_at="2025-03-05T08:00:00+08:00"),  # row 8: ended before started
        _row(known, "JC-8", region_code="999999", origin="weekly"),  # row 9: two reasons
    ]
    return _write(tmp_path / "inspections.csv", rows, ["合计,8 条"])  # row 10: malformed


def _reasons(sha: str) -> dict[int, set[str]]:
    return {q.row_number: set(q.reason_codes) for q in QuarantinedRow.objects.filter(file_sha256=sha)}


def test_good_rows_are_stored_and_bad_rows_quarantined_with_all_reasons(
    analytics_dir, inspection_file
) -> None:
    report = do_import_file(None, "inspection", [inspection_file], "hz_cgzf")
    assert report.as_dict()["read"] == 9
    assert (report.inserted, report.updated, report.unchanged, report.quarantined) == (2, 0, 0, 7)
    assert report.reconciled
    run = ImportRun.objects.get()
    assert run.status == RunStatus.SUCCEEDED and run.reconciled and run.read == 9
    assert _reasons(run.file_sha256) == {
        4: {"invalid_check_digit", "unknown_reference"},
        5: {"unknown_region"},
        6: {"unknown_reference"},
        7: {"invalid_date"},
        8: {"date_order"},
        9: {"unknown_region", "invalid_code"},
        10: {"malformed_row"},
    }
    assert run.reasons["unknown_region"] == 2
    malformed = QuarantinedRow.objects.get(row_number=10)
    assert malformed.raw.startswith("合计")
    assert "JC-3" in QuarantinedRow.objects.get(row_number=4).raw
    current = store.query("SELECT source_id, result, officer_certificates FROM inspection ORDER BY source_id")
    assert current.column("source_id").to_pylist() == ["JC-1", "JC-2"]
    assert current.column("officer_certificates").to_pylist()[0] == ["3305001234", "3305001235"]
    actions = set(
        AuditEntry.objects.filter(object_type="exchange.importrun").values_list("action", flat=True)
    )
    assert actions == {"exchange.import_start", "exchange.import_finish"}


def test_the_same_file_twice_adds_nothing(analytics_dir, inspection_file) -> None:
    do_import_file(None, "inspection", [inspection_file], "hz_cgzf")
    again = do_import_file(None, "inspection", [inspection_file], "hz_cgzf")
    assert (again.read, again.inserted, again.updated, again.unchanged, again.quarantined) == (9, 0, 0, 2, 7)
    assert QuarantinedRow.objects.count() == 7
    assert store.query("SELECT count(*) AS n FROM inspection_history").column("n")[0].as_py() == 2


def test_a_changed_record_supersedes_and_history_keeps_both(analytics_dir, tmp_path, known) -> None:
    do_import_file(None, "inspection", [_write(tmp_path / "a.csv", [_row(known, "JC-1")])], "hz_cgzf")
    changed = _write(tmp_path / "b.csv", [_row(known, "JC-1", result="case_filed")])
    report = do_import_file(None, "inspection", [changed], "hz_cgzf")
    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 0)
    assert store.query("SELECT result FROM inspection").column("result").to_pylist() == ["case_filed"]
    history = store.query("SELECT _record_version AS v FROM inspection_history ORDER BY v")
    assert history.column("v").to_pylist() == [1, 2]


def test_a_stale_running_run_is_superseded_and_resumed(analytics_dir, inspection_file) -> None:
    first = do_import_file(None, "inspection", [inspection_file], "hz_cgzf")
    run = ImportRun.objects.get(pk=first.runs[0])
    ImportRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)  # as after kill -9
    rerun = do_import_file(None, "inspection", [inspection_file], "hz_cgzf")
    run.refresh_from_db()
    assert run.status == RunStatus.SUPERSEDED
    assert ImportRun.objects.get(pk=rerun.runs[0]).run_id == run.run_id
    assert rerun.inserted == 2 and rerun.reconciled  # the committed batch is skipped with its counts
    assert store.query("SELECT count(*) AS n FROM inspection_history").column("n")[0].as_py() == 2


def test_example_mapping_imports_through_the_command(analytics_dir, city) -> None:
    out = StringIO()
    call_command(
        "import_records",
        "inspection",
        str(DATA / "city_inspections.csv"),
        "--source",
        "huzhou-cgzf",
        "--mapping",
        str(DATA / "city_inspections.yaml"),
        "--json",
        stdout=out,
    )
    report = json.loads(out.getvalue())
    assert set(report) == {"read", "inserted", "updated", "unchanged", "quarantined", "reasons", "seconds"}
    assert report["read"] == 5
    assert (
        report["read"] == report["inserted"] + report["updated"] + report["unchanged"] + report["quarantined"]
    )
    # The example's agency and power are not registered here: every row is quarantined, with reasons.
    assert report["quarantined"] == 5 and report["reasons"]["malformed_row"] == 1
    assert report["reasons"]["unknown_code"] == 1 and report["reasons"]["invalid_date"] == 1
    run = ImportRun.objects.get()
    assert run.mapping_hash and run.source_system == "huzhou-cgzf"


def test_reprocess_after_the_referenced_agency_is_registered(analytics_dir, tmp_path, known, city) -> None:
    new_code = make_credit_code("330502")
    path = _write(tmp_path / "x.csv", [_row(known, "JC-9", agency_code=new_code)])
    first = do_import_file(None, "inspection", [path], "hz_cgzf")
    assert first.quarantined == 1
    registry.do_create_agency(
        None,
        registry.AgencyInput(
            code=new_code,
            name="新设执法局",
            kind="statutory",
            region_code="330502",
            domain_codes=["market_regulation"],
        ),
    )
    again = do_reprocess_quarantine(None, first.runs[0])
    assert (again.read, again.inserted, again.quarantined) == (1, 1, 0)
    assert QuarantinedRow.objects.get().status == QuarantineStatus.REPROCESSED
    assert store.query("SELECT source_id FROM inspection").column("source_id").to_pylist() == ["JC-9"]


def test_entity_family_registers_entities_through_actions(analytics_dir, tmp_path, city) -> None:
    header = "source_id,entity_kind,name,credit_code,id_number,region_code,address\n"
    code = make_credit_code("330502", "91")
    person = make_id_number("330502")
    lines = [
        f"E1,enterprise,湖州甲公司,{code},,330502,人民路1号",
        f"E2,person,张三,,{person},330502,",
        f"E3,enterprise,湖州乙公司,{_bad_check_digit(make_credit_code('330502', '91'))},,330502,",
    ]
    path = tmp_path / "entities.csv"
    path.write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    report = do_import_file(None, "entity", [path], "hz_scjg")
    assert (report.read, report.inserted, report.quarantined) == (3, 2, 1)
    created = Entity.objects.get(credit_code=code)
    assert created.name == "湖州甲公司" and created.address == "人民路1号"
    assert AuditEntry.objects.filter(action="registry.entity_create", object_id=str(created.pk)).exists()
    again = do_import_file(None, "entity", [path], "hz_scjg")
    assert (again.inserted, again.unchanged, again.quarantined) == (0, 2, 1)
    path.write_text(header + lines[0].replace("人民路1号", "人民路2号") + "\n", encoding="utf-8")
    changed = do_import_file(None, "entity", [path], "hz_scjg")
    assert changed.updated == 1
    assert AuditEntry.objects.filter(action="registry.entity_update", object_id=str(created.pk)).exists()


def test_vectorised_check_digits_agree_with_identifiers() -> None:
    rng = random.Random(4)
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    credit: list[str] = []
    ids: list[str] = []
    for _ in range(400):
        body = rng.choice(["91", "11", "92"]) + "330502" + "".join(rng.choice(alphabet) for _ in range(9))
        right = uscc_check_char(body)
        credit.append(body + (right if rng.random() < 0.5 else rng.choice(alphabet)))
        birth = f"{rng.randint(1930, 2010)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        id_body = f"330502{birth}{rng.randint(0, 999):03d}"
        ids.append(id_body + (ric_check_char(id_body) if rng.random() < 0.5 else rng.choice("0123456789X")))
    got_credit = validation.uscc_check_mask(pa.array(credit)).to_pylist()
    got_ids = validation.ric_check_mask(pa.array(ids)).to_pylist()
    assert got_credit == [uscc_problem(c) is None for c in credit]
    assert got_ids == [ric_problem(i) is None for i in ids]
    assert any(got_credit) and not all(got_credit)


def test_pages_render_for_a_supervisor_and_are_forbidden_for_an_officer(
    analytics_dir, inspection_file, users
) -> None:
    report = do_import_file(None, "inspection", [inspection_file], "hz_cgzf")
    pk = report.runs[0]
    supervisor = Client()
    supervisor.login(username=users[Role.SUPERVISOR].username, password=PASSWORD)
    listing = supervisor.get("/exchange/runs/")
    assert listing.status_code == 200 and "inspections.csv" in listing.content.decode()
    detail = supervisor.get(f"/exchange/runs/{pk}/")
    assert detail.status_code == 200 and "unknown_region" in detail.content.decode()
    exported = supervisor.get(f"/exchange/runs/{pk}/quarantine.csv")
    text = b"".join(exported.streaming_content).decode("utf-8-sig")
    assert exported.status_code == 200 and "malformed_row" in text and "合计" in text
    assert "数据交换" in supervisor.get("/").content.decode()
    officer = Client()
    officer.login(username=users[Role.OFFICER].username, password=PASSWORD)
    assert officer.get("/exchange/runs/").status_code == 403
    assert officer.get(f"/exchange/runs/{pk}/").status_code == 403
    assert officer.get(f"/exchange/runs/{pk}/quarantine.csv").status_code == 403
    assert officer.post(f"/exchange/runs/{pk}/reprocess/").status_code == 403


def test_the_command_refreshes_stale_indicator_values(analytics_dir, tmp_path, known) -> None:
    """New facts change indicator values: `zhifa import` refreshes the materialized periods whose
    facts changed (and warms the running year); `--no-refresh` leaves that to the next read."""
    from zhifa.analytics import store
    from zhifa.indicators import engine, queries
    from zhifa.indicators.models import IndicatorValue

    store.snapshot_registry()

    def run(name: str, source_id: str, *flags: str) -> None:
        path = _write(tmp_path / name, [_row(known, source_id)])
        out = StringIO()
        call_command(
            "import_records", "inspection", str(path), "--source", "hz_cgzf", "--json", *flags, stdout=out
        )
        assert json.loads(out.getvalue())["inserted"] == 1

    def stored() -> IndicatorValue:
        return IndicatorValue.objects.get(period="2025", slug="inspections", key=known["agency"])

    run("a.csv", "JC-1")
    queries.indicator_values("2025")  # materializes the closed year
    assert stored().value == 1
    run("b.csv", "JC-2", "--no-refresh")
    assert stored().value == 1
    run("c.csv", "JC-3")
    assert stored().value == 3
    assert stored().fingerprint == queries.fingerprint(engine.parse_period("2025"))
