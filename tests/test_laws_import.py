"""Numerals, the law file parser over the whole corpus, and the import action."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from zhifa.core.models import AuditEntry
from zhifa.laws import actions, provisions
from zhifa.laws.importer import parse_file
from zhifa.laws.models import Article, Division, FineRange, Item, Law, LawVersion, Paragraph, PenaltyProvision
from zhifa.laws.numerals import chinese_to_int, int_to_chinese

from .laws_support import CORPUS, corpus_files, import_laws

ALL_FILES = sorted(CORPUS.rglob("*.md"))
# An article heading as a reader sees it: 第…条 (or 第…条之…) then a space; the corpus also
# holds one 第一百二十八 条侦查人员… with the space on the wrong side of 条.
HEADING_LINE = re.compile(
    r"^第[零〇一二三四五六七八九十百千两]+(?:条(?:之[一二三四五六七八九十]+)?(?:\s|$)|\s+条)"
)


def heading_lines(path: Path) -> int:
    body = path.read_text(encoding="utf-8").split("<!-- INFO END -->", 1)[1]
    return sum(1 for line in body.splitlines() if HEADING_LINE.match(line.strip()))


# --- numerals ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("一", 1),
        ("十", 10),
        ("十二", 12),
        ("二十", 20),
        ("一百", 100),
        ("一百零五", 105),
        ("一百一十", 110),
        ("一百二十二", 122),
        ("一千零三", 1003),
        ("两千", 2000),
        ("两", 2),
        ("〇", 0),
        ("零", 0),
        ("二〇二一", 2021),
        ("一万零五", 10005),
        ("51", 51),
        ("５１", 51),
    ],
)
def test_chinese_numerals(text: str, value: int) -> None:
    assert chinese_to_int(text) == value


@pytest.mark.parametrize("text", ["", "百", "十十", "一二十", "一百百", "abc", "第一"])
def test_bad_numerals_raise(text: str) -> None:
    with pytest.raises(ValueError):
        chinese_to_int(text)


def test_numerals_round_trip() -> None:
    assert [int_to_chinese(n) for n in (10, 12, 110, 122, 1003, 20000)] == [
        "十",
        "十二",
        "一百一十",
        "一百二十二",
        "一千零三",
        "二万",
    ]
    assert all(chinese_to_int(int_to_chinese(n)) == n for n in range(0, 3000))


# --- parsing -------------------------------------------------------------------------------------


def test_whole_corpus_parses_without_errors_and_every_heading_line_is_an_article() -> None:
    assert len(ALL_FILES) == 280
    for path in ALL_FILES:
        parsed = parse_file(path)
        assert parsed.errors == [], path
        assert len(parsed.articles) == heading_lines(path) == parsed.heading_lines, path
        numbers = [(a.number, a.suffix) for a in parsed.articles]
        assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers), path


@pytest.mark.parametrize(
    ("name", "count"), [("行政处罚法", 86), ("行政强制法", 71), ("行政许可法", 83), ("食品安全法", 154)]
)
def test_article_counts_of_key_laws(name: str, count: int) -> None:
    (path,) = [p for p in corpus_files(name)]
    assert len(parse_file(path).articles) == count


def test_penalty_law_structure() -> None:
    parsed = parse_file(corpus_files("行政处罚法")[0])
    assert parsed.name == "行政处罚法" and parsed.title == "中华人民共和国行政处罚法"
    assert str(parsed.effective_date) == "2021-01-22"
    assert parsed.level == "law" and parsed.category == "行政法"
    assert parsed.history[0].startswith("1996年3月17日") and len(parsed.history) == 4
    chapters = [d for d in parsed.divisions if d.level == "chapter"]
    assert [d.label for d in chapters][:2] == ["第一章", "第二章"] and chapters[0].title == "总则"
    sections = [d for d in parsed.divisions if d.level == "section"]
    assert sections and all(parsed.divisions[s.parent].level == "chapter" for s in sections)
    art9 = next(a for a in parsed.articles if a.number == 9)
    assert [len(p.items) for p in art9.paragraphs] == [6]
    assert art9.paragraphs[0].items[5].text.startswith("（六）")
    art5 = next(a for a in parsed.articles if a.number == 5)
    assert len(art5.paragraphs) == 3 and art5.text.count("\n") == 2


def test_parts_and_headings_at_any_depth(tmp_path: Path) -> None:
    folder = tmp_path / "部门规章" / "市场监督管理总局"
    folder.mkdir(parents=True)
    path = folder / "示例办法(2024-05-01).md"
    path.write_text(
        "# 示例办法\n\n2024年5月1日 国家市场监督管理总局令第1号公布\n\n<!-- INFO END -->\n\n"
        "## 第一编 总则\n\n### 第一分编 通则\n\n#### 第一章 一般规定\n\n"
        "第一条 为了示例，制定本办法。\n\n"
        "##### 第一节 细则\n\n第二条 下列行为禁止：\n\n（一）甲；\n\n(二)乙；\n\n"
        "1.乙的细目；\n\n本条第一款另有规定的除外。\n\n"
        "第二条之一 新增的条文。\n\n"
        "## 第二章 法 律 责 任\n\n第三条 违反本办法的，罚款。\n\n"
        "## 附表一、说明\n\n表格文字不属于任何条文。\n",
        encoding="utf-8",
    )
    parsed = parse_file(path)
    assert parsed.errors == []
    assert parsed.level == "departmental_rule" and parsed.issuer == "市场监督管理总局"
    assert parsed.category == "部门规章/市场监督管理总局"
    assert [(d.level, d.label) for d in parsed.divisions] == [
        ("part", "第一编"),
        ("subpart", "第一分编"),
        ("chapter", "第一章"),
        ("section", "第一节"),
        ("chapter", "第二章"),
    ]
    assert parsed.divisions[4].title == "法律责任" and parsed.divisions[4].parent == 1
    assert [a.label for a in parsed.articles] == ["第一条", "第二条", "第二条之一", "第三条"]
    second = parsed.articles[1]
    assert parsed.divisions[second.section].label == "第一节"
    assert [len(p.items) for p in second.paragraphs] == [2, 0]
    assert second.paragraphs[0].items[1].text == "(二)乙；\n1.乙的细目；"
    assert parsed.articles[2].suffix == 1
    assert parsed.articles[3].text == "违反本办法的，罚款。"


def test_bad_files_are_reported_not_raised(tmp_path: Path) -> None:
    bad_name = tmp_path / "无日期.md"
    bad_name.write_text("# 标题\n<!-- INFO END -->\n第一条 内容\n", encoding="utf-8")
    no_marker = tmp_path / "缺分隔(2020-01-01).md"
    no_marker.write_text("# 标题\n第一条 内容\n", encoding="utf-8")
    bad_article = tmp_path / "坏条号(2020-01-01).md"
    bad_article.write_text(
        "# 坏条号\n<!-- INFO END -->\n第一条 内容\n第十十条 坏的\n第一条 重复\n", encoding="utf-8"
    )
    assert parse_file(bad_name).errors[0]["line"] == 0
    assert "INFO END" in parse_file(no_marker).errors[0]["reason"]
    errors = parse_file(bad_article).errors
    assert [e["line"] for e in errors] == [4, 5]
    assert all(e["file"] == str(bad_article) for e in errors)


# --- import --------------------------------------------------------------------------------------


@pytest.fixture
def no_extractor(monkeypatch):
    def not_yet(*args, **kwargs):
        raise NotImplementedError

    monkeypatch.setattr(provisions, "extract_article", not_yet)


def test_whole_corpus_imports_with_zero_errors_and_a_second_import_changes_nothing(db) -> None:
    report = actions.do_import_law_files(None, [CORPUS])
    assert report.errors == []
    assert (report.laws, report.versions) == (Law.objects.count(), LawVersion.objects.count())
    assert report.versions == 277  # 280 files, three laws filed under two categories
    assert report.articles == Article.objects.count() > 19_000
    for version in LawVersion.objects.all():
        assert version.articles.count() == version.article_count
    by_file = {p.name: heading_lines(p) for p in ALL_FILES}
    for source, count in LawVersion.objects.values_list("source_file", "article_count"):
        assert by_file[Path(source).name] == count, source
    assert Paragraph.objects.count() > Article.objects.count() and Item.objects.count() > 9000
    entries = AuditEntry.objects.filter(action="laws.version_import").count()
    assert entries == report.versions

    again = actions.do_import_law_files(None, [CORPUS])
    assert again.errors == [] and again.imported == 0 and again.unchanged == again.versions == 277
    assert AuditEntry.objects.filter(action="laws.version_import").count() == entries


def test_import_counts_and_one_audit_entry_per_version(db, no_extractor) -> None:
    before = AuditEntry.objects.count()
    report = import_laws("体育法", "行政处罚法")
    assert (report.laws, report.versions, report.imported) == (2, 3, 3)
    assert (
        report.articles
        == Article.objects.count()
        == 86 + sum(LawVersion.objects.filter(law__name="体育法").values_list("article_count", flat=True))
    )
    entries = AuditEntry.objects.filter(seq__gt=before)
    assert entries.count() == 3 and {e.action for e in entries} == {"laws.version_import"}
    assert {e.object_type for e in entries} == {"laws.lawversion"}
    law = Law.objects.get(name="体育法")
    assert law.title == "中华人民共和国体育法" and law.level == "law" and law.category == "行政法"
    assert law.issuer == "全国人民代表大会常务委员会"
    assert [str(v.effective_date) for v in law.versions.order_by("effective_date")] == [
        "2016-11-07",
        "2022-06-24",
    ]
    article = Article.objects.get(version__law__name="行政处罚法", number=9)
    assert article.chapter.label == "第二章" and article.paragraphs.get().items.count() == 6
    assert Division.objects.filter(version__law__name="行政处罚法", level="section").exists()


def test_changed_file_replaces_the_structure_of_its_version(db, tmp_path: Path, no_extractor) -> None:
    original = corpus_files("行政强制法")[0]
    copy = tmp_path / "行政法" / original.name
    copy.parent.mkdir()
    copy.write_text(original.read_text(encoding="utf-8"), encoding="utf-8")
    actions.do_import_law_files(None, [tmp_path])
    version = LawVersion.objects.get(law__name="行政强制法")
    assert version.article_count == 71
    text = copy.read_text(encoding="utf-8")
    copy.write_text(text[: text.index("第七十一条")], encoding="utf-8")
    before = AuditEntry.objects.count()
    report = actions.do_import_law_files(None, [copy])
    assert report.imported == 1 and report.articles == 70
    version.refresh_from_db()
    assert version.article_count == 70 == version.articles.count()
    assert LawVersion.objects.filter(law__name="行政强制法").count() == 1
    entry = AuditEntry.objects.get(seq=before + 1)
    assert entry.action == "laws.version_import" and '"article_count":71' in entry.before


def test_missing_paths_and_bad_files_are_errors(db, tmp_path: Path) -> None:
    (tmp_path / "坏条号(2020-01-01).md").write_text(
        "# 坏条号\n<!-- INFO END -->\n第一条 内容\n第一条 重复\n", encoding="utf-8"
    )
    report = actions.do_import_law_files(None, [tmp_path, tmp_path / "nope"])
    reasons = [(Path(e["file"]).name, e["line"]) for e in report.errors]
    assert ("nope", 0) in reasons and ("坏条号(2020-01-01).md", 4) in reasons
    assert not Law.objects.filter(name="坏条号").exists()


def test_penalty_articles_get_the_extractors_provisions(db, monkeypatch) -> None:
    seen: list[tuple[str, str, int]] = []

    def fake(law_name: str, label: str, paragraphs: list[str]) -> list[provisions.ExtractedProvision]:
        seen.append((law_name, label, len(paragraphs)))
        if label != "第一百二十二条":
            return []
        return [
            provisions.ExtractedProvision(
                paragraph_number=1,
                item_number=None,
                conduct="未取得许可从事食品生产经营活动",
                department="县级以上人民政府食品安全监督管理部门",
                penalty_kinds=["fine", "confiscate_gains"],
                fine_ranges=[
                    provisions.ExtractedFineRange(
                        "fixed", Decimal("50000"), Decimal("100000"), condition="货值金额不足一万元的"
                    ),
                    provisions.ExtractedFineRange(
                        "multiple",
                        Decimal("10"),
                        Decimal("20"),
                        base="货值金额",
                        condition="货值金额一万元以上的",
                    ),
                ],
                text="……",
            )
        ]

    monkeypatch.setattr(provisions, "extract_article", fake)
    import_laws("食品安全法")
    labels = {label for _, label, _ in seen}
    assert "第一百二十二条" in labels and "第一条" not in labels
    assert all(name == "食品安全法" for name, _, _ in seen)
    assert len(seen) == Article.objects.filter(chapter__title="法律责任").count()
    provision = PenaltyProvision.objects.get()
    assert provision.article.label == "第一百二十二条" and provision.penalty_kinds == [
        "fine",
        "confiscate_gains",
    ]
    assert list(FineRange.objects.order_by("id").values_list("kind", "minimum", "maximum")) == [
        ("fixed", Decimal("50000"), Decimal("100000")),
        ("multiple", Decimal("10"), Decimal("20")),
    ]

    out = StringIO()
    call_command("laws_provisions", "中华人民共和国食品安全法", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data[0]["article"] == "第一百二十二条" and data[0]["paragraph"] == 1
    assert data[0]["fine_ranges"][0]["minimum"] == 50000 and data[0]["fine_ranges"][1]["base"] == "货值金额"


def test_extractor_not_yet_written_means_no_provisions(db, no_extractor) -> None:
    import_laws("食品安全法")
    assert not PenaltyProvision.objects.exists()


def test_import_command_prints_the_report_and_fails_on_errors(db, tmp_path: Path, no_extractor) -> None:
    out = StringIO()
    call_command("laws_import", *map(str, corpus_files("行政强制法")), stdout=out)
    data = json.loads(out.getvalue())
    assert (data["laws"], data["versions"], data["articles"], data["errors"]) == (1, 1, 71, [])
    with pytest.raises(SystemExit) as exit_info:
        call_command("laws_import", str(tmp_path / "missing"), stdout=StringIO())
    assert exit_info.value.code == 1


def test_cli_wires_the_laws_commands(monkeypatch) -> None:
    from zhifa import cli

    calls: list[tuple[str, ...]] = []
    monkeypatch.setattr(cli, "_call", lambda *args: calls.append(args) or 0)
    assert cli.main(["laws", "import", "a", "b"]) == 0
    assert cli.main(["laws", "provisions", "食品安全法", "--json", "--date", "2023-01-01"]) == 0
    assert calls == [
        ("laws_import", "a", "b"),
        ("laws_provisions", "食品安全法", "--json", "--date", "2023-01-01"),
    ]
