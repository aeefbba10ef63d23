"""Scenario through the API: a major general-procedure case from filing to archive, a second one
with a hearing (together every document of the general procedure), a summary case with its
on-the-spot decision, a revoked decision taken off the public feed, and the scope of case reads."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from tests.conftest import ApiClient, make_id_number, make_user
from tests.powers_support import food_law_fixture  # noqa: F401
from tests.test_cases_procedure import Desk
from zhifa.core.models import AuditEntry
from zhifa.core.roles import Role
from zhifa.disclosure.actions import overdue_withdrawals
from zhifa.disclosure.models import Disclosure
from zhifa.documents.kinds import DocumentKind
from zhifa.documents.models import IssuedDocument
from zhifa.rules import clocks


@pytest.fixture
def desk(city, users, food_law) -> Desk:
    return Desk(city, users, food_law)


def test_general_procedure_from_filing_to_archive(desk):
    detail = _major_case_to_archive(desk)
    issued = IssuedDocument.objects.filter(case_ref=detail["number"]).order_by("id")
    assert [d.kind for d in issued] == [
        "filing_approval",
        "inspection_record",
        "inquiry_record",
        "rectification_order",
        "prior_notice",
        "penalty_decision",
        "service_receipt",
        "closing_report",
    ]
    decision_doc = issued[5]
    assert decision_doc.number in issued[6].context["served_document"]
    assert decision_doc.context["fine_amount"] == "60000"
    assert decision_doc.context["party_address"] == "湖州市吴兴区凤凰路1号"
    assert "第一百二十二条" in decision_doc.context["legal_basis"]
    # the records name both officers with their certificate numbers (Art. 55)
    for record in issued[1:3]:
        for officer in (desk.o1, desk.o2):
            assert officer.name in record.context["officers"]
            assert officer.certificates.first().number in record.context["officers"]
    assert issued[3].context["rectification_deadline"] == "2026-09-15"
    assert AuditEntry.objects.filter(object_type="cases.casestep").count() == 19
    assert desk.supervisor.get("/cases/overdue").json() == []


def _major_case_to_archive(desk: Desk) -> dict:
    """A major case without a hearing, with inspection, inquiry and an order to correct."""
    case = desk.file(major=True)
    case_id = case["id"]
    assert case["state"] == "filed" and case["number"].endswith("〔2026〕1号")
    assert [t["name"] for t in case["transitions"]] == [
        "investigate",
        "record_inspection",
        "record_inquiry",
        "extend_deadline",
    ]
    assert desk.step(case_id, "investigate", on="2026-09-02")["state"] == "investigating"
    detail = desk.step(
        case_id,
        "record_inspection",
        on="2026-09-03",
        place="湖州市吴兴区凤凰路1号经营场所",
        present_person="李某（店长）",
        content="现场发现预包装食品在售，未见食品经营许可证",
    )
    assert detail["state"] == "investigating"
    desk.step(
        case_id,
        "record_inquiry",
        on="2026-09-04",
        interviewee="李某（店长）",
        time="2026-09-04 09:30至10:10",
        place="本局询问室",
        content="问：是否取得食品经营许可？答：尚未取得。",
    )
    desk.step(
        case_id,
        "order_rectification",
        on="2026-09-05",
        requirement="立即停止未经许可的食品销售活动",
        deadline="2026-09-15",
    )
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
    assert detail["state"] == "archived"
    assert [t["name"] for t in detail["transitions"]] == ["revoke_decision"]  # Art. 48 para. 2
    assert {c["code"]: c["state"] for c in detail["clocks"]}["payment"] == "met"
    # the timeline is the audit trail of the case and its steps, in order
    actions = [e["action"] for e in detail["timeline"] if e["object_type"] == "cases.case"]
    assert actions == [
        "cases.case_file",
        "cases.investigate",
        "cases.record_inspection",
        "cases.record_inquiry",
        "cases.order_rectification",
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
    assert len(detail["steps"]) == 19  # the filing approval and the 18 transitions
    # each document is issued by its step, numbered, its number kept in the step's data
    numbers = {s["code"]: s["data"].get("document_number") for s in detail["steps"]}
    assert "告" in numbers["serve_notice"] and "罚" in numbers["decide"]
    assert "检" in numbers["record_inspection"] and "询" in numbers["record_inquiry"]
    assert "责改" in numbers["order_rectification"]
    return detail


def _hearing_case_to_service(desk: Desk) -> dict:
    """A case whose party asks for a hearing: 听证告知书 with the notice, 听证通知书; then legal
    review and collective discussion (a hearing makes it major), decision, order to correct, service."""
    notice = {
        "on": "2026-09-21",
        "proposed_kinds": ["fine"],
        "proposed_fine": "60000",
        "hearing_offered": True,
    }
    case_id = desk.to_notified(notice=notice)
    desk.step(case_id, "request_hearing", on="2026-09-22")
    desk.step(
        case_id,
        "notify_hearing",
        on="2026-09-23",
        hearing_on="2026-10-12",
        place="第一听证室",
        chair_officer_id=desk.o3.pk,
    )
    desk.step(case_id, "hold_hearing", on="2026-10-12", record="当事人对事实无异议，请求从轻")
    desk.step(case_id, "submit_legal_review", on="2026-10-13")
    desk.step(case_id, "approve_legal_review", on="2026-10-14", opinion="同意")
    desk.step(case_id, "start_collective_discussion", on="2026-10-15")
    desk.step(case_id, "record_collective_discussion", on="2026-10-15", conclusion="同意罚款60000元")
    desk.step(case_id, "decide", **desk.decision(on="2026-10-16"))
    desk.step(
        case_id,
        "order_rectification",
        on="2026-10-16",
        requirement="办理食品经营许可后方可经营",
        deadline="2026-11-16",
    )
    return desk.step(case_id, "serve", on="2026-10-16")


GENERAL_KINDS = {
    k.value
    for k in (
        DocumentKind.FILING_APPROVAL,
        DocumentKind.INSPECTION_RECORD,
        DocumentKind.INQUIRY_RECORD,
        DocumentKind.RECTIFICATION_ORDER,
        DocumentKind.PRIOR_NOTICE,
        DocumentKind.HEARING_NOTICE_OF_RIGHT,
        DocumentKind.HEARING_NOTICE,
        DocumentKind.PENALTY_DECISION,
        DocumentKind.SERVICE_RECEIPT,
        DocumentKind.CLOSING_REPORT,
    )
}


def test_two_general_cases_issue_every_document_of_the_general_procedure(desk):
    """立案审批表, 现场检查笔录, 询问笔录, 责令改正通知书, 行政处罚事先告知书, 听证告知书,
    听证通知书, 行政处罚决定书, 送达回证, 结案报告: each issued, numbered, through /api/v1."""
    first = _major_case_to_archive(desk)
    second = _hearing_case_to_service(desk)
    documents = IssuedDocument.objects.filter(case_ref__in=[first["number"], second["number"]])
    by_kind = {d.kind: d.number for d in documents}
    assert set(by_kind) == GENERAL_KINDS and len(GENERAL_KINDS) == 10
    assert all(by_kind.values())
    hearing = {s["code"]: s["data"] for s in second["steps"]}
    assert "听告" in hearing["serve_notice"]["hearing_document_number"]
    assert "听通" in hearing["notify_hearing"]["document_number"]
    assert second["state"] == "served"


def test_summary_case_issues_the_on_the_spot_decision(desk):
    case = desk.file(
        procedure="summary",
        filed_on="2026-10-01",
        violation_started_on="2026-10-01",
        violation_ended_on="2026-10-01",
        parties=[{"kind": "person", "name": "过路人王某"}],  # a passer-by: no ID number at hand
        facts="在禁止区域摆摊销售散装食品",
        place="湖州市吴兴区凤凰路与红旗路交叉口",
        penalty_kinds=["fine"],
        fine_amount="50",
        performance="当场缴纳",
        remedies="可在六十日内申请行政复议，或在六个月内提起行政诉讼",
    )
    assert case["state"] == "decided"
    number = case["steps"][0]["data"]["document_number"]
    assert case["steps"][0]["code"] == "file" and "简罚" in number
    decision = IssuedDocument.objects.get(case_ref=case["number"], kind="summary_decision")
    assert decision.number == number and decision.title == "当场行政处罚决定书"
    context = decision.context
    assert context["violation_place"] == "湖州市吴兴区凤凰路与红旗路交叉口"
    assert context["violation_time"] == "2026-10-01" and context["fine_amount"] == "50"
    assert "行政复议" in context["remedies"] and context["agency_name"] == desk.agency.name
    for officer in (desk.o1, desk.o2):
        assert officer.name in context["officers"]
        assert officer.certificates.first().number in context["officers"]
    served = desk.step(case["id"], "serve", on="2026-10-01")
    receipt = IssuedDocument.objects.get(case_ref=case["number"], kind="service_receipt")
    assert receipt.context["served_document"] == f"当场行政处罚决定书 {number}"
    assert served["steps"][-1]["data"]["document_number"] == receipt.number


def test_revoked_decision_is_withdrawn_from_the_public_feed(desk):
    party = {
        "kind": "person",
        "name": "欧阳明远",
        "id_number": make_id_number("330502"),
        "address": "某路8号",
    }
    notice = {
        "on": "2026-09-21",
        "proposed_kinds": ["fine"],
        "proposed_fine": "60000",
        "hearing_offered": True,
    }
    case_id = desk.to_notified(notice=notice, parties=[party])
    desk.step(case_id, "decide", **desk.decision())
    detail = desk.step(case_id, "serve", on="2026-10-12")
    number = detail["number"]
    decision_number = next(s for s in detail["steps"] if s["code"] == "decide")["data"]["document_number"]
    public = Client()
    feed = public.get("/api/v1/disclosures").json()
    assert [i["decision_number"] for i in feed["items"]] == [decision_number]

    # revoked today: the withdrawal is due 3 working days later and made at once (not overdue)
    today = dt.date.today()
    body = {"on": today.isoformat(), "ground": "litigation", "outcome": "revoked", "reason": "主要证据不足"}
    assert desk.officer.post(f"/cases/{case_id}/transitions/revoke_decision", body).status_code == 403
    desk.refused(case_id, "revoke_decision", "invalid_choice", as_=desk.lead, **(body | {"outcome": "gone"}))
    desk.refused(case_id, "revoke_decision", "invalid_choice", as_=desk.lead, **(body | {"ground": "x"}))
    detail = desk.step(
        case_id, "revoke_decision", as_=desk.lead, document_number="（2026）浙0502行初1号", **body
    )
    assert detail["decision_status"] == "revoked" and detail["state"] == "served"
    due = clocks.period_end(today, "disclosure_withdrawal_days", desk.agency.region)
    step = detail["steps"][-1]["data"]
    assert step["disclosure_withdrawn"] is True and step["withdraw_due_on"] == due.isoformat()

    assert public.get("/api/v1/disclosures").json()["items"] == []
    withdrawals = public.get("/api/v1/disclosures/withdrawals").json()
    items = withdrawals["items"] if isinstance(withdrawals, dict) else withdrawals
    assert [w["decision_number"] for w in items] == [decision_number]
    assert "行政诉讼" in items[0]["reason"] and "主要证据不足" in items[0]["reason"]
    disclosure = Disclosure.objects.get(case_ref=number)
    assert disclosure.withdraw_due_at is not None and not overdue_withdrawals().exists()
    audited = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"cases.revoke_decision", "disclosure.request_withdrawal", "disclosure.withdraw"} <= audited

    # a revoked decision is not executed, and cannot be revoked again
    desk.refused(case_id, "record_payment", "decision_revoked", on=today.isoformat(), amount="60000")
    desk.refused(case_id, "revoke_decision", "decision_already_revoked", as_=desk.lead, **body)


def test_changed_decision_is_republished(desk):
    party = {"kind": "organisation", "name": "湖州某某食品有限公司", "address": "凤凰路1号"}
    case_id = desk.to_notified(parties=[party])
    desk.step(case_id, "decide", **desk.decision())
    number = desk.step(case_id, "serve", on="2026-10-12")["number"]
    body = {
        "on": "2026-11-02",
        "ground": "reconsideration",
        "outcome": "changed",
        "reason": "复议机关认定罚款数额过高",
        "fine_amount": "30000",
    }
    detail = desk.step(case_id, "revoke_decision", as_=desk.lead, **body)
    assert detail["decision_status"] == "changed" and detail["fine_amount"] == "30000.00"
    versions = Disclosure.objects.filter(case_ref=number).order_by("version")
    assert [(d.version, d.status) for d in versions] == [(1, "withdrawn"), (2, "published")]
    items = Client().get("/api/v1/disclosures").json()["items"]
    assert [i["fields"]["fine_amount"] for i in items] == ["30000.00"]


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
