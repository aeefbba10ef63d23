"""Mapping files: every operation column-wise, problems recorded per row, mapping-file errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from zhifa.exchange.mapping import (
    INVALID_DATE,
    UNKNOWN_CODE,
    Mapping,
    MappingError,
    _may_need_trim,
    _null_out,
    load_mapping,
)
from zhifa.exchange.readers import read_batches
from zhifa.exchange.schema import load_schema

DATA = Path(__file__).parent / "data" / "exchange"


def batch(**columns: list[str | None]) -> pa.RecordBatch:
    n = len(next(iter(columns.values())))
    arrays = [pa.array(range(2, n + 2), pa.int64())] + [pa.array(v, pa.string()) for v in columns.values()]
    arrays += [pa.nulls(n, pa.string()), pa.nulls(n, pa.string())]
    return pa.RecordBatch.from_arrays(arrays, names=["_row", *columns, "_error", "_raw"])


def run(mapping: dict[str, Any], data: pa.RecordBatch) -> tuple[dict[str, list[Any]], list[dict[str, Any]]]:
    mapped = load_mapping(mapping).apply(data)
    return mapped.data.to_pydict(), mapped.problems.to_pylist()


# --- operations ------------------------------------------------------------------------------


def test_rename_drop_and_missing_source_column() -> None:
    out, problems = run(
        {"rename": {"JCBH": "source_id", "缺失": "place"}, "drop": ["BZ"]}, batch(JCBH=["1"], BZ=["x"])
    )
    assert out["source_id"] == ["1"]
    assert out["place"] == [None]
    assert "BZ" not in out and "JCBH" not in out
    assert list(out)[:3] == ["_row", "_error", "_raw"]
    assert problems == []


def test_strip_and_null_values() -> None:
    data = batch(a=["  x ", "NULL", "无", "-", "", None], b=[" y"] * 6)
    out, _ = run({"null_values": ["", "NULL", "无", "-"]}, data)
    assert out["a"] == ["x", None, None, None, None, None]
    out, _ = run({"strip": ["a"], "null_values": []}, data)
    assert out["a"][0] == "x" and out["b"][0] == " y"
    out, _ = run({"strip": "false"}, data)
    assert out["a"][0] == "  x "


def test_split_by_separator_and_by_regex() -> None:
    data = batch(p=["张三/李四", "王五", "a/b/c", None], q=["1 ~ 2", "3至4", "5", "-"])
    mapping = {
        "null_values": ["-"],
        "split": {
            "p": {"into": ["o1", "o2"], "separator": "/"},
            "q": {"into": ["start", "end"], "regex": "\\s*(?:~|至)\\s*"},
        },
    }
    out, _ = run(mapping, data)
    assert out["o1"] == ["张三", "王五", "a", None]
    assert out["o2"] == ["李四", None, "b/c", None]  # the last part keeps the remainder
    assert out["start"] == ["1", "3", "5", None]
    assert out["end"] == ["2", "4", None, None]
    assert "p" not in out and "q" not in out


def test_split_keep_source() -> None:
    out, _ = run({"split": {"p": {"into": ["a", "b"], "separator": ",", "keep": "true"}}}, batch(p=["1,2"]))
    assert out["p"] == ["1,2"] and out["a"] == ["1"] and out["b"] == ["2"]


def test_join_skips_nulls() -> None:
    data = batch(d=["吴兴区", None, "南浔区", None], s=["人民路8号", "红旗路", None, None])
    out, _ = run({"join": {"place": {"fields": ["d", "s"], "separator": " "}}}, data)
    assert out["place"] == ["吴兴区 人民路8号", "红旗路", "南浔区", None]
    assert "d" not in out and "s" not in out


def test_upper_and_lower() -> None:
    out, _ = run({"upper": ["c"], "lower": ["e"]}, batch(c=["91330502ma2b"], e=["A@B.CN"]))
    assert out["c"] == ["91330502MA2B"] and out["e"] == ["a@b.cn"]


def test_translate_reject_records_unknown_codes() -> None:
    data = batch(r=["01", "02", "9", None])
    out, problems = run({"translate": {"r": {"table": {"01": "no_problem", "02": "case_filed"}}}}, data)
    assert out["r"] == ["no_problem", "case_filed", None, None]
    assert problems == [{"_row": 4, "field": "r", "reason": UNKNOWN_CODE, "value": "9"}]


def test_translate_keep_and_default() -> None:
    data = batch(a=["x", "zz"], b=["x", "zz"])
    mapping = {
        "translate": {
            "a": {"table": {"x": "X"}, "unknown": "keep"},
            "b": {"table": {"x": "X"}, "default": "other"},
        }
    }
    out, problems = run(mapping, data)
    assert out["a"] == ["X", "zz"] and out["b"] == ["X", "other"]
    assert problems == []


def test_codes_like_01_and_no_stay_text() -> None:
    """YAML 1.1 would read 01 as 1 and NO as false; mapping files are read as plain strings."""
    text = "translate:\n  r:\n    table:\n      01: passed\n      NO: person\n"
    mapping = load_mapping(text)
    assert mapping.translate[0].table == {"01": "passed", "NO": "person"}


@pytest.mark.parametrize(
    ("value", "fmt", "expected"),
    [
        ("10/31/2013 02:08:41 AM", "%m/%d/%Y %I:%M:%S %p", "2013-10-30T18:08:41Z"),
        ("10/31/2013 02:08:41 PM", "%m/%d/%Y %I:%M:%S %p", "2013-10-31T06:08:41Z"),
        ("2013-10-31 02:08:41", "%Y-%m-%d %H:%M:%S", "2013-10-30T18:08:41Z"),
        ("2013年10月31日", "%Y年%m月%d日", "2013-10-30T16:00:00Z"),
        ("20131031", "%Y%m%d", "2013-10-30T16:00:00Z"),
        ("2013-10-31T02:08:41+0100", "%Y-%m-%dT%H:%M:%S%z", "2013-10-31T01:08:41Z"),
    ],
)
def test_date_formats_in_shanghai_time(value: str, fmt: str, expected: str) -> None:
    out, problems = run({"dates": {"t": {"formats": [fmt], "timezone": "Asia/Shanghai"}}}, batch(t=[value]))
    assert out["t"] == [expected]
    assert problems == []


def test_dates_try_formats_in_order_and_record_invalid_ones() -> None:
    data = batch(t=["10/31/2013 02:08:41 AM", "2013年11月02日", "13/45/2013 25:00:00 AM", None])
    rule = {"formats": ["%m/%d/%Y %I:%M:%S %p", "%Y年%m月%d日"], "timezone": "UTC"}
    out, problems = run({"dates": {"t": rule}}, data)
    assert out["t"] == ["2013-10-31T02:08:41Z", "2013-11-02T00:00:00Z", None, None]
    assert problems == [{"_row": 4, "field": "t", "reason": INVALID_DATE, "value": "13/45/2013 25:00:00 AM"}]


def test_date_output_is_the_local_calendar_date() -> None:
    rule = {"formats": ["%Y-%m-%d %H:%M"], "timezone": "Asia/Shanghai", "output": "date"}
    out, _ = run({"dates": {"d": rule}}, batch(d=["2013-10-31 02:08", "2013-10-31 23:59"]))
    assert out["d"] == ["2013-10-31", "2013-10-31"]


def test_other_time_zone() -> None:
    rule = {"formats": ["%Y-%m-%d %H:%M:%S"], "timezone": "Europe/Berlin"}
    out, _ = run({"dates": {"t": rule}}, batch(t=["2013-07-01 12:00:00", "2013-12-01 12:00:00"]))
    assert out["t"] == ["2013-07-01T10:00:00Z", "2013-12-01T11:00:00Z"]


def test_constants_and_source_system() -> None:
    out, _ = run({"source_system": "hz-cg", "constants": {"region_code": "330502"}}, batch(a=["1", "2"]))
    assert out["region_code"] == ["330502", "330502"]
    assert out["source_system"] == ["hz-cg", "hz-cg"]


def test_every_problem_of_a_row_is_recorded() -> None:
    mapping = {
        "translate": {"r": {"table": {"1": "ok"}}},
        "dates": {"t": {"formats": ["%Y%m%d"]}},
    }
    _, problems = run(mapping, batch(r=["1", "x"], t=["20130101", "2013-01-01"]))
    assert {(p["_row"], p["field"], p["reason"]) for p in problems} == {
        (3, "r", UNKNOWN_CODE),
        (3, "t", INVALID_DATE),
    }


def test_reader_malformed_rows_become_problems() -> None:
    data = pa.RecordBatch.from_pydict(
        {
            "_row": pa.array([2, 3], pa.int64()),
            "a": ["1", None],
            "_error": [None, "malformed_row"],
            "_raw": [None, "1,2,3"],
        }
    )
    out, problems = run({"rename": {"a": "source_id"}}, data)
    assert out["_error"] == [None, "malformed_row"]
    assert problems == [{"_row": 3, "field": None, "reason": "malformed_row", "value": "1,2,3"}]


# --- the mapping file itself -----------------------------------------------------------------


def errors_of(mapping: dict[str, Any] | str, fields: list[str] | None = None) -> list[tuple[str, str]]:
    with pytest.raises(MappingError) as excinfo:
        load_mapping(mapping, fields=fields)
    assert excinfo.value.code == "invalid_mapping"
    assert "映射文件有误" in excinfo.value.message
    return excinfo.value.errors


def test_unknown_key_is_named() -> None:
    errors = errors_of({"renmae": {"a": "b"}})
    assert errors[0][0] == "renmae" and "未知的键" in errors[0][1]


def test_bad_regex_is_named() -> None:
    errors = errors_of({"split": {"p": {"into": ["a", "b"], "regex": "(unclosed"}}})
    assert errors[0][0] == "split.p.regex" and "正则表达式无效" in errors[0][1]


def test_unknown_target_field_against_the_schema() -> None:
    errors = errors_of({"rename": {"JCBH": "source_id", "DD": "plcae"}}, fields=["source_id", "place"])
    assert errors == [("rename.DD", "目标字段“plcae”不在该数据族的字段中")]


def test_bad_date_rule_options() -> None:
    errors = dict(
        errors_of({"dates": {"t": {"formats": ["YYYY-MM-DD"], "timezone": "Asia/Shang", "output": "x"}}})
    )
    assert "dates.t.formats" in errors
    assert "未知时区" in errors["dates.t.timezone"]
    assert "dates.t.output" in errors


def test_other_mapping_errors() -> None:
    errors = dict(
        errors_of(
            {
                "family": "inspections",
                "translate": {"r": {"table": {}, "unknown": "drop"}},
                "split": {"p": {"into": ["a"], "separator": "/", "regex": ","}},
                "join": {"j": {"fields": ["a"], "sep": "-"}},
                "strip": "maybe",
            }
        )
    )
    assert "未知的数据族" in errors["family"]
    assert set(errors) >= {
        "translate.r.table",
        "translate.r.unknown",
        "split.p.into",
        "split.p",
        "join.j.fields",
        "join.j.sep",
        "strip",
    }


def test_yaml_syntax_error_and_missing_file(tmp_path: Path) -> None:
    assert errors_of("rename: [a\n  b: c\n")[0][0] == "(语法)"
    assert errors_of(tmp_path / "none.yaml")[0][0] == "(文件)"


# --- end to end: a new source onboarded by a mapping file only ---------------------------------


def test_city_inspections_onboarded_by_mapping_file_only() -> None:
    mapping = load_mapping(
        DATA / "city_inspections.yaml", fields=list(load_schema("inspection")["properties"])
    )
    assert mapping.family == "inspection"
    mapped = list(mapping.map_batches(read_batches(DATA / "city_inspections.csv")))
    data = pa.Table.from_batches([m.data for m in mapped])
    problems = pa.concat_tables([m.problems for m in mapped]).to_pylist()
    rows = {r["_row"]: r for r in data.to_pylist()}

    assert sorted(rows) == [2, 3, 4, 5, 6]  # nothing lost, junk included
    first = rows[2]
    assert first["source_id"] == "JC-2013-0001"
    assert first["entity_kind"] == "enterprise"
    assert first["entity_credit_code"] == "91330502MA2B3C4D5E"
    assert first["started_at"] == "2013-10-30T18:08:41Z"  # 10/31/2013 02:08:41 AM in Shanghai
    assert first["ended_at"] == "2013-10-30T19:15:00Z"
    assert first["place"] == "吴兴区人民路8号,二楼"
    assert (first["result"], first["origin"]) == ("no_problem", "random")
    assert (first["region_code"], first["source_system"]) == ("330502", "huzhou-cgzf")
    assert "备注" not in data.column_names and "period" not in data.column_names

    assert rows[3]["entity_credit_code"] == "92330502MA2C3D4E5F"  # stripped
    assert rows[3]["started_at"] == "2013-10-31T06:30:00Z"  # PM
    assert rows[4]["origin"] == "other"  # default for an unlisted origin
    assert rows[4]["place"] == "南浔区"  # 无 is a null placeholder
    assert rows[5]["_error"] == "malformed_row"
    assert rows[6]["started_at"] == "2013-11-02T01:30:00Z"  # second format, 至 separator
    assert rows[6]["entity_kind"] == "person" and rows[6]["entity_credit_code"] is None

    assert [(p["_row"], p["field"], p["reason"], p["value"]) for p in problems] == [
        (4, "result", UNKNOWN_CODE, "7"),
        (4, "started_at", INVALID_DATE, "13/45/2013 25:00:00 AM"),
        (5, None, "malformed_row", "合计,3 条,,,"),
    ]


# --- the no-op fast paths behave exactly like the kernels they skip ---------------------------


def _arrow_whitespace() -> list[str]:
    """Every code point ``utf8_trim_whitespace`` trims, asked of Arrow itself."""
    chars = [chr(c) for c in range(0x10000) if not 0xD800 <= c <= 0xDFFF]
    trimmed = pc.utf8_trim_whitespace(pa.array([f"{c}x" for c in chars], pa.string()))
    return [c for c, n in zip(chars, pc.binary_length(trimmed).to_pylist(), strict=True) if n == 1]


def test_trim_check_never_misses_what_arrow_would_trim() -> None:
    whitespace = _arrow_whitespace()
    assert len(whitespace) > 20
    for ws in whitespace:
        for value in (f"{ws}张三", f"张三{ws}", f"a{ws}", f"{ws}", f"中{ws}"):
            column = pa.array(["湖州", value, "", None, "x"], pa.string())
            assert _may_need_trim(column), repr(value)
            assert _may_need_trim(column.slice(1, 2)), repr(value)
    clean = pa.array(["湖州市", "a b", "店", "", None, "一\u3000二", "x", "行。"], pa.string())
    assert not _may_need_trim(clean)
    assert not _may_need_trim(pa.nulls(3, pa.string()))


def test_identity_mapping_leaves_clean_columns_uncopied() -> None:
    data = batch(a=["1", "2", "3"], b=["张三", "李四", "王五"])
    mapped = Mapping(family="inspection", source_system="x").apply(data).data
    assert mapped.column("a").buffers()[2].address == data.column("a").buffers()[2].address
    assert mapped.column("b").buffers()[2].address == data.column("b").buffers()[2].address
    assert mapped.column("source_system").to_pylist() == ["x"] * 3


@pytest.mark.parametrize("null_values", [("",), ("", "NULL", "-")])
def test_nulling_placeholders_matches_if_else(null_values: tuple[str, ...]) -> None:
    column = pa.array(["a", "", None, "NULL", " ", "-", "b", ""], pa.string())
    for part in (column, column.slice(1, 5), column.slice(0, 0)):
        mask = pc.is_in(part, value_set=pa.array(list(null_values), pa.string()))
        expected = pc.if_else(mask, None, part) if len(part) else part
        got = _null_out(part, null_values)
        got.validate(full=True)
        assert got.to_pylist() == expected.to_pylist()


def test_strip_then_null_on_messy_text() -> None:
    out, _ = run({}, batch(a=[" 1 ", "\u3000", "二\u00a0", "", "x"]))
    assert out["a"] == ["1", None, "二", None, "x"]
