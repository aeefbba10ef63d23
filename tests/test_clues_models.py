"""Every clue model on a minimal isolated store: one fixture that must raise it, one that must not.

Master data for every test — agencies A1 (330502), A2 (330503), A3 (330504); certificates C1, C2
(valid 2020–2030) and C3 (expired 2025-06-30); entities E1 (30.0 N, 120.0 E) and E2; power P1
of A1 (a penalty power since 2020). The run judges as of 2026-11-22. Each fixture is a list of
batches ``(family, rows)`` written in order (a second batch with the same ``source_id`` stores a
new version); rows start from a compliant base record of their family and override what the
case is about. Registry reference tables (benchmark tiers, statutory ranges, no-penalty list)
are passed in directly.
"""

from __future__ import annotations

import datetime as dt
import json
from itertools import count
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from zhifa.analytics import store
from zhifa.clues import engine, reference
from zhifa.clues.catalogue import BY_SLUG, MODELS

D = dt.date
ON = D(2026, 11, 22)
_serial = count(1)


@pytest.fixture(autouse=True)
def analytics_dir(settings, tmp_path: Path) -> Path:
    settings.ANALYTICS_DIR = tmp_path / "analytics"
    return settings.ANALYTICS_DIR


def _t(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour)


BASE: dict[str, dict[str, Any]] = {
    "case": {
        "case_number": "案-1",
        "agency_code": "A1",
        "power_code": "P1",
        "entity_kind": "enterprise",
        "entity_credit_code": "E1",
        "entity_name": "甲公司",
        "officer_certificates": ["C1", "C2"],
        "violation_on": D(2026, 1, 1),
        "procedure": "general",
        "major_case": False,
        "filed_on": D(2026, 3, 1),
        "notice_served_on": D(2026, 4, 1),
        "hearing_offered": False,
        "legal_review_on": D(2026, 4, 5),
        "decided_on": D(2026, 4, 10),
        "served_on": D(2026, 4, 13),
        "decision_kind": "penalty",
        "penalty_kinds": ["fine"],
        "fine_amount": 5000.0,
        "confiscation_amount": 0.0,
        "benchmark_tier": "general",
        "legal_basis": ["《某法》第十条"],
        "status": "decided",
    },
    "decision": {
        "decision_number": "决-1",
        "case_source_id": "case-x",
        "agency_code": "A1",
        "power_code": "P1",
        "entity_kind": "enterprise",
        "entity_credit_code": "E1",
        "entity_name": "甲公司",
        "decided_on": D(2026, 4, 10),
        "penalty_kinds": ["fine"],
        "fine_amount": 5000.0,
        "benchmark_tier": "general",
        "legal_basis": ["《某法》第十条"],
        "served_on": D(2026, 4, 13),
        "service_method": "direct",
        "payment_due_on": D(2026, 4, 28),
        "paid_on": D(2026, 4, 20),
        "paid_amount": 5000.0,
        "late_surcharge_amount": 0.0,
        "enforcement": "none",
        "status": "performed",
    },
    "inspection": {
        "record_number": "检-1",
        "agency_code": "A1",
        "power_code": "P1",
        "entity_kind": "enterprise",
        "entity_credit_code": "E1",
        "entity_name": "甲公司",
        "officer_certificates": ["C1", "C2"],
        "started_at": _t(D(2026, 3, 1)),
        "gps": json.dumps({"latitude": 30.0001, "longitude": 120.0001}),
        "origin": "plan",
        "task_code": "T-1",
        "task_window_start": D(2026, 2, 1),
        "task_window_end": D(2026, 3, 31),
        "joint": False,
        "result": "no_problem",
    },
    "complaint": {
        "ticket_number": "HZ-1",
        "received_at": _t(D(2026, 5, 1)),
        "channel": "phone",
        "text": "反映噪音扰民",
        "category": "环境保护/环境污染/噪音污染",
        "place": "某路1号",
        "entity_kind": "enterprise",
        "entity_credit_code": "E1",
        "entity_name": "甲公司",
        "routed_agency_code": "A1",
        "due_at": _t(D(2026, 5, 10), 18),
        "answered_at": _t(D(2026, 5, 8)),
        "status": "closed",
    },
    "coercion": {
        "document_number": "强-1",
        "category": "measure",
        "measure_kind": "seal",
        "agency_code": "A1",
        "power_code": "P1",
        "entity_kind": "enterprise",
        "entity_credit_code": "E1",
        "entity_name": "甲公司",
        "officer_certificates": ["C1", "C2"],
        "case_source_id": "case-x",
        "started_on": D(2026, 3, 1),
        "extended_to": D(2026, 3, 31),
        "ended_on": D(2026, 3, 20),
        "status": "lifted",
    },
    "licence": {
        "licence_number": "许-1",
        "licence_kind": "道路运输经营许可",
        "agency_code": "A1",
        "power_code": "P1",
        "entity_kind": "enterprise",
        "entity_credit_code": "E1",
        "entity_name": "甲公司",
        "applied_on": D(2026, 3, 1),
        "accepted_on": D(2026, 3, 2),
        "issued_on": D(2026, 3, 20),
        "status": "valid",
    },
}


def _write(batches: list[tuple[str, list[dict[str, Any]]]]) -> None:
    for family, rows in batches:
        full = [{**BASE[family], **row} for row in rows]
        names = list(dict.fromkeys(k for r in full for k in r))
        ids = [r.pop("source_id", None) or f"{family}-{next(_serial)}" for r in full]
        names = [n for n in names if n != "source_id"]
        table = pa.table(
            {
                "source_system": ["t"] * len(full),
                "source_id": ids,
                **{n: [r.get(n) for r in full] for n in names},
            }
        )
        store.upsert(family, table, f"fixture-{next(_serial)}")


def _masters(powers: list[dict[str, Any]] | None = None) -> None:
    snap = D(2025, 1, 1)
    store.snapshot(
        "agency",
        pa.table({"agency_code": ["A1", "A2", "A3"], "region_code": ["330502", "330503", "330504"]}),
        snap,
    )
    store.snapshot(
        "certificate",
        pa.table(
            {
                "certificate_number": ["C1", "C2", "C3"],
                "officer_id_number": ["O1", "O2", "O3"],
                "status": ["valid", "valid", "valid"],
                "issued_on": [D(2020, 1, 1)] * 3,
                "expires_on": [D(2030, 1, 1), D(2030, 1, 1), D(2025, 6, 30)],
            }
        ),
        snap,
    )
    store.snapshot(
        "entity",
        pa.table(
            {
                "credit_code": ["E1", "E2"],
                "name": ["甲公司", "乙公司"],
                "region_code": ["330502", "330503"],
                "latitude": [30.0, 30.5],
                "longitude": [120.0, 120.5],
            }
        ),
        snap,
    )
    rows = powers or [
        {
            "power_code": "P1",
            "holder_agency_code": "A1",
            "name": "对某违法行为的处罚",
            "kind": "penalty",
            "status": "active",
        }
    ]
    store.snapshot(
        "power",
        pa.table(
            {
                **{
                    k: [r[k] for r in rows]
                    for k in ("power_code", "holder_agency_code", "name", "kind", "status")
                },
                "effective_from": [D(2020, 1, 1)] * len(rows),
            }
        ),
        snap,
    )


def _tiers(*rows: tuple[str, str, float | None, float | None]) -> pa.Table:
    return reference.table(
        [
            {
                "tier_id": i + 1,
                "benchmark_id": 1,
                "benchmark_version": 1,
                "effective_from": D(2020, 1, 1),
                "power_code": "P1",
                "agency_code": "A1",
                "tier": tier,
                "range_kind": kind,
                "minimum": low,
                "maximum": high,
                "base": "",
            }
            for i, (tier, kind, low, high) in enumerate(rows)
        ],
        reference.TIER_SCHEMA,
    )


STATUTE = reference.table(
    [
        {
            "power_code": "P1",
            "kind": "fixed",
            "minimum": 5000.0,
            "maximum": 100000.0,
            "base": "",
            "aggravated": False,
            "citation": "《某法》第五十条",
        }
    ],
    reference.STATUTE_SCHEMA,
)
NO_PENALTY = reference.table([{"power_code": "P1", "kind": "first"}], reference.NO_PENALTY_SCHEMA)
EMPTY = {
    "r_tier": _tiers(),
    "r_statute": reference.table([], reference.STATUTE_SCHEMA),
    "r_no_penalty": reference.table([], reference.NO_PENALTY_SCHEMA),
}

TWO_POWERS = [
    {"power_code": "P1", "holder_agency_code": "A1", "name": "处罚甲", "kind": "penalty", "status": "active"},
    {
        "power_code": "P2",
        "holder_agency_code": "A1",
        "name": "检查乙",
        "kind": "inspection",
        "status": "active",
    },
]


def _fines(amounts: list[float], **extra: Any) -> list[dict[str, Any]]:
    return [{"fine_amount": a, "entity_credit_code": f"X{i}", **extra} for i, a in enumerate(amounts)]


# slug -> (raising fixture, quiet fixture); a fixture is {"facts": batches, "powers": [...], "reference": {...}}
FIXTURES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "power_unexercised": (
        {
            "powers": TWO_POWERS,
            "facts": [("inspection", [{"power_code": "P1", "started_at": _t(D(2026, 6, 1))}])],
        },
        {
            "powers": TWO_POWERS,
            "facts": [
                ("inspection", [{"power_code": "P1", "started_at": _t(D(2026, 6, 1))}]),
                ("decision", [{"power_code": "P2", "decided_on": D(2026, 2, 1)}]),
            ],
        },
    ),
    "decision_overdue": (
        {"facts": [("case", [{"filed_on": D(2026, 1, 1), "decided_on": D(2026, 5, 1)}])]},
        {
            "facts": [
                (
                    "case",
                    [
                        {"filed_on": D(2026, 3, 1), "decided_on": D(2026, 5, 30)},  # day 90
                        {
                            "filed_on": D(2026, 1, 1),
                            "decided_on": D(2026, 4, 20),
                            "extension_approved_on": D(2026, 3, 20),
                        },
                        {"filed_on": D(2026, 1, 1), "decided_on": None, "status": "terminated"},
                    ],
                )
            ]
        },
    ),
    "fine_outside_tier": (
        {
            "facts": [("decision", [{"fine_amount": 8000.0}])],
            "reference": {"r_tier": _tiers(("general", "fixed", 1000.0, 5000.0))},
        },
        {
            "facts": [("decision", [{"fine_amount": 5000.0}])],
            "reference": {"r_tier": _tiers(("general", "fixed", 1000.0, 5000.0))},
        },
    ),
    "tier_outside_statute": (
        {"reference": {"r_tier": _tiers(("general", "fixed", 1000.0, 200000.0)), "r_statute": STATUTE}},
        {
            "reference": {
                "r_tier": _tiers(("mitigated", "fixed", 0.0, 5000.0), ("general", "fixed", 5000.0, 100000.0)),
                "r_statute": STATUTE,
            }
        },
    ),
    "major_case_no_review": (
        {"facts": [("case", [{"major_case": True, "legal_review_on": None}])]},
        {"facts": [("case", [{"major_case": True}, {"major_case": False, "legal_review_on": None}])]},
    ),
    "too_few_officers": (
        {"facts": [("inspection", [{"officer_certificates": ["C1"]}])]},
        {"facts": [("inspection", [{"officer_certificates": ["C1", "C2"]}])]},
    ),
    "certificate_invalid": (
        {"facts": [("inspection", [{"officer_certificates": ["C1", "C3"]}])]},
        {
            "facts": [
                ("inspection", [{"officer_certificates": ["C1", "C3"], "started_at": _t(D(2025, 6, 30))}])
            ]
        },
    ),
    "late_service": (
        # decided Friday 2026-04-10: the 7th working day after is Tuesday 2026-04-21
        {"facts": [("decision", [{"served_on": D(2026, 4, 22)}])]},
        {
            "facts": [
                (
                    "decision",
                    [{"served_on": D(2026, 4, 21)}, {"served_on": None, "service_method": "on_the_spot"}],
                )
            ]
        },
    ),
    "hearing_not_offered": (
        {"facts": [("case", [{"fine_amount": 150000.0}])]},
        {
            "facts": [
                (
                    "case",
                    [
                        {"fine_amount": 90000.0},
                        {"fine_amount": 150000.0, "hearing_offered": True},
                        {"fine_amount": 8000.0, "entity_kind": "person", "entity_id_number": "P9"},
                    ],
                )
            ]
        },
    ),
    "filing_past_limitation": (
        {"facts": [("case", [{"violation_on": D(2023, 12, 31)}])]},
        {"facts": [("case", [{"violation_on": D(2024, 3, 1)}])]},
    ),
    "repeated_multi_agency_inspection": (
        {
            "facts": [
                (
                    "inspection",
                    [
                        {"agency_code": "A1", "started_at": _t(D(2026, 3, 1))},
                        {"agency_code": "A2", "started_at": _t(D(2026, 3, 10))},
                        {"agency_code": "A3", "started_at": _t(D(2026, 3, 31))},
                    ],
                )
            ]
        },
        {
            "facts": [
                (
                    "inspection",
                    [
                        {"agency_code": "A1", "started_at": _t(D(2026, 3, 1))},
                        {"agency_code": "A2", "started_at": _t(D(2026, 3, 10))},
                        {"agency_code": "A3", "started_at": _t(D(2026, 4, 1))},
                    ],
                )
            ]
        },
    ),
    "complaint_hotspot_uninspected": (
        {
            "facts": [
                ("complaint", [{"received_at": _t(D(2026, 5, d))} for d in (1, 10, 20)]),
                ("inspection", [{"entity_credit_code": "E2", "started_at": _t(D(2026, 6, 1))}]),
            ]
        },
        {
            "facts": [
                ("complaint", [{"received_at": _t(D(2026, 5, d))} for d in (1, 10, 20)]),
                ("inspection", [{"started_at": _t(D(2026, 6, 1))}]),
            ]
        },
    ),
    "complaint_answered_late": (
        {"facts": [("complaint", [{"answered_at": _t(D(2026, 5, 12))}])]},
        {"facts": [("complaint", [{"answered_at": _t(D(2026, 5, 10), 17)}])]},
    ),
    "minor_first_violation_penalized": (
        {"facts": [("decision", [{"fine_amount": 500.0}])], "reference": {"r_no_penalty": NO_PENALTY}},
        {
            "facts": [
                (
                    "decision",
                    [
                        {
                            "fine_amount": None,
                            "penalty_kinds": ["warning"],
                            "benchmark_tier": "no_penalty",
                            "paid_amount": None,
                        }
                    ],
                )
            ],
            "reference": {"r_no_penalty": NO_PENALTY},
        },
    ),
    "fine_unpaid_no_enforcement": (
        {"facts": [("decision", [{"paid_on": None, "paid_amount": None, "status": "effective"}])]},
        {
            "facts": [
                (
                    "decision",
                    [
                        {
                            "paid_on": None,
                            "paid_amount": None,
                            "status": "effective",
                            "case_source_id": "case-9",
                        }
                    ],
                ),
                (
                    "coercion",
                    [{"category": "execution", "measure_kind": "surcharge", "case_source_id": "case-9"}],
                ),
            ]
        },
    ),
    "inspection_gps_far": (
        {"facts": [("inspection", [{"gps": json.dumps({"latitude": 30.05, "longitude": 120.0})}])]},
        {"facts": [("inspection", [{"gps": json.dumps({"latitude": 30.005, "longitude": 120.0})}])]},
    ),
    "inspection_outside_window": (
        {"facts": [("inspection", [{"started_at": _t(D(2026, 4, 1))}])]},
        {"facts": [("inspection", [{"started_at": _t(D(2026, 3, 31), 20)}])]},
    ),
    "fine_outlier_low": (
        {"facts": [("decision", _fines([10000.0] * 10 + [1500.0]))]},
        {
            "facts": [
                ("decision", _fines([10000.0] * 10 + [2000.0]) + _fines([100.0], benchmark_tier="mitigated"))
            ]
        },
    ),
    "repeated_low_fines_same_pair": (
        {
            "facts": [
                (
                    "case",
                    _fines([10000.0] * 4)
                    + [
                        {"fine_amount": 1000.0, "decided_on": D(2026, m, 1), "filed_on": D(2026, m - 1, 1)}
                        for m in (3, 5, 7)
                    ],
                )
            ]
        },
        {
            "facts": [
                (
                    "case",
                    _fines([10000.0] * 4)
                    + [
                        {"fine_amount": 1000.0, "decided_on": D(2026, m, 1), "filed_on": D(2026, m - 1, 1)}
                        for m in (3, 5)
                    ]
                    + [{"fine_amount": 1000.0, "decided_on": D(2025, 7, 1), "filed_on": D(2025, 6, 1)}],
                )
            ]
        },
    ),
    "changed_after_decision": (
        {
            "facts": [
                ("case", [{"source_id": "k1", "source_updated_at": _t(D(2026, 4, 10))}]),
                (
                    "case",
                    [{"source_id": "k1", "fine_amount": 3000.0, "source_updated_at": _t(D(2026, 5, 1))}],
                ),
            ]
        },
        {
            "facts": [
                ("case", [{"source_id": "k1", "source_updated_at": _t(D(2026, 4, 10))}]),
                ("case", [{"source_id": "k1", "status": "closed", "source_updated_at": _t(D(2026, 5, 1))}]),
                ("case", [{"source_id": "k2", "decided_on": None, "source_updated_at": _t(D(2026, 3, 1))}]),
                ("case", [{"source_id": "k2", "fine_amount": 100.0, "source_updated_at": _t(D(2026, 5, 1))}]),
                # a formal change (变更) of k3's decision: both records change, neither is a clue
                ("case", [{"source_id": "k3", "source_updated_at": _t(D(2026, 4, 10))}]),
                (
                    "decision",
                    [{"source_id": "d3", "case_source_id": "k3", "source_updated_at": _t(D(2026, 4, 10))}],
                ),
                (
                    "case",
                    [{"source_id": "k3", "fine_amount": 2000.0, "source_updated_at": _t(D(2026, 6, 1))}],
                ),
                (
                    "decision",
                    [
                        {
                            "source_id": "d3",
                            "case_source_id": "k3",
                            "fine_amount": 2000.0,
                            "status": "changed",
                            "source_updated_at": _t(D(2026, 6, 1)),
                        }
                    ],
                ),
            ]
        },
    ),
    "coercion_overdue": (
        {"facts": [("coercion", [{"extended_to": None, "ended_on": D(2026, 4, 15)}])]},
        {"facts": [("coercion", [{"extended_to": D(2026, 4, 20), "ended_on": D(2026, 4, 15)}])]},
    ),
    "licence_late": (
        {"facts": [("licence", [{"issued_on": D(2026, 6, 1)}])]},
        {"facts": [("licence", [{"issued_on": D(2026, 4, 10)}])]},
    ),
    "summary_procedure_over_limit": (
        {"facts": [("case", [{"procedure": "summary", "fine_amount": 3500.0}])]},
        {
            "facts": [
                (
                    "case",
                    [
                        {"procedure": "summary", "fine_amount": 3000.0},
                        {"procedure": "general", "fine_amount": 50000.0},
                    ],
                )
            ]
        },
    ),
    "decision_without_prior_notice": (
        {"facts": [("case", [{"notice_served_on": None}])]},
        {"facts": [("case", [{}, {"notice_served_on": None, "procedure": "summary"}])]},
    ),
    "surcharge_over_cap": (
        {"facts": [("decision", [{"fine_amount": 1000.0, "late_surcharge_amount": 1500.0}])]},
        {"facts": [("decision", [{"fine_amount": 1000.0, "late_surcharge_amount": 1000.0}])]},
    ),
}


def _run(slug: str, fixture: dict[str, Any]) -> list[engine.Finding]:
    _masters(fixture.get("powers"))
    _write(fixture.get("facts", []))
    outcome = engine.evaluate([BY_SLUG[slug]], ON, reference={**EMPTY, **fixture.get("reference", {})})
    return outcome[0].findings


def test_every_model_has_fixtures() -> None:
    assert set(FIXTURES) == {m.slug for m in MODELS}
    assert len(MODELS) >= 22


@pytest.mark.django_db
@pytest.mark.parametrize("slug", list(FIXTURES))
def test_the_raising_fixture_raises(slug: str) -> None:
    findings = _run(slug, FIXTURES[slug][0])
    assert findings, f"{slug} raised nothing on its raising fixture"
    for finding in findings:
        assert finding.agency_code == "A1"
        assert finding.title and finding.detail and finding.identity
        assert finding.evidence and all(
            {"family", "source_system", "source_id", "number"} <= set(e) for e in finding.evidence
        )
    assert len({f.fingerprint for f in findings}) == len(findings)


@pytest.mark.django_db
@pytest.mark.parametrize("slug", list(FIXTURES))
def test_the_quiet_fixture_does_not_raise(slug: str) -> None:
    findings = _run(slug, FIXTURES[slug][1])
    assert findings == [], [f.title for f in findings]


@pytest.mark.django_db
def test_the_evidence_names_the_records() -> None:
    findings = _run("decision_overdue", FIXTURES["decision_overdue"][0])
    (finding,) = findings
    assert finding.evidence == [
        {
            "family": "case",
            "source_system": "t",
            "source_id": finding.identity.split("|")[2],
            "number": "案-1",
        }
    ]
    assert "超期" in finding.title and "2026-04-01" in finding.detail  # filed 01-01 + 90 days


@pytest.mark.django_db
def test_repeated_inspection_lists_every_agency_and_record() -> None:
    (finding,) = _run("repeated_multi_agency_inspection", FIXTURES["repeated_multi_agency_inspection"][0])
    assert "3个执法主体" in finding.title
    assert [e["family"] for e in finding.evidence] == ["inspection"] * 3
    assert finding.identity == "entity|E1|2026-03"


@pytest.mark.django_db
def test_an_empty_store_raises_nothing() -> None:
    outcomes = engine.evaluate(MODELS, ON, reference=EMPTY)
    assert [o.findings for o in outcomes] == [[] for _ in MODELS]
