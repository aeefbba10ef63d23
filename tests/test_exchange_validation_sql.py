"""The one-query validation: every reason code per family, typed output, and a property check
against a small plain-Python reference for check characters, dates and code sets."""

from __future__ import annotations

import datetime as dt
import random
import re
import threading
from typing import Any

import pyarrow as pa
import pytest

from zhifa.core.identifiers import RIC_CHECK, USCC_ALPHABET, ric_check_char, uscc_check_char
from zhifa.exchange import validation
from zhifa.exchange.mapping import PROBLEM_SCHEMA, MappedBatch
from zhifa.exchange.schema import FAMILIES
from zhifa.exchange.validation import FieldSpec


def _uscc(first17: str) -> str:
    return first17 + uscc_check_char(first17)


def _ric(first17: str) -> str:
    return first17 + ric_check_char(first17)


AGENCY = _uscc("11330502MB0000001")
ENTITY = _uscc("91330502MA0000001")
PERSON = _ric("33050219900101123")
POWER = "P-1"
REGION = "330502"


def _refs(**extra: list[str]) -> validation.References:
    targets = {
        "agency.agency_code": [AGENCY],
        "power.power_code": [POWER],
        "entity.credit_code": [ENTITY],
        "entity.id_number": [PERSON],
    }
    for key, codes in extra.items():
        targets[key.replace("__", ".")] += codes
    return validation.References(
        regions=pa.array([REGION]), targets={k: pa.array(v, pa.string()) for k, v in targets.items()}
    )


REFS = _refs()


def _batch(rows: list[dict[str, Any]], errors: list[str | None] | None = None) -> MappedBatch:
    names = sorted({name for row in rows for name in row})
    arrays = {"_row": pa.array(range(2, 2 + len(rows)), pa.int64())}
    if errors is not None:
        arrays["_error"] = pa.array(errors, pa.string())
    for name in names:
        arrays[name] = pa.array([row.get(name) for row in rows], pa.string())
    return MappedBatch(pa.RecordBatch.from_pydict(arrays), PROBLEM_SCHEMA.empty_table())


def _found(checked: validation.ValidatedBatch) -> dict[int, set[tuple[str, str]]]:
    found: dict[int, set[tuple[str, str]]] = {}
    for problem in checked.problems.to_pylist():
        found.setdefault(problem["_row"], set()).add((problem["field"], problem["reason"]))
    return found


# --- a good value for every field, from its spec ------------------------------------------------

_BY_PATTERN = {
    "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$": "sys-1",
    "^[0-9A-Za-z][0-9A-Za-z_-]{3,31}$": "3305001234",
    "^[0-9A-Za-z][0-9A-Za-z_.-]{1,39}$": POWER,
    "^[0-9+() -]{3,30}$": "0572 1234567",
}


def _good_scalar(fspec: FieldSpec) -> str:
    if fspec.enum:
        return fspec.enum[0]
    if fspec.type == "number":
        return "100.5"
    if fspec.type == "integer":
        return "3"
    if fspec.type == "boolean":
        return "true"
    if fspec.format == "date":
        return "2024-05-06"
    if fspec.format == "date-time":
        return "2024-05-06T09:00:00+08:00"
    if fspec.identifier == "uscc":
        return ENTITY if fspec.refers_to == "entity.credit_code" else AGENCY
    if fspec.identifier == "id_number":
        return PERSON
    if fspec.identifier == "region_code":
        return REGION
    if fspec.pattern:
        return _BY_PATTERN[fspec.pattern]
    return "法律依据" if (fspec.min_length or 0) > 1 else "好味"


def _good_value(fspec: FieldSpec) -> str:
    if fspec.type == "object":
        return "30.1,120.2" if fspec.name == "gps" else "{}"
    if fspec.type == "array":
        assert fspec.item is not None
        return _good_scalar(fspec.item)
    return _good_scalar(fspec)


def _good_row(family: str) -> dict[str, Any]:
    spec = validation.family_spec(family)
    row = {name: _good_value(f) for name, f in spec.fields.items() if f.type != "object" or f.name == "gps"}
    if "entity_kind" in row:
        row["entity_kind"] = "enterprise"
    return row


def _out_of_order(spec: validation.FamilySpec, name: str, early: bool) -> set[Any]:
    """An implausibly early (late) date also runs backwards where it ends (starts) a pair; the
    problem is on the pair's second field."""
    if early:
        return {"date_order"} if any(second == name for _, second in spec.ordered) else set()
    return {(second, "date_order") for first, second in spec.ordered if first == name}


def _corruptions(family: str) -> list[tuple[str, Any, set[Any]]]:
    """(field, bad value, the reasons it must bring) for every field of the family."""
    spec = validation.family_spec(family)
    found: list[tuple[str, Any, set[Any]]] = []
    for name, f in spec.fields.items():
        referenced = f.refers_to in validation.CHECKED_REFERENCES and not f.refers_to.startswith(f"{family}.")
        unknown = {"unknown_reference"} if referenced else set()
        if name in spec.required:
            found.append((name, None, {"required"}))
        if f.type == "object" and name == "gps":
            found.append((name, "{bad", {"type"}))
            found.append((name, '{"latitude": 500}', {"invalid"}))
            found.append((name, "95.5,120.25", {"invalid"}))  # "lat,lon" text, latitude out of range
            found.append((name, '{"latitude": 30.5, "longitude": 120.2, "x": 1}', {"invalid"}))
        if f.enum:
            found.append((name, "zz-not-a-code", {"invalid_code"}))
        if f.type == "number":
            found.append((name, "abc", {"type"}))
            if f.maximum is not None:
                found.append((name, str(int(f.maximum) * 10), {"out_of_range"}))
        if f.type == "integer":
            found.append((name, "1.5", {"type"}))
            if f.minimum is not None:
                found.append((name, str(int(f.minimum) - 1), {"out_of_range"}))
            if f.maximum is not None:
                found.append((name, str(int(f.maximum) + 1), {"out_of_range"}))
        if f.type == "boolean":
            found.append((name, "maybe", {"type"}))
        if f.format == "date":
            found.append((name, "2024-02-30", {"invalid_date"}))
            found.append((name, "2024-5-06", {"invalid_date"}))
            if name != "source_updated_at":
                found.append(
                    (name, "1900-01-01", {"implausible_date"} | _out_of_order(spec, name, early=True))
                )
        if f.format == "date-time":
            found.append((name, "2024-02-30T09:00:00+08:00", {"invalid_date"}))
            found.append((name, "2024-05-06 09:00:00", {"invalid_date"}))
            if name != "source_updated_at":
                late = {"implausible_date"} | _out_of_order(spec, name, early=False)
                found.append((name, "2999-01-01T00:00:00Z", late))
        if f.identifier == "uscc":
            wrong = next(c for c in USCC_ALPHABET if c != AGENCY[-1] and c != ENTITY[-1])
            found.append((name, _good_scalar(f)[:-1] + wrong, {"invalid_check_digit"} | unknown))
        if f.identifier == "id_number":
            wrong = next(c for c in RIC_CHECK if c != PERSON[-1])
            found.append((name, PERSON[:-1] + wrong, {"invalid_check_digit"} | unknown))
            found.append((name, _ric("33050219900230123"), {"invalid_birth_date"} | unknown))
        if f.identifier == "region_code":
            found.append((name, "999999", {"unknown_region"}))
        if referenced and f.identifier != "region_code":
            other = {"agency.agency_code": _uscc("11330502MB0000009"), "power.power_code": "P-404"}
            other |= {
                "entity.credit_code": _uscc("91330502MA0000009"),
                "entity.id_number": _ric("33050219800101123"),
            }
            found.append((name, other[f.refers_to], {"unknown_reference"}))
        if f.pattern and f.type == "string":
            extra = {"unknown_region"} if f.identifier == "region_code" else unknown
            found.append((name, "!!", {"invalid_format"} | extra))
        if f.type == "string" and f.min_length:
            found.append((name, "", {"empty"} | unknown))
        if f.type == "string" and f.max_length:
            found.append((name, "长" * (f.max_length + 1), {"too_long"} | unknown))
        if f.type == "array" and f.item is not None:
            if f.unique_items:
                good = _good_scalar(f.item)
                found.append((name, f"{good}/{good}", {"duplicate"}))
            if f.item.enum:
                found.append((name, f"{f.item.enum[0]}/zz-not-a-code", {"invalid_code"}))
            if f.item.pattern:
                found.append((name, f"{_good_scalar(f.item)}/!!", {"invalid_format"}))
            if f.item.min_length and f.item.min_length > 1:
                found.append((name, f"{_good_scalar(f.item)}/x", {"too_short"}))
    for _first, second in spec.ordered:
        earlier = "2024-05-05" if spec.fields[second].format == "date" else "2024-05-05T09:00:00+08:00"
        found.append((second, earlier, {"date_order"}))
    return found


@pytest.mark.parametrize("family", FAMILIES)
def test_every_reason_of_every_family(family: str) -> None:
    good = _good_row(family)
    corruptions = _corruptions(family)
    rows = [good, {**good, "not_a_field": "x"}] + [{**good, name: value} for name, value, _ in corruptions]
    checked = validation.validate_batch(family, _batch(rows), REFS)
    found = _found(checked)
    assert 2 not in found, found.get(2)
    assert found[3] == {("not_a_field", "unknown_field")}
    for row, (name, value, reasons) in enumerate(corruptions, start=4):
        wanted = {r if isinstance(r, tuple) else (name, r) for r in reasons}
        assert found.get(row, set()) == wanted, (name, value)
    assert checked.valid_rows.to_pylist() == [2]
    assert checked.valid.schema == validation.valid_schema(family)
    assert checked.rejected.num_rows == len(rows) - 1


def test_typed_output() -> None:
    good = _good_row("inspection")
    row = {
        **good,
        "started_at": "2024-05-06T01:00:00.123456Z",
        "ended_at": "2024-05-06T09:30:00+08:00",
        "officer_certificates": "[3305001234、3305001235]",
        "joint": "是",
        "task_window_start": "2024-05-01",
        "gps": "30.5，120.25",
    }
    checked = validation.validate_batch("inspection", _batch([row]), REFS)
    assert checked.problems.num_rows == 0
    valid = checked.valid
    assert valid.schema.field("started_at").type == pa.timestamp("us", "UTC")
    assert valid.schema.field("task_window_start").type == pa.date32()
    assert valid.schema.field("officer_certificates").type == pa.list_(pa.string())
    out = valid.to_pylist()[0]
    assert out["started_at"] == dt.datetime(2024, 5, 6, 1, 0, tzinfo=dt.UTC)
    assert out["ended_at"] == dt.datetime(2024, 5, 6, 1, 30, tzinfo=dt.UTC)
    assert out["officer_certificates"] == ["3305001234", "3305001235"]
    assert out["joint"] is True and out["task_window_start"] == dt.date(2024, 5, 1)
    assert out["gps"] == '{"latitude": 30.5, "longitude": 120.25}'


def test_february_30th_is_not_a_date() -> None:
    """Arrow's strptime rolled 02-30 over to 03-02; the query must reject it."""
    good = _good_row("case")
    rows = [
        {**good, "filed_on": "2024-02-30"},
        {**good, "filed_on": "2023-02-29"},
        {**good, "filed_on": "2024-02-29"},
    ]
    found = _found(validation.validate_batch("case", _batch(rows), REFS))
    assert found[2] == {("filed_on", "invalid_date")} and found[3] == {("filed_on", "invalid_date")}
    assert 4 not in found
    dated = [{**_good_row("inspection"), "started_at": "2025-02-30T09:00:00.5+08:00"}]
    found = _found(validation.validate_batch("inspection", _batch(dated), REFS))
    assert found[2] == {("started_at", "invalid_date")}


def test_rows_the_reader_flagged_are_rejected_without_further_reasons() -> None:
    good = _good_row("inspection")
    rows = [good, {**good, "origin": "weekly"}, {**good, "origin": "weekly"}]
    checked = validation.validate_batch(
        "inspection", _batch(rows, errors=[None, "malformed_row", None]), REFS
    )
    assert _found(checked) == {4: {("origin", "invalid_code")}}
    assert checked.valid_rows.to_pylist() == [2]
    assert checked.rejected.column("_row").to_pylist() == [3, 4]


def test_a_field_the_mapping_faulted_gets_no_second_reason() -> None:
    good = _good_row("inspection")
    batch = _batch([{**good, "started_at": None}, good])
    mapping_problems = pa.Table.from_pylist(
        [{"_row": 2, "field": "started_at", "reason": "invalid_date", "value": "昨天"}], schema=PROBLEM_SCHEMA
    )
    checked = validation.validate_batch("inspection", MappedBatch(batch.data, mapping_problems), REFS)
    assert checked.problems.to_pylist() == mapping_problems.to_pylist()
    assert checked.valid_rows.to_pylist() == [3]


def test_a_master_data_file_may_refer_to_agencies_it_brings() -> None:
    good = _good_row("agency")
    own = _uscc("11330502MB0000007")
    rows = [
        {**good, "agency_code": own},
        {**good, "source_id": "2", "kind": "entrusted", "supervising_agency_code": own},
        {**good, "source_id": "3", "kind": "entrusted", "supervising_agency_code": None},
    ]
    found = _found(validation.validate_batch("agency", _batch(rows), REFS))
    assert found == {4: {("supervising_agency_code", "required")}}


def test_each_thread_has_its_own_connection() -> None:
    good = _good_row("inspection")
    results: list[int] = []

    def work() -> None:
        results.append(validation.validate_batch("inspection", _batch([good]), REFS).valid.num_rows)

    threads = [threading.Thread(target=work) for _ in range(3)]
    for thread in threads:
        thread.start()
    work()
    for thread in threads:
        thread.join()
    assert results == [1, 1, 1, 1]


# --- property: random rows against a plain-Python reference ---------------------------------------

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _expected_date(text: str) -> bool:
    if not _DATE.fullmatch(text):
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _expected_uscc(code: str) -> bool:
    return code[-1] == uscc_check_char(code[:17])


def _expected_ric(number: str) -> str | None:
    """The reason a well-formed ID number fails, or None."""
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return "invalid_birth_date"
    if not dt.date(1900, 1, 1) <= birth <= dt.date.today():
        return "invalid_birth_date"
    return None if number[-1] == ric_check_char(number[:17]) else "invalid_check_digit"


def _maybe_corrupt(rng: random.Random, text: str, alphabet: str) -> str:
    if rng.random() < 0.3:
        position = rng.randrange(len(text))
        text = text[:position] + rng.choice(alphabet) + text[position + 1 :]
    return text


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_rows_agree_with_a_plain_python_reference(seed: int) -> None:
    rng = random.Random(seed)
    good = _good_row("inspection")
    fields = validation.family_spec("inspection").fields
    origins = fields["origin"].enum
    rows, expected = [], set()
    agencies, entities, people = [], [], []
    for index in range(400):
        row_number = index + 2
        agency = _maybe_corrupt(
            rng, _uscc("11" + "".join(rng.choices("0123456789", k=6)) + "MB0000001"), "ABC0123"
        )
        entity = _maybe_corrupt(rng, _uscc("91330502" + "".join(rng.choices(USCC_ALPHABET, k=9))), "XY789")
        birth = f"{rng.randint(1890, 2030)}{rng.randint(1, 12):02d}{rng.randint(1, 31):02d}"
        person = _maybe_corrupt(rng, _ric("330502" + birth + "123"), "0123456789X")
        day = f"2024-{rng.randint(1, 13):02d}-{rng.randint(1, 32):02d}"
        origin = rng.choice([*origins, "weekly", "PLAN"])
        kind = rng.choice(["enterprise", "person"])
        row = {
            **good,
            "agency_code": agency,
            "origin": origin,
            "task_window_start": day,
            "task_window_end": None,
        }
        row |= {"entity_kind": kind, "entity_credit_code": entity, "entity_id_number": person}
        rows.append(row)
        agencies.append(agency)
        entities.append(entity)
        people.append(person)
        for name, code in (("agency_code", agency), ("entity_credit_code", entity)):
            if re.fullmatch(fields[name].pattern or "", code) and not _expected_uscc(code):
                expected.add((row_number, name, "invalid_check_digit"))
        if re.fullmatch(fields["entity_id_number"].pattern or "", person):
            reason = _expected_ric(person)
            if reason:
                expected.add((row_number, "entity_id_number", reason))
        if not _expected_date(day):
            expected.add((row_number, "task_window_start", "invalid_date"))
        if origin not in origins:
            expected.add((row_number, "origin", "invalid_code"))
    refs = _refs(agency__agency_code=agencies, entity__credit_code=entities, entity__id_number=people)
    checked = validation.validate_batch("inspection", _batch(rows), refs)
    reasons = {"invalid_check_digit", "invalid_birth_date", "invalid_date", "invalid_code"}
    got = {
        (p["_row"], p["field"], p["reason"]) for p in checked.problems.to_pylist() if p["reason"] in reasons
    }
    assert got == expected
    assert {p["reason"] for p in checked.problems.to_pylist()} <= reasons | {"invalid_format"}


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("2024-05-06T09:00:00+08:00", True),
        ("2024-05-06T09:00:00-11:30", True),
        ("2024-05-06T09:00:00Z", True),
        ("2024-05-06T09:00:00.5+08:00", True),
        (" 024-05-06T09:00:00+08:00", False),
        ("2024-05-06T09:00:00+0800", False),
        ("2024-05-06T24:00:00+08:00", False),
        ("2024-05-06T09:60:00+08:00", False),
        ("2024-5-06T09:00:00+08:00", False),
        ("2024-05-06T09:00:00 08:00", False),
        ("2024-05-06T09:00:00+08:00 ", False),
    ],
)
def test_date_time_shapes(text: str, valid: bool) -> None:
    """The fast path (LIKE + strptime) accepts exactly what the RFC 3339 regex would."""
    checked = validation.validate_batch(
        "inspection", _batch([{**_good_row("inspection"), "ended_at": text}]), REFS
    )
    assert (checked.problems.num_rows == 0) is valid, checked.problems.to_pylist()
