"""Store fixtures for the review and evaluation tests: closed `case` records of the conftest
city's agencies written to an isolated analytical store."""

from __future__ import annotations

import datetime as dt
from itertools import count
from typing import Any

import pyarrow as pa

from zhifa.analytics import store

D = dt.date
_serial = count(1)

CASE: dict[str, Any] = {
    "case_number": "案-1",
    "power_code": "P1",
    "entity_kind": "enterprise",
    "entity_credit_code": "91330500MA2B000001",
    "entity_name": "甲公司",
    "officer_certificates": ["C1", "C2"],
    "violation_on": D(2026, 1, 1),
    "procedure": "general",
    "major_case": False,
    "filed_on": D(2026, 3, 2),
    "notice_served_on": D(2026, 4, 1),
    "hearing_offered": False,
    "legal_review_on": None,
    "extension_approved_on": None,
    "decided_on": D(2026, 4, 10),
    "served_on": D(2026, 4, 13),
    "paid_on": D(2026, 4, 20),
    "closed_on": D(2026, 4, 25),
    "decision_kind": "penalty",
    "penalty_kinds": ["fine"],
    "fine_amount": 5000.0,
    "confiscation_amount": 0.0,
    "benchmark_tier": "general",
    "legal_basis": ["《某法》第十条"],
    "status": "closed",
}


def case_row(agency_code: str, **overrides: Any) -> dict[str, Any]:
    n = next(_serial)
    return {
        **CASE,
        "source_id": f"case-{n:05d}",
        "case_number": f"案〔2026〕{n}号",
        "agency_code": agency_code,
        **overrides,
    }


def write_cases(rows: list[dict[str, Any]], source_system: str = "t") -> None:
    names = list(dict.fromkeys(k for r in rows for k in r))
    table = pa.table(
        {
            "source_system": [r.get("source_system", source_system) for r in rows],
            **{n: [r.get(n) for r in rows] for n in names if n != "source_system"},
        }
    )
    store.upsert("case", table, f"review-fixture-{next(_serial)}")
