"""The exchange format: schemas are valid, examples validate, bad records get stable reason codes,
code sets agree with the models, and docs/exchange.md is what the schemas generate."""

from __future__ import annotations

import copy
import csv
import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from zhifa.core.identifiers import ric_problem, uscc_problem
from zhifa.exchange import schema as exchange
from zhifa.exchange.schema import Problem, families, load_schema, validate

ROOT = Path(__file__).resolve().parent.parent
EXCHANGE = ROOT / "src" / "zhifa" / "exchange"
ALL_FAMILIES = (
    "agency",
    "officer",
    "certificate",
    "power",
    "entity",
    "inspection",
    "case",
    "decision",
    "licence",
    "coercion",
    "complaint",
    "review",
)


def examples(family: str) -> list[dict[str, Any]]:
    return json.loads((EXCHANGE / "examples" / f"{family}.json").read_text(encoding="utf-8"))


def example(family: str, index: int = 0) -> dict[str, Any]:
    return copy.deepcopy(examples(family)[index])


def codes(problems: list[Problem]) -> set[tuple[str, str]]:
    return {(p.field, p.code) for p in problems}


def test_the_twelve_families_are_listed() -> None:
    assert families() == ALL_FAMILIES
    files = {p.name for p in (EXCHANGE / "schemas").glob("*.json")}
    assert files == {f"{f}.v1.json" for f in (*ALL_FAMILIES, "common")}


@pytest.mark.parametrize("family", [*ALL_FAMILIES, "common"])
def test_schema_is_valid_draft_2020_12(family: str) -> None:
    schema = load_schema(family)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith(f"/{family}.v1.json")


@pytest.mark.parametrize("family", ALL_FAMILIES)
def test_schema_shape(family: str) -> None:
    schema = load_schema(family)
    assert schema["x-family"] == family and schema["x-version"] == 1
    assert schema["x-natural-key"] == ["source_system", "source_id"]
    assert {"source_system", "source_id"} <= set(schema["required"])
    assert set(schema["required"]) <= set(schema["properties"])
    assert schema["additionalProperties"] is False


@pytest.mark.parametrize("family", ALL_FAMILIES)
def test_every_field_has_a_chinese_title_and_a_description(family: str) -> None:
    common = load_schema("common")["$defs"]
    for name, spec in load_schema(family)["properties"].items():
        base = common.get(spec.get("$ref", "").rsplit("/", 1)[-1], {})
        assert spec.get("title") or base.get("title"), name
        assert spec.get("description") or base.get("description"), name
        assert name == name.lower() and " " not in name


@pytest.mark.parametrize("family", ALL_FAMILIES)
def test_examples_validate(family: str) -> None:
    records = examples(family)
    assert len(records) >= 2
    for record in records:
        assert validate(family, record) == [], record["source_id"]
    keys = [(r["source_system"], r["source_id"]) for r in records]
    assert len(set(keys)) == len(keys)


def _identifier_values(record: dict[str, Any]) -> list[tuple[str, str]]:
    found = []
    for name, value in record.items():
        if name.endswith(("credit_code", "agency_code")) or name == "body_code":
            found.append(("uscc", value))
        elif name.endswith("id_number"):
            found.append(("ric", value))
    return found


@pytest.mark.parametrize("family", ALL_FAMILIES)
def test_example_identifiers_have_correct_check_digits(family: str) -> None:
    for record in examples(family):
        for kind, value in _identifier_values(record):
            problem = uscc_problem(value) if kind == "uscc" else ric_problem(value)
            assert problem is None, (family, value, problem)


def test_example_regions_are_huzhou() -> None:
    for family in ALL_FAMILIES:
        for record in examples(family):
            if "region_code" in record:
                assert record["region_code"].startswith("3305")


# Targeted invalid records: (family, change to the first example, expected (field, reason code)).
INVALID = [
    ("agency", {"agency_code": "91330502ABC"}, ("agency_code", "invalid_format")),
    ("agency", {"kind": "ministry"}, ("kind", "invalid_code")),
    ("agency", {"domains": []}, ("domains", "too_few")),
    ("agency", {"domains": ["market_regulation", "market_regulation"]}, ("domains", "duplicate")),
    ("agency", {"region_code": "3305"}, ("region_code", "invalid_format")),
    (
        "agency",
        {"kind": "entrusted", "supervising_agency_code": None},
        ("supervising_agency_code", "required"),
    ),
    ("officer", {"id_number": "33050219831311031X"}, ("id_number", "invalid_format")),
    ("officer", {"has_legal_qualification": "是"}, ("has_legal_qualification", "type")),
    ("certificate", {"issued_on": "2021/06/01"}, ("issued_on", "invalid_date")),
    ("certificate", {"expires_on": "2026-02-30"}, ("expires_on", "invalid_date")),
    ("certificate", {"status": "expired"}, ("status", "invalid_code")),
    ("power", {"kind": "处罚"}, ("kind", "invalid_code")),
    ("power", {"version": 0}, ("version", "out_of_range")),
    ("power", {"version": "3"}, ("version", "type")),
    ("entity", {"credit_code": None}, ("credit_code", "required")),
    ("entity", {"industry": "Z"}, ("industry", "invalid_code")),
    ("entity", {"location": {"latitude": 95, "longitude": 120.1}}, ("location.latitude", "out_of_range")),
    ("inspection", {"started_at": "2024-03-05 09:30:00"}, ("started_at", "invalid_date")),
    ("inspection", {"started_at": "2024-03-05T09:30:00"}, ("started_at", "invalid_date")),
    ("inspection", {"origin": "whim"}, ("origin", "invalid_code")),
    ("inspection", {"officer_certificates": []}, ("officer_certificates", "too_few")),
    (
        "inspection",
        {"officer_certificates": ["33050221000123", "no"]},
        ("officer_certificates.1", "invalid_format"),
    ),
    ("inspection", {"gps": {"latitude": 30.8}}, ("gps.longitude", "required")),
    ("inspection", {"entity_credit_code": None}, ("entity_credit_code", "required")),
    ("case", {"filed_on": None}, ("filed_on", "required")),
    ("case", {"fine_amount": -5}, ("fine_amount", "out_of_range")),
    ("case", {"fine_amount": "5万"}, ("fine_amount", "type")),
    ("case", {"benchmark_tier": "较重"}, ("benchmark_tier", "invalid_code")),
    ("case", {"penalty_kinds": ["fine", "罚款"]}, ("penalty_kinds.1", "invalid_code")),
    ("case", {"case_number": ""}, ("case_number", "empty")),
    ("case", {"remark": "x"}, ("remark", "unknown_field")),
    ("decision", {"penalty_kinds": []}, ("penalty_kinds", "too_few")),
    ("decision", {"legal_basis": "《食品安全法》第一百二十四条"}, ("legal_basis", "type")),
    ("decision", {"service_method": "fax"}, ("service_method", "invalid_code")),
    ("licence", {"status": "active"}, ("status", "invalid_code")),
    ("licence", {"valid_to": "2028-2-9"}, ("valid_to", "invalid_date")),
    ("coercion", {"measure_kind": "detain"}, ("measure_kind", "invalid_code")),
    ("coercion", {"property_value": -1}, ("property_value", "out_of_range")),
    ("complaint", {"channel": "fax"}, ("channel", "invalid_code")),
    ("complaint", {"category": "市场监管/食品安全"}, ("category", "invalid_code")),
    ("complaint", {"received_at": "2024-13-10T08:42:17+08:00"}, ("received_at", "invalid_date")),
    ("complaint", {"rating": 5}, ("rating", "invalid_code")),
    ("complaint", {"text": "x" * 8001}, ("text", "too_long")),
    ("review", {"outcome": "改判"}, ("outcome", "invalid_code")),
    ("review", {"kind": "litigation"}, ("instance", "required")),
]


@pytest.mark.parametrize(("family", "change", "expected"), INVALID)
def test_invalid_records_get_stable_reason_codes(
    family: str, change: dict[str, Any], expected: tuple[str, str]
) -> None:
    record = example(family)
    record.update(change)
    problems = validate(family, record)
    assert expected in codes(problems), problems
    assert all(p.message for p in problems)


def test_several_problems_are_all_reported_with_chinese_messages() -> None:
    record = example("case")
    del record["agency_code"]
    record.update({"status": "done", "filed_on": "昨天"})
    problems = validate("case", record)
    assert codes(problems) == {
        ("agency_code", "required"),
        ("status", "invalid_code"),
        ("filed_on", "invalid_date"),
    }
    by_field = {p.field: p.message for p in problems}
    assert "执法主体统一社会信用代码" in by_field["agency_code"] and "必填" in by_field["agency_code"]
    assert "立案日期" in by_field["filed_on"]


def test_null_counts_as_absent_for_optional_fields() -> None:
    record = example("case", 1)
    record.update({"decided_on": None, "fine_amount": None})
    assert validate("case", record) == []


def test_missing_key_and_non_object() -> None:
    assert ("source_id", "required") in codes(validate("agency", {"source_system": "x"}))
    assert codes(validate("agency", ["not", "a", "record"])) == {("", "type")}  # type: ignore[arg-type]


def test_unknown_family_is_refused() -> None:
    with pytest.raises(exchange.UnknownFamily):
        validate("parking_ticket", {})


def test_schema_checks_format_not_check_digit() -> None:
    """A well-formed credit code with a wrong check character passes the schema (code checks it)."""
    record = example("agency")
    good = record["agency_code"]
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    record["agency_code"] = wrong
    assert validate("agency", record) == []
    assert uscc_problem(wrong) is not None


def _enum(name: str) -> list[str]:
    return load_schema("common")["$defs"][name]["enum"]


def test_code_sets_agree_with_the_models() -> None:
    from zhifa.laws.models import PenaltyKind
    from zhifa.powers.models import PowerKind, PowerStatus, Tier
    from zhifa.registry.domains import DOMAINS
    from zhifa.registry.models import INDUSTRY_SECTIONS, AgencyKind, CertificateStatus, OfficerRole

    assert _enum("power_kind") == PowerKind.values
    assert _enum("penalty_kind") == PenaltyKind.values
    assert _enum("benchmark_tier") == Tier.values
    assert _enum("domain") == [code for code, _ in DOMAINS]
    props = {f: load_schema(f)["properties"] for f in ALL_FAMILIES}
    assert props["agency"]["kind"]["enum"] == AgencyKind.values
    assert props["certificate"]["status"]["enum"] == CertificateStatus.values
    assert props["officer"]["role"]["enum"] == OfficerRole.values
    assert props["power"]["status"]["enum"] == PowerStatus.values
    assert props["entity"]["industry"]["enum"] == [code for code, _ in INDUSTRY_SECTIONS]


def test_complaint_categories_are_the_taxonomy() -> None:
    path = EXCHANGE / "data" / "complaint_taxonomy.csv"
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    expected = set()
    for row in rows:
        expected |= {
            row["level1"],
            f"{row['level1']}/{row['level2']}",
            f"{row['level1']}/{row['level2']}/{row['level3']}",
        }
    category = load_schema("complaint")["properties"]["category"]
    assert set(category["enum"]) == expected
    assert len({r["level1"] for r in rows}) == 15


def test_references_name_existing_families_and_fields() -> None:
    for family in ALL_FAMILIES:
        for name, spec in load_schema(family)["properties"].items():
            target = spec.get("x-refers-to")
            if target is None or target == "region":
                continue
            other, field = target.split(".")
            assert field in load_schema(other)["properties"] or field == "source_id", (family, name)


def _docs_module() -> Any:
    spec = importlib.util.spec_from_file_location("exchange_docs", ROOT / "scripts" / "exchange_docs.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_docs_equal_the_generated_page() -> None:
    generated = _docs_module().render()
    committed = (ROOT / "docs" / "exchange.md").read_text(encoding="utf-8")
    assert committed == generated, "docs/exchange.md is stale: run python scripts/exchange_docs.py"


def test_docs_cover_every_family_and_field() -> None:
    text = (ROOT / "docs" / "exchange.md").read_text(encoding="utf-8")
    for family in ALL_FAMILIES:
        assert f"## {family} — " in text
        for name in load_schema(family)["properties"]:
            assert f"| `{name}` |" in text
