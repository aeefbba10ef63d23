"""The platform's own cases published into the analytical store as exchange records
(`zhifa.cases.publish`): mapped like an outside agency's export, validated like an import,
versioned by the store."""

from __future__ import annotations

import datetime as dt
import json
import logging
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.conftest import make_credit_code, make_id_number
from tests.powers_support import food_law_fixture  # noqa: F401
from tests.test_cases_procedure import Desk
from zhifa.analytics import store
from zhifa.cases import publish
from zhifa.cases.models import Party
from zhifa.core.models import AuditEntry
from zhifa.exchange import schema
from zhifa.registry import actions as registry_actions
from zhifa.registry.models import Entity

D = dt.date


@pytest.fixture
def desk(city, users, food_law) -> Desk:
    return Desk(city, users, food_law)


@pytest.fixture
def analytics_dir(settings, tmp_path: Path) -> Path:
    settings.ANALYTICS_DIR = tmp_path / "analytics"
    return settings.ANALYTICS_DIR


def registered_party(desk: Desk, kind: str = "enterprise") -> dict:
    """A party registered as an entity (the exchange validation checks entity references)."""
    region = desk.agency.region_id
    if kind == "enterprise":
        code = make_credit_code("330502", "91")
        registry_actions.do_create_entity(
            None,
            registry_actions.EntityInput(
                kind="enterprise", name="湖州某某食品有限公司", region_code=region, credit_code=code
            ),
        )
        return {
            "kind": "organisation",
            "name": "湖州某某食品有限公司",
            "credit_code": code,
            "address": "凤凰路1号",
        }
    number = make_id_number("330502")
    registry_actions.do_create_entity(
        None, registry_actions.EntityInput(kind="person", name="王小明", region_code=region, id_number=number)
    )
    return {"kind": "person", "name": "王小明", "id_number": number, "address": "湖州市吴兴区某路2号"}


def decided_case(desk: Desk, party: dict) -> int:
    # 60000 yuan: a large fine for a person (Art. 63), so the notice offers a hearing
    notice = {
        "on": "2026-09-21",
        "proposed_kinds": ["fine"],
        "proposed_fine": "60000",
        "hearing_offered": True,
    }
    case_id = desk.to_notified(notice=notice, parties=[party])
    desk.step(case_id, "decide", **desk.decision())
    return case_id


def rows(family: str) -> dict[str, dict]:
    table = store.query(f'SELECT * FROM "{family}" ORDER BY source_id')
    return {r["source_id"]: r for r in table.to_pylist()}


def counts(report: dict, family: str) -> tuple[int, int, int, int]:
    t = report[family]
    return t["inserted"], t["updated"], t["unchanged"], t["rejected"]


def test_cases_published_as_exchange_records(desk, analytics_dir):
    filed = desk.file(parties=[registered_party(desk)])["id"]
    paid = decided_case(desk, registered_party(desk, "person"))
    desk.step(paid, "serve", on="2026-10-12")
    desk.step(paid, "record_payment", on="2026-10-20", amount="60000")
    desk.step(paid, "close", on="2026-10-21")

    report = publish.publish_cases()
    assert report["rejected"] == []
    assert counts(report, "case") == (2, 0, 0, 0)
    assert counts(report, "decision") == (1, 0, 0, 0)

    cases = rows("case")
    number = desk.officer.get(f"/cases/{paid}").json()["number"]
    case = cases[str(paid)]
    assert case["source_system"] == "zhifa" and case["case_number"] == number
    assert case["agency_code"] == desk.agency.code and case["power_code"] == desk.power.code
    assert case["entity_kind"] == "person" and case["entity_name"] == "王小明"
    assert case["entity_id_number"] and case["entity_credit_code"] is None
    assert case["procedure"] == "general" and case["major_case"] is False
    assert (case["filed_on"], case["notice_served_on"], case["decided_on"]) == (
        D(2026, 9, 1),
        D(2026, 9, 21),
        D(2026, 10, 10),
    )
    assert (case["served_on"], case["paid_on"], case["closed_on"]) == (
        D(2026, 10, 12),
        D(2026, 10, 20),
        D(2026, 10, 21),
    )
    assert case["violation_on"] == D(2026, 8, 1) and case["hearing_offered"] is True
    assert case["decision_kind"] == "penalty" and case["status"] == "closed"
    assert list(case["penalty_kinds"]) == ["fine"] and float(case["fine_amount"]) == 60000
    assert case["benchmark_tier"] == "lenient"
    assert case["legal_basis"] and all("《" in c for c in case["legal_basis"])
    certificates = {c.number for o in (desk.o1, desk.o2) for c in o.certificates.all()}
    assert set(case["officer_certificates"]) == certificates
    assert cases[str(filed)]["status"] == "filed" and cases[str(filed)]["decided_on"] is None
    assert cases[str(filed)]["entity_kind"] == "enterprise" and cases[str(filed)]["entity_credit_code"]

    decisions = rows("decision")
    assert set(decisions) == {str(paid)}  # a decision record only once decided
    decision = decisions[str(paid)]
    assert decision["case_source_id"] == str(paid) and decision["case_number"] == number
    assert "罚" in decision["decision_number"] and decision["decision_number"] != number
    assert decision["decided_on"] == D(2026, 10, 10) and decision["served_on"] == D(2026, 10, 12)
    assert decision["service_method"] == "direct" and decision["payment_due_on"] == D(2026, 10, 27)
    assert float(decision["paid_amount"]) == 60000 and decision["status"] == "performed"
    assert decision["facts"].startswith("未取得食品经营许可")

    # the records are valid exchange records by the schema too
    case_table, decision_table = publish.case_records()
    assert case_table.num_rows == 2 and decision_table.num_rows == 1
    for family, table in (("case", case_table), ("decision", decision_table)):
        for record in table.to_pylist():
            assert schema.validate(family, record) == [], record


def test_republish_unchanged_writes_nothing_and_a_change_adds_a_version(desk, analytics_dir):
    one = desk.file(parties=[registered_party(desk)])["id"]
    two = desk.file(parties=[registered_party(desk)])["id"]
    decided = decided_case(desk, registered_party(desk))
    first = publish.publish_cases()
    assert counts(first, "case") == (3, 0, 0, 0) and counts(first, "decision") == (1, 0, 0, 0)
    version = store.table_version("case")

    again = publish.publish_cases()
    assert counts(again, "case") == (0, 0, 3, 0) and counts(again, "decision") == (0, 0, 1, 0)
    assert store.table_version("case") == version  # no commit at all

    desk.step(two, "investigate", on="2026-09-02")
    changed = publish.publish_cases()
    assert counts(changed, "case") == (0, 1, 2, 0) and counts(changed, "decision") == (0, 0, 1, 0)
    current = store.query('SELECT source_id, status, _record_version FROM "case" ORDER BY source_id')
    by_id = {r["source_id"]: r for r in current.to_pylist()}
    assert by_id[str(two)]["_record_version"] == 2 and by_id[str(two)]["status"] == "investigating"
    assert by_id[str(one)]["_record_version"] == 1 and by_id[str(decided)]["_record_version"] == 1
    history = store.query("SELECT count(*) AS n FROM case_history WHERE source_id = ?", [str(two)])
    assert history.column("n")[0].as_py() == 2

    # one case only (what publish_case_on_commit does)
    desk.step(decided, "serve", on="2026-10-12")
    single = publish.publish_cases([decided])
    assert single["cases"] == 1
    assert counts(single, "case") == (0, 1, 0, 0) and counts(single, "decision") == (0, 1, 0, 0)
    assert rows("decision")[str(decided)]["served_on"] == D(2026, 10, 12)


def test_filing_registers_new_parties_so_the_cases_publish(desk, analytics_dir):
    """A party the registry does not know yet is registered at filing (`do_create_entity`,
    audited, same transaction); an existing one is linked, not duplicated."""
    org_code = make_credit_code("330502", "91")
    person_id = make_id_number("330502")
    org = {
        "kind": "organisation",
        "name": "湖州新开食品有限公司",
        "credit_code": org_code,
        "address": "某路1号",
    }
    person = {"kind": "person", "name": "李新", "id_number": person_id, "address": "某路2号"}
    first = desk.file(parties=[org])["id"]
    second = desk.file(parties=[person])["id"]
    again = desk.file(parties=[org])["id"]
    assert Entity.objects.filter(credit_code=org_code).count() == 1
    entity = Entity.objects.get(credit_code=org_code)
    assert entity.kind == "enterprise" and entity.name == "湖州新开食品有限公司"
    assert Entity.objects.get(id_number=person_id).kind == "person"
    assert set(Party.objects.filter(case_id__in=[first, again]).values_list("entity_id", flat=True)) == {
        entity.pk
    }
    created = AuditEntry.objects.filter(action="registry.entity_create", object_id=str(entity.pk))
    assert created.count() == 1 and created.get().actor_username != "system"

    report = publish.publish_cases()
    assert report["rejected"] == []
    assert counts(report, "case") == (3, 0, 0, 0)
    assert rows("case")[str(second)]["entity_id_number"] == person_id


def test_a_person_party_needs_an_id_number_in_the_general_procedure(desk):
    payload = desk.file(expect=422, parties=[{"kind": "person", "name": "王某", "address": "某路3号"}])
    assert payload["code"] == "missing_field" and payload["field"] == "parties.0.id_number"
    assert "王某" in payload["message"] and "身份证件号码" in payload["message"]
    person = {"kind": "person", "name": "王某", "id_number": make_id_number("330502"), "address": "某路3号"}
    assert desk.file(parties=[person])["state"] == "filed"


def test_a_refused_record_is_reported_with_its_reasons(desk, analytics_dir, caplog):
    good = desk.file(parties=[registered_party(desk)])["id"]
    # the summary procedure may punish a passer-by without an ID number: not in the registry
    no_id = desk.file(
        procedure="summary",
        filed_on="2026-10-01",
        violation_started_on="2026-10-01",
        violation_ended_on="2026-10-01",
        parties=[{"kind": "person", "name": "王某"}],
        penalty_kinds=["warning"],
        performance="当场履行",
        remedies="可在六十日内申请行政复议，或在六个月内提起行政诉讼",
    )["id"]
    with caplog.at_level(logging.ERROR, logger="zhifa.cases.publish"):
        report = publish.publish_cases()
    assert counts(report, "case") == (1, 0, 0, 1)
    refused = {r["source_id"]: r for r in report["rejected"]}
    assert str(no_id) in refused
    assert ("entity_id_number", "required") in {
        (p["field"], p["reason"]) for p in refused[str(no_id)]["problems"]
    }
    assert all(p["message"] for r in report["rejected"] for p in r["problems"])
    assert refused[str(no_id)]["case_number"] in caplog.text
    assert set(rows("case")) == {str(good)}


def test_summary_decision_number_and_revoked_status_are_published(desk, analytics_dir):
    summary = desk.file(
        procedure="summary",
        filed_on="2026-10-01",
        violation_started_on="2026-10-01",
        violation_ended_on="2026-10-01",
        parties=[registered_party(desk)],
        penalty_kinds=["fine"],
        fine_amount="100",
        performance="十五日内到银行缴纳",
        remedies="可在六十日内申请行政复议，或在六个月内提起行政诉讼",
    )
    revoked = decided_case(desk, registered_party(desk))
    desk.step(
        revoked,
        "revoke_decision",
        as_=desk.lead,
        on="2026-10-20",
        ground="self_correction",
        outcome="revoked",
        reason="适用法律错误",
    )
    report = publish.publish_cases()
    assert report["rejected"] == []
    decisions = rows("decision")
    number = summary["steps"][0]["data"]["document_number"]
    assert decisions[str(summary["id"])]["decision_number"] == number and "简罚" in number
    assert number != summary["number"]
    assert decisions[str(summary["id"])]["status"] == "effective"
    assert decisions[str(revoked)]["status"] == "revoked"


def test_publish_on_commit_and_failures_never_break_the_action(
    desk, analytics_dir, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    case_id = desk.file(parties=[registered_party(desk)])["id"]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        publish.publish_case_on_commit(case_id)
        assert rows("case") == {}  # not before the commit
    assert len(callbacks) == 1
    assert rows("case")[str(case_id)]["status"] == "filed"

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(publish, "publish_cases", broken)
    with caplog.at_level(logging.ERROR, logger="zhifa.cases.publish"):
        with django_capture_on_commit_callbacks(execute=True):
            publish.publish_case_on_commit(case_id)
    assert "disk full" in caplog.text and str(case_id) in caplog.text


def test_command_publishes_all_cases(desk, analytics_dir):
    decided_case(desk, registered_party(desk))
    out = StringIO()
    call_command("publish_cases", "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert counts(report, "case") == (1, 0, 0, 0) and counts(report, "decision") == (1, 0, 0, 0)
    out = StringIO()
    call_command("publish_cases", stdout=out)
    assert "未变 1" in out.getvalue()


def test_the_actions_publish_each_change_once_committed(
    desk, analytics_dir, django_capture_on_commit_callbacks
):
    """Filing and every transition queue a publication for after their commit (the actions
    call `publish_case_on_commit`), so the store follows the case without a manual publish."""
    party = registered_party(desk)
    with django_capture_on_commit_callbacks(execute=True):
        case_id = decided_case(desk, party)
    assert rows("case")[str(case_id)]["decided_on"] is not None  # the last transition's state
    assert rows("decision")[str(case_id)]["case_source_id"] == str(case_id)


def test_batched_publishing_writes_once_after_the_commit(
    desk, analytics_dir, django_capture_on_commit_callbacks, monkeypatch
):
    """Bulk work (the demo year) collects the changed cases and publishes them in one call."""
    party = registered_party(desk)
    calls: list[list[int]] = []
    real = publish.publish_cases

    def counting(case_ids, **kwargs):
        calls.append(list(case_ids))
        return real(case_ids, **kwargs)

    monkeypatch.setattr(publish, "publish_cases", counting)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with publish.publishing_batched() as batch:
            first = decided_case(desk, party)
            with publish.publishing_batched():  # a nested block joins the outer one
                second = desk.file(parties=[party])["id"]
            assert calls == [] and batch == {first, second}
    assert len(callbacks) == 1 and calls == [sorted([first, second])]
    assert set(rows("case")) == {str(first), str(second)}
    # outside a block, each change is published on its own again
    with django_capture_on_commit_callbacks(execute=True):
        publish.publish_case_on_commit(first)
    assert calls[-1] == [first]
