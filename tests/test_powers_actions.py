"""Powers-list actions: versions, revoke, transfer, benchmarks against the statute, evaluation,
no-penalty rules, checklists, draft generation from provisions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.powers_support import STANDARD_TIERS, add_penalty_power, food_law_fixture  # noqa: F401
from zhifa.core.errors import ActionError, NotFound, PermissionDenied
from zhifa.core.models import AuditEntry
from zhifa.core.roles import Role
from zhifa.powers import actions
from zhifa.powers.citations import from_chinese, parse_citation, to_chinese
from zhifa.powers.discretion import Facts
from zhifa.powers.models import Checklist, Power, PowerStatus, PowerTransfer, PowerVersion
from zhifa.powers.versions import diff_snapshots


def test_chinese_numerals_round_trip():
    for n in (1, 10, 11, 20, 35, 100, 105, 110, 122, 1000, 1203):
        assert from_chinese(to_chinese(n)) == n
    assert to_chinese(122) == "一百二十二"
    assert parse_citation("《中华人民共和国食品安全法》第一百二十二条第二款") == (
        "食品安全法",
        122,
        0,
        2,
        None,
    )


def test_add_change_revoke_keep_every_version_with_diff(city, users, food_law):
    admin = users[Role.AGENCY_ADMIN]
    power = add_penalty_power(city.market_city, food_law, admin)
    assert power.code.startswith(f"{city.market_city.code}-CF-")
    assert power.bases.get().citation == "《食品安全法》第一百二十二条第一款"
    changed = actions.do_change_power(
        admin,
        power.code,
        actions.PowerInput(
            name="对无证生产经营食品的行政处罚",
            kind="penalty",
            holder_code=city.market_city.code,
            domain_code="market_regulation",
            basis=[actions.BasisInput(citation="食品安全法第一百二十二条第二款")],
            provision_ids=[food_law.p122_1.pk, food_law.p122_2.pk],
        ),
        reason="合并第二款",
    )
    assert changed.version == 2
    revoked = actions.do_revoke_power(admin, power.code, "职能调整")
    assert revoked.status == PowerStatus.REVOKED and revoked.version == 3
    versions = list(PowerVersion.objects.filter(power=power).order_by("version"))
    assert [v.action for v in versions] == ["create", "change", "revoke"]
    assert versions[0].snapshot["name"] != versions[1].snapshot["name"]
    diff = {row["field"]: row for row in diff_snapshots(versions[0].snapshot, versions[1].snapshot)}
    assert diff["name"]["changed"] and diff["basis"]["changed"] and not diff["kind"]["changed"]
    actions_logged = list(
        AuditEntry.objects.filter(object_type="powers.power", object_id=str(power.pk)).values_list(
            "action", flat=True
        )
    )
    assert actions_logged == ["powers.power_create", "powers.power_change", "powers.power_revoke"]
    with pytest.raises(ActionError) as err:
        actions.do_change_power(
            admin, power.code, actions.PowerInput("x", "penalty", "", "market_regulation"), "r"
        )
    assert err.value.code == "revoked"


def test_validation_errors_name_their_field(city, users, food_law):
    admin = users[Role.AGENCY_ADMIN]
    base = dict(name="x", kind="penalty", holder_code=city.market_city.code, domain_code="market_regulation")
    with pytest.raises(ActionError) as err:
        actions.do_add_power(admin, actions.PowerInput(**{**base, "kind": "bogus"}))
    assert err.value.field == "kind"
    with pytest.raises(ActionError) as err:
        actions.do_add_power(admin, actions.PowerInput(**{**base, "domain_code": "ecology_environment"}))
    assert err.value.code == "domain_not_held"
    with pytest.raises(ActionError) as err:
        actions.do_add_power(admin, actions.PowerInput(**base))
    assert err.value.field == "basis"
    with pytest.raises(ActionError) as err:
        actions.do_add_power(
            admin,
            actions.PowerInput(**{**base, "basis": [actions.BasisInput(citation="食品安全法第九百条")]}),
        )
    assert err.value.code == "unknown_article" and err.value.field == "basis.0"
    # another agency's holder is out of the admin's scope
    with pytest.raises(ActionError) as err:
        actions.do_add_power(admin, actions.PowerInput(**{**base, "holder_code": city.other_city.code}))
    assert err.value.code == "unknown_agency"
    with pytest.raises(PermissionDenied):
        actions.do_add_power(users[Role.OFFICER], actions.PowerInput(**base))


def test_agency_admin_cannot_change_another_agencys_power(city, users, food_law):
    power = add_penalty_power(city.market_wuxing, food_law)
    with pytest.raises(NotFound):
        actions.do_revoke_power(users[Role.AGENCY_ADMIN], power.code, "x")
    # the supervisor of 湖州 may
    assert actions.do_revoke_power(users[Role.SUPERVISOR], power.code, "清理").status == "revoked"


def test_transfer_moves_powers_and_history_with_audit(city, users, food_law):
    supervisor = users[Role.SUPERVISOR]
    first = add_penalty_power(city.market_city, food_law)
    second = add_penalty_power(city.market_city, food_law, name="对提供生产经营场所的行政处罚")
    checklist = actions.do_save_checklist(
        None,
        actions.ChecklistInput(
            name="无证经营检查", power_code=first.code, items=[actions.ChecklistItemInput("证照")]
        ),
    )
    transfer = actions.do_transfer_powers(
        supervisor, [first.code, second.code], city.market_wuxing.code, "下放至区级实施", dt.date(2025, 1, 1)
    )
    first.refresh_from_db()
    assert first.holder == city.market_wuxing and first.version == 2
    assert PowerVersion.objects.filter(power=first).count() == 2
    assert first.versions.get(version=2).action == "transfer"
    assert Checklist.objects.get(pk=checklist.pk).agency == city.market_wuxing
    assert set(transfer.powers.values_list("code", flat=True)) == {first.code, second.code}
    assert actions.holder_on(first, dt.date(2024, 6, 1)) == city.market_city
    assert actions.holder_on(first, dt.date(2025, 6, 1)) == city.market_wuxing
    assert AuditEntry.objects.filter(action="powers.power_transfer").count() == 2
    assert AuditEntry.objects.filter(action="powers.transfer_create", object_id=str(transfer.pk)).count() == 1
    # the city bureau's officer no longer sees them; the district's does
    assert not Power.objects.restrict(users[Role.OFFICER]).filter(pk=first.pk).exists()
    assert PowerTransfer.objects.restrict(supervisor).filter(pk=transfer.pk).exists()
    with pytest.raises(ActionError) as err:
        actions.do_transfer_powers(
            supervisor, [first.code], city.ecology_nanxun.code, "x", dt.date(2025, 1, 1)
        )
    assert err.value.code == "domain_not_held"
    with pytest.raises(PermissionDenied):
        actions.do_transfer_powers(
            users[Role.AGENCY_ADMIN], [first.code], city.market_city.code, "x", dt.date.today()
        )


def test_tier_above_statutory_maximum_is_refused_citing_the_article(city, users, food_law):
    power = add_penalty_power(city.market_city, food_law)
    admin = users[Role.AGENCY_ADMIN]
    tiers = [
        actions.TierInput(tier="general", minimum=60000, maximum=80000),
        actions.TierInput(tier="aggravated", minimum=80000, maximum=150000),
    ]
    with pytest.raises(ActionError) as err:
        actions.do_set_benchmark(admin, power.code, tiers)
    assert err.value.code == "tier_outside_statutory_range"
    assert err.value.field == "tiers.1.maximum"
    assert (
        err.value.message == "从重档上限 150000 元超出《食品安全法》第一百二十二条第一款规定的上限 100000 元"
    )
    with pytest.raises(ActionError) as err:
        actions.do_set_benchmark(
            admin, power.code, [actions.TierInput(tier="lenient", minimum=30000, maximum=60000)]
        )
    assert err.value.code == "tier_outside_statutory_range" and "低于" in err.value.message
    with pytest.raises(ActionError) as err:
        actions.do_set_benchmark(
            admin,
            power.code,
            [
                actions.TierInput(
                    tier="general", range_kind="multiple", minimum=10, maximum=25, base="货值金额"
                )
            ],
        )
    assert "25 倍超出" in err.value.message
    # 减轻 may go below the statutory minimum (Art. 32)
    actions.do_set_benchmark(
        admin, power.code, [actions.TierInput(tier="mitigated", minimum=20000, maximum=50000)]
    )
    assert not AuditEntry.objects.filter(action="powers.benchmark_set", outcome="success").count() == 0


def test_benchmark_versions_and_evaluation(city, users, food_law):
    power = add_penalty_power(city.market_city, food_law)
    admin = users[Role.AGENCY_ADMIN]
    first = actions.do_set_benchmark(admin, power.code, STANDARD_TIERS[:3])
    second = actions.do_set_benchmark(admin, power.code, STANDARD_TIERS)
    assert (first.version, second.version) == (1, 2)
    result = actions.evaluate_power(power, Facts(circumstance="一般"))
    assert result["tier"] == "general"
    assert (result["minimum"], result["maximum"]) == (Decimal(65000), Decimal(85000))
    assert "《食品安全法》第一百二十二条第一款" in result["basis"]
    result = actions.evaluate_power(power, Facts(circumstance="从重", base_amount=Decimal(20000)))
    assert (result["range_kind"], result["minimum"], result["maximum"]) == (
        "multiple",
        Decimal(320000),
        Decimal(400000),
    )
    result = actions.evaluate_power(power, Facts(circumstance="当事人多次违法，拒不配合调查"))
    assert result["tier"] == "aggravated"
    assert not result["no_penalty"]


def test_no_penalty_rule_answers_no_penalty_when_conditions_hold(city, users, food_law):
    power = add_penalty_power(city.market_city, food_law)
    admin = users[Role.AGENCY_ADMIN]
    actions.do_set_benchmark(admin, power.code, STANDARD_TIERS[1:4])
    rule = actions.do_set_no_penalty_rule(
        admin,
        power.code,
        actions.NoPenaltyInput(
            kind="first", correction_days=15, source="《浙江省市场监管领域轻微违法行为不予处罚清单》"
        ),
    )
    assert rule.requires_first_violation
    holds = actions.evaluate_power(power, Facts(first_violation=True, minor_harm=True, corrected=True))
    assert holds["no_penalty"] and holds["tier"] == "no_penalty"
    assert holds["basis"][0] == "《行政处罚法》第三十三条第一款"
    assert holds["no_penalty_rule"]["correction_days"] == 15
    fails = actions.evaluate_power(power, Facts(first_violation=False, minor_harm=True, corrected=True))
    assert not fails["no_penalty"] and fails["tier"] == "general"
    with pytest.raises(ActionError) as err:
        actions.do_set_no_penalty_rule(admin, power.code, actions.NoPenaltyInput(source=""))
    assert err.value.field == "source"


def test_checklists_are_versioned(city, users, food_law):
    admin = users[Role.AGENCY_ADMIN]
    checklist = actions.do_save_checklist(
        admin,
        actions.ChecklistInput(
            name="餐饮门店日常检查",
            agency_code=city.market_city.code,
            scene="餐饮门店",
            items=[actions.ChecklistItemInput("是否取得食品经营许可证", citation="食品安全法第三十五条")],
        ),
    )
    again = actions.do_save_checklist(
        admin,
        actions.ChecklistInput(
            name="餐饮门店日常检查",
            scene="餐饮门店",
            items=[
                actions.ChecklistItemInput("是否取得食品经营许可证", citation="食品安全法第三十五条"),
                actions.ChecklistItemInput("从业人员健康证明"),
            ],
            reason="增加健康证明",
        ),
        checklist_id=checklist.pk,
    )
    assert again.version == 2
    versions = list(again.versions.order_by("version"))
    assert [v.items.count() for v in versions] == [1, 2]
    assert versions[0].items.get().article == food_law.art35
    assert versions[0].items.get().citation == "《食品安全法》第三十五条"
    with pytest.raises(ActionError) as err:
        actions.do_save_checklist(
            admin, actions.ChecklistInput(name="x", agency_code=city.market_city.code, scene="s")
        )
    assert err.value.field == "items"


def test_draft_generation_from_provisions_and_confirmation(city, users, food_law):
    admin = users[Role.AGENCY_ADMIN]
    drafts = actions.do_generate_draft_powers(admin, city.market_city.code)
    kinds = sorted(p.kind for p in drafts)
    assert kinds.count("penalty") == 3  # Art. 122 (1), (2), Art. 126
    assert "licence" in kinds and "inspection" in kinds  # Arts. 35, 110
    assert all(p.status == PowerStatus.DRAFT for p in drafts)
    penalty = next(p for p in drafts if p.provisions.filter(pk=food_law.p122_1.pk).exists())
    assert penalty.bases.get().citation == "《食品安全法》第一百二十二条第一款"
    # generating again adds nothing
    assert actions.do_generate_draft_powers(admin, city.market_city.code) == []
    # the ecology bureau's domain has no laws here
    assert actions.do_generate_draft_powers(None, city.ecology_nanxun.code) == []
    confirmed = actions.do_confirm_draft_powers(admin, city.market_city.code)
    assert confirmed == len(drafts)
    assert not Power.objects.filter(holder=city.market_city, status="draft").exists()
    assert PowerVersion.objects.filter(power=penalty).count() == 2
    assert AuditEntry.objects.filter(action="powers.power_confirm").count() == len(drafts)
    with pytest.raises(ActionError) as err:
        actions.do_confirm_draft_powers(admin, city.market_city.code)
    assert err.value.code == "nothing_to_confirm"


def test_scope_officer_sees_only_own_agency(city, users, food_law):
    own = add_penalty_power(city.market_city, food_law)
    other = add_penalty_power(city.other_city, food_law)
    wuxing = add_penalty_power(city.market_wuxing, food_law)
    officer = Power.objects.restrict(users[Role.OFFICER])
    assert set(officer.values_list("pk", flat=True)) == {own.pk}
    supervisor = Power.objects.restrict(users[Role.SUPERVISOR])
    assert set(supervisor.values_list("pk", flat=True)) == {own.pk, wuxing.pk}
    assert other.pk not in set(
        Power.objects.restrict(users[Role.HOTLINE_OPERATOR]).values_list("pk", flat=True)
    )
    assert not Power.objects.restrict(users[Role.AUDITOR]).exists()
    assert not Power.objects.restrict(users[Role.SYSADMIN]).exists()
