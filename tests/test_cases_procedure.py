"""The penalty procedure's guards (行政处罚法): each refuses its violation with its code, and the
lawful variant passes. Through the API, as the officer / lead / reviewer would call it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.conftest import ApiClient, _officer, make_credit_code, make_id_number, make_user
from tests.powers_support import STANDARD_TIERS, add_penalty_power, food_law_fixture  # noqa: F401
from zhifa.cases.models import Case
from zhifa.core.roles import Role
from zhifa.documents.models import IssuedDocument
from zhifa.powers import actions as power_actions
from zhifa.registry import actions as registry_actions
from zhifa.registry.models import Officer

D = dt.date


class Desk:
    """A market bureau ready to handle cases: a penalty power with a benchmark, three certified
    officers, a qualified legal reviewer, and API clients per role."""

    def __init__(self, city, users, food_law):
        self.city = city
        self.agency = city.market_city
        self.power = add_penalty_power(self.agency, food_law)
        power_actions.do_set_benchmark(None, self.power.code, STANDARD_TIERS)
        self.tiers = {(t.tier, t.range_kind): t.pk for t in self.power.benchmarks.get().tiers.all()}
        self.o1 = city.officer_city
        self.o2 = _officer(self.agency, "刘洋")
        self.o3 = _officer(self.agency, "陈静")
        reviewer_officer = registry_actions.do_create_officer(
            None,
            registry_actions.OfficerInput(
                name="赵敏", id_number=make_id_number("330500"), agency_code=self.agency.code
            ),
        )
        Officer.objects.filter(pk=reviewer_officer.pk).update(has_legal_qualification=True)
        reviewer = users[Role.LEGAL_REVIEWER]
        reviewer.officer = reviewer_officer
        reviewer.save()
        self.officer = ApiClient(users[Role.OFFICER])
        self.lead = ApiClient(users[Role.AGENCY_LEAD])
        self.reviewer = ApiClient(reviewer)
        self.supervisor = ApiClient(users[Role.SUPERVISOR])

    def file(self, expect: int = 201, **overrides):
        body = {
            "power_code": self.power.code,
            "officer_ids": [self.o1.pk, self.o2.pk],
            "parties": [
                {
                    "kind": "organisation",
                    "name": "湖州某某食品有限公司",
                    "credit_code": make_credit_code("330502", "91"),
                    "address": "湖州市吴兴区凤凰路1号",
                }
            ],
            "violation_started_on": "2026-07-01",
            "violation_ended_on": "2026-08-01",
            "filed_on": "2026-09-01",
            "facts": "未取得食品经营许可从事食品销售，货值金额5000元",
        }
        body.update(overrides)
        response = self.officer.post("/cases", body)
        assert response.status_code == expect, response.json()
        return response.json()

    def step(self, case_id: int, name: str, expect: int = 200, as_: ApiClient | None = None, **body):
        client = as_ or (
            self.lead
            if name in ("decide", "extend_deadline", "record_collective_discussion")
            else self.officer
        )
        if name == "approve_legal_review" and as_ is None:
            client = self.reviewer
        response = client.post(f"/cases/{case_id}/transitions/{name}", body)
        assert response.status_code == expect, response.json()
        return response.json()

    def refused(self, case_id: int, name: str, code: str, as_: ApiClient | None = None, **body) -> dict:
        response = (as_ or (self.lead if name == "decide" else self.officer)).post(
            f"/cases/{case_id}/transitions/{name}", body
        )
        assert response.status_code in (403, 409, 422), response.json()
        payload = response.json()
        assert payload["code"] == code, payload
        assert payload["message"]
        return payload

    def to_notified(self, notice: dict | None = None, **file_overrides) -> int:
        case_id = self.file(**file_overrides)["id"]
        self.step(case_id, "investigate", on="2026-09-02")
        self.step(case_id, "submit_review", on="2026-09-20")
        self.step(
            case_id,
            "serve_notice",
            **(notice or {"on": "2026-09-21", "proposed_kinds": ["fine"], "proposed_fine": "60000"}),
        )
        return case_id

    def decision(self, **overrides) -> dict:
        body = {
            "on": "2026-10-10",
            "decision_kind": "penalty",
            "penalty_kinds": ["fine"],
            "fine_amount": "60000",
            "base_amount": "5000",
            "evidence": "现场检查笔录、询问笔录、销售台账",
            "benchmark_tier_id": self.tiers[("lenient", "fixed")],
            "performance": "自收到本决定书之日起十五日内缴至指定银行",
            "remedies": "可在六十日内申请行政复议，或在六个月内提起行政诉讼",
        }
        body.update(overrides)
        return body


def detail_number(desk: Desk, case_id: int) -> str:
    return desk.officer.get(f"/cases/{case_id}").json()["number"]


@pytest.fixture
def desk(city, users, food_law) -> Desk:
    return Desk(city, users, food_law)


# --- filing: officers, power, basis, limitation --------------------------------------------


def test_filing_refuses_a_single_officer(desk):
    response = desk.officer.post(
        "/cases",
        {
            "power_code": desk.power.code,
            "officer_ids": [desk.o1.pk],
            "parties": [{"kind": "person", "name": "王某"}],
            "violation_started_on": "2026-07-01",
            "violation_ended_on": "2026-08-01",
            "filed_on": "2026-09-01",
        },
    )
    assert response.status_code == 422
    assert response.json()["code"] == "too_few_officers"
    assert "第四十二条" in response.json()["message"]
    assert desk.file()["state"] == "filed"  # two certified officers: filed


def test_expired_certificate_refused_at_filing_and_at_decision(desk):
    expiring = registry_actions.do_create_officer(
        None,
        registry_actions.OfficerInput(
            name="孙磊", id_number=make_id_number("330500"), agency_code=desk.agency.code
        ),
    )
    registry_actions.do_issue_certificate(
        None,
        registry_actions.CertificateInput(
            number="3399000001",
            officer_id=expiring.pk,
            domain_code="market_regulation",
            issued_on=D(2024, 1, 1),
            expires_on=D(2026, 9, 30),
        ),
    )
    # another domain's certificate does not count either
    ecology = _officer(desk.city.ecology_nanxun, "周杰")
    Officer.objects.filter(pk=ecology.pk).update(agency=desk.agency)
    payload = desk.file(expect=422, officer_ids=[desk.o1.pk, ecology.pk])
    assert payload["code"] == "certificate_invalid" and payload["field"] == "officer_ids.1"
    payload = desk.file(expect=422, officer_ids=[desk.o1.pk, expiring.pk], filed_on="2026-10-02")
    assert payload["code"] == "certificate_invalid"
    case_id = desk.to_notified(officer_ids=[desk.o1.pk, expiring.pk])  # valid on 2026-09-01
    desk.refused(case_id, "decide", "certificate_invalid", **desk.decision())


def test_power_not_held_by_another_agency(desk, city):
    wuxing_officer = ApiClient(make_user(Role.OFFICER, city.market_wuxing))
    other = _officer(city.market_wuxing, "吴刚")
    response = wuxing_officer.post(
        "/cases",
        {
            "power_code": desk.power.code,
            "officer_ids": [city.officer_wuxing.pk, other.pk],
            "parties": [{"kind": "person", "name": "王某"}],
            "violation_started_on": "2026-07-01",
            "violation_ended_on": "2026-08-01",
            "filed_on": "2026-09-01",
        },
    )
    assert response.status_code == 422
    assert response.json()["code"] == "power_not_held"


def test_revoked_power_is_not_held(desk):
    power_actions.do_revoke_power(None, desk.power.code, "职能调整")
    assert desk.file(expect=422)["code"] == "power_not_held"


def test_basis_must_be_in_force_on_the_violation_date(desk):
    payload = desk.file(expect=422, violation_started_on="2021-01-01", violation_ended_on="2021-03-01")
    assert payload["code"] == "basis_not_in_force"
    assert "第三十八条" in payload["message"]


def test_limitation_two_years_five_when_serious(desk):
    payload = desk.file(expect=422, violation_started_on="2024-06-01", violation_ended_on="2024-08-01")
    assert payload["code"] == "limitation_expired"
    assert "第三十六条" in payload["message"]
    case = desk.file(violation_started_on="2024-06-01", violation_ended_on="2024-08-01", serious_harm=True)
    assert case["state"] == "filed"


# --- before the decision: notice, statement, hearing, review ------------------------------


def test_no_decision_before_the_prior_notice(desk):
    case_id = desk.file()["id"]
    desk.step(case_id, "investigate", on="2026-09-02")
    desk.step(case_id, "submit_review", on="2026-09-20")
    payload = desk.refused(case_id, "decide", "notice_not_served", **desk.decision())
    assert "第四十四条" in payload["message"]
    # a revocation of the filing needs no notice
    desk.step(case_id, "decide", on="2026-09-21", decision_kind="revoke_filing", remedies="无")


def test_waived_notice_counts_as_served(desk):
    case_id = desk.to_notified(notice={"on": "2026-09-21", "waived": True, "proposed_kinds": ["fine"]})
    assert desk.step(case_id, "decide", **desk.decision())["state"] == "decided"


def test_every_statement_answered_before_decision(desk):
    case_id = desk.to_notified()
    desk.step(case_id, "receive_statement", on="2026-09-23", text="当事人称系初次经营，请求从轻")
    payload = desk.refused(case_id, "decide", "statement_not_answered", **desk.decision())
    assert "第四十五条" in payload["message"]
    desk.step(case_id, "answer_statement", on="2026-09-25", text="经复核，采纳从轻意见", adopted=True)
    assert desk.step(case_id, "decide", **desk.decision())["state"] == "decided"


def test_hearing_must_be_offered_for_a_large_fine(desk):
    case_id = desk.to_notified(
        notice={"on": "2026-09-21", "proposed_kinds": ["fine"], "proposed_fine": "60000"}
    )
    # the notice proposed 60000 yuan; a decision of 150000 yuan needs the hearing right first
    payload = desk.refused(
        case_id, "decide", "hearing_not_offered", **desk.decision(fine_amount="150000", reason="情节严重")
    )
    assert "第六十三条" in payload["message"]
    other = desk.file()["id"]
    desk.step(other, "investigate", on="2026-09-02")
    desk.step(other, "submit_review", on="2026-09-20")
    desk.refused(
        other,
        "serve_notice",
        "hearing_not_offered",
        on="2026-09-21",
        proposed_kinds=["fine"],
        proposed_fine="150000",
    )
    desk.refused(
        other, "serve_notice", "hearing_not_offered", on="2026-09-21", proposed_kinds=["revoke_licence"]
    )
    desk.step(
        other,
        "serve_notice",
        on="2026-09-21",
        proposed_kinds=["fine"],
        proposed_fine="150000",
        hearing_offered=True,
    )


def test_hearing_window_must_close_or_hearing_be_held(desk):
    notice = {
        "on": "2026-09-21",
        "proposed_kinds": ["fine"],
        "proposed_fine": "150000",
        "hearing_offered": True,
    }
    case_id = desk.to_notified(notice=notice)
    detail = desk.officer.get(f"/cases/{case_id}").json()
    window = next(c for c in detail["clocks"] if c["code"] == "hearing_request")
    # 5 working days after Monday 21 September 2026; Friday 25 September is 中秋节
    assert window["due_on"] == "2026-09-29"
    body = desk.decision(on="2026-09-29", fine_amount="150000", reason="从重情节：拒不配合调查")
    payload = desk.refused(case_id, "decide", "hearing_window_open", **body)
    assert "第六十四条" in payload["message"]
    # the party asks in time; a decision waits for the hearing
    desk.step(case_id, "request_hearing", on="2026-09-24")
    desk.refused(
        case_id,
        "decide",
        "hearing_not_held",
        **desk.decision(on="2026-10-20", fine_amount="150000", reason="从重"),
    )


def test_hearing_notice_period_and_chair(desk):
    notice = {"on": "2026-09-21", "proposed_kinds": ["revoke_licence"], "hearing_offered": True}
    case_id = desk.to_notified(notice=notice)
    desk.step(case_id, "request_hearing", on="2026-09-22")
    refused = desk.refused(
        case_id,
        "notify_hearing",
        "hearing_notice_too_late",
        on="2026-09-23",
        hearing_on="2026-09-28",
        chair_officer_id=desk.o3.pk,
    )
    assert "七日前" in refused["message"]
    desk.step(
        case_id,
        "notify_hearing",
        on="2026-09-23",
        hearing_on="2026-10-12",
        place="第一听证室",
        chair_officer_id=desk.o3.pk,
    )
    kinds = IssuedDocument.objects.filter(case_ref=detail_number(desk, case_id)).values_list(
        "kind", flat=True
    )
    assert {"hearing_notice_of_right", "hearing_notice"} <= set(kinds)
    payload = desk.refused(
        case_id, "hold_hearing", "hearing_chair_conflict", on="2026-10-12", chair_officer_id=desk.o1.pk
    )
    assert "非本案调查人员" in payload["message"]
    detail = desk.step(
        case_id, "hold_hearing", on="2026-10-12", chair_officer_id=desk.o3.pk, record="听证笔录"
    )
    assert detail["major"] is True  # after a hearing: legal review (Art. 58)
    payload = desk.refused(
        case_id,
        "decide",
        "legal_review_required",
        **desk.decision(on="2026-10-20", penalty_kinds=["revoke_licence"], fine_amount=None),
    )
    assert "第五十八条" in payload["message"]


def test_major_case_needs_review_by_a_qualified_reviewer(desk, users):
    case_id = desk.to_notified(major=True)
    desk.refused(case_id, "decide", "legal_review_required", **desk.decision())
    desk.step(case_id, "submit_legal_review", on="2026-09-29")
    unqualified = make_user(Role.LEGAL_REVIEWER, desk.agency)
    payload = desk.refused(
        case_id,
        "approve_legal_review",
        "reviewer_not_qualified",
        as_=ApiClient(unqualified),
        on="2026-09-30",
        opinion="同意",
    )
    assert "法律职业资格" in payload["message"]
    # an officer may not approve it either
    response = desk.officer.post(f"/cases/{case_id}/transitions/approve_legal_review", {"opinion": "同意"})
    assert response.status_code == 403
    desk.step(case_id, "approve_legal_review", on="2026-09-30", opinion="事实清楚，证据确凿，同意")
    desk.refused(case_id, "decide", "collective_discussion_required", **desk.decision())
    desk.step(case_id, "start_collective_discussion", on="2026-10-08")
    desk.step(case_id, "record_collective_discussion", on="2026-10-09", conclusion="同意处罚")
    assert desk.step(case_id, "decide", **desk.decision())["state"] == "decided"


def test_decision_contents(desk):
    case_id = desk.to_notified()
    payload = desk.refused(case_id, "decide", "decision_incomplete", **desk.decision(remedies=""))
    assert payload["field"] == "remedies" and "第五十九条" in payload["message"]
    payload = desk.refused(case_id, "decide", "decision_incomplete", **desk.decision(penalty_kinds=[]))
    assert payload["field"] == "penalty_kinds"


# --- discretion -----------------------------------------------------------------------------


def test_amount_outside_the_tier_needs_a_reason_and_is_flagged(desk):
    case_id = desk.to_notified()
    payload = desk.refused(case_id, "decide", "amount_outside_tier", **desk.decision(fine_amount="90000"))
    assert "第三十四条" in payload["message"] and "50000元至65000元" in payload["message"]
    detail = desk.step(case_id, "decide", **desk.decision(fine_amount="90000", reason="曾因同类违法被处罚"))
    assert detail["flagged_for_supervision"] is True
    flagged = desk.supervisor.get("/cases", flagged=True).json()
    assert [c["id"] for c in flagged] == [case_id]


def test_inside_the_tier_is_not_flagged_and_multiples_use_the_base(desk):
    case_id = desk.to_notified()
    body = desk.decision(
        base_amount="20000", fine_amount="300000", benchmark_tier_id=desk.tiers[("general", "multiple")]
    )
    # 12–16 times 20000 = 240000–320000, but 300000 ≥ the hearing threshold: hearing right first
    desk.refused(case_id, "decide", "hearing_not_offered", **body)
    detail = desk.step(case_id, "decide", **desk.decision())
    assert detail["flagged_for_supervision"] is False


def test_listed_minor_first_violation_leads_to_no_penalty(desk):
    power_actions.do_set_no_penalty_rule(
        None, desk.power.code, power_actions.NoPenaltyInput(kind="first", source="湖州市首违不罚清单第3项")
    )
    case_id = desk.to_notified()
    facts = {"first_violation": True, "minor_harm": True, "corrected": True}
    payload = desk.refused(case_id, "decide", "no_penalty_applies", **desk.decision(**facts))
    assert "第三十三条" in payload["message"]
    detail = desk.step(
        case_id,
        "decide",
        **desk.decision(decision_kind="no_penalty", penalty_kinds=[], fine_amount=None, **facts),
    )
    assert detail["decision_kind"] == "no_penalty"


# --- summary procedure ----------------------------------------------------------------------


def _summary(desk: Desk, party_kind: str, fine: str, expect: int = 201, kinds: list[str] | None = None):
    return desk.file(
        expect=expect,
        procedure="summary",
        filed_on="2026-10-01",
        parties=[{"kind": party_kind, "name": "王某" if party_kind == "person" else "某超市"}],
        penalty_kinds=kinds or ["fine"],
        fine_amount=fine,
        performance="当场缴纳或十五日内到银行缴纳",
        remedies="可在六十日内申请行政复议，或在六个月内提起行政诉讼",
    )


def test_summary_procedure_limits(desk):
    payload = _summary(desk, "organisation", "5000", expect=422)
    assert payload["code"] == "summary_limit_exceeded" and "第五十一条" in payload["message"]
    assert _summary(desk, "person", "300", expect=422)["code"] == "summary_limit_exceeded"
    assert (
        _summary(desk, "person", "50", expect=422, kinds=["revoke_licence"])["code"]
        == "summary_limit_exceeded"
    )
    case = _summary(desk, "organisation", "3000")
    assert case["state"] == "decided" and case["procedure"] == "summary"
    assert "简罚" in case["number"]


def test_on_the_spot_collection_limit_and_summary_close(desk):
    case_id = _summary(desk, "person", "150")["id"]
    desk.step(case_id, "serve", on="2026-10-01")
    payload = desk.refused(
        case_id, "collect_on_the_spot", "collection_limit_exceeded", on="2026-10-01", amount="150"
    )
    assert "第六十八条" in payload["message"]
    desk.refused(
        case_id, "record_payment", "payment_channel_invalid", on="2026-10-05", amount="150", channel="cash"
    )
    desk.step(case_id, "record_payment", on="2026-10-05", amount="150")
    assert desk.step(case_id, "close", on="2026-10-06")["state"] == "closed"
    small = _summary(desk, "person", "50")["id"]
    desk.step(small, "collect_on_the_spot", on="2026-10-01", amount="50", receipt="浙财No.0001")
    desk.step(small, "serve", on="2026-10-01")
    assert desk.step(small, "close", on="2026-10-01")["state"] == "closed"


# --- transitions, transfers, clocks ---------------------------------------------------------


def test_invalid_transition_and_unknown_name(desk):
    case_id = desk.file()["id"]
    payload = desk.refused(case_id, "archive", "invalid_transition")
    assert "立案" in payload["message"]
    response = desk.officer.post(f"/cases/{case_id}/transitions/nonsense", {})
    assert response.status_code == 404 and response.json()["code"] == "invalid_transition"


def test_case_follows_a_transferred_power(desk, city, users):
    case_id = desk.to_notified()
    wuxing_lead = ApiClient(make_user(Role.AGENCY_LEAD, city.market_wuxing))
    power_actions.do_transfer_powers(
        None, [desk.power.code], city.market_wuxing.code, "职能调整", D(2026, 10, 1)
    )
    a = _officer(city.market_wuxing, "钱进")
    b = city.officer_wuxing
    from zhifa.cases.models import CaseOfficer

    # the new holder's officers take over the case (its own certified officers act)
    response = wuxing_lead.post(f"/cases/{case_id}/transitions/decide", desk.decision())
    # the case moved on the first touch after the transfer; its officers now belong to another agency
    assert response.json()["code"] == "officer_not_in_agency"
    CaseOfficer.objects.filter(case_id=case_id).delete()
    CaseOfficer.objects.create(case_id=case_id, officer=a, role="lead")
    CaseOfficer.objects.create(case_id=case_id, officer=b, role="assistant")
    detail = wuxing_lead.post(f"/cases/{case_id}/transitions/decide", desk.decision()).json()
    assert detail["state"] == "decided" and detail["agency_code"] == city.market_wuxing.code
    # the old holder no longer sees it
    assert desk.lead.get(f"/cases/{case_id}").status_code == 404
    assert Case.objects.get(pk=case_id).agency_id == city.market_wuxing.pk


def test_clocks_overdue_list_and_extension(desk):
    case_id = desk.file(
        filed_on="2026-06-01", violation_started_on="2026-05-01", violation_ended_on="2026-05-10"
    )["id"]
    detail = desk.officer.get(f"/cases/{case_id}").json()
    decision = next(c for c in detail["clocks"] if c["code"] == "decision")
    assert decision["due_on"] == "2026-08-30" and decision["state"] == "overdue"
    overdue = desk.supervisor.get("/cases/overdue").json()
    assert [c["id"] for c in overdue] == [case_id]
    desk.refused(
        case_id,
        "extend_deadline",
        "extension_limit_exceeded",
        as_=desk.lead,
        on="2026-08-20",
        days=45,
        reason="案情复杂",
    )
    response = desk.officer.post(f"/cases/{case_id}/transitions/extend_deadline", {"days": 30, "reason": "x"})
    assert response.status_code == 403  # only the agency lead approves an extension
    detail = desk.step(case_id, "extend_deadline", on="2026-08-20", days=30, reason="案情复杂，需补充鉴定")
    decision = next(c for c in detail["clocks"] if c["code"] == "decision")
    assert decision["due_on"] == "2026-09-29"


def test_payment_surcharge_and_enforcement(desk):
    case_id = desk.to_notified()
    desk.step(case_id, "decide", **desk.decision(fine_amount="60000"))
    desk.step(case_id, "serve", on="2026-10-12")
    desk.step(case_id, "start_execution", on="2026-10-13")
    desk.refused(case_id, "close", "not_executed", on="2026-10-14")
    detail = desk.officer.get(f"/cases/{case_id}").json()
    payment = next(c for c in detail["clocks"] if c["code"] == "payment")
    assert payment["due_on"] == "2026-10-27"
    overdue_days = (D.today() - D(2026, 10, 27)).days
    assert Decimal(payment["surcharge"]) == min(
        Decimal("60000") * Decimal("0.03") * overdue_days, Decimal("60000")
    )
    desk.step(case_id, "apply_enforcement", on="2026-11-20", court="湖州市吴兴区人民法院")
    assert desk.step(case_id, "close", on="2026-11-21")["state"] == "closed"


def test_sweep_moves_open_cases_of_a_transferred_power(desk, city):
    from zhifa.cases.actions import do_follow_transfers

    open_id = desk.file()["id"]
    power_actions.do_transfer_powers(
        None, [desk.power.code], city.market_wuxing.code, "职能调整", D(2026, 10, 1)
    )
    assert do_follow_transfers(None, D(2026, 9, 30)) == 0  # not yet effective
    assert do_follow_transfers(None, D(2026, 10, 1)) == 1
    assert Case.objects.get(pk=open_id).agency_id == city.market_wuxing.pk
    assert do_follow_transfers(None, D(2026, 10, 2)) == 0  # idempotent


# --- inspection and inquiry records (Art. 42, 55), order to correct (Art. 28) --------------


INSPECTION = {"place": "经营场所", "content": "现场有预包装食品在售"}


def test_inspection_and_inquiry_need_two_certified_officers_of_the_case(desk):
    case_id = desk.file()["id"]
    payload = desk.refused(
        case_id,
        "record_inspection",
        "too_few_officers",
        on="2026-09-02",
        officer_ids=[desk.o1.pk],
        **INSPECTION,
    )
    assert "第四十二条" in payload["message"]
    payload = desk.refused(
        case_id,
        "record_inquiry",
        "officer_not_on_case",
        on="2026-09-02",
        officer_ids=[desk.o1.pk, desk.o3.pk],
        interviewee="李某",
        place="询问室",
        content="问答",
    )
    assert payload["field"] == "officer_ids.1"
    desk.refused(case_id, "record_inspection", "required", on="2026-09-02", place="经营场所", content=" ")
    # lawful: both officers of the case (default), certificates valid on the day
    detail = desk.step(case_id, "record_inspection", on="2026-09-02", **INSPECTION)
    assert detail["state"] == "filed"
    data = detail["steps"][-1]["data"]
    assert data["officer_ids"] == [desk.o1.pk, desk.o2.pk] and "检" in data["document_number"]
    detail = desk.step(
        case_id,
        "record_inquiry",
        on="2026-09-03",
        officer_ids=[desk.o2.pk, desk.o1.pk],
        interviewee="李某",
        place="询问室",
        content="问：是否取得许可？答：没有。",
    )
    kinds = set(IssuedDocument.objects.filter(case_ref=detail["number"]).values_list("kind", flat=True))
    assert {"inspection_record", "inquiry_record"} <= kinds
    # not after the investigation
    desk.step(case_id, "investigate", on="2026-09-04")
    desk.step(case_id, "submit_review", on="2026-09-20")
    desk.refused(case_id, "record_inspection", "invalid_transition", on="2026-09-21", **INSPECTION)


def test_inspection_refuses_an_expired_certificate(desk):
    expiring = registry_actions.do_create_officer(
        None,
        registry_actions.OfficerInput(
            name="孙磊", id_number=make_id_number("330500"), agency_code=desk.agency.code
        ),
    )
    registry_actions.do_issue_certificate(
        None,
        registry_actions.CertificateInput(
            number="3399000002",
            officer_id=expiring.pk,
            domain_code="market_regulation",
            issued_on=D(2024, 1, 1),
            expires_on=D(2026, 9, 5),
        ),
    )
    case_id = desk.file(officer_ids=[desk.o1.pk, expiring.pk])["id"]
    desk.step(case_id, "record_inspection", on="2026-09-05", **INSPECTION)
    payload = desk.refused(case_id, "record_inspection", "certificate_invalid", on="2026-09-06", **INSPECTION)
    assert "第五十五条" in payload["message"]


def test_order_to_correct_needs_a_deadline_not_before_the_order(desk):
    case_id = desk.file()["id"]
    body = {"on": "2026-09-03", "requirement": "立即停止销售", "deadline": "2026-09-02"}
    desk.refused(case_id, "order_rectification", "invalid_transition", **body)  # not at filing
    desk.step(case_id, "investigate", on="2026-09-02")
    payload = desk.refused(case_id, "order_rectification", "invalid_date_order", **body)
    assert payload["field"] == "deadline" and "第二十八条" in payload["message"]
    detail = desk.step(case_id, "order_rectification", **(body | {"deadline": "2026-09-03"}))
    number = detail["steps"][-1]["data"]["document_number"]
    document = IssuedDocument.objects.get(number=number)
    assert (
        document.kind == "rectification_order" and document.context["rectification_deadline"] == "2026-09-03"
    )
    assert "第二十八条" in document.context["legal_basis"] and document.context["facts"].startswith("未取得")


def test_docs_list_every_transition():
    """docs/cases.md's transition table is `procedure.markdown_table()` (regenerate it there)."""
    from pathlib import Path

    from zhifa.cases.procedure import markdown_table

    doc = (Path(__file__).resolve().parents[1] / "docs" / "cases.md").read_text(encoding="utf-8")
    assert markdown_table() in doc
