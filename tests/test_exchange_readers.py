"""Readers: every supported format into string batches with row numbers; junk flagged, never lost."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import openpyxl
import pyarrow as pa
import pytest

from zhifa.exchange import readers
from zhifa.exchange.readers import (
    MALFORMED,
    SourceError,
    detect_encoding,
    raw_text,
    read_batches,
    read_csv,
    sniff_delimiter,
)


def read_all(path: Path, **options: object) -> pa.Table:
    batches = list(read_batches(path, **options))
    return pa.Table.from_batches(batches) if batches else pa.table({})


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_utf8_csv_rows_numbered_from_two_header_being_row_one(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "编号,名称\n1,张三\n2,李四\n")
    table = read_all(path)
    assert table.column_names == ["_row", "编号", "名称", "_error", "_raw"]
    assert table.column("_row").to_pylist() == [2, 3]
    assert table.column("名称").to_pylist() == ["张三", "李四"]
    assert table.column("_error").null_count == 2
    assert all(pa.types.is_string(table.schema.field(n).type) for n in ("编号", "名称"))


def test_values_are_kept_as_text(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "code,amount\n007,1.50\n,\n")
    table = read_all(path)
    assert table.column("code").to_pylist() == ["007", ""]
    assert table.column("amount").to_pylist() == ["1.50", ""]


def test_utf8_bom_is_not_part_of_the_first_column_name(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "\ufeff编号,名称\n1,张三\n")
    assert detect_encoding(path) == "utf-8-sig"
    table = read_all(path)
    assert table.column_names[1] == "编号"
    assert table.column("编号").to_pylist() == ["1"]


def test_gbk_is_detected_and_read(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "编号,当事人\n1,湖州某某食品有限公司\n2,王五\n", encoding="gbk")
    assert detect_encoding(path) == "gb18030"
    table = read_all(path)
    assert table.column("当事人").to_pylist() == ["湖州某某食品有限公司", "王五"]


def test_gbk_late_in_a_mostly_ascii_file_is_still_detected(tmp_path: Path) -> None:
    text = "id,name\n" + "".join(f"{i},abc\n" for i in range(20_000)) + "99999,张三\n"
    path = write(tmp_path, "a.csv", text, encoding="gbk")
    assert detect_encoding(path, chunk_size=4096) == "gb18030"
    assert read_all(path).column("name").to_pylist()[-1] == "张三"


def test_explicit_encoding(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "编号,名称\n1,张三\n", encoding="gb18030")
    assert read_all(path, encoding="gb18030").column("名称").to_pylist() == ["张三"]


@pytest.mark.parametrize("delimiter", [";", "\t", "|", ","])
def test_delimiter_is_sniffed(tmp_path: Path, delimiter: str) -> None:
    rows = [["编号", "地址", "金额"], ["1", "人民路8号", "100"], ["2", "红旗路", "2,5"]]
    text = "".join(delimiter.join(f'"{v}"' if "," in v else v for v in r) + "\n" for r in rows)
    path = write(tmp_path, "a.csv", text)
    table = read_all(path)
    assert table.column_names[1:4] == ["编号", "地址", "金额"]
    assert table.column("金额").to_pylist() == ["100", "2,5"]


def test_sniffer_ignores_commas_inside_quoted_fields() -> None:
    assert sniff_delimiter('a;b;c\n1;"x, y, z";3\n2;q;4\n') == ";"


def test_explicit_delimiter(tmp_path: Path) -> None:
    path = write(tmp_path, "a.txt", "a:b\n1:2\n")
    assert read_all(path, delimiter=":").column("b").to_pylist() == ["2"]


def test_quoted_fields_with_delimiters_newlines_and_quotes(tmp_path: Path) -> None:
    text = 'id,note,n\n1,"a,b",x\n2,"line one\nline two",y\n3,"say ""hi""",z\n'
    table = read_all(write(tmp_path, "a.csv", text))
    assert table.column("note").to_pylist() == ["a,b", "line one\nline two", 'say "hi"']
    # records, not physical lines: the two-line record is row 3, the next is row 4
    assert table.column("_row").to_pylist() == [2, 3, 4]


def test_malformed_rows_are_flagged_in_place_not_dropped(tmp_path: Path) -> None:
    text = "a,b,c\n1,2,3\n4,5\n6,7,8\n9,10,11,12\n13,14,15\n"
    table = read_all(write(tmp_path, "a.csv", text))
    assert table.column("_row").to_pylist() == [2, 3, 4, 5, 6]
    assert table.column("_error").to_pylist() == [None, MALFORMED, None, MALFORMED, None]
    assert table.column("_raw").to_pylist() == [None, "4,5", None, "9,10,11,12", None]
    assert table.column("a").to_pylist() == ["1", None, "6", None, "13"]


def test_malformed_rows_at_start_and_end(tmp_path: Path) -> None:
    text = "a,b\njunk\n1,2\n3,4\n5\n"
    table = read_all(write(tmp_path, "a.csv", text))
    assert table.column("_row").to_pylist() == [2, 3, 4, 5]
    assert table.column("_error").to_pylist() == [MALFORMED, None, None, MALFORMED]


def test_row_numbers_hold_across_small_blocks(tmp_path: Path) -> None:
    lines = ["a,b"]
    for i in range(2, 3000):
        lines.append(f"{i}" if i % 97 == 0 else f"{i},x")
    path = write(tmp_path, "a.csv", "\n".join(lines) + "\n")
    batches = list(read_batches(path, block_size=4096))
    assert len(batches) > 3
    table = pa.Table.from_batches(batches)
    assert table.column("_row").to_pylist() == list(range(2, 3000))
    good = [
        r for r, a in zip(table.column("_row").to_pylist(), table.column("a").to_pylist(), strict=True) if a
    ]
    assert all(str(r) == a for r, a in zip(good, table.column("a").drop_null().to_pylist(), strict=True))
    assert table.column("_error").to_pylist().count(MALFORMED) == len(
        [i for i in range(2, 3000) if i % 97 == 0]
    )


def test_blank_lines_are_not_records(tmp_path: Path) -> None:
    table = read_all(write(tmp_path, "a.csv", "a,b\n1,2\n\n3,4\n"))
    assert table.column("a").to_pylist() == ["1", "3"]
    assert table.column("_error").null_count == 2


def test_blank_and_repeated_header_names(tmp_path: Path) -> None:
    table = read_all(write(tmp_path, "a.csv", "名称,,名称\n1,2,3\n"))
    assert table.column_names[1:4] == ["名称", "列2", "名称_2"]


def test_header_only_file_has_no_rows(tmp_path: Path) -> None:
    assert read_all(write(tmp_path, "a.csv", "a,b\n")).num_rows == 0


def test_raw_text_rebuilds_good_rows_and_keeps_malformed_ones(tmp_path: Path) -> None:
    table = read_all(write(tmp_path, "a.csv", "a,b\n1,张三\n2\n"))
    raw = raw_text(table)
    assert json.loads(raw[0]) == {"a": "1", "b": "张三"}
    assert raw[1] == "2"


def make_xlsx(
    path: Path, rows: list[list[object]], title: str = "检查记录", extra_sheet: bool = False
) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    if extra_sheet:
        other = workbook.create_sheet("第二页")
        other.append(["x"])
        other.append(["second"])
    workbook.save(path)
    return path


def test_xlsx_first_sheet_values_as_text(tmp_path: Path) -> None:
    path = make_xlsx(
        tmp_path / "a.xlsx",
        [
            ["编号", "日期", "时间", "金额", "数量"],
            ["A1", dt.datetime(2013, 10, 31), dt.datetime(2013, 10, 31, 2, 8, 41), 1.5, 3],
            [None, None, None, None, None],
            ["A3", "2013年10月31日", None, 2.0, None],
        ],
        extra_sheet=True,
    )
    table = read_all(path)
    assert table.column("_row").to_pylist() == [2, 4]  # Excel row numbers; the empty row is skipped
    assert table.column("日期").to_pylist() == ["2013-10-31", "2013年10月31日"]
    assert table.column("时间").to_pylist() == ["2013-10-31 02:08:41", None]
    assert table.column("金额").to_pylist() == ["1.5", "2"]
    assert table.column("数量").to_pylist() == ["3", None]


def test_xlsx_named_sheet_and_unknown_sheet(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "a.xlsx", [["x"], ["first"]], extra_sheet=True)
    assert read_all(path, sheet="第二页").column("x").to_pylist() == ["second"]
    with pytest.raises(SourceError) as excinfo:
        list(read_batches(path, sheet="没有这页"))
    assert "没有这页" in excinfo.value.message


def test_xlsx_row_with_cells_beyond_the_header_is_malformed(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "a.xlsx", [["a", "b"], ["1", "2"], ["3", "4", "多出来"]])
    table = read_all(path)
    assert table.column("_error").to_pylist() == [None, MALFORMED]
    assert table.column("_raw").to_pylist()[1] == "3\t4\t多出来"


def test_json_array_of_objects(tmp_path: Path) -> None:
    items = [{"编号": 1, "名称": "张三", "标签": ["a", "b"]}, {"编号": 2, "名称": None, "启用": True}, "junk"]
    path = write(tmp_path, "a.json", json.dumps(items, ensure_ascii=False))
    table = read_all(path)
    assert table.column("_row").to_pylist() == [1, 2, 3]
    assert table.column("编号").to_pylist() == ["1", "2", None]
    assert table.column("名称").to_pylist() == ["张三", None, None]
    assert table.column("标签").to_pylist() == ['["a", "b"]', None, None]
    assert table.column("启用").to_pylist() == [None, "true", None]
    assert table.column("_error").to_pylist() == [None, None, MALFORMED]
    assert table.column("_raw").to_pylist()[2] == '"junk"'


def test_json_object_with_list_under_a_key(tmp_path: Path) -> None:
    document = {"total": 1, "data": [{"id": "x"}]}
    path = write(tmp_path, "a.json", json.dumps(document))
    assert read_all(path).column("id").to_pylist() == ["x"]
    document["more"] = [{"id": "y"}]
    path = write(tmp_path, "b.json", json.dumps(document))
    with pytest.raises(SourceError):
        list(read_batches(path))
    assert read_all(path, json_key="more").column("id").to_pylist() == ["y"]


def test_broken_json_file_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError) as excinfo:
        list(read_batches(write(tmp_path, "a.json", "[{")))
    assert excinfo.value.code == "invalid_json"


def test_json_lines_with_broken_and_blank_lines(tmp_path: Path) -> None:
    text = '{"id": "1", "名称": "张三"}\n\n{"id": 2\n{"id": "3", "other": "x"}\n[1]\n'
    table = read_all(write(tmp_path, "a.jsonl", text, encoding="gbk"))
    assert table.column("_row").to_pylist() == [1, 3, 4, 5]  # physical line numbers
    assert table.column("_error").to_pylist() == [None, MALFORMED, None, MALFORMED]
    assert table.column("_raw").to_pylist()[1] == '{"id": 2'
    assert table.column("名称").to_pylist() == ["张三", None, None, None]
    assert table.column("other").to_pylist() == [None, None, "x", None]


def test_unknown_suffix_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SourceError):
        read_batches(write(tmp_path, "a.dat", "x"))
    with pytest.raises(SourceError):
        read_batches(tmp_path / "nope.csv")
    assert read_all(write(tmp_path, "a.dat", "a\tb\n1\t2\n"), format="csv").column("b").to_pylist() == ["2"]


# --- the DuckDB fast path agrees with the tolerant reader ------------------------------------

_PIECES = [
    "1",
    "张三",
    "湖州市吴兴区人民路8号",
    "a,b",
    "line one\nline two",
    'say "hi"',
    "",
    "NULL",
    " pad ",
    "x",
]


def _field(rng: random.Random) -> str:
    value = rng.choice(_PIECES) + rng.choice(["", "", str(rng.randrange(1000))])
    if value == "" and rng.random() < 0.5:
        return '""'  # a quoted empty field, as some exporters write them
    needs_quotes = any(c in value for c in ',"\n') or rng.random() < 0.1
    return '"' + value.replace('"', '""') + '"' if needs_quotes else value


def _random_csv(rng: random.Random, rows: int) -> str:
    width = rng.randrange(2, 6)
    newline = rng.choice(["\n", "\r\n"])
    lines = [",".join(f"列{i}" for i in range(width))]
    for _ in range(rows):
        if rng.random() < 0.05:
            lines.append("")  # a blank line is not a record
        lines.append(",".join(_field(rng) for _ in range(width)))
    bom = "\ufeff" if rng.random() < 0.3 else ""
    return bom + newline.join(lines) + (newline if rng.random() < 0.8 else "")


@pytest.mark.parametrize("seed", range(12))
def test_duckdb_and_arrow_paths_read_the_same(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    path = write(tmp_path, "a.csv", _random_csv(rng, rng.randrange(1, 400)))
    fast = pa.Table.from_batches(list(read_csv(path, delimiter=",", engine="duckdb", block_size=2048)))
    slow = pa.Table.from_batches(list(read_csv(path, delimiter=",", engine="arrow", block_size=2048)))
    assert fast.schema == slow.schema
    assert fast.to_pylist() == slow.to_pylist()
    assert fast.column("_error").null_count == fast.num_rows  # well-formed: DuckDB read it all


def test_auto_engine_uses_duckdb_for_a_sure_utf8_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "a.csv", "a,b\n1,2\n3,4\n")
    calls: list[int] = []
    fast = readers._fast_batch
    monkeypatch.setattr(readers, "_fast_batch", lambda *a: calls.append(1) or fast(*a))
    assert read_all(path).column("a").to_pylist() == ["1", "3"]
    assert calls
    calls.clear()
    gbk = write(tmp_path, "b.csv", "a,b\n1,张三\n", encoding="gbk")
    assert read_all(gbk).column("b").to_pylist() == ["张三"]
    one = write(tmp_path, "c.csv", "a\n1\n\n2\n")
    assert read_all(one).column("a").to_pylist() == ["1", "2"]  # DuckDB would read the blank line
    assert not calls


def test_empty_and_null_text_fields_read_as_the_tolerant_reader_reads_them(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", 'a,b,c\n1,,NULL\n2,"",\n')
    table = read_all(path)
    assert table.column("b").to_pylist() == ["", ""]
    assert table.column("c").to_pylist() == ["NULL", ""]


@pytest.mark.parametrize("bad", ["only-one-field", "1,2,3,4", '5,"never closed'])
def test_malformed_record_mid_file_switches_readers_without_loss(tmp_path: Path, bad: str) -> None:
    total = 30_000
    bad_row = 17_001
    lines = ["id,note,n"]
    for row in range(2, total + 2):
        if row == bad_row:
            lines.append(bad)
        elif row % 1000 == 0:
            lines.append(f'{row},"two\nlines",x')
        else:
            lines.append(f"{row},备注,{row % 7}")
    path = write(tmp_path, "a.csv", "\n".join(lines) + "\n")
    batches = list(read_csv(path, delimiter=",", block_size=64 << 10))
    assert len(batches) > 3
    table = pa.Table.from_batches(batches)
    rows = table.column("_row").to_pylist()
    errors = table.column("_error").to_pylist()
    slow = pa.Table.from_batches(list(read_csv(path, delimiter=",", engine="arrow")))
    assert table.to_pylist() == slow.to_pylist()  # the switch loses and repeats nothing
    if bad.startswith("5,"):
        return  # the open quote runs on into later records, the tolerant reader's way
    assert rows == list(range(2, total + 2))
    assert errors.count(MALFORMED) == 1
    assert errors[bad_row - 2] == MALFORMED
    assert table.column("_raw").to_pylist()[bad_row - 2] == bad
    good = [(r, i) for r, i, e in zip(rows, table.column("id").to_pylist(), errors, strict=True) if e is None]
    assert all(str(r) == i for r, i in good)


def test_detect_encoding_checks_chunks_split_inside_a_character(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "名称\n" + "张三李四\n" * 5000)
    assert detect_encoding(path, chunk_size=4097) == "utf-8"
    broken = write(tmp_path, "b.csv", "名称\n" + "张三李四\n" * 5000 + "王", encoding="utf-8")
    broken.write_bytes(broken.read_bytes()[:-1])  # a character cut short at the very end
    assert detect_encoding(broken, chunk_size=4097) == "gb18030"


def test_switch_after_duckdb_has_yielded_batches_continues_at_the_next_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    total, bad_row = 300_000, 295_001
    lines = ["id,note"] + [f"{r},备注" if r != bad_row else "bad" for r in range(2, total + 2)]
    path = write(tmp_path, "a.csv", "\n".join(lines) + "\n")
    skips: list[int] = []
    tolerant = readers._read_csv_tolerant
    monkeypatch.setattr(readers, "_read_csv_tolerant", lambda *a: skips.append(a[-1]) or tolerant(*a))
    table = pa.Table.from_batches(list(read_csv(path, delimiter=",", block_size=256 << 10)))
    assert skips and skips[0] > 0  # DuckDB's rows were yielded before the switch
    assert table.column("_row").to_pylist() == list(range(2, total + 2))
    assert table.column("_error").to_pylist()[bad_row - 2] == MALFORMED
    ids = table.column("id").to_pylist()
    assert ids[: bad_row - 2] == [str(r) for r in range(2, bad_row)]
    assert ids[bad_row - 1 :] == [str(r) for r in range(bad_row + 1, total + 2)]
