"""A served penalty decision is disclosed (Art. 48) through `zhifa.disclosure`: masked, once,
and only when the deciding lead did not decline."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.conftest import make_id_number
from tests.powers_support import food_law_fixture  # noqa: F401
from tests.test_cases_procedure import Desk
from zhifa.disclosure.models import Disclosure


@pytest.fixture
def desk(city, users, food_law) -> Desk:
    return Desk(city, users, food_law)


NOTICE = {"on": "2026-09-21", "proposed_kinds": ["fine"], "proposed_fine": "60000", "hearing_offered": True}


def _served_case(desk: Desk, party: dict, **decision) -> int:
    case_id = desk.to_notified(notice=NOTICE, parties=[party])
    desk.step(case_id, "decide", **desk.decision(**decision))
    desk.step(case_id, "serve", on="2026-10-12")
    return case_id


def _person() -> dict:
    return {
        "kind": "person",
        "name": "欧阳明远",
        "id_number": make_id_number("330502"),
        "address": "湖州市吴兴区凤凰路8号",
        "phone": "13905721234",
    }


def test_a_served_decision_appears_masked_in_the_public_feed(desk) -> None:
    party = _person()
    case_id = _served_case(desk, party)
    number = desk.officer.get(f"/cases/{case_id}").json()["number"]
    assert Disclosure.objects.filter(case_ref=number).count() == 1

    feed = Client().get("/api/v1/disclosures")  # no login
    assert feed.status_code == 200
    body = feed.content.decode()
    assert "欧阳某" in body
    for secret in (party["name"], party["id_number"], party["phone"], "凤凰路8号"):
        assert secret not in body, secret
    items = json.loads(body)
    assert any("60000" in json.dumps(item, ensure_ascii=False) for item in items.get("items", items))


def test_a_decision_the_lead_keeps_private_is_not_disclosed(desk) -> None:
    case_id = _served_case(desk, _person(), disclose=False)
    number = desk.officer.get(f"/cases/{case_id}").json()["number"]
    assert not Disclosure.objects.filter(case_ref=number).exists()
