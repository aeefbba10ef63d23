"""Powers API: list filters and scope, detail, versions and diff, create/update/revoke, transfer,
drafts, benchmark, no-penalty rule, checklists, evaluation; 403/404 rules."""

from __future__ import annotations

from tests.powers_support import STANDARD_TIERS, add_penalty_power, food_law_fixture  # noqa: F401
from zhifa.core.roles import Role


def put(api, path: str, body: dict):
    return api.client.put(f"/api/v1{path}", body, content_type="application/json", headers=api.headers)


def _tiers() -> list[dict]:
    return [{k: v for k, v in t.__dict__.items() if v not in (None, "", ())} for t in STANDARD_TIERS]


def test_list_is_scoped_and_filtered(city, api_as, food_law):
    own = add_penalty_power(city.market_city, food_law)
    add_penalty_power(city.other_city, food_law)
    wuxing = add_penalty_power(city.market_wuxing, food_law)
    body = api_as(Role.OFFICER).get("/powers").json()
    assert [p["code"] for p in body["items"]] == [own.code]
    assert body["items"][0]["basis"] == ["《食品安全法》第一百二十二条第一款"]
    supervisor = api_as(Role.SUPERVISOR)
    assert supervisor.get("/powers").json()["count"] == 2
    assert [
        p["code"] for p in supervisor.get("/powers", agency_code=city.market_wuxing.code).json()["items"]
    ] == [wuxing.code]
    assert supervisor.get("/powers", kind="licence").json()["count"] == 0
    assert supervisor.get("/powers", q="无证").json()["count"] == 0
    assert api_as(Role.AUDITOR).get("/powers").status_code == 403
    assert api_as(Role.SYSADMIN).get("/powers").status_code == 403
    # out of scope: 404
    assert api_as(Role.OFFICER).get(f"/powers/{wuxing.code}").status_code == 404


def test_create_change_versions_diff_revoke(city, api_as, food_law):
    admin = api_as(Role.AGENCY_ADMIN)
    response = admin.post(
        "/powers",
        {
            "name": "对未取得许可从事食品生产经营的行政处罚",
            "kind": "penalty",
            "agency_code": city.market_city.code,
            "domain_code": "market_regulation",
            "basis": ["《食品安全法》第一百二十二条第一款"],
            "provision_ids": [food_law.p122_1.pk],
        },
    )
    assert response.status_code == 201, response.content
    detail = response.json()
    code = detail["code"]
    assert detail["bases"][0]["law"] == "食品安全法"
    assert {r["kind"] for r in detail["statutory_ranges"]} == {"fixed", "multiple"}
    bad = admin.post(
        "/powers",
        {
            "name": "x",
            "kind": "nope",
            "agency_code": city.market_city.code,
            "domain_code": "market_regulation",
        },
    )
    assert bad.status_code == 422 and bad.json()["field"] == "kind"
    changed = admin.patch(f"/powers/{code}", {"name": "对无证生产经营的行政处罚", "reason": "规范名称"})
    assert changed.status_code == 200 and changed.json()["version"] == 2
    assert admin.patch(f"/powers/{code}", {"name": "y", "reason": ""}).json()["field"] == "reason"
    versions = admin.get(f"/powers/{code}/versions").json()
    assert [v["version"] for v in versions] == [1, 2]
    diff = {row["field"]: row for row in admin.get(f"/powers/{code}/diff", a=1, b=2).json()}
    assert diff["name"]["changed"] and diff["name"]["new"] == "对无证生产经营的行政处罚"
    assert admin.get(f"/powers/{code}/diff", a=1, b=9).status_code == 404
    officer = api_as(Role.OFFICER)
    assert officer.post(f"/powers/{code}/revoke", {"reason": "x"}).status_code == 403
    revoked = admin.post(f"/powers/{code}/revoke", {"reason": "职能调整"})
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"


def test_benchmark_refusal_evaluation_and_no_penalty(city, api_as, food_law):
    power = add_penalty_power(city.market_city, food_law)
    admin = api_as(Role.AGENCY_ADMIN)
    refused = put(
        admin,
        f"/powers/{power.code}/benchmark",
        {"tiers": [{"tier": "aggravated", "minimum": 80000, "maximum": 150000}]},
    )
    assert refused.status_code == 422
    assert refused.json() == {
        "code": "tier_outside_statutory_range",
        "message": "从重档上限 150000 元超出《食品安全法》第一百二十二条第一款规定的上限 100000 元",
        "field": "tiers.0.maximum",
    }
    saved = put(admin, f"/powers/{power.code}/benchmark", {"tiers": _tiers(), "note": "2025版"})
    assert saved.status_code == 200, saved.content
    assert saved.json()["version"] == 1 and len(saved.json()["tiers"]) == 6
    assert api_as(Role.OFFICER).get(f"/powers/{power.code}/benchmark").json()["version"] == 1
    officer = api_as(Role.OFFICER)
    result = officer.post(
        f"/powers/{power.code}/discretion/evaluate", {"circumstance": "从重", "base_amount": 20000}
    )
    assert result.status_code == 200
    body = result.json()
    assert body["tier"] == "aggravated" and body["range_kind"] == "multiple"
    assert float(body["minimum"]) == 320000 and float(body["maximum"]) == 400000
    assert "《食品安全法》第一百二十二条第一款" in body["basis"]
    rule = put(
        admin,
        f"/powers/{power.code}/no-penalty-rule",
        {"kind": "first", "correction_days": 10, "source": "湖州市市场监管领域首违不罚清单"},
    )
    assert rule.status_code == 200
    body = officer.post(
        f"/powers/{power.code}/discretion/evaluate",
        {"first_violation": True, "minor_harm": True, "corrected": True, "party_kind": "person"},
    ).json()
    assert body["no_penalty"] is True and body["tier"] == "no_penalty"
    detail = officer.get(f"/powers/{power.code}").json()
    assert detail["no_penalty_rule"]["correction_days"] == 10 and detail["benchmark"]["version"] == 1
    assert put(officer, f"/powers/{power.code}/benchmark", {"tiers": _tiers()}).status_code == 403


def test_transfer_drafts_and_checklists(city, api_as, food_law):
    admin = api_as(Role.AGENCY_ADMIN)
    generated = admin.post("/powers/drafts/generate", {"agency_code": city.market_city.code})
    assert generated.status_code == 201 and generated.json()["count"] >= 3
    confirmed = admin.post("/powers/drafts/confirm", {"agency_code": city.market_city.code})
    assert confirmed.json()["count"] == generated.json()["count"]
    code = generated.json()["power_codes"][0]
    assert (
        admin.post(
            "/powers/transfers",
            {
                "power_codes": [code],
                "to_agency_code": city.market_wuxing.code,
                "reason": "x",
                "effective_date": "2025-01-01",
            },
        ).status_code
        == 403
    )
    supervisor = api_as(Role.SUPERVISOR)
    moved = supervisor.post(
        "/powers/transfers",
        {
            "power_codes": [code],
            "to_agency_code": city.market_wuxing.code,
            "reason": "下放",
            "effective_date": "2025-01-01",
        },
    )
    assert moved.status_code == 201 and moved.json()["power_codes"] == [code]
    assert supervisor.get("/powers/transfers", power_code=code).json()["count"] == 1
    assert admin.get(f"/powers/{code}").status_code == 404  # now the district's
    created = admin.post(
        "/powers/checklists",
        {
            "name": "餐饮门店检查",
            "agency_code": city.market_city.code,
            "scene": "餐饮门店",
            "items": [{"text": "许可证是否有效", "citation": "食品安全法第三十五条"}],
        },
    )
    assert created.status_code == 201, created.content
    checklist = created.json()
    assert checklist["items"][0]["citation"] == "《食品安全法》第三十五条"
    saved = put(
        admin,
        f"/powers/checklists/{checklist['id']}",
        {
            "name": "餐饮门店检查",
            "items": [{"text": "许可证是否有效"}, {"text": "健康证明"}],
            "reason": "增项",
        },
    )
    assert saved.json()["version"] == 2 and len(saved.json()["items"]) == 2
    assert api_as(Role.OFFICER).get(f"/powers/checklists/{checklist['id']}").json()["version"] == 2
    refused = put(
        api_as(Role.OFFICER), f"/powers/checklists/{checklist['id']}", {"name": "x", "items": [{"text": "y"}]}
    )
    assert refused.status_code == 403
