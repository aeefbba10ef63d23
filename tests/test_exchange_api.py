"""Exchange API: import runs (list, filters, detail), their quarantine, re-processing it through
the run's own mapping only; supervisors read and re-process, the sysadmin reads, agency roles 403."""

from __future__ import annotations

import pytest

from tests.conftest import make_credit_code
from tests.powers_support import food_law_fixture  # noqa: F401
from tests.test_exchange_import import _row, _write, analytics_dir, inspection_file, known  # noqa: F401
from zhifa.core.roles import Role
from zhifa.exchange.actions import do_import_file
from zhifa.exchange.models import ImportRun, QuarantineStatus
from zhifa.registry import actions as registry


@pytest.fixture
def run_pk(analytics_dir, inspection_file) -> int:  # noqa: F811
    return do_import_file(None, "inspection", [inspection_file], "hz_cgzf").runs[0]


def test_runs_are_listed_paged_and_filtered(api_as, run_pk, tmp_path, known) -> None:  # noqa: F811
    do_import_file(None, "inspection", [_write(tmp_path / "b.csv", [_row(known, "JC-20")])], "hz_other")
    supervisor = api_as(Role.SUPERVISOR)
    body = supervisor.get("/exchange/runs").json()
    assert body["count"] == 2
    first = next(r for r in body["items"] if r["id"] == run_pk)
    assert first["file_name"] == "inspections.csv" and first["status"] == "succeeded"
    assert first["status_display"] == "成功" and first["reconciled"] is True
    assert (first["read"], first["inserted"], first["quarantined"]) == (9, 2, 7)
    assert [
        r["source_system"] for r in supervisor.get("/exchange/runs", source="hz_other").json()["items"]
    ] == ["hz_other"]
    assert supervisor.get("/exchange/runs", family="complaint").json()["count"] == 0
    assert supervisor.get("/exchange/runs", status="failed").json()["count"] == 0
    assert len(supervisor.get("/exchange/runs", limit=1).json()["items"]) == 1


def test_run_detail_has_counts_reasons_and_open_quarantine(api_as, run_pk) -> None:
    detail = api_as(Role.SYSADMIN).get(f"/exchange/runs/{run_pk}")
    assert detail.status_code == 200
    body = detail.json()
    assert body["quarantine_open"] == body["quarantined"] == 7
    assert body["reasons"]["malformed_row"] == 1 and body["reasons"]["unknown_region"] == 2
    assert body["mapping"] == "" and body["actor_username"] == "system"


def test_quarantine_is_paged_with_raw_rows_and_reasons(api_as, run_pk) -> None:
    supervisor = api_as(Role.SUPERVISOR)
    body = supervisor.get(f"/exchange/runs/{run_pk}/quarantine", limit=3).json()
    assert body["count"] == 7 and [r["row_number"] for r in body["items"]] == [4, 5, 6]
    row9 = supervisor.get(f"/exchange/runs/{run_pk}/quarantine", offset=5, limit=1).json()["items"][0]
    assert row9["row_number"] == 9 and row9["status"] == "open" and row9["status_display"] == "待处理"
    assert {r["code"] for r in row9["reasons"]} == {"unknown_region", "invalid_code"}
    assert all(r["message"] for r in row9["reasons"]) and "JC-8" in row9["raw"]
    assert supervisor.get(f"/exchange/runs/{run_pk}/quarantine", status="reprocessed").json()["count"] == 0


def test_reprocess_uses_the_runs_own_mapping_and_answers_the_new_run(
    api_as,
    analytics_dir,  # noqa: F811
    tmp_path,
    known,  # noqa: F811
    city,
) -> None:
    new_code = make_credit_code("330502")
    path = _write(tmp_path / "x.csv", [_row(known, "JC-9", agency_code=new_code)])
    first = do_import_file(None, "inspection", [path], "hz_cgzf").runs[0]
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
    supervisor = api_as(Role.SUPERVISOR)
    assert api_as(Role.SYSADMIN).post(f"/exchange/runs/{first}/reprocess", {}).status_code == 403
    response = supervisor.post(f"/exchange/runs/{first}/reprocess", {"mapping_path": "/etc/passwd"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id"] != first and (body["read"], body["inserted"], body["quarantined"]) == (1, 1, 0)
    assert body["mapping"] == "" and ImportRun.objects.get(pk=body["id"]).mapping_name == ""
    row = supervisor.get(f"/exchange/runs/{first}/quarantine").json()["items"][0]
    assert row["status"] == QuarantineStatus.REPROCESSED
    assert supervisor.get(f"/exchange/runs/{first}").json()["quarantine_open"] == 0


@pytest.mark.parametrize("role", [Role.OFFICER, Role.AGENCY_LEAD, Role.LEGAL_REVIEWER, Role.AGENCY_ADMIN])
def test_agency_roles_are_forbidden(api_as, run_pk, role) -> None:
    client = api_as(role)
    for path in ("/exchange/runs", f"/exchange/runs/{run_pk}", f"/exchange/runs/{run_pk}/quarantine"):
        response = client.get(path)
        assert response.status_code == 403 and response.json()["code"] == "permission_denied", path
    assert client.post(f"/exchange/runs/{run_pk}/reprocess", {}).status_code == 403


def test_a_missing_run_is_404_in_the_error_envelope(api_as, run_pk) -> None:
    supervisor = api_as(Role.SUPERVISOR)
    for response in (
        supervisor.get(f"/exchange/runs/{run_pk + 999}"),
        supervisor.get(f"/exchange/runs/{run_pk + 999}/quarantine"),
        supervisor.post(f"/exchange/runs/{run_pk + 999}/reprocess", {}),
    ):
        assert response.status_code == 404
        assert response.json() == {"code": "not_found", "message": "记录不存在", "field": None}


def test_openapi_still_builds_with_the_exchange_paths(api_as) -> None:
    response = api_as(Role.SUPERVISOR).get("/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {
        "/api/v1/exchange/runs",
        "/api/v1/exchange/runs/{run_pk}",
        "/api/v1/exchange/runs/{run_pk}/quarantine",
        "/api/v1/exchange/runs/{run_pk}/reprocess",
    } <= set(paths)
    assert "requestBody" not in paths["/api/v1/exchange/runs/{run_pk}/reprocess"]["post"]
