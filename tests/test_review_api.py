"""Case-file review through the API: a round from creation to its report, the second reviewer's
agreement, the results hook, the pages, and who may see what."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from tests.conftest import ApiClient, make_user
from tests.test_review_support import case_row, write_cases
from zhifa.core.models import AuditEntry
from zhifa.core.roles import Role
from zhifa.review import queries


@pytest.fixture(autouse=True)
def analytics_dir(settings, tmp_path: Path) -> Path:
    settings.ANALYTICS_DIR = tmp_path / "analytics"
    return settings.ANALYTICS_DIR


@pytest.fixture
def store_cases(city):
    rows = [case_row(city.market_city.code) for _ in range(3)]
    rows += [case_row(city.market_wuxing.code, notice_served_on=None) for _ in range(3)]
    write_cases(rows)
    return rows


def _run_round(api, share: float = 0.5) -> dict:
    created = api.post(
        "/review/rounds",
        {
            "name": "2026年度评查",
            "period": "2026",
            "region_code": "330500",
            "sample_size": 4,
            "strata": "agency",
            "seed": 11,
            "second_share": share,
        },
    )
    assert created.status_code == 201, created.content
    rnd = created.json()
    assert rnd["rubric_version"] == 1 and rnd["state"] == "draft"
    drawn = api.post(f"/review/rounds/{rnd['id']}/draw", {})
    assert drawn.status_code == 200, drawn.content
    assert drawn.json()["cases"] == 4
    assert api.post(f"/review/rounds/{rnd['id']}/prescore", {}).json()["state"] == "scoring"
    return drawn.json()


def test_round_scoring_agreement_and_results(city, users, api_as, store_cases):
    sup = api_as(Role.SUPERVISOR)
    rnd = _run_round(sup)
    cases = sup.get(f"/review/rounds/{rnd['id']}/cases").json()
    assert len({c["agency_code"] for c in cases}) == 2  # stratified: both agencies
    double = [c for c in cases if c["double"]]
    assert len(double) == 2

    # the first reviewer scores a reviewer item on every case
    for c in cases:
        r = sup.post(
            f"/review/cases/{c['id']}/scores", {"item": "facts_clear", "deduction": 2, "note": "事实表述不清"}
        )
        assert r.status_code == 200, r.content
        assert r.json()["slot"] == "first"
    bad = sup.post(
        f"/review/cases/{cases[0]['id']}/scores", {"item": "facts_clear", "deduction": 9, "note": "x"}
    )
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_deduction"
    no_note = sup.post(f"/review/cases/{cases[0]['id']}/scores", {"item": "facts_party", "deduction": 1})
    assert no_note.json()["code"] == "required"

    # the second reviewer: another supervisor, scores the double cases independently
    second_user = make_user(Role.SUPERVISOR, region="330500")
    refused = sup.post(f"/review/rounds/{rnd['id']}/second-reviewer", {"user_id": users[Role.SUPERVISOR].pk})
    assert refused.json()["code"] == "same_reviewer"
    ok = sup.post(f"/review/rounds/{rnd['id']}/second-reviewer", {"user_id": second_user.pk})
    assert ok.status_code == 200 and ok.json()["second_reviewer"] == second_user.username
    second = ApiClient(second_user)
    # agrees on the first double case (deduct), disagrees on the second (pass) and deducts elsewhere
    assert (
        second.post(
            f"/review/cases/{double[0]['id']}/scores", {"item": "facts_clear", "deduction": 3, "note": "同意"}
        ).json()["slot"]
        == "second"
    )
    second.post(
        f"/review/cases/{double[1]['id']}/scores",
        {"item": "evidence_chain", "deduction": 1, "note": "证据链缺一环"},
    )
    single = next(c for c in cases if not c["double"])
    assert (
        second.post(
            f"/review/cases/{single['id']}/scores", {"item": "facts_clear", "deduction": 1, "note": "x"}
        ).status_code
        == 403
    )
    structural = second.post(
        f"/review/cases/{double[0]['id']}/scores", {"item": "prior_notice", "deduction": 0}
    )
    assert structural.json()["code"] == "structural_item"

    report = sup.get(f"/review/rounds/{rnd['id']}/report").json()
    ag = report["agreement"]
    # 2 double cases × 13 reviewer items = 26 pairs: first deducts facts_clear on both (2 items),
    # second deducts facts_clear on case 1 and evidence_chain on case 2:
    # both deduct 1, both pass 23, disagree 2 → p_o = 24/26 = 156/169; p1 = p2 = 2/26 = 1/13;
    # p_e = (1/13)² + (12/13)² = 145/169; κ = (156 − 145)/(169 − 145) = 11/24
    assert ag["pairs"] == 26 and ag["both_deduct"] == 1 and ag["both_pass"] == 23
    assert ag["kappa"] == pytest.approx(11 / 24, abs=1e-4)
    by_id = {c["id"]: c for c in report["cases"]}
    # totals: case 1 first −2, second −3 → |diff| 1; case 2 first −2, second −1 → 1 (same structural)
    assert ag["mean_abs_difference"] == pytest.approx(1.0)
    wuxing = [c for c in report["cases"] if c["agency_code"] == city.market_wuxing.code]
    assert all(any(d["item"] == "prior_notice" for d in c["deductions"]) for c in wuxing)
    assert {g["group"] for g in report["groups"]} >= {"procedure", "facts"}
    procedure = next(g for g in report["groups"] if g["group"] == "procedure")
    assert procedure["points"] == 7 * len(wuxing)

    # agencies see nothing before the round is closed
    agency = api_as(Role.AGENCY_LEAD)
    assert agency.get("/review/results").json() == []
    own = next(c for c in cases if c["agency_code"] == city.market_city.code)
    assert agency.get(f"/review/cases/{own['id']}").status_code == 404

    closed = sup.post(f"/review/rounds/{rnd['id']}/close", {})
    assert closed.json()["state"] == "closed"
    late = sup.post(f"/review/cases/{own['id']}/scores", {"item": "facts_clear", "deduction": 0})
    assert late.status_code == 409

    results = agency.get("/review/results").json()
    assert {r["agency_code"] for r in results} == {city.market_city.code}
    assert len(results) == 2
    detail = agency.get(f"/review/cases/{own['id']}").json()
    assert detail["total"] == by_id[own["id"]]["total"]
    assert all(s["slot"] == "first" for s in detail["scores"])
    other = next(c for c in cases if c["agency_code"] == city.market_wuxing.code)
    assert agency.get(f"/review/cases/{other['id']}").status_code == 404

    page = Client()
    page.force_login(users[Role.AGENCY_LEAD])
    listing = page.get("/review/").content.decode()
    assert own["case_number"] in listing and other_number(cases, city) not in listing
    own_page = page.get(f"/review/cases/{own['id']}/").content.decode()
    assert "事实表述不清" in own_page and "hx-post" not in own_page
    assert page.get(f"/review/cases/{other['id']}/").status_code == 404

    scores = queries.agency_scores("2026")
    assert set(scores) == {city.market_city.code, city.market_wuxing.code}
    assert scores[city.market_city.code] == 98.0  # only the facts_clear deduction
    assert scores[city.market_wuxing.code] == 91.0  # 100 − 2 − 7 (no prior notice)
    assert queries.agency_scores("2025") == {}

    actions_logged = set(
        AuditEntry.objects.filter(action__startswith="review.").values_list("action", flat=True)
    )
    assert {
        "review.round_create",
        "review.round_draw_sample",
        "review.round_prescore",
        "review.score_item",
        "review.round_assign_second_reviewer",
        "review.round_close",
    } <= actions_logged


def other_number(cases: list[dict], city) -> str:
    return next(c["case_number"] for c in cases if c["agency_code"] == city.market_wuxing.code)


@pytest.mark.parametrize("role", [Role.HOTLINE_OPERATOR, Role.AUDITOR, Role.SYSADMIN])
def test_roles_without_access_get_403(api_as, role):
    client = api_as(role)
    assert client.get("/review/rounds").status_code == 403
    assert client.get("/review/results").status_code == 403


def test_agency_roles_cannot_run_rounds(api_as, store_cases):
    agency = api_as(Role.AGENCY_LEAD)
    assert agency.get("/review/rounds").status_code == 403
    created = agency.post(
        "/review/rounds", {"name": "x", "period": "2026", "region_code": "330500", "sample_size": 2}
    )
    assert created.status_code == 403


def test_supervisor_outside_region_cannot_create(api_as, store_cases):
    sup = api_as(Role.SUPERVISOR)
    r = sup.post("/review/rounds", {"name": "x", "period": "2026", "region_code": "330100", "sample_size": 2})
    assert r.status_code == 403 and r.json()["code"] == "out_of_scope"


def test_pages(city, users, api_as, store_cases, client):
    sup = api_as(Role.SUPERVISOR)
    rnd = _run_round(sup, share=0)
    client.force_login(users[Role.SUPERVISOR])
    page = client.get("/review/")
    assert page.status_code == 200 and "案卷评查" in page.content.decode()
    detail = client.get(f"/review/rounds/{rnd['id']}/")
    assert detail.status_code == 200 and "评查结果" in detail.content.decode()
    case_id = sup.get(f"/review/rounds/{rnd['id']}/cases").json()[0]["id"]
    case_page = client.get(f"/review/cases/{case_id}/")
    body = case_page.content.decode()
    assert case_page.status_code == 200 and "事实认定" in body and "hx-post" in body
    saved = client.post(
        f"/review/cases/{case_id}/items/facts_clear/",
        {"deduction": "1.5", "note": "事实不清"},
        headers={"HX-Request": "true"},
    )
    assert saved.status_code == 200 and "已保存" in saved.content.decode()
    refused = client.post(
        f"/review/cases/{case_id}/items/facts_clear/",
        {"deduction": "99", "note": ""},
        headers={"HX-Request": "true"},
    )
    assert "扣分应在" in refused.content.decode()
    client.force_login(users[Role.HOTLINE_OPERATOR])
    assert client.get("/review/").status_code == 403
