"""Steps name the evidence they rely on; the step's record keeps each file's SHA-256."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest

from tests.powers_support import food_law_fixture  # noqa: F401
from tests.test_cases_procedure import Desk
from zhifa.core.roles import Role
from zhifa.evidence.actions import do_add_evidence


@pytest.fixture
def desk(city, users, food_law, settings, tmp_path: Path) -> Desk:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Desk(city, users, food_law)


def _evidence(desk: Desk, users, case_number: str, content: bytes):
    return do_add_evidence(
        users[Role.OFFICER], desk.agency, case_number, "investigate", "documentary", "销售台账",
        BytesIO(content), "ledger.pdf", "application/pdf",
    )  # fmt: skip


def test_a_step_records_the_evidence_it_relies_on_with_hashes(desk, users) -> None:
    case = desk.file()
    ledger = _evidence(desk, users, case["number"], b"%PDF-1.4 sales ledger")
    desk.step(case["id"], "investigate", on="2026-09-02", evidence_ids=[ledger.pk])
    detail = desk.officer.get(f"/cases/{case['id']}").json()
    recorded = next(s for s in detail["steps"] if s["code"] == "investigate")["data"]["evidence"]
    assert recorded == [
        {"id": ledger.pk, "kind": "documentary", "title": "销售台账", "sha256": ledger.sha256}
    ]


def test_evidence_of_another_case_is_refused(desk, users) -> None:
    case, other = desk.file(), desk.file()
    foreign = _evidence(desk, users, other["number"], b"%PDF-1.4 another case")
    refused = desk.refused(
        case["id"], "investigate", "unknown_evidence", on="2026-09-02", evidence_ids=[foreign.pk]
    )
    assert str(foreign.pk) in refused["message"]
