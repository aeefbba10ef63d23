"""The indicator engine on a small hand-computed store: every indicator, every breakdown, drill-down.

The fixture (2026 against 2025) — agencies A1 (region 330502) and A2 (330503):

* powers: A1 holds P1, P2 (bases L1, L2 / L3); A2 holds P3 (L9); P4 of A1 is revoked;
* officers: A1 has O1 (certificate valid), O2 (certificate expired 2025-06-30), O4 (left);
  A2 has O3 (no certificate);
* entities: E1 (330502, industry F), E2 (330502001, H), E3 (330503, F);
* inspections 2026: A1 on E1 (03-01, P1, ticket T1), A1 on E2 (03-05, P2), A2 on E1 (03-20, P3),
  A1 on a person (07-01, P1); 2025: A1 on E1 (03-01, P1);
* decisions: A1 2026-04-01 E1 fine 1000 (L1), A1 2026-05-01 E2 no fine (L2, L9);
  A1 2025-04-01 E2 fine 500 (L1, L3);
* licence A2 2026-02-01 (P3); coercion A1 2026-06-01 measure (P1), A1 2026-06-02 execution;
* cases A1: c1 filed 2026-01-10 decided 03-01 (50 d); c2 filed 02-01 open (late);
  c3 filed 2026-03-01 extension, decided 06-15 (106 d, deadline 06-28: on time);
  c4 summary procedure filed and decided 2026-04-01 (0 d, no clock);
* complaints to A1 2026: T1 (E1, led to an inspection), T2 (E2);
* reviews of A1 concluded 2026: revoked, upheld, changed; 2025: upheld.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pyarrow as pa
import pytest

from zhifa.analytics import store
from zhifa.core.errors import ActionError
from zhifa.indicators import engine
from zhifa.indicators.catalogue import BY_SLUG, CATALOGUE

D = dt.date
TODAY = D(2026, 11, 22)


@pytest.fixture
def analytics_dir(settings, tmp_path: Path) -> Path:
    settings.ANALYTICS_DIR = tmp_path / "analytics"
    return settings.ANALYTICS_DIR


def _t(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour)


def _facts(family: str, rows: list[dict]) -> None:
    columns = {name: [row.get(name) for row in rows] for name in dict.fromkeys(k for r in rows for k in r)}
    table = pa.table(
        {
            "source_system": ["test"] * len(rows),
            "source_id": [f"{family}-{n}" for n in range(len(rows))],
            **columns,
        }
    )
    store.upsert(family, table, f"fixture-{family}")


def write_fixture() -> None:
    snap = D(2025, 1, 1)
    store.snapshot(
        "agency", pa.table({"agency_code": ["A1", "A2"], "region_code": ["330502", "330503"]}), snap
    )
    store.snapshot(
        "power",
        pa.table(
            {
                "power_code": ["P1", "P2", "P3", "P4"],
                "holder_agency_code": ["A1", "A1", "A2", "A1"],
                "domain": ["market", "market", "ecology", "market"],
                "status": ["active", "active", "active", "revoked"],
                "legal_basis": [["L1", "L2"], ["L3"], ["L9"], ["L7"]],
            }
        ),
        snap,
    )
    store.snapshot(
        "officer",
        pa.table(
            {
                "id_number": ["O1", "O2", "O3", "O4"],
                "agency_code": ["A1", "A1", "A2", "A1"],
                "status": ["active", "active", "active", "left"],
            }
        ),
        snap,
    )
    store.snapshot(
        "certificate",
        pa.table(
            {
                "certificate_number": ["C1", "C2"],
                "officer_id_number": ["O1", "O2"],
                "status": ["valid", "valid"],
                "issued_on": [D(2020, 1, 1), D(2020, 1, 1)],
                "expires_on": [D(2030, 1, 1), D(2025, 6, 30)],
            }
        ),
        snap,
    )
    store.snapshot(
        "entity",
        pa.table(
            {
                "credit_code": ["E1", "E2", "E3"],
                "region_code": ["330502", "330502001", "330503"],
                "industry": ["F", "H", "F"],
            }
        ),
        snap,
    )
    ent = lambda code: {"entity_kind": "enterprise", "entity_credit_code": code, "entity_name": code}  # noqa: E731
    _facts(
        "inspection",
        [
            {"agency_code": "A1", "power_code": "P1", **ent("E1"), "started_at": _t(D(2026, 3, 1)),
             "complaint_ticket_number": "T1", "record_number": "J1"},
            {"agency_code": "A1", "power_code": "P2", **ent("E2"), "started_at": _t(D(2026, 3, 5))},
            {"agency_code": "A2", "power_code": "P3", **ent("E1"), "started_at": _t(D(2026, 3, 20))},
            {"agency_code": "A1", "power_code": "P1", "entity_kind": "person", "entity_id_number": "X1",
             "entity_name": "某人", "started_at": _t(D(2026, 7, 1))},
            {"agency_code": "A1", "power_code": "P1", **ent("E1"), "started_at": _t(D(2025, 3, 1))},
        ],
    )  # fmt: skip
    _facts(
        "decision",
        [
            {"agency_code": "A1", "power_code": "P1", **ent("E1"), "decided_on": D(2026, 4, 1),
             "fine_amount": 1000.0, "legal_basis": ["L1"], "decision_number": "N1", "status": "effective"},
            {"agency_code": "A1", "power_code": "P2", **ent("E2"), "decided_on": D(2026, 5, 1),
             "fine_amount": None, "legal_basis": ["L2", "L9"], "decision_number": "N2", "status": "effective"},
            {"agency_code": "A1", "power_code": "P1", **ent("E2"), "decided_on": D(2025, 4, 1),
             "fine_amount": 500.0, "legal_basis": ["L1", "L3"], "decision_number": "N0", "status": "effective"},
        ],
    )  # fmt: skip
    _facts("licence", [{"agency_code": "A2", "power_code": "P3", **ent("E3"), "issued_on": D(2026, 2, 1)}])
    _facts(
        "coercion",
        [
            {"agency_code": "A1", "power_code": "P1", **ent("E1"), "started_on": D(2026, 6, 1), "category": "measure"},
            {"agency_code": "A1", "power_code": "P1", **ent("E1"), "started_on": D(2026, 6, 2), "category": "execution"},
        ],
    )  # fmt: skip
    _facts(
        "case",
        [
            {"agency_code": "A1", "power_code": "P1", "filed_on": D(2026, 1, 10), "decided_on": D(2026, 3, 1),
             "procedure": "general", "status": "decided"},
            {"agency_code": "A1", "power_code": "P1", "filed_on": D(2026, 2, 1), "decided_on": None,
             "procedure": "general", "status": "investigating"},
            {"agency_code": "A1", "power_code": "P2", "filed_on": D(2026, 3, 1), "decided_on": D(2026, 6, 15),
             "extension_approved_on": D(2026, 5, 20), "procedure": "general", "status": "decided"},
            {"agency_code": "A1", "power_code": "P1", "filed_on": D(2026, 4, 1), "decided_on": D(2026, 4, 1),
             "procedure": "summary", "status": "closed"},
        ],
    )  # fmt: skip
    _facts(
        "complaint",
        [
            {
                "ticket_number": "T1",
                "routed_agency_code": "A1",
                "received_at": _t(D(2026, 2, 1)),
                **ent("E1"),
            },
            {
                "ticket_number": "T2",
                "routed_agency_code": "A1",
                "received_at": _t(D(2026, 2, 2)),
                **ent("E2"),
            },
        ],
    )
    _facts(
        "review",
        [
            {"respondent_agency_code": "A1", "filed_on": D(2026, 1, 5), "concluded_on": D(2026, 5, 1),
             "outcome": "revoked", "power_code": "P1"},
            {"respondent_agency_code": "A1", "filed_on": D(2026, 1, 5), "concluded_on": D(2026, 5, 2),
             "outcome": "upheld", "power_code": "P1"},
            {"respondent_agency_code": "A1", "filed_on": D(2025, 12, 5), "concluded_on": D(2026, 2, 2),
             "outcome": "changed", "power_code": "P2"},
            {"respondent_agency_code": "A1", "filed_on": D(2025, 1, 5), "concluded_on": D(2025, 5, 2),
             "outcome": "upheld", "power_code": "P2"},
        ],
    )  # fmt: skip


@pytest.fixture
def fixture_store(analytics_dir: Path) -> Path:
    write_fixture()
    return analytics_dir


# The store's indicators: the supervision ones read the relational DB
# (tests/test_indicators_supervision.py).
STORE_SLUGS = [i.slug for i in CATALOGUE if not i.relational]


def values(by: str = "agency", period: str = "2026", **kw) -> dict[tuple[str, str], tuple]:
    kw.setdefault("slugs", STORE_SLUGS)
    found = engine.compute(engine.parse_period(period, today=TODAY), by=by, **kw)
    return {(v.slug, v.key): (v.value, v.previous) for v in found}


ln = math.log
# H of A1's 2026 acts on held powers: P1 ×4 (two inspections, a decision, the measure and the
# execution are five: i1, i4, d1, coercion ×2) and P2 ×2 (i2, d2): p = 5/7, 2/7, N = 2.
A1_BALANCE = -(5 / 7 * ln(5 / 7) + 2 / 7 * ln(2 / 7)) / ln(2)

EXPECTED_A1 = {
    "powers_held": (2, 2),
    "powers_exercised": (2, 1),
    "exercise_rate": (100, 50),
    "balance": (round(A1_BALANCE, 6), 0),
    "acts": (7, 2),  # 3 inspections + 2 decisions + 2 coercion | 1 inspection + 1 decision
    "penalties": (2, 1),
    "cases_filed": (4, 0),
    "licences": (0, 0),
    "inspections": (3, 1),
    "coercive_measures": (1, 0),
    "enterprise_inspections": (2, 1),
    "officers": (2, 2),
    "certified_share": (50, 100),  # O2's certificate expired 2025-06-30: valid at 2025's end? no
    "acts_per_officer": (3.5, 1),
    "inspections_per_officer": (1.5, 0.5),
    "cases_per_officer": (2, 0),
    "intensity": (3500, 1000),  # entities under 330502: E1, E2
    "frequency": (1, 1),
    "repeated_inspections": (1, 0),  # E1: A1 03-01, A2 03-20
    "median_decision_days": (50, None),  # c1 50, c3 106, c4 0 → median 50
    "on_time_rate": (round(200 / 3, 6), None),  # c1 on time, c2 late (open), c3 on time
    "complaints": (2, 0),
    "complaint_conversion": (50, None),
    "legal_basis_usage": (round(200 / 3, 6), round(200 / 3, 6)),  # L1, L2 of L1–L3 | L1, L3
    "correction_rate": (round(200 / 3, 6), 0),
    "fines_total": (1000, 500),
    "fine_per_case": (1000, 500),
}
# 2025: O2's certificate expired on 2025-06-30, so at 2025-12-31 only O1 is certified: 50 % too.
EXPECTED_A1["certified_share"] = (50, 50)
# 吻合度: complaints E1 (F), E2 (H) → F ½, H ½; acts (inspections, decisions) on identified
# entities: i1 E1 F, i2 E2 H, d1 E1 F, d2 E2 H → F ½, H ½ (i4 is a person without an entity
# record) → 100 %.
EXPECTED_A1["alignment"] = (100, None)


@pytest.mark.parametrize("slug", sorted(EXPECTED_A1))
def test_each_indicator_for_agency_a1(fixture_store: Path, slug: str) -> None:
    found = values()
    expected = EXPECTED_A1[slug]
    value, previous = found.get((slug, "A1"), (None, None))
    assert (value, previous) == pytest.approx(expected), slug


def test_the_catalogue_covers_every_indicator_in_the_hand_computed_fixture() -> None:
    assert set(EXPECTED_A1) == set(STORE_SLUGS)
    assert {i.slug for i in CATALOGUE if i.relational} <= set(BY_SLUG)
    assert len(CATALOGUE) >= 25
    assert all(i.name and i.definition and i.formula and i.dimensions for i in CATALOGUE)


def test_agency_a2_and_zero_filled_counts(fixture_store: Path) -> None:
    found = values()
    assert found[("licences", "A2")] == (1, 0)
    assert found[("inspections", "A2")] == (1, 0)
    assert found[("penalties", "A2")] == (0, 0)  # a count shows 0 for an agency without records
    assert found[("certified_share", "A2")] == (0, 0)
    assert found[("intensity", "A2")] == (2000, 0)  # 2 acts / 1 entity (E3) × 1000
    assert found[("repeated_inspections", "A2")] == (1, 0)
    assert ("median_decision_days", "A2") not in found  # no case: no value, not 0


def test_year_on_year_change_is_computed_for_every_value(fixture_store: Path) -> None:
    found = engine.compute(engine.parse_period("2026", today=TODAY), slugs=["acts", "cases_filed"])
    by_key = {(v.slug, v.key): v for v in found}
    assert by_key[("acts", "A1")].yoy == pytest.approx(2.5)  # (7 − 2) / 2
    assert by_key[("cases_filed", "A1")].yoy is None  # previous 0


def test_breakdowns_region_power_domain_month_quarter_total(fixture_store: Path) -> None:
    assert values("region")[("acts", "330502")] == (7, 2)
    assert values("power")[("penalties", "P2")] == (1, None)  # zero-filled: agencies, regions, total only
    assert values("domain")[("powers_held", "market")] == (2, 2)
    assert values("domain")[("acts", "ecology")] == (2, None)
    assert values("month")[("inspections", "03")] == (3, 1)
    assert values("quarter")[("fines_total", "Q2")] == (1000, 500)
    total = values("total")
    assert total[("acts", "*")] == (9, 2)
    assert total[("repeated_inspections", "*")] == (1, 0)
    assert total[("officers", "*")] == (3, 3)
    assert total[("intensity", "*")] == (3000, pytest.approx(2000 / 3))  # 9 acts / 3 entities


def test_slices_by_region_agency_and_scope(fixture_store: Path) -> None:
    assert {k for _, k in values(region="330503")} == {"A2"}
    assert {k for _, k in values(region="330500")} == {"A1", "A2"}
    assert {k for _, k in values(agency="A1")} == {"A1"}
    assert {k for _, k in values(agencies=["A2"], agency="A1")} == set()
    assert values("total", region="330503")[("acts", "*")] == (2, 0)


def test_quarter_and_month_periods_compare_with_the_same_period_a_year_earlier(fixture_store: Path) -> None:
    assert values(period="2026-Q1")[("inspections", "A1")] == (2, 1)
    assert values(period="2026-03")[("inspections", "A1")] == (2, 1)
    assert values(period="2026-04")[("fines_total", "A1")] == (1000, 500)


def test_bad_periods_are_refused_with_a_stable_code() -> None:
    for text in ("2026-13", "26", "2026-Q5", "", "2026/07"):
        with pytest.raises(ActionError) as refused:
            engine.parse_period(text)
        assert refused.value.code == "bad_period" and refused.value.field == "period"
    period = engine.parse_period("2026-Q3", today=TODAY)
    assert (period.start, period.end, period.previous_start) == (D(2026, 7, 1), D(2026, 10, 1), D(2025, 7, 1))
    assert period.closed and not engine.parse_period("2026", today=TODAY).closed


def test_drill_down_lists_the_records_behind_a_value(fixture_store: Path) -> None:
    page = engine.drill("2026", "penalties", agency="A1")
    assert page.total == 2
    assert [r["number"] for r in page.rows] == ["N2", "N1"]  # newest first
    assert engine.drill("2026", "penalties", agency="A1", power="P1").total == 1
    acts = engine.drill("2026", "acts", agency="A1", page_size=3, page=3)
    assert acts.total == 7 and len(acts.rows) == 1
    assert {r["family"] for r in engine.drill("2026", "acts", agency="A1", page_size=50).rows} == {
        "inspection",
        "decision",
        "coercion",
    }
    assert engine.drill("2026", "penalties", agencies=["A2"]).total == 0
    assert engine.drill("2026", "coercive_measures", region="330502").total == 1
    with pytest.raises(ActionError):
        engine.drill("2026", "officers")


def test_region_prefixes_follow_gb_t_2260() -> None:
    assert engine.region_prefix("330000") == "33"
    assert engine.region_prefix("330500") == "3305"
    assert engine.region_prefix("330502") == "330502"
    assert engine.region_prefix("330502001") == "330502001"


def test_an_empty_store_gives_no_values_and_no_error(analytics_dir: Path) -> None:
    assert engine.compute("2026", slugs=STORE_SLUGS) == []
    assert engine.drill("2026", "penalties").total == 0


def test_base_relations_are_cached_per_store_state_and_years(fixture_store: Path) -> None:
    period = engine.parse_period("2026", today=TODAY)
    first = engine.base_key(period, None)
    engine.compute(period, slugs=["inspections"])
    cube = fixture_store / "_derived" / "inspection_cube" / f"{first}.parquet"
    assert cube.exists()
    modified = cube.stat().st_mtime_ns
    engine.compute(period, by="month", slugs=["inspections"])  # another breakdown: same files
    assert cube.stat().st_mtime_ns == modified
    old = {
        "source_system": ["test"],
        "agency_code": ["A1"],
        "power_code": ["P1"],
        "started_at": [_t(D(2023, 5, 1))],
    }
    store.upsert("inspection", pa.table({**old, "source_id": ["old"]}), "old")
    assert engine.base_key(period, None) == first  # 2023 is not read for 2026 …
    store.upsert("inspection", pa.table({**old, "source_id": ["inspection-0"]}), "moved")
    assert engine.base_key(period, None) != first  # … but a correction moving a 2026 record there is
    assert values()[("inspections", "A1")] == (2, 1)
    store.upsert(
        "inspection",
        pa.table(
            {
                "source_system": ["test"],
                "source_id": ["late"],
                "agency_code": ["A1"],
                "power_code": ["P1"],
                "started_at": [_t(D(2026, 8, 1))],
            }
        ),
        "late",
    )
    assert values()[("inspections", "A1")] == (3, 1)  # the late inspection is counted


def test_a_callers_connection_computes_the_same_without_caching(fixture_store: Path) -> None:
    period = engine.parse_period("2026", today=TODAY)
    con = store.connect()
    try:
        on_connection = engine.compute(period, con=con, slugs=STORE_SLUGS)
    finally:
        con.close()
    assert not (fixture_store / "_derived").exists()  # no pinned state: nothing kept
    assert on_connection == engine.compute(period, slugs=STORE_SLUGS)


def test_drill_downs_read_an_index_ordered_by_agency_and_agree_with_the_views(fixture_store: Path) -> None:
    indexed = engine.drill("2026", "acts", agency="A1", page_size=50)
    assert list((fixture_store / "_derived").glob("drill_inspection_started_at/*.parquet"))
    con = store.connect()
    try:
        direct = engine.drill("2026", "acts", agency="A1", page_size=50, con=con)  # no index
    finally:
        con.close()
    assert indexed == direct and indexed.total == 7
    assert engine.drill("2026", "coercive_measures", agency="A1").total == 1  # the condition applies
    assert engine.drill("2026", "correction_rate", agency="A1").total == 3  # concluded in 2026


def _zero_is_none(pair: tuple) -> tuple:
    return tuple(None if v == 0 else v for v in pair)


def test_a_power_slice_gives_each_power_indicator_of_that_power_only(fixture_store: Path) -> None:
    """compute(power=P) is the by="power" value of P, whatever the breakdown: the cockpit's power
    page shows it by month. Indicators without the power dimension are left out."""
    by_power = values("power")
    powers = sorted({key for slug, key in by_power if slug == "acts"})
    assert len(powers) >= 2
    power_slugs = {i.slug for i in CATALOGUE if "power" in i.dimensions and not i.relational}
    for power in powers:
        total = values("total", power=power)
        assert {slug for slug, _ in total} <= power_slugs and ("acts", "*") in total
        for slug in ("acts", "penalties", "inspections", "fines_total", "frequency", "repeated_inspections"):
            if (slug, power) in by_power:
                # (a total is zero-filled, a power key is not: no record a year earlier is 0 vs None)
                assert _zero_is_none(total[(slug, "*")]) == _zero_is_none(by_power[(slug, power)]), (
                    slug,
                    power,
                )
        months = values("month", power=power)
        assert (
            sum(v for (slug, _), (v, _) in months.items() if slug == "acts" and v)
            == by_power[("acts", power)][0]
        )
    agency_sliced = values("agency", power=powers[0])
    assert agency_sliced[("acts", "A1")][0] <= values("agency")[("acts", "A1")][0]
