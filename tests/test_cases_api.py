"""Scenario through the API: a major general-procedure case from filing to archive, and the scope
of case reads."""

from __future__ import annotations

import pytest

from tests.conftest import ApiClient, make_user
from tests.powers_support import food_law_fixture  # noqa: F401
from tests.test_cases_procedure import Desk
from zhifa.core.models import AuditEntry
from zhifa.core.roles import Role
from zhifa.documents.models import IssuedDocument


@pytest.fixture
def desk(city, users, food_law) -> Desk:
    return Desk(city, users, food_law)


def test_general_procedure_from_filing_to_archive(desk):
    case = desk.file(major=True)
    case_id = case["id"]
    assert case["state"] == "filed" and case["number"].endswith("〔2026〕1号")
    assert [t["name"] for t in case["transitions"]] == ["investigate", "extend_deadline"]
    assert desk.step(case_id, "investigate", on="2026-09-02")["state"] == "investigating"
    assert desk.step(case_id, "submit_review", on="2026-09-20")["state"] == "reviewing"
    detail = desk.step(
        case_id, "serve_notice", on="2026-09-21", proposed_kinds=["fine"], proposed_fine="60000"
    )
    assert detail["state"] == "notified"
    assert not any(c["code"] == "hearing_request" for c in detail["clocks"])  # no hearing right at 60000
    desk.step(case_id, "receive_statement", on="2026-09-23", text="请求从轻处罚")
    desk.step(case_id, "answer_statement", on="2026-09-24", text="经复核，部分采纳", adopted=True)
    assert desk.step(case_id, "submit_legal_review", on="2026-09-25")["state"] == "legal_review"
    desk.step(case_id, "approve_legal_review", on="2026-09-28", opinion="事实清楚，依据正确，裁量适当")
    assert (
        desk.step(case_id, "start_collective_discussion", on="2026-09-29")["state"] == "collective_discussion"
    )
    desk.step(case_id, "record_collective_discussion", on="2026-09-30", conclusion="同意罚款60000元")
    detail = desk.step(case_id, "decide", **desk.decision(on="2026-10-09"))
    assert detail["state"] == "decided" and detail["flagged_for_supervision"] is False
    assert detail["decision_basis"] == "《食品安全法》第一百二十二条第一款"
    clocks = {c["code"]: c for c in detail["clocks"]}
    assert clocks["decision"]["state"] == "met" and clocks["decision"]["due_on"] == "2026-11-30"
    assert clocks["service"]["state"] == "running" or clocks["service"]["state"] == "overdue"
    detail = desk.step(case_id, "serve", on="2026-10-10", method="direct")
    assert detail["state"] == "served"
    clocks = {c["code"]: c for c in detail["clocks"]}
    assert clocks["service"]["state"] == "met"
    assert (
        clocks["payment"]["due_on"] == "2026-10-26"
    )  # 15 days from 10 October 2026 (a Saturday → next working day)
    assert desk.step(case_id, "start_execution", on="2026-10-12")["state"] == "executing"
    desk.step(case_id, "record_payment", on="2026-10-20", amount="60000")
    detail = desk.step(case_id, "close", on="2026-10-21", summary="罚款已缴清")
    assert detail["state"] == "closed" and detail["paid_on"] == "2026-10-20"
    detail = desk.step(case_id, "archive", on="2026-10-22")
    assert detail["state"] == "archived" and detail["transitions"] == []
    assert {c["code"]: c["state"] for c in detail["clocks"]}["payment"] == "met"
    # the timeline is the audit trail of the case and its steps, in order
    actions = [e["action"] for e in detail["timeline"] if e["object_type"] == "cases.case"]
    assert actions == [
        "cases.case_file",
        "cases.investigate",
        "cases.submit_review",
        "cases.serve_notice",
        "cases.receive_statement",
        "cases.answer_statement",
        "cases.submit_legal_review",
        "cases.approve_legal_review",
        "cases.start_collective_discussion",
        "cases.record_collective_discussion",
        "cases.decide",
        "cases.serve",
        "cases.start_execution",
        "cases.record_payment",
        "cases.close",
        "cases.archive",
    ]
    assert len(detail["steps"]) == 16  # the filing approval and the 15 transitions
    # the prior notice and the decision were issued as numbered documents with the case number
    numbers = {s["code"]: s["data"].get("document_number") for s in detail["steps"]}
    assert "告" in numbers["serve_notice"] and "罚" in numbers["decide"]
    issued = IssuedDocument.objects.filter(case_ref=detail["number"]).order_by("id")
    assert [d.kind for d in issued] == [
        "filing_approval",
        "prior_notice",
        "penalty_decision",
        "service_receipt",
        "closing_report",
    ]
    decision_doc = issued[2]
    assert decision_doc.number in issued[3].context["served_document"]
    assert decision_doc.context["fine_amount"] == "60000"
    assert decision_doc.context["party_address"] == "湖州市吴兴区凤凰路1号"
    assert "第一百二十二条" in decision_doc.context["legal_basis"]
    assert AuditEntry.objects.filter(object_type="cases.casestep").count() == 16
    assert desk.supervisor.get("/cases/overdue").json() == []


def test_case_reads_are_scoped(desk, city, users):
    case_id = desk.file()["id"]
    assert [c["id"] for c in desk.officer.get("/cases").json()] == [case_id]
    assert [c["id"] for c in desk.supervisor.get("/cases").json()] == [case_id]
    other = ApiClient(make_user(Role.OFFICER, city.other_city))
    assert other.get("/cases").json() == []
    assert other.get(f"/cases/{case_id}").status_code == 404
    assert other.post(f"/cases/{case_id}/transitions/investigate", {}).status_code == 404
    hangzhou_supervisor = ApiClient(make_user(Role.SUPERVISOR, region="330100"))
    assert hangzhou_supervisor.get(f"/cases/{case_id}").status_code == 404
    auditor = ApiClient(users[Role.AUDITOR])
    assert auditor.get("/cases").status_code == 403
    # the supervisor reads but does not act
    response = desk.supervisor.post(f"/cases/{case_id}/transitions/investigate", {})
    assert response.status_code == 403
    response = desk.supervisor.post("/cases", {})
    assert response.status_code == 422  # body checked first …
    admin = ApiClient(users[Role.AGENCY_ADMIN])
    assert admin.get(f"/cases/{case_id}").status_code == 200


def test_procedure_table_and_body_validation(desk):
    table = desk.officer.get("/cases/procedure").json()
    decide = next(t for t in table if t["name"] == "decide")
    assert decide["to"] == "decided" and "第五十九条" in decide["article"]
    case_id = desk.file()["id"]
    response = desk.officer.post(f"/cases/{case_id}/transitions/investigate", {"on": "not a date"})
    assert response.status_code == 422 and response.json()["code"] == "invalid"
    response = desk.officer.post(f"/cases/{case_id}/transitions/investigate", {"on": "2030-01-01"})
    assert response.json()["code"] == "invalid_date"
    response = desk.officer.post(f"/cases/{case_id}/transitions/investigate", {"on": "2026-08-01"})
    assert response.json()["code"] == "invalid_date_order"


def test_decision_needs_the_party_address_and_evidence(desk):
    parties = [{"kind": "organisation", "name": "某商行"}]
    case_id = desk.to_notified(parties=parties)
    payload = desk.refused(case_id, "decide", "decision_incomplete", **desk.decision(evidence=""))
    assert payload["field"] == "evidence"
    assert "某商行的地址" in payload["message"]
