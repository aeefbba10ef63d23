"""Powers pages render for the roles that may see them, refuse the others (403) and hide records
outside scope (404); forms go through the actions and show their refusals next to the field."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.powers_support import STANDARD_TIERS, add_penalty_power, food_law_fixture  # noqa: F401
from zhifa.core.roles import Role
from zhifa.powers import actions
from zhifa.powers.models import Power


@pytest.fixture
def as_role(users):
    def login(role: str) -> Client:
        client = Client()
        client.force_login(users[role])
        return client

    return login


@pytest.fixture
def power(city, food_law) -> Power:
    power = add_penalty_power(city.market_city, food_law)
    actions.do_set_benchmark(None, power.code, STANDARD_TIERS)
    actions.do_set_no_penalty_rule(None, power.code, actions.NoPenaltyInput(source="首违不罚清单"))
    return power


@pytest.mark.parametrize(
    "role",
    [
        Role.OFFICER,
        Role.AGENCY_LEAD,
        Role.LEGAL_REVIEWER,
        Role.AGENCY_ADMIN,
        Role.SUPERVISOR,
        Role.HOTLINE_OPERATOR,
    ],
)
def test_list_detail_versions_render_for_viewing_roles(as_role, power, role):
    client = as_role(role)
    listing = client.get("/powers/")
    assert listing.status_code == 200 and power.code in listing.content.decode()
    detail = client.get(f"/powers/{power.code}/").content.decode()
    assert "《食品安全法》第一百二十二条第一款" in detail and "未取得食品生产经营许可" in detail
    assert "从重" in detail and "首违不罚" in detail
    assert client.get(f"/powers/{power.code}/versions/").status_code == 200
    assert "权责清单" in listing.content.decode()


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.SYSADMIN])
def test_roles_without_the_powers_list_get_403(as_role, power, role):
    assert as_role(role).get("/powers/").status_code == 403
    assert as_role(role).get(f"/powers/{power.code}/").status_code in (403, 404)


def test_out_of_scope_power_is_404(as_role, city, food_law):
    other = add_penalty_power(city.other_city, food_law)
    assert as_role(Role.OFFICER).get(f"/powers/{other.code}/").status_code == 404
    assert as_role(Role.SUPERVISOR).get(f"/powers/{other.code}/").status_code == 404


def test_evaluation_on_the_detail_page(as_role, power):
    page = (
        as_role(Role.OFFICER)
        .get(f"/powers/{power.code}/", {"evaluate": 1, "circumstance": "一般"})
        .content.decode()
    )
    assert "65000" in page and "85000" in page
    page = (
        as_role(Role.OFFICER)
        .get(f"/powers/{power.code}/", {"evaluate": 1, "first_violation": 1, "minor_harm": 1, "corrected": 1})
        .content.decode()
    )
    assert "不予处罚" in page


def test_edit_creates_a_version_and_the_diff_highlights_it(as_role, power, city):
    client = as_role(Role.AGENCY_ADMIN)
    assert as_role(Role.OFFICER).get(f"/powers/{power.code}/edit/").status_code == 403
    response = client.post(
        f"/powers/{power.code}/edit/",
        {
            "name": "对无证生产经营食品的行政处罚",
            "kind": "penalty",
            "domain_code": "market_regulation",
            "status": "active",
            "basis": "食品安全法第一百二十二条第一款",
            "reason": "",
        },
    )
    assert response.status_code == 422 and "变更原因不能为空" in response.content.decode()
    response = client.post(
        f"/powers/{power.code}/edit/",
        {
            "name": "对无证生产经营食品的行政处罚",
            "kind": "penalty",
            "domain_code": "market_regulation",
            "status": "active",
            "basis": "食品安全法第一百二十二条第一款",
            "reason": "名称规范",
        },
    )
    assert response.status_code == 302
    diff = client.get(f"/powers/{power.code}/versions/", {"a": 1, "b": 2}).content.decode()
    assert "diff-changed" in diff and "对无证生产经营食品的行政处罚" in diff


def test_benchmark_editor_shows_the_refusal_next_to_the_tier(as_role, power):
    client = as_role(Role.AGENCY_ADMIN)
    assert client.get(f"/powers/{power.code}/benchmark/").status_code == 200
    response = client.post(
        f"/powers/{power.code}/benchmark/",
        {
            "tier-0-tier": "general",
            "tier-0-range_kind": "fixed",
            "tier-0-minimum": "60000",
            "tier-0-maximum": "80000",
            "tier-1-tier": "aggravated",
            "tier-1-range_kind": "fixed",
            "tier-1-minimum": "80000",
            "tier-1-maximum": "150000",
        },
    )
    page = response.content.decode()
    assert response.status_code == 422
    assert "从重档上限 150000 元超出《食品安全法》第一百二十二条第一款规定的上限 100000 元" in page
    assert 'class="has-error"' in page
    ok = client.post(
        f"/powers/{power.code}/benchmark/",
        {
            "tier-0-tier": "general",
            "tier-0-range_kind": "fixed",
            "tier-0-minimum": "60000",
            "tier-0-maximum": "80000",
        },
    )
    assert ok.status_code == 302
    assert as_role(Role.OFFICER).get(f"/powers/{power.code}/benchmark/").status_code == 403


def test_drafts_transfer_and_checklist_pages(as_role, city, food_law):
    admin = as_role(Role.AGENCY_ADMIN)
    assert admin.get("/powers/drafts/").status_code == 200
    admin.post("/powers/drafts/", {"agency_code": city.market_city.code, "op": "generate"})
    drafts = admin.get("/powers/drafts/").content.decode()
    assert "第一百二十二条" in drafts
    admin.post("/powers/drafts/", {"agency_code": city.market_city.code, "op": "confirm"})
    assert not Power.objects.filter(holder=city.market_city, status="draft").exists()
    assert as_role(Role.OFFICER).get("/powers/drafts/").status_code == 403
    assert admin.get("/powers/transfers/new/").status_code == 403
    supervisor = as_role(Role.SUPERVISOR)
    code = Power.objects.filter(holder=city.market_city).first().code
    assert supervisor.get("/powers/transfers/new/").status_code == 200
    response = supervisor.post(
        "/powers/transfers/new/",
        {
            "power_codes": [code],
            "to_agency_code": city.market_wuxing.code,
            "effective_date": "2025-01-01",
            "reason": "下放",
        },
    )
    assert response.status_code == 302
    assert code in supervisor.get("/powers/transfers/").content.decode()
    created = admin.post(
        "/powers/checklists/new/",
        {
            "name": "餐饮门店检查",
            "scene": "餐饮门店",
            "items": "许可证是否有效 | 食品安全法第三十五条\n健康证明",
        },
    )
    assert created.status_code == 302
    detail = admin.get(created["Location"]).content.decode()
    assert "《食品安全法》第三十五条" in detail and "v1" in detail
    assert admin.get("/powers/checklists/").status_code == 200
    refused = admin.post(
        "/powers/checklists/new/", {"name": "x", "scene": "y", "items": "z | 食品安全法第九百条"}
    )
    assert refused.status_code == 422 and "无法对应到条文" in refused.content.decode()
