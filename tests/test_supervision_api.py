"""Disposition of clues through the API: triage → notice → rectification report with evidence →
verification → closed; notice → deadline passes → escalation → decision → closed; the warning
path; guards (role 403, scope 404, after close 409, a deadline in the past); the docs' table."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.conftest import make_user
from tests.test_supervision_support import make_clue, make_justice_bureau
from zhifa.clues.models import Clue
from zhifa.core.audit import verify_chain
from zhifa.core.models import AuditEntry
from zhifa.core.roles import Role
from zhifa.documents.models import IssuedDocument
from zhifa.supervision import actions
from zhifa.supervision.models import Disposition
from zhifa.supervision.procedure import markdown_table

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()
DOCS = Path(__file__).resolve().parents[1] / "docs" / "supervision.md"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def justice(city):
    return make_justice_bureau()


def _open(api_as, clue) -> dict:
    answer = api_as(Role.SUPERVISOR).post("/supervision/dispositions", {"clue_id": clue.pk})
    assert answer.status_code == 201, answer.content
    return answer.json()


def _run(client, disposition_id: int, name: str, body: dict | None = None, status: int = 200) -> dict:
    answer = client.post(f"/supervision/dispositions/{disposition_id}/transitions/{name}", body or {})
    assert answer.status_code == status, answer.content.decode()
    return answer.json()


def _upload(client, case_ref: str, content: bytes) -> int:
    from django.core.files.uploadedfile import SimpleUploadedFile

    answer = client.client.post(
        "/api/v1/evidence",
        {
            "case_ref": case_ref,
            "step": "整改报告",
            "kind": "documentary",
            "title": "整改台账",
            "file": SimpleUploadedFile("整改台账.pdf", content, content_type="application/pdf"),
        },
        headers=client.headers,
    )
    assert answer.status_code == 201, answer.content
    return answer.json()["id"]


def test_clue_goes_through_notice_rectification_and_verification_to_closed(api_as, users, city, justice):
    supervisor, lead = api_as(Role.SUPERVISOR), api_as(Role.AGENCY_LEAD)
    clue = make_clue(city.market_city)
    opened = _open(api_as, clue)
    assert opened["state"] == "new" and opened["number"].startswith("监处〔")
    d = opened["id"]

    triaged = _run(supervisor, d, "triage", {"procedure": "general", "note": "重点核查"})
    assert triaged["state"] == "triaged" and triaged["assignee"] == users[Role.SUPERVISOR].username
    _run(supervisor, d, "start_investigation")
    deadline = (TODAY + dt.timedelta(days=20)).isoformat()
    noticed = _run(
        supervisor,
        d,
        "issue_notice",
        {"requirement": "对逾期案件逐件说明原因并建立期限预警", "deadline": deadline},
    )
    assert noticed["state"] == "notice_issued" and noticed["deadline"] == deadline
    [document] = noticed["documents"]
    assert document["kind"] == "supervision_opinion"
    assert re.fullmatch(r"湖司法监意〔\d{4}〕1号", document["number"]), document["number"]
    assert noticed["clock"]["state"] == "running" and noticed["clock"]["days_left"] == 20

    # the agency sees its disposition, the notice, the deadline and may open the PDF
    mine = lead.get("/supervision/dispositions").json()
    assert [row["id"] for row in mine] == [d] and mine[0]["deadline"] == deadline
    pdf = lead.get(document["pdf_url"].removeprefix("/api/v1"))
    assert pdf.status_code == 200 and pdf["X-Content-SHA256"] == document["pdf_sha256"]
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert IssuedDocument.objects.get(pk=document["id"]).agency == justice

    acknowledged = _run(lead, d, "acknowledge_notice", {"note": "已签收"})
    assert acknowledged["state"] == "rectifying"
    evidence_id = _upload(lead, opened["number"], b"%PDF-1.4 rectification ledger")
    reported = _run(
        lead, d, "submit_report", {"text": "已逐件说明并上线期限预警功能", "evidence_ids": [evidence_id]}
    )
    assert reported["state"] == "verifying"
    step = reported["steps"][-1]
    assert step["code"] == "submit_report" and step["data"]["late"] is False
    assert len(step["data"]["evidence"][0]["sha256"]) == 64
    assert reported["clock"]["state"] == "met"

    closed = _run(supervisor, d, "accept_rectification", {"opinion": "整改到位"})
    assert closed["state"] == "closed" and closed["outcome"] == "confirmed_rectified"
    assert Clue.objects.get(pk=clue.pk).verdict == "true_positive"  # through the clues app's action
    assert closed["transitions"] == []
    labels = [t["label"] for t in closed["timeline"]]
    for label in (
        "受理线索",
        "分拣（确定程序、指派承办人）",
        "签发文书",
        "上传整改证据",
        "提交整改报告",
        "验收通过、办结",
    ):
        assert label in labels
    # both sides read the same timeline
    assert lead.get(f"/supervision/dispositions/{d}").json()["timeline"] == closed["timeline"]
    # a report after the close is a conflict
    refused = _run(lead, d, "submit_report", {"text": "补充"}, status=409)
    assert refused["code"] == "invalid_transition"
    assert verify_chain().ok


def test_overdue_rectification_escalates_to_a_decision(api_as, users, city, justice, monkeypatch):
    supervisor = api_as(Role.SUPERVISOR)
    d = _open(api_as, make_clue(city.market_wuxing))["id"]
    _run(supervisor, d, "triage", {"procedure": "simple"})
    deadline = TODAY + dt.timedelta(days=10)
    noticed = _run(
        supervisor, d, "issue_notice", {"requirement": "限期整改", "deadline": deadline.isoformat()}
    )
    assert noticed["documents"][0]["kind"] == "supervision_notice"  # simple procedure: 监督通知书
    # before the deadline passed a decision is premature
    premature = _run(supervisor, d, "issue_decision", {"decision": "x"}, status=409)
    assert premature["code"] == "decision_premature"
    assert actions.do_escalate_overdue(None, TODAY) == []

    # the deadline passes without a report
    later = deadline + dt.timedelta(days=5)
    monkeypatch.setattr(actions, "_today", lambda: later)
    assert [o["id"] for o in supervisor.get("/supervision/dispositions/overdue").json()] == [d]
    escalated = actions.do_escalate_overdue(None, later)
    assert [e.pk for e in escalated] == [d]
    assert actions.do_escalate_overdue(None, later) == []  # not twice
    detail = supervisor.get(f"/supervision/dispositions/{d}").json()
    assert detail["overdue_since"] == (deadline + dt.timedelta(days=1)).isoformat()
    assert detail["steps"][-1]["code"] == "escalate" and detail["clock"]["state"] == "overdue"
    assert "整改逾期升级" in [t["label"] for t in detail["timeline"]]

    decided = _run(supervisor, d, "issue_decision", {"decision": "责令于期限内纠正逾期案件并报送结果"})
    assert decided["state"] == "decision_issued"
    decision = decided["documents"][-1]
    assert decision["kind"] == "supervision_decision" and re.fullmatch(
        r"湖司法监决〔\d{4}〕1号", decision["number"]
    )
    content = IssuedDocument.objects.get(pk=decision["id"]).context
    assert "整改逾期" in content["history"] and content["legal_basis"].startswith(
        "《中华人民共和国行政处罚法》第七十五条"
    )
    closed = _run(supervisor, d, "close")
    assert closed["state"] == "closed" and closed["outcome"] == "decision_issued"
    # the agency saw it all, scoped to its own agency
    wuxing_lead = make_user(Role.AGENCY_LEAD, city.market_wuxing)
    from tests.conftest import ApiClient

    assert ApiClient(wuxing_lead).get(f"/supervision/dispositions/{d}").status_code == 200
    assert api_as(Role.AGENCY_LEAD).get(f"/supervision/dispositions/{d}").status_code == 404


def test_escalation_command_lists_the_overdue(api_as, city, justice, capsys):
    supervisor = api_as(Role.SUPERVISOR)
    d = _open(api_as, make_clue(city.market_city))["id"]
    _run(supervisor, d, "triage", {"procedure": "simple"})
    deadline = TODAY + dt.timedelta(days=2)
    _run(supervisor, d, "issue_notice", {"requirement": "限期整改", "deadline": deadline.isoformat()})
    call_command(
        "escalate_rectifications", "--json", "--today", (deadline + dt.timedelta(days=1)).isoformat()
    )
    out = capsys.readouterr().out
    assert f'"id": {d}' in out and '"escalated": 1' in out


def test_rejected_report_gets_a_new_deadline_or_a_decision(api_as, city, justice):
    supervisor, lead = api_as(Role.SUPERVISOR), api_as(Role.AGENCY_LEAD)
    d = _open(api_as, make_clue(city.market_city))["id"]
    _run(supervisor, d, "triage", {"procedure": "simple"})
    _run(supervisor, d, "issue_notice", {"requirement": "整改"})
    _run(lead, d, "submit_report", {"text": "已整改"})
    missing = _run(supervisor, d, "reject_rectification", {"reason": "材料不全"}, status=422)
    assert missing["field"] == "deadline"
    again = (TODAY + dt.timedelta(days=15)).isoformat()
    rejected = _run(supervisor, d, "reject_rectification", {"reason": "材料不全", "deadline": again})
    assert rejected["state"] == "rectifying" and rejected["deadline"] == again
    _run(lead, d, "submit_report", {"text": "补充材料"})
    decided = _run(supervisor, d, "issue_decision", {"reason": "仍未整改到位", "decision": "责令纠正"})
    assert decided["state"] == "decision_issued"
    assert decided["steps"][-1]["data"]["rejected_report"] == "仍未整改到位"


def test_warning_goes_to_the_agency_and_closes_on_acknowledgement(api_as, city, justice):
    supervisor, lead = api_as(Role.SUPERVISOR), api_as(Role.AGENCY_LEAD)
    d = _open(api_as, make_clue(city.market_city, "执法证件过期仍在执法"))["id"]
    _run(supervisor, d, "triage", {"procedure": "warning"})
    assert _run(supervisor, d, "start_investigation", status=409)["code"] == "invalid_transition"
    warned = _run(supervisor, d, "issue_warning", {"text": "请核查执法证件有效期"})
    assert warned["state"] == "warning_issued"
    inbox = lead.get("/supervision/dispositions", state="warning_issued").json()
    assert [row["id"] for row in inbox] == [d]
    assert _run(lead, d, "acknowledge_warning", {}, status=422)["field"] == "text"
    closed = _run(lead, d, "acknowledge_warning", {"text": "已自查，停止证件过期人员执法"})
    assert closed["state"] == "closed" and closed["outcome"] == "warning_acknowledged"


def test_unfounded_clue_is_closed_after_investigation(api_as, city, justice):
    supervisor = api_as(Role.SUPERVISOR)
    d = _open(api_as, make_clue(city.market_city))["id"]
    _run(supervisor, d, "triage", {"procedure": "general"})
    _run(supervisor, d, "start_investigation")
    assert _run(supervisor, d, "close", {}, status=422)["field"] == "reason"
    wrong = _run(supervisor, d, "close", {"outcome": "decision_issued", "reason": "x"}, status=422)
    assert wrong["code"] == "invalid_outcome"
    closed = _run(supervisor, d, "close", {"reason": "经核查已批准延期，线索不实"})
    assert closed["outcome"] == "unfounded"
    clue = Disposition.objects.get(pk=d).clue
    assert clue.verdict == "false_positive" and clue.verdict_note == "经核查已批准延期，线索不实"


def test_guards(api_as, users, city, justice):
    supervisor, lead, officer = api_as(Role.SUPERVISOR), api_as(Role.AGENCY_LEAD), api_as(Role.OFFICER)
    d = _open(api_as, make_clue(city.market_city))["id"]
    # the agency may not triage; an officer reads but may not answer; the auditor sees nothing
    assert _run(lead, d, "triage", {"procedure": "general"}, status=403)["code"] == "permission_denied"
    assert officer.get(f"/supervision/dispositions/{d}").status_code == 200
    assert _run(officer, d, "triage", {"procedure": "general"}, status=403)["code"] == "permission_denied"
    assert api_as(Role.AUDITOR).get("/supervision/dispositions").status_code == 403
    # outside scope: a supervisor of another city and the other city's agency get 404
    from tests.conftest import ApiClient

    hangzhou = ApiClient(make_user(Role.SUPERVISOR, region="330100"))
    assert hangzhou.get(f"/supervision/dispositions/{d}").status_code == 404
    assert _run(hangzhou, d, "triage", {"procedure": "general"}, status=404)["code"] == "not_found"
    other_lead = ApiClient(make_user(Role.AGENCY_LEAD, city.other_city))
    assert other_lead.get(f"/supervision/dispositions/{d}").status_code == 404
    # a clue is opened once; unknown transition 404; wrong order 409
    again = supervisor.post("/supervision/dispositions", {"clue_id": Disposition.objects.get(pk=d).clue_id})
    assert again.status_code == 409 and again.json()["code"] == "already_open"
    assert _run(supervisor, d, "fly", status=404)["code"] == "invalid_transition"
    assert (
        _run(supervisor, d, "issue_notice", {"requirement": "x"}, status=409)["code"] == "invalid_transition"
    )
    # triage: the assignee must be a supervisor covering the clue
    bad = _run(
        supervisor, d, "triage", {"procedure": "general", "assignee_id": users[Role.OFFICER].pk}, status=422
    )
    assert bad["code"] == "invalid_assignee"
    _run(supervisor, d, "triage", {"procedure": "simple"})
    # a deadline in the past (or today) is refused; a future step date too
    past = _run(
        supervisor,
        d,
        "issue_notice",
        {"requirement": "x", "deadline": (TODAY - dt.timedelta(days=1)).isoformat()},
        status=422,
    )
    assert past["code"] == "deadline_not_future" and past["field"] == "deadline"
    future = _run(
        supervisor,
        d,
        "issue_notice",
        {"requirement": "x", "on": (TODAY + dt.timedelta(days=1)).isoformat()},
        status=422,
    )
    assert future["code"] == "invalid_date"
    # the default deadline: 30 days, on a working day
    noticed = _run(supervisor, d, "issue_notice", {"requirement": "整改"})
    due = dt.date.fromisoformat(noticed["deadline"])
    assert 30 <= (due - TODAY).days <= 40
    # evidence must be this disposition's own (same agency, case_ref = the disposition's number)
    foreign = _upload(lead, "湖市监罚〔2026〕99号", b"%PDF-1.4 another case")
    unknown = _run(lead, d, "submit_report", {"text": "已整改", "evidence_ids": [foreign]}, status=422)
    assert unknown["code"] == "unknown_evidence" and unknown["field"] == "evidence_ids.0"
    # the agency may not verify its own report
    _run(lead, d, "submit_report", {"text": "已整改"})
    assert _run(lead, d, "accept_rectification", status=403)["code"] == "permission_denied"
    assert not AuditEntry.objects.filter(action="supervision.accept_rectification").exists()


def test_list_filters_and_procedure_table(api_as, city, justice):
    supervisor = api_as(Role.SUPERVISOR)
    first = _open(api_as, make_clue(city.market_city))["id"]
    _open(api_as, make_clue(city.ecology_nanxun))
    _run(supervisor, first, "triage", {"procedure": "general"})
    assert [r["id"] for r in supervisor.get("/supervision/dispositions", state="triaged").json()] == [first]
    assert len(supervisor.get("/supervision/dispositions", open=True).json()) == 2
    assert supervisor.get("/supervision/dispositions", procedure="warning").json() == []
    table = supervisor.get("/supervision/procedure").json()
    assert {t["name"] for t in table} >= {
        "triage",
        "issue_notice",
        "submit_report",
        "issue_decision",
        "close",
    }


def test_region_settings_change_the_default_deadline(settings, city):
    from zhifa.core.models import Region
    from zhifa.supervision import config

    settings.SUPERVISION_RECTIFICATION_DAYS_BY_REGION = {"330500": 10}
    day = dt.date(2026, 3, 2)  # a Monday
    assert config.default_deadline(day, Region.objects.get(pk="330502")) == dt.date(2026, 3, 12)
    assert config.default_deadline(day, Region.objects.get(pk="330100")) == dt.date(2026, 4, 1)


def test_docs_list_every_transition():
    assert markdown_table() in DOCS.read_text(encoding="utf-8"), (
        "docs/supervision.md is out of date: paste zhifa.supervision.procedure.markdown_table()"
    )


def test_supervisor_escalates_its_region_and_opens_pending_clues(api_as, users, city, justice, monkeypatch):
    supervisor = api_as(Role.SUPERVISOR)
    pending = [make_clue(city.market_city), make_clue(city.other_city)]
    opened = actions.do_open_pending(users[Role.SUPERVISOR])
    assert [d.clue_id for d in opened] == [pending[0].pk]  # the Hangzhou clue is outside 湖州
    assert actions.do_open_pending(None)[0].clue_id == pending[1].pk
    d = opened[0].pk
    _run(supervisor, d, "triage", {"procedure": "simple"})
    deadline = TODAY + dt.timedelta(days=3)
    _run(supervisor, d, "issue_notice", {"requirement": "整改", "deadline": deadline.isoformat()})
    monkeypatch.setattr(actions, "_today", lambda: deadline + dt.timedelta(days=1))
    assert api_as(Role.AGENCY_LEAD).post("/supervision/escalations", {}).status_code == 403
    answer = supervisor.post("/supervision/escalations", {})
    assert answer.status_code == 200 and [e["id"] for e in answer.json()["escalated"]] == [d]
    assert answer.json()["escalated"][0]["overdue"] is True
