"""Case-file review: rubric, reproducible sampling, stratification, pre-scoring, agreement."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from tests.test_review_support import D, case_row, write_cases
from zhifa.review import actions, checks, sampling
from zhifa.review.agreement import agreement, cohen_kappa
from zhifa.review.models import ItemScore, ReviewCase, RoundState, Rubric
from zhifa.review.rubric import DEFAULT_ITEMS, ItemSpec, markdown_table


@pytest.fixture(autouse=True)
def analytics_dir(settings, tmp_path: Path) -> Path:
    settings.ANALYTICS_DIR = tmp_path / "analytics"
    return settings.ANALYTICS_DIR


def _population(city) -> list[dict]:
    """36 closed cases: 3 agencies of 湖州 × 2 powers × 6, plus noise that must not be drawn."""
    rows = []
    for agency in (city.market_city, city.market_wuxing, city.ecology_nanxun):
        for power in ("P1", "P2"):
            rows += [case_row(agency.code, power_code=power) for _ in range(6)]
    noise = [
        case_row(city.other_city.code),  # outside 湖州
        case_row(city.market_city.code, status="decided", closed_on=None),  # not closed
        case_row(city.market_city.code, closed_on=D(2025, 12, 31)),  # closed before the period
    ]
    write_cases(rows + noise)
    return rows


def _round(seed: int, strata: str = "random", size: int = 8, share: str = "0.25"):
    rnd = actions.do_create_round(
        None,
        actions.RoundInput(
            name="2026年度案卷评查",
            period="2026",
            region_code="330500",
            sample_size=size,
            strata=strata,
            seed=seed,
            second_share=share,
        ),
    )
    return actions.do_draw_sample(None, rnd.pk)


def _keys(rnd) -> list[tuple[str, str]]:
    return list(ReviewCase.objects.filter(round=rnd).values_list("source_system", "source_id"))


# --- rubric ---------------------------------------------------------------------------------


def test_default_rubric_declared_and_documented():
    assert len(DEFAULT_ITEMS) >= 20
    assert sum(i.max_deduction for i in DEFAULT_ITEMS) == 100
    assert {i.check for i in DEFAULT_ITEMS if i.check} <= set(checks.CHECKS)
    assert {i.group for i in DEFAULT_ITEMS} == {
        "facts",
        "evidence",
        "procedure",
        "legal",
        "discretion",
        "documents",
    }
    doc = (Path(__file__).resolve().parents[1] / "docs" / "review.md").read_text(encoding="utf-8")
    assert markdown_table() in doc


def test_new_rubric_version_leaves_old_rounds_alone(db, city):
    _population(city)
    rnd = _round(seed=7)
    assert rnd.rubric.version == 1
    old_items = list(rnd.rubric.items.values_list("code", "max_deduction"))
    v2 = actions.do_publish_rubric(
        None, "第二版", [ItemSpec("only", "facts", "唯一项目", "说明", Decimal("100"))]
    )
    assert v2.version == 2
    rnd.refresh_from_db()
    assert rnd.rubric.version == 1
    assert list(rnd.rubric.items.values_list("code", "max_deduction")) == old_items
    assert Rubric.objects.count() == 2


# --- sampling ------------------------------------------------------------------------------


def test_same_seed_same_sample_different_seed_different(db, city):
    rows = _population(city)
    a, b, c = _round(seed=42), _round(seed=42), _round(seed=43)
    assert len(_keys(a)) == 8
    assert _keys(a) == _keys(b)
    assert _keys(a) != _keys(c)
    assert a.population == len(rows)  # the noise (other city, open, earlier) is not in it
    drawn = {k for k in _keys(a)}
    assert drawn <= {("t", r["source_id"]) for r in rows}
    # the second-reviewer subset is reproducible too: ceil(0.25 × 8) = 2
    assert list(a.cases.filter(double=True).values_list("position", flat=True)) == list(
        b.cases.filter(double=True).values_list("position", flat=True)
    )
    assert a.cases.filter(double=True).count() == 2


@pytest.mark.parametrize(
    ("strata", "size", "strata_count"),
    [("agency", 3, 3), ("agency_power", 6, 6), ("agency_power", 10, 6), ("agency_power", 2, 6)],
)
def test_stratified_sample_covers_every_stratum(db, city, strata, size, strata_count):
    _population(city)
    rnd = _round(seed=5, strata=strata, size=size)
    cases = list(rnd.cases.all())
    assert len({c.stratum for c in cases}) == strata_count
    assert len(cases) == max(size, strata_count)
    assert all(c.agency_id for c in cases)  # the registry's agency is linked
    again = _round(seed=5, strata=strata, size=size)
    assert _keys(again) == _keys(rnd)


def test_allocation_is_proportional_after_one_each():
    # rest 5 over the cases left (9, 4, 0): quotas 3.46, 1.54 → floors 3, 1, the last one to b (.54 > .46)
    assert sampling.allocate({"a": 10, "b": 5, "c": 1}, 8) == {"a": 4, "b": 3, "c": 1}
    assert sampling.allocate({"a": 2, "b": 2}, 10) == {"a": 2, "b": 2}


def test_empty_population_is_refused(db, city):
    rnd = actions.do_create_round(
        None, actions.RoundInput(name="空", period="2024", region_code="330500", sample_size=5)
    )
    with pytest.raises(actions.ActionError) as err:
        actions.do_draw_sample(None, rnd.pk)
    assert err.value.code == "empty_population"


# --- pre-scoring ---------------------------------------------------------------------------

GOOD = {}
# check → (overrides that must raise it, overrides that must not)
CASES = {
    "prior_notice_missing": ({"notice_served_on": None}, {}),
    "decision_late": (
        {"filed_on": D(2026, 1, 2), "decided_on": D(2026, 4, 10)},
        {"filed_on": D(2026, 1, 20)},
    ),
    "service_late": (
        {"decided_on": D(2026, 6, 1), "served_on": D(2026, 6, 12)},
        {"decided_on": D(2026, 6, 1), "served_on": D(2026, 6, 9)},
    ),
    "legal_review_missing": ({"major_case": True}, {"major_case": True, "legal_review_on": D(2026, 4, 5)}),
    "hearing_not_offered": ({"fine_amount": 200000.0}, {"fine_amount": 200000.0, "hearing_offered": True}),
    "too_few_officers": ({"officer_certificates": ["C1"]}, {}),
    "limitation_expired": ({"violation_on": D(2020, 1, 1)}, {"violation_on": D(2025, 6, 1)}),
    "not_executed": ({"paid_on": None}, {"paid_on": None, "_decision": {"enforcement": "court"}}),
    "legal_basis_missing": ({"legal_basis": []}, {}),
    "service_receipt_missing": ({"served_on": None}, {}),
}


@pytest.mark.parametrize("check", sorted(CASES))
def test_structural_check_on_store_records(db, check):
    bad, good = CASES[check]
    bad_facts = checks.facts_from_record({**_base(), **bad})
    good_record = {**_base(), **{k: v for k, v in good.items() if k != "_decision"}}
    good_facts = checks.facts_from_record(good_record, good.get("_decision"))
    found = checks.CHECKS[check](bad_facts)
    assert found.outcome == checks.DEDUCT, found
    assert found.reason and any("\u4e00" <= ch <= "\u9fff" for ch in found.reason)
    assert checks.CHECKS[check](good_facts).outcome == checks.PASSED
    # the compliant base record raises nothing at all
    for name, fn in checks.CHECKS.items():
        assert fn(checks.facts_from_record(_base())).outcome != checks.DEDUCT, name


def _base() -> dict:
    from tests.test_review_support import CASE

    return {**CASE, "agency_code": "X"}


def _platform(**kw) -> checks.CaseFacts:
    facts = checks.facts_from_record(_base())
    facts.platform = True
    docs = {"filing_approval", "prior_notice", "penalty_decision", "service_receipt", "closing_report"}
    facts.documents, facts.steps, facts.flagged = (
        set(kw.pop("documents", docs)),
        set(),
        kw.pop("flagged", False),
    )
    for k, v in kw.items():
        setattr(facts, k, v)
    return facts


@pytest.mark.parametrize(
    ("check", "missing"),
    [
        ("prior_notice_missing", "prior_notice"),
        ("filing_approval_missing", "filing_approval"),
        ("decision_document_missing", "penalty_decision"),
        ("service_receipt_missing", "service_receipt"),
        ("closing_report_missing", "closing_report"),
    ],
)
def test_platform_document_checks(db, check, missing):
    complete = _platform()
    assert checks.CHECKS[check](complete).outcome == checks.PASSED
    lacking = _platform(documents=complete.documents - {missing})
    found = checks.CHECKS[check](lacking)
    assert found.outcome == checks.DEDUCT and found.evidence["documents"] == sorted(lacking.documents)
    # an outside agency's record has no document list: the reviewer decides
    if check != "prior_notice_missing" and check != "service_receipt_missing":
        assert checks.CHECKS[check](checks.facts_from_record(_base())).outcome == checks.UNDECIDED


def test_benchmark_breach_platform_flag_and_store_tier(db):
    assert checks.fine_outside_tier(_platform(flagged=True)).outcome == checks.DEDUCT
    assert checks.fine_outside_tier(_platform(flagged=False)).outcome == checks.PASSED
    store_facts = checks.facts_from_record(_base())
    assert checks.fine_outside_tier(store_facts).outcome == checks.UNDECIDED  # no benchmark known
    store_facts.tier_range = (1000.0, 3000.0)
    found = checks.fine_outside_tier(store_facts)
    assert found.outcome == checks.DEDUCT and "1000–3000" in found.reason
    store_facts.tier_range = (1000.0, 8000.0)
    assert checks.fine_outside_tier(store_facts).outcome == checks.PASSED


def test_prescore_round_records_deductions_with_reasons(db, city):
    bad = case_row(
        city.market_city.code, notice_served_on=None, decided_on=D(2026, 7, 1), served_on=D(2026, 7, 2)
    )
    write_cases([bad])
    rnd = _round(seed=1, size=1, share="0")
    actions.do_prescore(None, rnd.pk)
    case = rnd.cases.get()
    deducted = {s.item.code: s for s in case.scores.select_related("item") if s.deduction > 0}
    assert set(deducted) == {"prior_notice", "decision_on_time"}
    assert deducted["prior_notice"].deduction == Decimal("7")
    assert "事先告知书" in deducted["prior_notice"].note
    assert deducted["decision_on_time"].evidence["due_on"] == "2026-05-31"
    assert case.findings["filing_approval"]["outcome"] == checks.UNDECIDED
    rnd.refresh_from_db()
    assert rnd.state == RoundState.SCORING
    # a re-run changes nothing and keeps one score per item
    count = ItemScore.objects.count()
    actions.do_prescore(None, rnd.pk)
    assert ItemScore.objects.count() == count


# --- agreement -----------------------------------------------------------------------------


def test_cohen_kappa_and_mad_hand_computed():
    pairs = [(True, True)] * 3 + [(False, False)] * 4 + [(True, False)] * 2 + [(False, True)]
    # p_o = 7/10; p1 = 5/10, p2 = 4/10; p_e = .5·.4 + .5·.6 = .5; κ = (.7 − .5)/(1 − .5) = .4
    p_o, p_e, kappa = cohen_kappa(pairs)
    assert (p_o, p_e) == (pytest.approx(0.7), pytest.approx(0.5))
    assert kappa == pytest.approx(0.4)
    result = agreement(pairs, [(90.0, 85.0), (80.0, 80.0)])
    assert result.mean_abs_difference == 2.5 and result.cases == 2 and result.pairs == 10
    assert cohen_kappa([(False, False)] * 3)[2] == 1.0
    assert cohen_kappa([]) == (None, None, None)


def test_period_dates_and_days():
    assert checks._day("2026-04-01") == dt.date(2026, 4, 1)
