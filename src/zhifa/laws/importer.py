"""Parsing one law file into its structure (no database; `zhifa.laws.actions` stores it).

The format (see docs/laws.md):

    # 中华人民共和国行政处罚法
    1996年3月17日 第八届全国人民代表大会第四次会议通过       ← history lines
    <!-- INFO END -->
    ## 第一编 总则                                         ← 编 / 分编 / 章 / 节 at any # depth
    ## 第一章 总则
    第一条 为了……                                          ← an article, its first paragraph
    （一）……                                               ← an item of the preceding paragraph
    ……                                                     ← a further paragraph (款)

The level of a heading comes from its keyword (编, 分编, 章, 节), never from the number of #.
Other headings (an annex table: `## 一、第一类水污染物污染当量值`) end the article before them;
their text is not part of any article. Problems are collected as {"file", "line", "reason"};
parsing never raises for a bad file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from zhifa.laws.numerals import NUMERAL_CHARS, chinese_to_int

INFO_END = "<!-- INFO END -->"
FILE_NAME = re.compile(r"^(?P<name>.+)[(](?P<date>\d{4}-\d{2}-\d{2})[)]\.md$")
DEPARTMENTAL_FOLDER = "部门规章"
# 第一百二十八条 / 第二十条之一 / 第一百二十八 条 (a stray space occurs in the corpus)
ARTICLE = re.compile(
    r"^第(?P<num>[^\s条章节编]{1,15}?)\s*条(?:之(?P<suffix>[^\s]{1,4}?))?(?:\s+(?P<rest>.*))?$"
)
DIVISION = re.compile(r"^第(?P<num>[^\s]{1,10}?)(?P<kw>分编|编|章|节)(?:\s+(?P<title>.*))?$")
# 第一百二十八 条侦查人员…: a space before 条 but none after it (a typo in the corpus)
ARTICLE_SPACED = re.compile(
    r"^第(?P<num>[零〇一二三四五六七八九十百千两0-9]{1,15})\s+条(?:之(?P<suffix>[一二三四五六七八九十]{1,4}))?\s*(?P<rest>.*)$"
)
HEADING = re.compile(r"^(?P<hashes>#{1,6})\s*(?P<text>.*)$")
# （一） (一) （一) 一、 — items (项); 1. 1、 1． — sub-items (目), kept inside the preceding item
ITEM = re.compile(
    r"^(?:[（(](?P<paren>[一二三四五六七八九十]+)[）)]|(?P<comma>[一二三四五六七八九十]+)、)\s*"
)
SUB_ITEM = re.compile(r"^\d+[.、．]")
CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")  # 总 则 → 总则
INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff\u2060"), None)
KEYWORD_LEVEL = {"编": "part", "分编": "subpart", "章": "chapter", "节": "section"}
LEVEL_DEPTH = {"part": 0, "subpart": 1, "chapter": 2, "section": 3}
CN_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")


@dataclass
class ParsedItem:
    number: int
    text: str
    line: int


@dataclass
class ParsedParagraph:
    number: int
    lines: list[str]
    items: list[ParsedItem] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass
class ParsedDivision:
    level: str
    number: int
    label: str
    title: str
    line: int
    parent: int | None  # index into ParsedLaw.divisions


@dataclass
class ParsedArticle:
    number: int
    suffix: int
    label: str
    line: int
    chapter: int | None  # index into ParsedLaw.divisions
    section: int | None
    paragraphs: list[ParsedParagraph] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(p.text for p in self.paragraphs)


@dataclass
class ParsedLaw:
    path: str
    name: str = ""
    title: str = ""
    effective_date: dt.date | None = None
    history: list[str] = field(default_factory=list)
    level: str = "law"
    category: str = ""
    issuer: str = ""
    content_hash: str = ""
    divisions: list[ParsedDivision] = field(default_factory=list)
    articles: list[ParsedArticle] = field(default_factory=list)
    heading_lines: int = 0  # lines that open an article, well-formed or not
    errors: list[dict[str, object]] = field(default_factory=list)
    warnings: list[dict[str, object]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and self.effective_date is not None and bool(self.name)

    def error(self, line: int, reason: str) -> None:
        self.errors.append({"file": self.path, "line": line, "reason": reason})

    def warn(self, line: int, reason: str) -> None:
        self.warnings.append({"file": self.path, "line": line, "reason": reason})


def clean(line: str) -> str:
    """The line without invisible characters and surrounding (also full-width) spaces."""
    return line.translate(INVISIBLE).strip().strip("\u3000").strip()


def _numeral(text: str) -> int | None:
    try:
        return chinese_to_int(text)
    except ValueError:
        return None


def classify_folder(path: Path) -> tuple[str, str, str]:
    """(level, category, issuer) from the folders: 部门规章/<ministry>/x.md is a departmental
    rule of that ministry; 行政法/x.md a law of category 行政法."""
    parent = path.parent.name
    grandparent = path.parent.parent.name
    if grandparent == DEPARTMENTAL_FOLDER:
        return "departmental_rule", f"{DEPARTMENTAL_FOLDER}/{parent}", parent
    if parent == DEPARTMENTAL_FOLDER:
        return "departmental_rule", DEPARTMENTAL_FOLDER, ""
    return "law", parent, ""


def _issuer_from_history(history: list[str]) -> str:
    for line in history:
        for body in ("全国人民代表大会常务委员会", "全国人民代表大会", "国务院"):
            if body in line:
                return body
    return ""


def _history_dates(history: list[str]) -> list[dt.date]:
    dates = []
    for line in history:
        for y, m, d in CN_DATE.findall(unicodedata.normalize("NFKC", line)):
            try:
                dates.append(dt.date(int(y), int(m), int(d)))
            except ValueError:
                continue
    return dates


def parse_file(path: str | Path) -> ParsedLaw:
    path = Path(path)
    parsed = ParsedLaw(path=str(path))
    try:
        raw = path.read_bytes()
    except OSError as exc:
        parsed.error(0, f"无法读取文件：{exc.strerror or exc}")
        return parsed
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        parsed.error(0, "文件不是 UTF-8 编码")
        return parsed
    parsed.content_hash = hashlib.sha256(raw).hexdigest()
    return parse_text(text, path, parsed)


def parse_text(text: str, path: Path, parsed: ParsedLaw | None = None) -> ParsedLaw:
    if parsed is None:
        parsed = ParsedLaw(path=str(path), content_hash=hashlib.sha256(text.encode()).hexdigest())
    match = FILE_NAME.match(path.name)
    if not match:
        parsed.error(0, "文件名应为“名称(YYYY-MM-DD).md”")
    else:
        parsed.name = match["name"].strip()
        try:
            parsed.effective_date = dt.date.fromisoformat(match["date"])
        except ValueError:
            parsed.error(0, f"文件名中的日期无效：{match['date']}")
    parsed.level, parsed.category, parsed.issuer = classify_folder(path)

    lines = text.splitlines()
    body_start = _parse_header(parsed, lines)
    if body_start is None:
        return parsed
    if not parsed.issuer:
        parsed.issuer = _issuer_from_history(parsed.history)
    if parsed.effective_date and parsed.history:
        dates = _history_dates(parsed.history)
        if dates and parsed.effective_date not in dates:
            parsed.warn(0, f"文件名日期 {parsed.effective_date} 不在制定修改沿革中")
    _parse_body(parsed, lines, body_start)
    return parsed


def _parse_header(parsed: ParsedLaw, lines: list[str]) -> int | None:
    """Title and history; the index of the first body line, or None when the header is broken."""
    end = next((i for i, line in enumerate(lines) if line.strip() == INFO_END), None)
    if end is None:
        parsed.error(0, f"缺少 {INFO_END} 分隔行")
        return None
    title_line = None
    for i in range(end):
        line = clean(lines[i])
        if not line:
            continue
        heading = HEADING.match(line)
        if title_line is None:
            if not heading or len(heading["hashes"]) != 1 or not heading["text"].strip():
                parsed.error(i + 1, "第一行应为“# 标题”")
                return None
            parsed.title = heading["text"].strip()
            title_line = i
            continue
        parsed.history.append(line)
    if title_line is None:
        parsed.error(1, "缺少“# 标题”")
        return None
    return end + 1


def _parse_body(parsed: ParsedLaw, lines: list[str], start: int) -> None:
    current: dict[str, int | None] = {"part": None, "subpart": None, "chapter": None, "section": None}
    article: ParsedArticle | None = None
    seen: dict[tuple[int, int], int] = {}
    for index in range(start, len(lines)):
        number = index + 1
        line = clean(lines[index])
        if not line:
            continue
        heading = HEADING.match(line)
        content = heading["text"].strip() if heading else line
        division = DIVISION.match(content)
        if division and (heading or division["title"]) and division["num"][0] in NUMERAL_CHARS:
            value = _numeral(division["num"])
            if value is None:
                parsed.error(number, f"无法识别的{division['kw']}序号：{content[:30]}")
                article = None
                continue
            level = KEYWORD_LEVEL[division["kw"]]
            depth = LEVEL_DEPTH[level]
            parent = None
            for lv in ("part", "subpart", "chapter", "section"):
                if LEVEL_DEPTH[lv] < depth and current[lv] is not None:
                    parent = current[lv]
            parsed.divisions.append(
                ParsedDivision(
                    level=level,
                    number=value,
                    label=f"第{division['num']}{division['kw']}",
                    title=CJK_GAP.sub("", (division["title"] or "").strip()),
                    line=number,
                    parent=parent,
                )
            )
            current[level] = len(parsed.divisions) - 1
            for lv, lv_depth in LEVEL_DEPTH.items():
                if lv_depth > depth:
                    current[lv] = None
            article = None
            continue
        if heading:  # some other heading (annex, table title): ends the article before it
            article = None
            continue
        head = ARTICLE.match(line) or ARTICLE_SPACED.match(line)
        if head and head["num"][0] in NUMERAL_CHARS:
            parsed.heading_lines += 1
            article = _start_article(parsed, head, number, current, seen)
            continue
        if article is None:
            continue  # preamble, repeated title, annex text: not part of any article
        _add_line(article, line, number)


def _start_article(
    parsed: ParsedLaw,
    head: re.Match[str],
    number: int,
    current: dict[str, int | None],
    seen: dict[tuple[int, int], int],
) -> ParsedArticle | None:
    value = _numeral(head["num"])
    if value is None or value == 0:
        parsed.error(number, f"无法识别的条号：第{head['num']}条")
        return None
    suffix = 0
    if head["suffix"]:
        suffix_value = _numeral(head["suffix"])
        if not suffix_value:
            parsed.error(number, f"无法识别的条号：第{head['num']}条之{head['suffix']}")
            return None
        suffix = suffix_value
    key = (value, suffix)
    label = f"第{head['num']}条" + (f"之{head['suffix']}" if suffix else "")
    if key in seen:
        parsed.error(number, f"{label}重复（第 {seen[key]} 行已有）")
        return None
    if parsed.articles:
        last = parsed.articles[-1]
        if key < (last.number, last.suffix):
            parsed.warn(number, f"{label}排在{last.label}之后")
    seen[key] = number
    article = ParsedArticle(
        number=value,
        suffix=suffix,
        label=label,
        line=number,
        chapter=current["chapter"],
        section=current["section"],
    )
    parsed.articles.append(article)
    rest = (head["rest"] or "").strip()
    if rest:
        _add_line(article, rest, number)
    return article


def _add_line(article: ParsedArticle, line: str, number: int) -> None:
    item = ITEM.match(line)
    if item and article.paragraphs:
        paragraph = article.paragraphs[-1]
        paragraph.lines.append(line)
        paragraph.items.append(ParsedItem(len(paragraph.items) + 1, line, number))
        return
    if SUB_ITEM.match(line) and article.paragraphs and article.paragraphs[-1].items:
        paragraph = article.paragraphs[-1]
        paragraph.lines.append(line)
        last = paragraph.items[-1]
        last.text = f"{last.text}\n{line}"
        return
    article.paragraphs.append(ParsedParagraph(len(article.paragraphs) + 1, [line]))
