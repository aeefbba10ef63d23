"""The rules app: catalogue citations, regional settings, clocks, actions and API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from zhifa.core.models import AuditEntry
from zhifa.core.roles import Role
from zhifa.rules import clocks
from zhifa.rules.actions import do_set_rule
from zhifa.rules.catalogue import RULES, rule, value


def test_defaults() -> None:
    assert rule("decision_days").default == 90
    assert value("payment_days") == 15
    assert value("surcharge_rate_per_day") == Decimal("0.03")


def test_override_applies_to_subtree(db) -> None:
    do_set_rule(None, "hearing_fine_threshold_person", "330500", 20000, dt.date(2025, 1, 1), "湖州规定")
    assert value("hearing_fine_threshold_person", "330502", dt.date(2025, 6, 1)) == 20000
    assert value("hearing_fine_threshold_person", "330100", dt.date(2025, 6, 1)) == 10000


def test_service_deadline_spans_national_day() -> None:
    assert clocks.service_deadline(dt.date(2025, 9, 26)) == dt.date(2025, 10, 13)


def test_surcharge_examples() -> None:
    due = dt.date(2025, 3, 1)
    assert clocks.surcharge(Decimal(10000), due, due + dt.timedelta(days=40)) == 10000
    assert clocks.surcharge(Decimal(10000), due, due + dt.timedelta(days=10)) == 3000
    assert clocks.surcharge(Decimal(10000), due, due) == 0


def test_api(api_as) -> None:
    assert api_as(Role.SUPERVISOR).get("/rules", region="330502").status_code == 200
    assert len(RULES) == 17
    answer = api_as(Role.OFFICER).post(
        "/rules/hearing_fine_threshold_person/settings",
        {"region_code": "330500", "value": "20000", "valid_from": "2025-01-01", "reason": "x"},
    )
    assert answer.status_code == 403
    answer = api_as(Role.SUPERVISOR).post(
        "/rules/hearing_fine_threshold_person/settings",
        {"region_code": "330500", "value": "20000", "valid_from": "2025-01-01", "reason": "x"},
    )
    assert answer.status_code == 201, answer.content
    assert AuditEntry.objects.filter(action="rules.set").count() == 1


pytestmark = pytest.mark.filterwarnings("ignore")
