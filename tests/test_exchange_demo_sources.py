"""The demo exports (issue 4, Demo): seven agencies' systems in their own shapes (and a later
re-sent export), each read by the readers and mapped by its mapping file into valid exchange
records, except the planted bad rows, which are exactly the ones a validator finds (by row number
and reason). Planted *problems* (for the clue models) are valid records."""

from __future__ import annotations

import datetime as dt
import os
import time
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterator

import pytest
from django.db import transaction
from django.test import override_settings

from zhifa.core import seeding
from zhifa.core.identifiers import ric_problem, uscc_problem
from zhifa.exchange import schema
from zhifa.exchange.demo_sources import DemoExport, generate_demo_exports
from zhifa.exchange.demo_sources import common as c
from zhifa.exchange.demo_sources.records import typed_record
from zhifa.exchange.demo_sources.world import DemoWorld, load_world
from zhifa.exchange.mapping import load_mapping
from zhifa.exchange.readers import read_batches

pytestmark = pytest.mark.django_db  # also makes pytest-django create the test database for the fixture

SEEDERS = {"registry", "laws", "powers"}
# Fields whose dates must not run backwards, per family: (earlier, later).
ORDER = {
    "inspection": [("started_at", "ended_at")],
    "case": [("filed_on", "decided_on"), ("decided_on", "served_on"), ("filed_on", "closed_on")],
    "decision": [("decided_on", "served_on")],
    "licence": [("valid_from", "valid_to"), ("applied_on", "issued_on")],
    "complaint": [("received_at", "answered_at"), ("received_at", "closed_at")],
    "coercion": [("started_on", "ended_on"), ("started_on", "planned_end_on")],
    "review": [("filed_on", "accepted_on"), ("filed_on", "concluded_on")],
}
AGENCY_FIELDS = ("agency_code", "routed_agency_code", "respondent_agency_code")
SOURCES = [
    "hz_scjg_jcxt",
    "hz_sthj_ajxt",
    "hz_zhzf_cfjd",
    "hz_jtys_xk",
    "hz_12345",
    "hz_zhzf_qzcs",
    "hz_fyys",
]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory) -> tuple[DemoWorld, list[DemoExport], float]:
    """Seed the small demo city in a transaction rolled back at the end; keep the world and files."""
    out = tmp_path_factory.mktemp("demo_exports")
    with (
        django_db_blocker.unblock(),
        pytest.MonkeyPatch.context() as patch,
        override_settings(DATA_DIR=tmp_path_factory.mktemp("data")),
    ):
        patch.setenv("ZHIFA_DEMO_SIZE", "small")
        with transaction.atomic():
            for seeder in seeding.ordered():
                if seeder.name in SEEDERS:
                    seeder.run()
            world = load_world()
            started = time.perf_counter()
            exports = generate_demo_exports(out, scale="small", seed=7, world=world)
            seconds = time.perf_counter() - started
            transaction.set_rollback(True)
    return world, exports, seconds


def mapped_rows(export: DemoExport) -> tuple[list[dict], dict[int, set[str]]]:
    mapping = load_mapping(export.mapping, fields=schema.field_titles(export.family))
    rows: list[dict] = []
    problems: dict[int, set[str]] = defaultdict(set)
    for batch in mapping.map_batches(read_batches(export.path)):
        rows += batch.data.to_pylist()
        for problem in batch.problems.to_pylist():
            problems[problem["_row"]].add(problem["reason"])
    return rows, problems


def reasons_of(family: str, record: dict, world: DemoWorld, seen: set[str]) -> Iterator[str]:
    """What a full validator would refuse the record for (schema, identifiers, references, order)."""
    yield from (p.code for p in schema.validate(family, record))
    for name in ("entity_credit_code", *AGENCY_FIELDS):
        if record.get(name) and uscc_problem(record[name]):
            yield uscc_problem(record[name]).code
    if record.get("entity_id_number") and ric_problem(record["entity_id_number"]):
        yield ric_problem(record["entity_id_number"]).code
    yield from references(record, world)
    for earlier, later in ORDER.get(family, []):
        if record.get(earlier) and record.get(later) and record[later] < record[earlier]:
            yield c.DATE_ORDER
    key = record.get("source_id")
    if key in seen:
        yield c.DUPLICATE
    seen.add(key)


def references(record: dict, world: DemoWorld) -> Iterator[str]:
    agencies = {a.code for a in world.agencies}
    if any(record.get(f) and record[f] not in agencies for f in AGENCY_FIELDS):
        yield c.UNKNOWN_AGENCY
    if record.get("power_code") and record["power_code"] not in {p.code for p in world.powers}:
        yield "unknown_power"
    entities = {e.credit_code for e in world.entities} | {e.id_number for e in world.entities}
    for name in ("entity_credit_code", "entity_id_number"):
        if record.get(name) and record[name] not in entities:
            yield "unknown_entity"
    certificates = {cert.number for cert in world.certificates}
    if any(n not in certificates for n in record.get("officer_certificates", [])):
        yield "unknown_certificate"


def checked(export: DemoExport, world: DemoWorld) -> tuple[list[dict], dict[int, set[str]]]:
    rows, problems = mapped_rows(export)
    seen: set[str] = set()
    records = []
    for row in rows:
        record = typed_record(export.family, row)
        found = set(reasons_of(export.family, record, world, seen)) | problems.get(row["_row"], set())
        if found:
            problems[row["_row"]] = found
        else:
            records.append(record)
    return records, problems


def yearly(exports: list[DemoExport]) -> list[DemoExport]:
    """The year's exports (not the re-sent January one)."""
    return [e for e in exports if e.path.stem == e.source_system]


def test_seven_sources_in_their_own_shapes(demo):
    _, exports, _ = demo
    by_source = {e.source_system: e for e in yearly(exports)}
    assert sorted(by_source) == sorted(SOURCES)
    assert {e.family for e in exports} == {
        "inspection",
        "case",
        "decision",
        "licence",
        "complaint",
        "coercion",
        "review",
    }
    gbk = by_source["hz_scjg_jcxt"].path.read_bytes()
    gbk.decode("gbk")
    with pytest.raises(UnicodeDecodeError):
        gbk.decode("utf-8")
    assert gbk.decode("gbk").startswith("检查编号,")
    assert zipfile.is_zipfile(by_source["hz_sthj_ajxt"].path)
    licences = by_source["hz_jtys_xk"].path.read_bytes()
    assert (
        licences.startswith(b"\xef\xbb\xbf") and licences.decode("utf-8-sig").split("\n")[0].count(";") > 10
    )
    assert by_source["hz_12345"].path.read_text(encoding="utf-8").startswith("[")
    assert by_source["hz_zhzf_cfjd"].path.suffix == ".jsonl"
    assert by_source["hz_zhzf_qzcs"].path.read_text(encoding="utf-8").startswith("ID,WSBH,")
    assert by_source["hz_fyys"].path.read_text(encoding="utf-8").startswith("[")
    for export in yearly(exports):
        assert export.mapping.is_file() and export.bad_rows
        assert 0.005 <= export.expected_bad / export.rows <= 0.05 and export.expected_bad >= 6


@pytest.mark.parametrize("source", SOURCES)
def test_export_maps_to_valid_records_except_the_planted_bad_rows(demo, source):
    world, exports, _ = demo
    export = next(e for e in yearly(exports) if e.source_system == source)
    records, problems = checked(export, world)
    planted = {bad.row: bad.reason for bad in export.bad_rows}
    unexpected = {row: sorted(found) for row, found in problems.items() if row not in planted}
    assert not unexpected, list(unexpected.items())[:5]
    missed = {row: reason for row, reason in planted.items() if reason not in problems.get(row, set())}
    assert not missed, [(row, reason, sorted(problems.get(row, []))) for row, reason in missed.items()][:5]
    assert len(records) == export.good_rows
    assert {bad.reason for bad in export.bad_rows} <= {
        c.MALFORMED,
        c.INVALID_DATE,
        c.UNKNOWN_CODE,
        c.CHECK_DIGIT,
        c.UNKNOWN_AGENCY,
        c.DATE_ORDER,
        c.DUPLICATE,
    }
    assert all(r["source_system"] == source for r in records)


def test_a_later_export_resends_some_decided_cases_with_another_fine(demo):
    world, exports, _ = demo
    first, later = (e for e in exports if e.source_system == "hz_sthj_ajxt")
    original = {r["source_id"]: r for r in checked(first, world)[0]}
    resent, problems = checked(later, world)
    assert not problems and not later.bad_rows and 2 <= len(resent) == later.good_rows
    for record in resent:
        before = original[record["source_id"]]
        assert record["fine_amount"] != before["fine_amount"] and record["decided_on"] == before["decided_on"]
        assert record["source_updated_at"] > before["source_updated_at"]


def test_planted_problems_are_there_even_at_the_small_scale(demo):
    world, exports, _ = demo
    by_family = {e.family: checked(e, world)[0] for e in yearly(exports)}
    cases = by_family["case"]
    assert sum(1 for r in cases if r.get("major_case") and not r.get("legal_review_on")) >= 2
    assert sum(1 for r in cases if r.get("procedure") == "summary" and r["fine_amount"] > 200) >= 2
    assert sum(1 for r in cases if r.get("procedure") != "summary" and not r.get("notice_served_on")) >= 2
    old = [
        r
        for r in cases
        if r.get("violation_on")
        and r["filed_on"] > str(int(r["violation_on"][:4]) + 2) + r["violation_on"][4:]
    ]
    assert len(old) >= 2
    decisions = by_family["decision"]
    assert sum(1 for r in decisions if r.get("late_surcharge_amount", 0) > r.get("fine_amount", 0)) >= 2
    measures = [r for r in by_family["coercion"] if r["category"] == "measure"]
    overdue = [
        r
        for r in measures
        if not r.get("extended_to") and (r.get("ended_on") or "9999") > r["planned_end_on"]
    ]
    assert 2 <= len(overdue) < 0.1 * len(measures)
    executions = {r["case_source_id"] for r in by_family["coercion"] if r["category"] == "execution"}
    unpaid = [r for r in decisions if r["status"] == "effective"]
    assert len(executions & {r["source_id"] for r in unpaid}) > 0.4 * len(unpaid)
    outcomes = Counter(r["outcome"] for r in by_family["review"])
    assert outcomes["upheld"] > outcomes["revoked"] > 0
    outside = [
        r
        for r in by_family["inspection"]
        if r.get("task_window_end") and r["started_at"][:10] > r["task_window_end"]
    ]
    assert len(outside) >= 2
    licences = by_family["licence"]
    late = [
        r
        for r in licences
        if (dt.date.fromisoformat(r["issued_on"]) - dt.date.fromisoformat(r["accepted_on"])).days > 45
    ]
    assert len(late) >= 2


def test_facts_are_plausible(demo):
    world, exports, _ = demo
    by_family = {e.family: checked(e, world)[0] for e in yearly(exports)}
    inspections = by_family["inspection"]
    officers = Counter(len(r["officer_certificates"]) for r in inspections)
    assert officers[2] > 0.9 * len(inspections) and officers[1] > 0
    entities = {e.credit_code or e.id_number: e for e in world.entities}
    near = 0
    for record in inspections:
        entity = entities[record.get("entity_credit_code") or record["entity_id_number"]]
        near += abs(record["gps"]["latitude"] - entity.latitude) < 0.005
    assert near > 0.95 * len(inspections)
    cases = by_family["case"]
    days = [
        (dt.date.fromisoformat(r["decided_on"]) - dt.date.fromisoformat(r["filed_on"])).days for r in cases
    ]
    assert sum(d <= 90 for d in days) > 0.9 * len(days)
    powers = {p.code: p for p in world.powers}
    inside = sum(
        powers[r["power_code"]].fine_max is None or r["fine_amount"] <= powers[r["power_code"]].fine_max
        for r in cases
    )
    assert inside > 0.9 * len(cases)
    complaints = by_family["complaint"]
    agency_domains = {a.code: a.domains for a in world.agencies}
    assert all(agency_domains[r["routed_agency_code"]] for r in complaints)
    assert all(
        str(r["received_at"]).startswith("2025") or str(r["received_at"]).startswith("2024-12-31")
        for r in complaints
    )


def test_generation_is_reproducible_and_counts_scale(demo, tmp_path):
    world, exports, seconds = demo
    again = generate_demo_exports(tmp_path, scale="small", seed=7, world=world)
    assert [(e.good_rows, e.bad_rows) for e in again] == [(e.good_rows, e.bad_rows) for e in exports]
    assert sum(e.rows for e in exports) >= 2000 and seconds < 10
    assert os.path.getsize(again[0].path) == os.path.getsize(exports[0].path)


def test_unknown_scale_is_refused(tmp_path):
    with pytest.raises(ValueError):
        generate_demo_exports(tmp_path, scale="huge", world=DemoWorld([], [], [], []))
