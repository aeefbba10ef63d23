"""The demo cases seeder on top of the demo city (small size): cases through the real actions in
several states and agencies, every planted problem really in the data, documents, audit chain."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from zhifa.cases import actions, demo, guards
from zhifa.cases.models import Case, DecisionKind
from zhifa.cases.procedure import BEFORE_DECISION, OPEN_STATES, Procedure
from zhifa.core import seeding
from zhifa.core.audit import verify_chain
from zhifa.core.models import AuditEntry
from zhifa.documents.models import IssuedDocument
from zhifa.powers import actions as power_actions
from zhifa.rules import clocks

CASES = 30
DEMO_SEEDERS = {"laws", "registry", "accounts", "powers"}


def run_demo() -> str:
    out = StringIO()
    call_command("demo", "--no-serve", stdout=out)
    return out.getvalue()


def add_no_penalty_rules() -> str:
    """The test law corpus gives the powers seeder no 首违不罚 candidates: list two of the powers
    the cases seeder can use (through the powers action, as an agency admin would)."""
    today = dt.date.today()
    desks = demo.build_desks(today - dt.timedelta(days=400), today, random.Random(0))
    for desk in desks[:2]:
        power_actions.do_set_no_penalty_rule(
            None,
            desk.powers[0].power.code,
            power_actions.NoPenaltyInput(
                kind="first",
                correction_days=15,
                conditions="初次违法且危害后果轻微并及时改正",
                source="测试清单",
            ),
        )
    return "首违不罚 2 条"


@pytest.fixture
def seeded(db, settings, tmp_path: Path, monkeypatch) -> str:
    """The small demo city with its laws, logins and powers, then `CASES` demo cases."""
    monkeypatch.setenv("ZHIFA_DEMO_SIZE", "small")
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = str(tmp_path / "media")
    seeders = {name: s for name, s in seeding.SEEDERS.items() if name in DEMO_SEEDERS}
    seeders["rules"] = seeding.Seeder("rules", add_no_penalty_rules, 65)
    seeders["cases"] = seeding.Seeder("cases", lambda: demo.seed_cases(CASES), 70)
    monkeypatch.setattr(seeding, "SEEDERS", seeders)
    return run_demo()


def steps(case: Case, code: str) -> list:
    return [s for s in case.steps.all() if s.code == code]


def planted(code: str) -> list[Case]:
    found = next((p for p in demo.PLANTED if p.code == code), None)
    assert found is not None, f"problem {code} was not planted"
    cases = list(Case.objects.filter(number__in=found.case_numbers).prefetch_related("steps", "parties"))
    assert len(cases) == len(found.case_numbers)
    return cases


def test_a_year_of_cases_with_every_planted_problem(seeded):
    today = dt.date.today()
    assert "平台案件" in seeded and "埋设问题" in seeded
    assert demo.REFUSED == []
    cases = list(Case.objects.select_related("agency__region", "power").prefetch_related("steps", "parties"))
    assert len(cases) >= CASES

    # several states, both procedures, several agencies; open cases with running clocks
    states = Counter(c.state for c in cases)
    assert len(states) >= 5 and states["archived"] and any(states[s] for s in OPEN_STATES)
    assert {c.procedure for c in cases} == {Procedure.GENERAL, Procedure.SUMMARY}
    assert len({c.agency_id for c in cases}) >= 3
    assert any(c.decision_kind == DecisionKind.NO_PENALTY for c in cases)
    assert any(steps(c, "approve_legal_review") and steps(c, "record_collective_discussion") for c in cases)
    clock_states = {
        k["state"] for c in cases if c.state in OPEN_STATES for k in actions.case_clocks(c, today)
    }
    assert "running" in clock_states

    # filed in the year before today, every step dated in order and not in the future
    for case in cases:
        assert today - dt.timedelta(days=366) <= case.filed_on <= today
        days = [s.done_on for s in sorted(case.steps.all(), key=lambda s: s.pk)]
        assert days == sorted(days) and all(case.filed_on <= d <= today for d in days), case.number

    # the planted problems are really in the data
    assert {p.code for p in demo.PLANTED} == set(demo.PROBLEM_LABELS)
    for case in planted("late_decision"):
        assert case.decided_on is not None and (case.decided_on - case.filed_on).days > 90
        assert not steps(case, "extend_deadline") and case.extensions == 0
    for case in planted("outside_tier"):
        assert case.flagged_for_supervision and case.outside_tier_reason
        assert not guards.amount_inside_tier(case.benchmark_tier, case.fine_amount, case.base_amount)[0]
    for case in planted("late_service"):
        assert case.served_on > clocks.service_deadline(case.decided_on, case.agency.region)
    for case in planted("unpaid_no_enforcement"):
        due = actions.payment_due_on(case)
        assert due is not None and due < today and case.paid_on is None
        assert case.state in ("served", "executing") and not steps(case, "apply_enforcement")
    for case in planted("penalty_on_no_penalty_list"):
        assert case.decision_kind == DecisionKind.PENALTY and case.flagged_for_supervision
        assert case.power.no_penalty_rule.active
    repeated = planted("repeated_low_fines")
    assert len(repeated) >= 3
    assert len({c.parties.get().name for c in repeated}) == 1
    assert len({c.officers.order_by("pk").first().officer_id for c in repeated}) == 1
    assert all(c.fine_amount and c.fine_amount <= 3000 for c in repeated)
    for case in planted("near_limitation"):
        expires = clocks.limitation_expires(case.violation_ended_on, case.serious_harm, case.agency.region)
        assert 0 <= (expires - case.filed_on).days <= 10
    for case in planted("decision_overdue_open"):
        assert case.state in BEFORE_DECISION and case.extensions == 0
        assert clocks.decision_deadline(case.filed_on, 0, case.agency.region) < today

    # documents issued through the actions, the audit trail complete and verified
    numbers = {c.number for c in cases}
    kinds = set(IssuedDocument.objects.filter(case_ref__in=numbers).values_list("kind", flat=True))
    assert {
        "filing_approval",
        "prior_notice",
        "penalty_decision",
        "service_receipt",
        "closing_report",
    } <= kinds
    filed = AuditEntry.objects.filter(action="cases.case_file").values_list("object_id", flat=True)
    assert set(filed) == {str(c.pk) for c in cases}
    assert verify_chain().ok

    # seeded once per database: the next `zhifa demo` skips it
    assert "跳过" in run_demo() and Case.objects.count() == len(cases)
