"""The case pages: workbench, case page with its step forms (the same actions as the API), filing,
the lead's approvals and the legal reviewer's queue; roles (403), scope (404), refused steps that
keep the input and show the article, and steps that move the case."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import make_credit_code, make_user
from tests.powers_support import food_law_fixture  # noqa: F401
from tests.test_cases_procedure import Desk
from zhifa.cases.models import Case
from zhifa.core.roles import Role

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}
CASE_ROLES = [Role.OFFICER, Role.AGENCY_LEAD, Role.LEGAL_REVIEWER, Role.AGENCY_ADMIN, Role.SUPERVISOR]
NO_CASE_ROLES = [Role.HOTLINE_OPERATOR, Role.AUDITOR, Role.SYSADMIN]


@pytest.fixture
def desk(city, users, food_law) -> Desk:
    return Desk(city, users, food_law)


@pytest.fixture
def as_role(users, desk):
    def login(role: str) -> Client:
        client = Client()
        client.force_login(users[role])  # the reviewer is linked to a qualified officer by Desk
        return client

    return login


def text(response) -> str:
    return response.content.decode()


def step_url(case_id: int, name: str) -> str:
    return reverse("cases:case_step", args=[case_id, name])


def post_step(client: Client, case_id: int, name: str, headers: dict | None = None, **fields):
    data = {f"{name}-{key}": value for key, value in fields.items()}
    return client.post(step_url(case_id, name), data, headers=headers or {})


def state(case_id: int) -> str:
    return Case.objects.get(pk=case_id).state


@pytest.mark.parametrize("role", CASE_ROLES)
def test_workbench_renders_for_case_roles(desk, as_role, role):
    case_id = desk.file()["id"]
    response = as_role(role).get(reverse("cases:workbench"))
    assert response.status_code == 200
    body = text(response)
    assert "案件工作台" in body and Case.objects.get(pk=case_id).number in body
    assert "作出决定（《中华人民共和国行政处罚法》第六十条）" in body or "第六十条" in body


@pytest.mark.parametrize("role", NO_CASE_ROLES)
def test_pages_refuse_roles_without_case_access(desk, users, role):
    case_id = desk.file()["id"]
    client = Client()
    client.force_login(users[role])
    for url in (
        reverse("cases:workbench"),
        reverse("cases:case_detail", args=[case_id]),
        reverse("cases:case_create"),
        reverse("cases:approvals"),
        reverse("cases:review_queue"),
    ):
        assert client.get(url).status_code == 403, url


def test_anonymous_is_sent_to_login(desk):
    response = Client().get(reverse("cases:workbench"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_case_outside_scope_is_404(desk, city):
    case_id = desk.file()["id"]
    client = Client()
    client.force_login(make_user(Role.OFFICER, city.other_city))
    assert client.get(reverse("cases:case_detail", args=[case_id])).status_code == 404
    assert client.get(step_url(case_id, "investigate")).status_code == 404
    assert post_step(client, case_id, "investigate", on="2026-09-02").status_code == 404
    assert state(case_id) == "filed"
    assert Case.objects.get(pk=case_id).number not in text(client.get(reverse("cases:workbench")))


def test_case_page_shows_party_power_officers_clocks_and_buttons(desk, as_role):
    case_id = desk.file()["id"]
    body = text(as_role(Role.OFFICER).get(reverse("cases:case_detail", args=[case_id])))
    assert "湖州某某食品有限公司" in body
    assert desk.power.name in body and "张伟" in body and "刘洋" in body
    assert 'data-state="filed"' in body
    assert 'data-clock="decision"' in body and "2026-11-30" in body  # 90 days from 1 September
    assert 'data-transition="investigate"' in body
    assert 'data-transition="extend_deadline"' not in body  # the lead's
    assert "立案审批表" in body  # the document issued at filing
    lead_body = text(as_role(Role.AGENCY_LEAD).get(reverse("cases:case_detail", args=[case_id])))
    assert 'data-transition="extend_deadline"' in lead_body
    supervisor_body = text(as_role(Role.SUPERVISOR).get(reverse("cases:case_detail", args=[case_id])))
    assert "data-transition=" not in supervisor_body


def test_step_form_role_and_supervisor_refusals(desk, as_role):
    case_id = desk.file()["id"]
    officer = as_role(Role.OFFICER)
    assert officer.get(step_url(case_id, "investigate")).status_code == 200
    assert officer.get(step_url(case_id, "extend_deadline")).status_code == 403
    assert officer.get(step_url(case_id, "no_such_step")).status_code == 404
    supervisor = as_role(Role.SUPERVISOR)
    assert post_step(supervisor, case_id, "investigate", on="2026-09-02").status_code == 403
    assert state(case_id) == "filed"


def test_successful_steps_move_the_case(desk, as_role):
    case_id = desk.file()["id"]
    officer = as_role(Role.OFFICER)
    response = post_step(officer, case_id, "investigate", on="2026-09-02")
    assert response.status_code == 302 and state(case_id) == "investigating"
    # through HTMX the answer tells the page to reload the case
    response = post_step(officer, case_id, "submit_review", headers=HX, on="2026-09-20", facts="查明无证经营")
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("cases:case_detail", args=[case_id])
    assert state(case_id) == "reviewing"
    body = text(officer.get(reverse("cases:case_detail", args=[case_id])))
    assert "已办理“提交案件审查”" in body and "开始调查取证" in body  # message and timeline


def test_refused_step_shows_the_article_and_keeps_the_input(desk, as_role):
    case_id = desk.file()["id"]
    desk.step(case_id, "investigate", on="2026-09-02")
    desk.step(case_id, "submit_review", on="2026-09-20")
    lead = as_role(Role.AGENCY_LEAD)
    fields = {
        "on": "2026-10-10",
        "decision_kind": "penalty",
        "penalty_kinds": ["fine"],
        "fine_amount": "60000",
        "evidence": "现场检查笔录第7页",
        "performance": "十五日内缴纳",
        "remedies": "六十日内申请复议",
    }
    # without JavaScript: the case page with the open form, 422
    response = post_step(lead, case_id, "decide", **fields)
    assert response.status_code == 422
    body = text(response)
    assert "第四十四条" in body and "尚未送达行政处罚事先告知书" in body
    assert "现场检查笔录第7页" in body and 'value="60000' in body
    assert state(case_id) == "reviewing"
    # through HTMX: the form fragment alone, answered 200 so HTMX swaps it in
    response = post_step(lead, case_id, "decide", headers=HX, **fields)
    assert response.status_code == 200 and "<html" not in text(response)
    assert "第四十四条" in text(response) and "现场检查笔录第7页" in text(response)
    # a field the action names gets the message next to it
    officer = as_role(Role.OFFICER)
    response = post_step(
        officer,
        case_id,
        "serve_notice",
        on="2026-09-21",
        proposed_kinds=["revoke_licence"],
    )
    assert response.status_code == 422
    body = text(response)
    assert "第六十三条" in body and 'class="field field-hearing_offered checkbox has-error"' in body
    assert re.search(r'value="revoke_licence"[^>]*checked', body)  # the ticked kind stays ticked
    assert state(case_id) == "reviewing"


def test_general_case_through_the_pages_to_decision(desk, as_role):
    case_id = desk.file()["id"]
    officer, lead = as_role(Role.OFFICER), as_role(Role.AGENCY_LEAD)
    assert post_step(officer, case_id, "investigate", on="2026-09-02").status_code == 302
    assert post_step(officer, case_id, "submit_review", on="2026-09-20").status_code == 302
    post_step(
        officer, case_id, "serve_notice", on="2026-09-21", proposed_kinds=["fine"], proposed_fine="60000"
    )
    assert state(case_id) == "notified"
    post_step(officer, case_id, "receive_statement", on="2026-09-23", text="请求从轻处罚")
    response = post_step(lead, case_id, "decide", **{**_decision(desk), "on": "2026-10-09"})
    assert response.status_code == 422 and "第四十五条" in text(response)
    post_step(officer, case_id, "answer_statement", on="2026-09-24", text="经复核，不予采纳")
    response = post_step(lead, case_id, "decide", **{**_decision(desk), "on": "2026-10-09"})
    assert response.status_code == 302, text(response)
    case = Case.objects.get(pk=case_id)
    assert case.state == "decided" and case.fine_amount == 60000 and not case.flagged_for_supervision
    body = text(officer.get(reverse("cases:case_detail", args=[case_id])))
    assert "行政处罚决定书" in body and "行政处罚事先告知书" in body
    assert 'data-clock="service"' in body and 'data-transition="serve"' in body


def _decision(desk: Desk) -> dict:
    return {
        "decision_kind": "penalty",
        "penalty_kinds": ["fine"],
        "fine_amount": "60000",
        "base_amount": "5000",
        "benchmark_tier_id": str(desk.tiers[("lenient", "fixed")]),
        "evidence": "现场检查笔录、询问笔录、销售台账",
        "performance": "自收到本决定书之日起十五日内缴至指定银行",
        "remedies": "可在六十日内申请行政复议，或在六个月内提起行政诉讼",
    }


def test_filing_through_the_form(desk, as_role):
    officer = as_role(Role.OFFICER)
    assert officer.get(reverse("cases:case_create")).status_code == 200
    data = {
        "power": str(desk.power.pk),
        "officers": [str(desk.o1.pk)],
        "procedure": "general",
        "party_kind": "organisation",
        "party_name": "湖州某某餐饮有限公司",
        "party_code": make_credit_code("330502", "91"),
        "party_address": "湖州市吴兴区红旗路2号",
        "violation_started_on": "2026-07-01",
        "violation_ended_on": "2026-08-01",
        "filed_on": "2026-09-01",
        "facts": "无证经营",
        "source": "投诉举报",
    }
    response = officer.post(reverse("cases:case_create"), data)
    assert response.status_code == 422
    assert "第四十二条" in text(response) or "执法人员" in text(response)  # one officer is too few
    assert "湖州某某餐饮有限公司" in text(response)
    data["officers"] = [str(desk.o1.pk), str(desk.o2.pk)]
    response = officer.post(reverse("cases:case_create"), data)
    assert response.status_code == 302
    case = Case.objects.get(parties__name="湖州某某餐饮有限公司")
    assert response["Location"] == reverse("cases:case_detail", args=[case.pk])
    assert case.state == "filed"
    # roles that may not file
    assert as_role(Role.SUPERVISOR).get(reverse("cases:case_create")).status_code == 403
    assert as_role(Role.LEGAL_REVIEWER).get(reverse("cases:case_create")).status_code == 403


def test_lead_approvals_and_reviewer_queue(desk, as_role):
    discussed = desk.to_notified(major=True)
    desk.step(discussed, "submit_legal_review", on="2026-09-25")
    approvals = as_role(Role.AGENCY_LEAD).get(reverse("cases:approvals"))
    assert approvals.status_code == 200
    assert as_role(Role.OFFICER).get(reverse("cases:approvals")).status_code == 403
    assert as_role(Role.SUPERVISOR).get(reverse("cases:approvals")).status_code == 403
    number = Case.objects.get(pk=discussed).number
    assert number in text(approvals)  # decision clock close to its end (filed 1 September)
    queue = as_role(Role.LEGAL_REVIEWER).get(reverse("cases:review_queue"))
    assert queue.status_code == 200 and number in text(queue) and "待审核" in text(queue)
    assert as_role(Role.AGENCY_LEAD).get(reverse("cases:review_queue")).status_code == 403
    # the reviewer approves through the page
    response = post_step(
        as_role(Role.LEGAL_REVIEWER), discussed, "approve_legal_review", on="2026-09-28", opinion="事实清楚"
    )
    assert response.status_code == 302, text(response)
    assert "已审核" in text(as_role(Role.LEGAL_REVIEWER).get(reverse("cases:review_queue")))
    desk.step(discussed, "start_collective_discussion", on="2026-09-29")
    approvals = text(as_role(Role.AGENCY_LEAD).get(reverse("cases:approvals")))
    assert "待集体讨论决定" in approvals and number in approvals


def test_workbench_marks_overdue_clocks(desk, as_role):
    case_id = desk.file()["id"]  # filed 1 September 2026: the 90-day clock
    Case.objects.filter(pk=case_id).update(
        filed_on="2026-01-05", violation_started_on="2025-12-01", violation_ended_on="2025-12-02"
    )
    body = text(as_role(Role.OFFICER).get(reverse("cases:workbench")))
    assert "clock-overdue" in body and "已逾期" in body and 'id="overdue-summary"' in body


def test_inspection_inquiry_and_order_forms_on_the_case_page(desk, as_role):
    case_id = desk.file()["id"]
    officer = as_role(Role.OFFICER)
    body = text(officer.get(reverse("cases:case_detail", args=[case_id])))
    assert "制作现场检查笔录" in body and "制作询问笔录" in body
    form = text(officer.get(step_url(case_id, "record_inspection")))
    assert "检查地点" in form and "检查情况" in form and "参加的执法人员" in form
    # one officer only: refused with the article, the input kept
    refused = post_step(
        officer,
        case_id,
        "record_inspection",
        on="2026-09-02",
        officer_ids=[desk.o1.pk],
        place="经营场所",
        content="现场有预包装食品在售",
    )
    assert "第四十二条" in text(refused) and "现场有预包装食品在售" in text(refused)
    response = post_step(
        officer,
        case_id,
        "record_inspection",
        on="2026-09-02",
        place="经营场所",
        content="现场有预包装食品在售",
    )
    assert response.status_code == 302
    response = post_step(
        officer,
        case_id,
        "record_inquiry",
        on="2026-09-02",
        officer_ids=[desk.o1.pk, desk.o2.pk],
        interviewee="李某",
        place="询问室",
        content="问答",
    )
    assert response.status_code == 302
    post_step(officer, case_id, "investigate", on="2026-09-03")
    response = post_step(
        officer,
        case_id,
        "order_rectification",
        on="2026-09-03",
        requirement="停止销售",
        deadline="2026-09-10",
    )
    assert response.status_code == 302
    codes = list(Case.objects.get(pk=case_id).steps.values_list("code", flat=True))
    assert {"record_inspection", "record_inquiry", "order_rectification"} <= set(codes)
    lead = as_role(Role.AGENCY_LEAD)
    assert lead.get(step_url(case_id, "order_rectification")).status_code == 200


def test_lead_revokes_a_decision_on_the_case_page(desk, as_role):
    case_id = desk.to_notified()
    desk.step(case_id, "decide", **desk.decision())
    lead = as_role(Role.AGENCY_LEAD)
    form = text(lead.get(step_url(case_id, "revoke_decision")))
    assert "行政复议" in form and "确认无效" in form and "勿写个人姓名" in form
    assert as_role(Role.OFFICER).get(step_url(case_id, "revoke_decision")).status_code == 403
    response = post_step(
        lead,
        case_id,
        "revoke_decision",
        on="2026-10-12",
        ground="self_correction",
        outcome="void",
        reason="主体不适格",
    )
    assert response.status_code == 302
    assert Case.objects.get(pk=case_id).decision_status == "void"
    assert "确认无效" in text(lead.get(reverse("cases:case_detail", args=[case_id])))
