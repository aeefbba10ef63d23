"""The engine against a plain-Python reference on random facts (hypothesis)."""

from __future__ import annotations

import datetime as dt
import statistics
import tempfile
from collections import defaultdict
from pathlib import Path

import pyarrow as pa
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhifa.analytics import store
from zhifa.indicators import engine

AGENCIES = ("A1", "A2", "A3")
ENTITIES = ("E1", "E2", "E3", "E4")
TODAY = dt.date(2027, 3, 1)
PERIOD = engine.parse_period("2026", today=TODAY)

days = st.dates(dt.date(2025, 1, 1), dt.date(2026, 12, 31))
inspection = st.tuples(st.sampled_from(AGENCIES), st.sampled_from(ENTITIES), days, st.booleans())
decision = st.tuples(st.sampled_from(AGENCIES), days, st.one_of(st.none(), st.integers(0, 5000)))
case = st.tuples(st.sampled_from(AGENCIES), days, st.one_of(st.none(), st.integers(0, 200)), st.booleans())


def _which(day: dt.date) -> str | None:
    if PERIOD.start <= day < PERIOD.end:
        return "cur"
    if PERIOD.previous_start <= day < PERIOD.previous_end:
        return "prev"
    return None


def _write(inspections: list, decisions: list, cases: list) -> None:
    store.snapshot("agency", pa.table({"agency_code": list(AGENCIES), "region_code": ["330502"] * 3}))
    if inspections:
        store.upsert(
            "inspection",
            pa.table(
                {
                    "source_system": ["p"] * len(inspections),
                    "source_id": [f"i{n}" for n in range(len(inspections))],
                    "agency_code": [a for a, _, _, _ in inspections],
                    "power_code": ["P"] * len(inspections),
                    "entity_kind": ["enterprise" if e else "person" for _, _, _, e in inspections],
                    "entity_credit_code": [code for _, code, _, _ in inspections],
                    "started_at": [dt.datetime(d.year, d.month, d.day, 8) for _, _, d, _ in inspections],
                }
            ),
            "p",
        )
    if decisions:
        store.upsert(
            "decision",
            pa.table(
                {
                    "source_system": ["p"] * len(decisions),
                    "source_id": [f"d{n}" for n in range(len(decisions))],
                    "agency_code": [a for a, _, _ in decisions],
                    "power_code": ["P"] * len(decisions),
                    "decided_on": [d for _, d, _ in decisions],
                    "fine_amount": pa.array(
                        [None if f is None else float(f) for _, _, f in decisions], pa.float64()
                    ),
                }
            ),
            "p",
        )
    if cases:
        store.upsert(
            "case",
            pa.table(
                {
                    "source_system": ["p"] * len(cases),
                    "source_id": [f"c{n}" for n in range(len(cases))],
                    "agency_code": [a for a, _, _, _ in cases],
                    "power_code": ["P"] * len(cases),
                    "filed_on": [filed for _, filed, _, _ in cases],
                    "decided_on": pa.array(
                        [None if n is None else filed + dt.timedelta(days=n) for _, filed, n, _ in cases],
                        pa.date32(),
                    ),
                    "procedure": ["summary" if s else "general" for _, _, _, s in cases],
                }
            ),
            "p",
        )


def reference(inspections: list, decisions: list, cases: list) -> dict[tuple[str, str, str], float | None]:
    """The same indicators per agency, in plain Python: (slug, agency, period) → value."""
    out: dict[tuple[str, str, str], float | None] = {}
    count: dict[tuple[str, str, str], int] = defaultdict(int)
    for agency, _entity, day, enterprise in inspections:
        if which := _which(day):
            count[("inspections", agency, which)] += 1
            count[("enterprise_inspections", agency, which)] += enterprise
    fines: dict[tuple[str, str], list[float]] = defaultdict(list)
    for agency, day, fine in decisions:
        if which := _which(day):
            count[("penalties", agency, which)] += 1
            fines[(agency, which)].append(fine or 0)
    for agency in AGENCIES:
        for which in ("cur", "prev"):
            for slug in ("inspections", "enterprise_inspections", "penalties"):
                out[(slug, agency, which)] = count[(slug, agency, which)]
            out[("fines_total", agency, which)] = sum(fines[(agency, which)])
            fined = [f for f in fines[(agency, which)] if f > 0]
            out[("fine_per_case", agency, which)] = sum(fined) / len(fined) if fined else None
            mine = [(e, d) for a, e, d, _ in inspections if a == agency and _which(d) == which]
            entities = {e for e, _ in mine}
            out[("frequency", agency, which)] = len(mine) / len(entities) if entities else None
            out[("repeated_inspections", agency, which)] = len(
                {
                    e
                    for e, d in mine
                    if any(
                        o != agency and oe == e and abs((od - d).days) <= 30 for o, oe, od, _ in inspections
                    )
                }
            )
            decided = [
                n
                for a, f, n, _ in cases
                if a == agency and n is not None and _which(f + dt.timedelta(n)) == which
            ]
            out[("median_decision_days", agency, which)] = statistics.median(decided) if decided else None
            due = [
                (f, n)
                for a, f, n, summary in cases
                if a == agency
                and not summary
                and _which(f + dt.timedelta(90)) == which
                and f + dt.timedelta(90) < TODAY
            ]
            on_time = [n is not None and n <= 90 for _, n in due]
            out[("on_time_rate", agency, which)] = 100 * sum(on_time) / len(on_time) if on_time else None
    return out


SLUGS = (
    "inspections",
    "enterprise_inspections",
    "penalties",
    "fines_total",
    "fine_per_case",
    "frequency",
    "repeated_inspections",
    "median_decision_days",
    "on_time_rate",
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(inspection, max_size=25),
    st.lists(decision, max_size=12),
    st.lists(case, max_size=12),
)
def test_engine_matches_the_python_reference(inspections: list, decisions: list, cases: list) -> None:
    with tempfile.TemporaryDirectory() as tmp, override_settings(ANALYTICS_DIR=Path(tmp) / "analytics"):
        _write(inspections, decisions, cases)
        found = engine.compute(PERIOD, slugs=SLUGS)
    got: dict[tuple[str, str, str], float | None] = {}
    for v in found:
        got[(v.slug, v.key, "cur")] = v.value
        got[(v.slug, v.key, "prev")] = v.previous
    expected = reference(inspections, decisions, cases)
    for key, value in expected.items():
        have = got.get(key)
        if value is None:
            assert have is None, key
        else:
            assert have is not None and abs(have - value) < 1e-6, (key, have, value)
