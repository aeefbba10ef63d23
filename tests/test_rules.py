"""The rules app: catalogue citations, regional settings, clocks, actions and API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from zhifa.core.errors import ActionError
from zhifa.core.models import AuditEntry, Region
from zhifa.core.roles import Role
from zhifa.laws.citations import resolve
from zhifa.rules import clocks
from zhifa.rules.actions import do_set_rule
from zhifa.rules.catalogue import CATALOGUE, RULES, effective, rule, value
from zhifa.rules.clocks import ClockState
from zhifa.rules.holidays import add_working_days, is_working_day
from zhifa.rules.models import RuleSetting

from .laws_support import import_laws

D = dt.date
THRESHOLD = "hearing_fine_threshold_person"

# What the cited article must say for the rule to be the right one.
SUBJECTS = {
    "limitation_years": "二年",
    "limitation_years_serious": "五年",
    "decision_days": "九十日",
    "service_days": "七日内",
    "payment_days": "十五日",
    "surcharge_rate_per_day": "百分之三",
    "hearing_request_days": "五日内",
    "hearing_notice_days": "七日前",
    "hearing_fine_threshold_person": "较大数额罚款",
    "hearing_fine_threshold_organisation": "较大数额罚款",
    "hearing_confiscation_threshold": "较大价值非法财物",
    "summary_fine_limit_person": "二百元",
    "summary_fine_limit_organisation": "三千元",
    "on_the_spot_collection_limit": "一百元",
    "min_officers": "不得少于两人",
    "disclosure_withdrawal_days": "三日内撤回",
    "decision_extension_days": "另有规定的，从其规定",
}


# --- catalogue ------------------------------------------------------------------------------


def test_catalogue_codes_and_defaults() -> None:
    assert set(CATALOGUE) == set(SUBJECTS)
    expected = {
        "limitation_years": ("2", 36),
        "limitation_years_serious": ("5", 36),
        "decision_days": ("90", 60),
        "service_days": ("7", 61),
        "payment_days": ("15", 67),
        "surcharge_rate_per_day": ("0.03", 72),
        "hearing_request_days": ("5", 64),
        "hearing_notice_days": ("7", 64),
        "hearing_fine_threshold_person": ("10000", 63),
        "hearing_fine_threshold_organisation": ("100000", 63),
        "hearing_confiscation_threshold": ("10000", 63),
        "summary_fine_limit_person": ("200", 51),
        "summary_fine_limit_organisation": ("3000", 51),
        "on_the_spot_collection_limit": ("100", 68),
        "min_officers": ("2", 42),
        "disclosure_withdrawal_days": ("3", 48),
        "decision_extension_days": ("30", 60),
    }
    for code, (default, article) in expected.items():
        assert (rule(code).default, rule(code).article) == (Decimal(default), article), code
        assert value(code) == Decimal(default)
    configurable = {r.code for r in RULES if r.configurable}
    assert configurable == {
        "hearing_fine_threshold_person",
        "hearing_fine_threshold_organisation",
        "hearing_confiscation_threshold",
        "disclosure_withdrawal_days",
        "decision_extension_days",
    }
    for r in RULES:
        if r.configurable:
            assert r.minimum is not None and r.maximum is not None
            assert r.minimum <= r.default <= r.maximum, r.code


def test_working_day_rules_are_those_of_article_85() -> None:
    """第八十五条: "二日""三日""五日""七日" are working days; the others are calendar days."""
    working = {r.code for r in RULES if r.working_days}
    assert working == {
        "service_days",
        "hearing_request_days",
        "hearing_notice_days",
        "disclosure_withdrawal_days",
    }


def test_unknown_rule() -> None:
    with pytest.raises(ActionError) as caught:
        rule("no_such_rule")
    assert caught.value.code == "unknown_rule" and caught.value.status == 404


@pytest.fixture
def penalty_law(db) -> None:
    import_laws("行政处罚法")


def test_every_citation_resolves_to_its_subject(penalty_law) -> None:
    for r in RULES:
        resolved = resolve(r.citation, D(2025, 1, 1))
        assert resolved.article.number == r.article, r.code
        assert SUBJECTS[r.code] in resolved.article.text, (r.code, resolved.article.text[:80])
    assert "百分之三" in resolve(rule("surcharge_rate_per_day").citation).article.text


def test_citation_resolves_through_the_api(penalty_law, api_as) -> None:
    answer = api_as(Role.OFFICER).get("/laws/resolve", cite=rule("payment_days").citation)
    assert answer.status_code == 200, answer.content
    assert "十五日内" in answer.json()["text"]


# --- regional settings ----------------------------------------------------------------------


def test_override_applies_to_subtree_not_siblings(db) -> None:
    do_set_rule(None, THRESHOLD, "330500", 20000, D(2025, 1, 1), "湖州市规定")
    day = D(2025, 6, 1)
    assert value(THRESHOLD, "330500", day) == 20000
    assert value(THRESHOLD, "330502", day) == 20000  # 吴兴区 inherits from 湖州市
    assert value(THRESHOLD, Region.objects.get(code="330503"), day) == 20000
    assert value(THRESHOLD, "330100", day) == 10000  # 杭州市: sibling, default
    assert value(THRESHOLD, "330000", day) == 10000  # the parent is not affected
    assert value(THRESHOLD, None, day) == 10000
    found = effective(THRESHOLD, "330502", day)
    assert (found.region_code, found.valid_from) == ("330500", D(2025, 1, 1))


def test_deeper_region_wins_and_province_reaches_siblings(db) -> None:
    do_set_rule(None, THRESHOLD, "330000", 15000, D(2025, 1, 1), "浙江省规定")
    do_set_rule(None, THRESHOLD, "330502", 30000, D(2025, 1, 1), "吴兴区规定")
    day = D(2025, 6, 1)
    assert value(THRESHOLD, "330502", day) == 30000
    assert value(THRESHOLD, "330503", day) == 15000
    assert value(THRESHOLD, "330100", day) == 15000
    assert value(THRESHOLD, "110000", day) == 10000  # 北京: outside 浙江
    # a later province setting does not override the deeper region's own value
    do_set_rule(None, THRESHOLD, "330000", 16000, D(2025, 3, 1), "浙江省修订")
    assert value(THRESHOLD, "330502", day) == 30000
    assert value(THRESHOLD, "330503", day) == 16000


def test_validity_dates(db) -> None:
    do_set_rule(None, THRESHOLD, "330500", 20000, D(2025, 7, 1), "自7月1日起")
    do_set_rule(None, THRESHOLD, "330500", 25000, D(2026, 1, 1), "自2026年起")
    assert value(THRESHOLD, "330502", D(2025, 6, 30)) == 10000
    assert value(THRESHOLD, "330502", D(2025, 7, 1)) == 20000
    assert value(THRESHOLD, "330502", D(2025, 12, 31)) == 20000
    assert value(THRESHOLD, "330502", D(2026, 1, 1)) == 25000


def test_same_day_setting_is_replaced_and_audited(db) -> None:
    first = do_set_rule(None, THRESHOLD, "330500", 20000, D(2025, 1, 1), "初定")
    second = do_set_rule(None, THRESHOLD, "330500", 22000, D(2025, 1, 1), "更正")
    assert first.pk == second.pk and RuleSetting.objects.count() == 1
    entries = list(AuditEntry.objects.filter(action="rules.set").order_by("seq"))
    assert len(entries) == 2
    assert entries[0].before == "" and '"22000' in entries[1].after and '"20000' in entries[1].before


def test_unknown_region(db) -> None:
    with pytest.raises(ActionError) as caught:
        value(THRESHOLD, "999999")
    assert caught.value.code == "unknown_region"


@pytest.mark.parametrize(
    ("code", "raw", "error"),
    [
        ("payment_days", 20, "not_configurable"),
        ("surcharge_rate_per_day", "0.01", "not_configurable"),
        (THRESHOLD, 999, "out_of_range"),
        (THRESHOLD, 2_000_000, "out_of_range"),
        ("disclosure_withdrawal_days", 5, "out_of_range"),
        ("disclosure_withdrawal_days", 0, "out_of_range"),
        (THRESHOLD, "abc", "invalid"),
    ],
)
def test_refusals(db, code: str, raw: object, error: str) -> None:
    with pytest.raises(ActionError) as caught:
        do_set_rule(None, code, "330500", raw, D(2025, 1, 1), "理由")
    assert caught.value.code == error
    assert not RuleSetting.objects.exists()
    assert not AuditEntry.objects.filter(action="rules.set").exists()


def test_bounds_are_inclusive(db) -> None:
    do_set_rule(None, "disclosure_withdrawal_days", "330500", 1, D(2025, 1, 1), "更严")
    do_set_rule(None, "disclosure_withdrawal_days", "330502", 3, D(2025, 1, 1), "法定")
    assert value("disclosure_withdrawal_days", "330503", D(2025, 2, 1)) == 1


def test_reason_required(db) -> None:
    with pytest.raises(ActionError) as caught:
        do_set_rule(None, THRESHOLD, "330500", 20000, D(2025, 1, 1), "  ")
    assert caught.value.code == "required" and caught.value.field == "reason"


def test_permissions(users) -> None:
    for role in (Role.OFFICER, Role.AGENCY_LEAD, Role.AGENCY_ADMIN, Role.LEGAL_REVIEWER, Role.AUDITOR):
        with pytest.raises(ActionError) as caught:
            do_set_rule(users[role], THRESHOLD, "330500", 20000, D(2025, 1, 1), "理由")
        assert caught.value.status == 403, role
    supervisor = users[Role.SUPERVISOR]  # 湖州市
    with pytest.raises(ActionError) as caught:
        do_set_rule(supervisor, THRESHOLD, "330100", 20000, D(2025, 1, 1), "杭州不归湖州管")
    assert caught.value.status == 403
    with pytest.raises(ActionError) as caught:
        do_set_rule(supervisor, THRESHOLD, "330000", 20000, D(2025, 1, 1), "上级区划")
    assert caught.value.status == 403
    setting = do_set_rule(supervisor, THRESHOLD, "330502", 20000, D(2025, 1, 1), "吴兴区")
    assert setting.created_by == supervisor.username
    do_set_rule(users[Role.SYSADMIN], THRESHOLD, "330500", 20000, D(2025, 1, 1), "湖州市")
    entry = AuditEntry.objects.filter(action="rules.set").order_by("-seq").first()
    assert entry.actor_role == Role.SYSADMIN


# --- API ------------------------------------------------------------------------------------


def _body(**overrides: object) -> dict:
    return {
        "region_code": "330500",
        "value": "20000",
        "valid_from": "2025-01-01",
        "reason": "湖州市规定",
    } | overrides


def test_api_lists_effective_values(api_as) -> None:
    answer = api_as(Role.SUPERVISOR).post(f"/rules/{THRESHOLD}/settings", _body())
    assert answer.status_code == 201, answer.content
    assert answer.json()["region_code"] == "330500"
    rows = api_as(Role.OFFICER).get("/rules", region="330502", on="2025-06-01").json()
    assert len(rows) == len(RULES)
    by_code = {row["code"]: row for row in rows}
    assert Decimal(by_code[THRESHOLD]["value"]) == 20000
    assert by_code[THRESHOLD]["set_by_region"] == "330500"
    assert by_code[THRESHOLD]["configurable"] is True
    assert by_code["surcharge_rate_per_day"]["citation"] == "《中华人民共和国行政处罚法》第七十二条"
    assert by_code["surcharge_rate_per_day"]["set_by_region"] is None
    sibling = {
        r["code"]: r for r in api_as(Role.OFFICER).get("/rules", region="330100", on="2025-06-01").json()
    }
    assert Decimal(sibling[THRESHOLD]["value"]) == 10000
    # without ?region= the caller's own region (the officer's agency is in 湖州市)
    own = {r["code"]: r for r in api_as(Role.OFFICER).get("/rules", on="2025-06-01").json()}
    assert Decimal(own[THRESHOLD]["value"]) == 20000


def test_api_errors(api_as) -> None:
    assert api_as(Role.OFFICER).post(f"/rules/{THRESHOLD}/settings", _body()).status_code == 403
    assert api_as(Role.AUDITOR).get("/rules").status_code == 403
    answer = api_as(Role.SUPERVISOR).post("/rules/payment_days/settings", _body(value="20"))
    assert (answer.status_code, answer.json()["code"]) == (422, "not_configurable")
    answer = api_as(Role.SUPERVISOR).post(f"/rules/{THRESHOLD}/settings", _body(value="1"))
    assert (answer.status_code, answer.json()["code"], answer.json()["field"]) == (
        422,
        "out_of_range",
        "value",
    )
    assert api_as(Role.SUPERVISOR).post("/rules/nope/settings", _body()).status_code == 404
    assert api_as(Role.SUPERVISOR).get("/rules", region="999999").status_code == 404


# --- calendar and clocks --------------------------------------------------------------------


def test_holiday_calendar() -> None:
    assert not is_working_day(D(2025, 10, 1))
    assert not is_working_day(D(2025, 10, 8))
    assert is_working_day(D(2025, 9, 28))  # Sunday, 调休上班
    assert is_working_day(D(2025, 10, 11))  # Saturday, 调休上班
    assert not is_working_day(D(2025, 10, 12))  # ordinary Sunday
    assert not is_working_day(D(2026, 2, 17))  # 春节 2026
    assert is_working_day(D(2026, 2, 14))  # Saturday, 调休上班
    assert add_working_days(D(2025, 3, 3), 0) == D(2025, 3, 3)


def test_service_deadline_spans_national_day_2025() -> None:
    # decided Fri 26 Sept: Sun 28 Sept (worked), 29, 30 Sept; 1–8 Oct off; 9, 10, Sat 11 (worked); Mon 13
    assert clocks.service_deadline(D(2025, 9, 26)) == D(2025, 10, 13)
    assert clocks.service_deadline(D(2025, 3, 3)) == D(2025, 3, 12)  # ordinary weeks


def test_decision_deadline() -> None:
    assert clocks.decision_deadline(D(2025, 1, 1)) == D(2025, 4, 1)
    assert clocks.decision_deadline(D(2025, 1, 1), extensions_days=30) == D(2025, 5, 1)
    assert clocks.decision_deadline(D(2025, 9, 1)) == D(2025, 11, 30)  # calendar days, not moved off Sunday


def test_payment_deadline() -> None:
    assert clocks.payment_deadline(D(2025, 3, 3)) == D(2025, 3, 18)
    assert clocks.payment_deadline(D(2025, 3, 1)) == D(2025, 3, 17)  # Sunday 16 March → Monday
    assert clocks.payment_deadline(D(2025, 9, 20)) == D(2025, 10, 9)  # 5 Oct is 国庆 → 9 Oct


def test_hearing_clocks() -> None:
    # notice received Wed 30 April 2025: 1–5 May off; 6, 7, 8, 9 May, Mon 12 May
    assert clocks.hearing_request_deadline(D(2025, 4, 30)) == D(2025, 5, 12)
    # notice sent Mon 3 March: 7 full working days (4–12 March) lie before the hearing
    assert clocks.earliest_hearing_date(D(2025, 3, 3)) == D(2025, 3, 13)
    # notice sent Thu 6 March: 7th working day is Mon 17 March → hearing from Tue 18
    assert clocks.earliest_hearing_date(D(2025, 3, 6)) == D(2025, 3, 18)


def test_limitation() -> None:
    assert clocks.limitation_expires(D(2023, 5, 10), serious=False) == D(2025, 5, 10)
    assert clocks.limitation_expires(D(2023, 5, 10), serious=True) == D(2028, 5, 10)
    assert clocks.limitation_expires(D(2024, 2, 29), serious=False) == D(2026, 2, 28)


def test_surcharge() -> None:
    due = D(2025, 3, 18)
    fine = Decimal("10000")
    assert clocks.surcharge(fine, due, due + dt.timedelta(days=40)) == Decimal("10000")
    assert clocks.surcharge(fine, due, due + dt.timedelta(days=10)) == Decimal("3000")
    assert clocks.surcharge(fine, due, due) == 0
    assert clocks.surcharge(fine, due, due - dt.timedelta(days=3)) == 0
    assert clocks.surcharge(Decimal("150"), due, due + dt.timedelta(days=1)) == Decimal("4.50")
    assert clocks.surcharge(fine, due, due + dt.timedelta(days=33)) == Decimal("9900")
    assert clocks.surcharge(fine, due, due + dt.timedelta(days=34)) == Decimal("10000")


def test_clock_state() -> None:
    due = D(2025, 4, 1)
    assert clocks.clock_state(due, None, D(2025, 4, 1)) == ClockState.RUNNING
    assert clocks.clock_state(due, None, D(2025, 4, 2)) == ClockState.OVERDUE
    assert clocks.clock_state(due, D(2025, 4, 1), D(2025, 5, 1)) == ClockState.MET
    assert clocks.clock_state(due, D(2025, 4, 2), D(2025, 5, 1)) == ClockState.OVERDUE
    clock = clocks.make_clock("作出处罚决定", D(2025, 1, 1), due, None, D(2025, 3, 30))
    assert (clock.state, clock.state_zh, clock.days_left(D(2025, 3, 30))) == (ClockState.RUNNING, "进行中", 2)


def test_regional_value_drives_the_clock(db) -> None:
    do_set_rule(None, "decision_extension_days", "330500", 60, D(2025, 1, 1), "地方规章")
    assert value("decision_extension_days", "330502", D(2025, 2, 1)) == 60
    do_set_rule(None, "disclosure_withdrawal_days", "330500", 1, D(2025, 1, 1), "更严")
    assert clocks.period_end(D(2025, 9, 30), "disclosure_withdrawal_days", "330502") == D(2025, 10, 9)
    assert clocks.period_end(D(2025, 9, 30), "disclosure_withdrawal_days", "330100") == D(2025, 10, 11)
