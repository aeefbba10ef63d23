"""Scope through the API: who lists and reads what (DOMAIN.md §1, issue 2's done-when list)."""

from __future__ import annotations

import pytest

from tests.conftest import make_credit_code, make_id_number, make_user
from zhifa.core.models import AuditEntry, Region
from zhifa.core.roles import Role
from zhifa.registry.models import Agency, Entity, Officer

pytestmark = pytest.mark.django_db


def codes(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {item["code"] for item in response.json()["items"]}


def test_officer_lists_only_its_agency_officers_and_gets_404_for_another(api_as, city):
    api = api_as(Role.OFFICER)
    listed = api.get("/officers", limit=100).json()["items"]
    assert {o["agency_code"] for o in listed} == {city.market_city.code}
    assert api.get(f"/officers/{city.officer_city.pk}").status_code == 200
    other = api.get(f"/officers/{city.officer_wuxing.pk}")  # same city, another agency
    assert other.status_code == 404
    assert other.json() == {"code": "not_found", "message": "记录不存在", "field": None}
    assert api.get(f"/officers/{city.officer_other.pk}").status_code == 404


def test_supervisor_sees_its_region_agencies_and_none_outside(api_as, city):
    api = api_as(Role.SUPERVISOR)
    seen = codes(api.get("/agencies", limit=100))
    assert seen == {city.market_city.code, city.market_wuxing.code, city.ecology_nanxun.code}
    assert api.get(f"/agencies/{city.other_city.code}").status_code == 404
    assert api.get(f"/officers/{city.officer_other.pk}").status_code == 404
    assert api.get(f"/officers/{city.officer_wuxing.pk}").status_code == 200


def test_district_supervisor_sees_only_its_district(city):
    from tests.conftest import ApiClient

    api = ApiClient(make_user(Role.SUPERVISOR, region="330502"))
    assert codes(api.get("/agencies")) == {city.market_wuxing.code}
    assert api.get(f"/agencies/{city.market_city.code}").status_code == 404


def test_region_filter_and_count_match_the_scope(api_as, city):
    api = api_as(Role.SUPERVISOR)
    body = api.get("/agencies", region="330503").json()
    assert body["count"] == 1 and body["items"][0]["code"] == city.ecology_nanxun.code
    body = api.get("/agencies", region="330100").json()  # 杭州: outside scope, filter cannot widen it
    assert body["count"] == 0


def test_auditor_reads_the_trail_and_nothing_else(api_as, city):
    api = api_as(Role.AUDITOR)
    trail = api.get("/audit", limit=500)
    assert trail.status_code == 200
    actions = {e["action"] for e in trail.json()["items"]}
    assert {"registry.agency_create", "registry.officer_create", "registry.certificate_issue"} <= actions
    assert api.get("/agencies").status_code == 403
    assert api.get("/officers").status_code == 403
    assert api.get(f"/agencies/{city.market_city.code}").status_code == 403
    created = api.post(
        "/entities",
        {
            "kind": "enterprise",
            "name": "审计员不能建",
            "region_code": "330502",
            "credit_code": make_credit_code("330502", "91"),
        },
    )
    assert created.status_code == 403
    assert created.json()["code"] == "permission_denied"
    assert not Entity.objects.filter(name="审计员不能建").exists()


def test_sysadmin_gets_no_audit_entries(api_as, city):
    api = api_as(Role.SYSADMIN)
    assert AuditEntry.objects.exists()
    response = api.get("/audit")
    assert response.status_code == 403
    assert "items" not in response.json()


def test_every_business_role_is_refused_the_audit_trail(api_as):
    for role in (Role.OFFICER, Role.AGENCY_ADMIN, Role.SUPERVISOR, Role.HOTLINE_OPERATOR, Role.SYSADMIN):
        assert api_as(role).get("/audit").status_code == 403, role


def test_wrong_credit_code_check_digit_is_422_naming_the_field(api_as):
    good = make_credit_code("330502", "91")
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    response = api_as(Role.OFFICER).post(
        "/entities",
        {"kind": "enterprise", "name": "湖州某某餐饮有限公司", "region_code": "330502", "credit_code": bad},
    )
    assert response.status_code == 422
    assert response.json() == {
        "code": "invalid_check_digit",
        "message": "统一社会信用代码校验位错误",
        "field": "credit_code",
    }
    assert not Entity.objects.filter(name="湖州某某餐饮有限公司").exists()


def test_entity_created_through_the_api_is_audited_and_named_by_codes(api_as, users):
    api = api_as(Role.OFFICER)
    code = make_credit_code("330502", "91")
    response = api.post(
        "/entities",
        {
            "kind": "enterprise",
            "name": "湖州某某超市",
            "region_code": "330502001",
            "credit_code": code,
            "industry": "F",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["credit_code"] == code and body["region_code"] == "330502001"
    entry = AuditEntry.objects.get(action="registry.entity_create", object_id=str(body["id"]))
    assert entry.actor_username == users[Role.OFFICER].username
    assert entry.actor_agency_code == users[Role.OFFICER].agency.code
    assert entry.request_id and entry.source_ip == "127.0.0.1"


def test_entities_outside_the_region_cannot_be_created_or_read(api_as, city):
    api = api_as(Role.OFFICER)  # city market bureau: 湖州市
    response = api.post(
        "/entities",
        {
            "kind": "enterprise",
            "name": "杭州某某公司",
            "region_code": "330102",
            "credit_code": make_credit_code("330102", "91"),
        },
    )
    assert response.status_code == 403 and response.json()["field"] == "region_code"
    outside = Entity.objects.create(
        kind="enterprise",
        name="杭州外地公司",
        region_id="330102",
        credit_code=make_credit_code("330102", "91"),
    )
    assert api.get(f"/entities/{outside.pk}").status_code == 404
    assert outside.pk not in {e["id"] for e in api.get("/entities", limit=500).json()["items"]}


def test_personal_identifiers_are_masked_for_roles_that_do_not_need_them(api_as, city):
    person = Entity.objects.create(
        kind="person", name="陈某", region_id="330502", id_number=make_id_number(), phone="13905721234"
    )
    seen_by_officer = api_as(Role.OFFICER).get(f"/entities/{person.pk}").json()
    seen_by_supervisor = api_as(Role.SUPERVISOR).get(f"/entities/{person.pk}").json()
    assert seen_by_officer["id_number"] == person.id_number
    assert seen_by_supervisor["id_number"] == person.id_number[:6] + "********" + person.id_number[-4:]
    assert seen_by_supervisor["phone"] == "139****1234"
    admin_view = api_as(Role.AGENCY_ADMIN).get(f"/officers/{city.officer_city.pk}").json()
    officer_view = api_as(Role.OFFICER).get(f"/officers/{city.officer_city.pk}").json()
    assert admin_view["id_number"] == city.officer_city.id_number
    assert officer_view["id_number"] != city.officer_city.id_number and "*" in officer_view["id_number"]


def test_agency_admin_manages_officers_of_its_own_agency_only(api_as, city):
    api = api_as(Role.AGENCY_ADMIN)
    new = {"name": "周杰", "id_number": make_id_number(), "agency_code": city.market_city.code}
    created = api.post("/officers", new)
    assert created.status_code == 201, created.content
    elsewhere = api.post(
        "/officers", {**new, "id_number": make_id_number(), "agency_code": city.market_wuxing.code}
    )
    assert elsewhere.status_code == 422 and elsewhere.json()["field"] == "agency_code"
    assert api.patch(f"/officers/{city.officer_wuxing.pk}", {"phone": "13800000000"}).status_code == 404
    changed = api.patch(f"/officers/{created.json()['id']}", {"phone": "13800000001"})
    assert changed.status_code == 200 and changed.json()["phone"] == "13800000001"


def test_officer_may_read_but_not_change_officers(api_as, city):
    response = api_as(Role.OFFICER).patch(f"/officers/{city.officer_city.pk}", {"phone": "13800000000"})
    assert response.status_code == 403
    assert Officer.objects.get(pk=city.officer_city.pk).phone == ""


def test_supervisor_confirms_agencies_in_its_region_only(api_as, city):
    api = api_as(Role.SUPERVISOR)
    body = {
        "code": make_credit_code("330521"),
        "name": "德清县综合行政执法局",
        "kind": "statutory",
        "region_code": "330521",
        "domain_codes": ["urban_management"],
    }
    assert api.post("/agencies", body).status_code == 201
    outside = {**body, "code": make_credit_code("330102"), "name": "杭州某局", "region_code": "330102"}
    response = api.post("/agencies", outside)
    assert response.status_code == 403 and response.json()["code"] == "out_of_scope"
    assert not Agency.objects.filter(name="杭州某局").exists()


def test_regions_are_reference_data_readable_by_registry_roles(api_as):
    api = api_as(Role.OFFICER)
    response = api.get("/regions", parent_code="330500", limit=20)
    names = {r["name"] for r in response.json()["items"]}
    assert {"吴兴区", "南浔区", "德清县", "长兴县", "安吉县"} <= names
    assert api.get("/regions/110101").json()["full_name"] == "北京市东城区"
    assert api_as(Role.AUDITOR).get("/regions").status_code == 403


def test_bad_input_is_4xx_with_the_envelope(api_as, city):
    api = api_as(Role.AGENCY_ADMIN)
    missing = api.post("/officers", {"name": "缺身份证"})
    assert missing.status_code == 422
    assert missing.json()["code"] == "invalid" and missing.json()["field"] in {"id_number", "agency_code"}
    bad_date = api.post(
        "/certificates",
        {
            "number": "X1",
            "officer_id": city.officer_city.pk,
            "domain_code": "market_regulation",
            "issued_on": "2024-13-01",
            "expires_on": "2029-01-01",
        },
    )
    assert bad_date.status_code == 422 and bad_date.json()["field"] == "issued_on"
    order = api.post(
        "/certificates",
        {
            "number": "X2",
            "officer_id": city.officer_city.pk,
            "domain_code": "market_regulation",
            "issued_on": "2024-01-01",
            "expires_on": "2023-01-01",
        },
    )
    assert order.status_code == 422 and order.json() == {
        "code": "invalid_date_order",
        "message": "有效期至不能早于发证日期",
        "field": "expires_on",
    }
    dup = api.post(
        "/officers",
        {"name": "重复", "id_number": city.officer_city.id_number, "agency_code": city.market_city.code},
    )
    assert dup.status_code == 409 and dup.json()["field"] == "id_number"
    not_json = api.client.post(
        "/api/v1/officers", "{oops", content_type="application/json", headers=api.headers
    )
    assert 400 <= not_json.status_code < 500


def test_unauthenticated_requests_are_401(client):
    response = client.get("/api/v1/agencies")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    bad = client.get("/api/v1/agencies", headers={"Authorization": "Bearer nonsense"})
    assert bad.status_code == 401


def test_openapi_is_published(client):
    spec = client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/agencies", "/api/v1/officers", "/api/v1/entities", "/api/v1/auth/token"} <= set(
        spec["paths"]
    )


def test_region_subtree_paths_are_consistent(db):
    street = Region.objects.get(code="330502001")
    assert street.path == "330000/330500/330502/330502001/"
    assert street.full_name == "浙江省湖州市吴兴区月河街道"
    assert (
        Region.objects.filter(level="street", path__startswith="330500/").count() == 0
    )  # paths start at province
    assert Region.objects.filter(path__startswith="330000/330500/", level="county").count() == 5


def test_json_carries_chinese_as_utf8(api_as, city):
    response = api_as(Role.SUPERVISOR).get(f"/agencies/{city.market_city.code}")
    assert response["Content-Type"].startswith("application/json")
    assert "湖州市市场监督管理局".encode() in response.content


def test_sysadmin_maintains_division_codes_in_its_region(api_as, users):
    api = api_as(Role.SYSADMIN)
    new_street = {"code": "330502999", "name": "测试新设街道", "level": "street", "parent_code": "330502"}
    created = api.post("/regions", new_street)
    assert created.status_code == 201, created.content
    assert created.json()["full_name"] == "浙江省湖州市吴兴区测试新设街道"
    assert Region.objects.get(code="330502999").path == "330000/330500/330502/330502999/"
    wrong_prefix = api.post("/regions", {**new_street, "code": "330503998"})
    assert wrong_prefix.status_code == 422 and wrong_prefix.json()["field"] == "code"
    outside = api.post("/regions", {**new_street, "code": "330102998", "parent_code": "330102"})
    assert outside.status_code == 403 and outside.json()["field"] == "parent_code"
    renamed = api.patch("/regions/330502", {"name": "吴兴新区", "valid_to": "2026-12-31"})
    assert renamed.status_code == 200 and renamed.json()["valid_to"] == "2026-12-31"
    assert Region.objects.get(code="330502999").full_name == "浙江省湖州市吴兴新区测试新设街道"
    assert Region.objects.get(code="330502001").full_name == "浙江省湖州市吴兴新区月河街道"
    assert api.patch("/regions/330102", {"name": "x"}).status_code == 403  # visible, not in its region
    assert AuditEntry.objects.filter(action__in=["core.region_create", "core.region_update"]).count() == 2


def test_business_roles_cannot_change_division_codes(api_as):
    response = api_as(Role.SUPERVISOR).post(
        "/regions", {"code": "330502998", "name": "x", "level": "street", "parent_code": "330502"}
    )
    assert response.status_code == 403
    assert not Region.objects.filter(code="330502998").exists()
