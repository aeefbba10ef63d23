"""Extracting penalty provisions from the 法律责任 articles of a law.

Interface shared by the importer (which calls `extract_article` for every article of a
法律责任 chapter and stores the result through its action) and the measurement code. The
extractor is pure: text in, dataclasses out, no database.

Rules (see docs/laws.md, "Penalty provision extraction"):

- One provision per paragraph (款) that imposes an administrative penalty. When the paragraph
  lists the conduct as items (有下列情形之一的 … （一）… （二）…), one provision per item: each
  item is a separate punishable conduct (and a separate entry of a powers list), all sharing the
  paragraph's department, penalty kinds and fine ranges.
- A paragraph that punishes "依照前款/第N款规定" takes the penalty kinds, fine ranges (and the
  department when it names none) of that paragraph of the same article.
- 责令改正 / 责令停止违法行为 / 处分 / 刑事责任 / 民事责任 are not administrative penalties: a
  paragraph with nothing else yields no provision.
- Fine ranges carry the condition clause that selects them (货值金额不足一万元的, 拒不改正的,
  逾期未改正的 …) and `aggravated` when they follow an aggravation clause (情节严重的,
  情节特别严重的, 情节较重的, 有其他严重情节的, 造成严重后果的 …). The aggravation clause is not
  repeated as the condition. Conditions and aggravation hold until the next "；" or "。".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from zhifa.laws.amounts import KNOWN_BASES, parse_range


@dataclass
class ExtractedFineRange:
    kind: str  # "fixed" | "multiple" (FineRangeKind)
    minimum: Decimal | None  # yuan for fixed, the multiple for "multiple"
    maximum: Decimal | None
    base: str = ""  # 货值金额 / 违法所得 / … for multiples
    condition: str = ""  # 货值金额不足一万元的
    aggravated: bool = False  # 情节严重的 …
    party_kind: str = ""  # 单位 / 个人 / 直接负责的主管人员和其他直接责任人员 …
    text: str = ""  # the words the range was read from


@dataclass
class ExtractedProvision:
    paragraph_number: int | None  # 款, 1-based; None when the article has one paragraph
    item_number: int | None  # 项, when the provision is one item's conduct
    conduct: str  # the conduct punished
    department: str  # the responsible department as written
    penalty_kinds: list[str] = field(default_factory=list)  # PenaltyKind values
    fine_ranges: list[ExtractedFineRange] = field(default_factory=list)
    text: str = ""
    reference: str = ""  # 前款 / 第一款 / 本法第X条: where the penalty is borrowed from


# --- penalty kinds ---------------------------------------------------------------------------

KIND_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("warning", re.compile(r"警告")),
    ("circulated_criticism", re.compile(r"通报批评")),
    ("fine", re.compile(r"处[^，；。]*?罚款|罚款[^，；。]*?元")),
    ("suspend_licence", re.compile(r"暂扣[^，；。]{0,20}?(?:证|照)")),
    ("downgrade_qualification", re.compile(r"降低[^，；。]{0,6}?资质等级")),
    (
        "revoke_licence",
        re.compile(r"吊销|(?:撤销|取消)[^，；。]{0,12}?(?:资格|许可|批准文件|证书|执照|资质)"),
    ),
    (
        "restrict_business",
        re.compile(r"限制(?:开展)?生产(?:经营)?|限制[^，；。]{0,4}经营活动|暂停[^，；。]{0,10}?业务"),
    ),
    ("suspend_business", re.compile(r"停产停业|停业整顿|停产整顿|停产整治|责令停业|停止营业|暂停营业")),
    ("close", re.compile(r"关闭")),
    ("restrict_practice", re.compile(r"不得(?:从事|担任)|禁止从事|职业禁入|行业禁入|限制从业")),
    ("detention", re.compile(r"拘留")),
]
KIND_ORDER = [kind for kind, _ in KIND_PATTERNS[:2]] + [
    "fine",
    "confiscate_gains",
    "confiscate_property",
    *[kind for kind, _ in KIND_PATTERNS[3:]],
]
GAINS_WORDS = ("所得", "收入", "广告费用")
PROPERTY_WORDS = (
    "食品",
    "产品",
    "物品",
    "工具",
    "设备",
    "原料",
    "财物",
    "药品",
    "商品",
    "器材",
    "器械",
    "车辆",
    "材料",
    "包装",
    "添加剂",
    "用具",
    "装置",
    "设施",
)
CONFISCATION = re.compile(r"没收(?P<object>[^，；。]*)|(?P<clause>[^，；。]*)予以没收")


def confiscation_kinds(text: str) -> set[str]:
    """没收 splits in two: illegal gains (违法所得, 违法收入, 广告费用) and illegal property
    (products, tools, equipment, raw materials …); one phrase may confiscate both."""
    kinds: set[str] = set()
    for match in CONFISCATION.finditer(text):
        words = match.group("object") if match.group("object") is not None else match.group("clause")
        if any(word in words for word in GAINS_WORDS):
            kinds.add("confiscate_gains")
        if any(word in words for word in PROPERTY_WORDS) or (match.group("clause") is not None and not kinds):
            kinds.add("confiscate_property")
    return kinds


def penalty_kinds(text: str) -> list[str]:
    """The Art. 9 categories a penalty text imposes, in a stable order."""
    found = {kind for kind, pattern in KIND_PATTERNS if pattern.search(text)}
    found |= confiscation_kinds(text)
    return [kind for kind in KIND_ORDER if kind in found]


# --- clauses, conduct and department --------------------------------------------------------

BOILERPLATE = re.compile(
    r"^(?:违反本(?:法|条例|规定|办法)(?:的)?规定|尚不构成犯罪(?:的)?|"
    r"(?:有|具有)下列(?:情形|行为|违法行为)之一(?:的)?|构成犯罪的|除[^，；。]*外)$"
)
LIST_LEAD = re.compile(r"(?:有|具有)下列(?:情形|行为|违法行为)之一")
PENALTY_START = re.compile(
    r"^(?:由|对|责令|处|并处|没收|给予|吊销|暂扣|可以|依照|依法|予以|除依照|除由|应当|按照|"
    r"[^，；。]{0,40}?(?:部门|机关)(?:责令|给予|处|没收|依照|对))"
)
DEPARTMENT = re.compile(
    r"由(?P<d>[^，；。：由]{2,60}?(?:部门|机关|机构|人民政府|委员会|局|所|院))"
    r"(?=依照|依据|按照|责令|给予|处|没收|吊销|暂扣|对|予以|决定|，|；|。|$)"
)
DEPARTMENT_BARE = re.compile(
    r"(?:^|[，；])(?P<d>[^，；。：由]{2,60}?(?:部门|机关))(?=责令|给予|处|没收|依照|对其?)"
)
REFERENCE = re.compile(
    r"依照(?P<ref>前款|第(?P<n>[一二三四五六七八九十]+)款|本法第[^，；。]{1,30}?条)(?:的)?规定(?:给予)?(?:处罚|处理)"
)
CLAUSE_SPLIT = re.compile(r"[，；：:。]")


@dataclass
class Clause:
    text: str
    start: int
    end: int


def clauses(text: str) -> list[Clause]:
    """The comma-delimited clauses of a sentence with their offsets."""
    result, start = [], 0
    for match in CLAUSE_SPLIT.finditer(text + "。"):
        if match.start() > start:
            result.append(Clause(text[start : match.start()], start, match.start()))
        start = match.end()
    return result


def split_conduct(lead: str) -> tuple[str, str]:
    """(conduct, penalty part) of a paragraph's lead sentence: the conduct runs up to the first
    clause that starts the sanction (由…部门, 责令, 处, 没收 …), minus boilerplate clauses."""
    kept: list[str] = []
    for clause in clauses(lead):
        if PENALTY_START.match(clause.text):
            return "，".join(kept).removesuffix("的"), lead[clause.start :]
        if not BOILERPLATE.match(clause.text):
            kept.append(clause.text)
    return "，".join(kept).removesuffix("的"), ""


def find_department(penalty_text: str) -> str:
    """The department as written: 由X部门…, or X部门责令/处… without 由."""
    match = DEPARTMENT.search(penalty_text) or DEPARTMENT_BARE.search(penalty_text)
    return match.group("d").strip() if match else ""


# --- fine ranges ------------------------------------------------------------------------------

AGGRAVATION = re.compile(
    r"情节(?:特别|较为|较)?严重|情节较重|严重情节|(?:造成|导致)[^，；。]{0,10}?(?:严重|重大|特别重大)|后果严重"
)
FINE = re.compile(r"处(?:以)?(?P<expr>[^，；。处]*?)(?:的)?罚款")
PARTY = re.compile(r"(?:^|部门|机关|并)对(?:其)?(?P<p>[^，；。]{1,30}?)(?=处|并处|给予|没收|可以|$)")
LONG_ASIDE = re.compile(r"（[^）]*[，、][^）]*）")  # （包括已售出和未售出的产品，下同）
CONDITION_HEAD = re.compile("|".join(KNOWN_BASES))


def shorten_condition(clause: str) -> str:
    """`违法生产经营的食品、食品添加剂货值金额不足一万元的` → `货值金额不足一万元的`: the goods
    named before the base only repeat the conduct."""
    match = CONDITION_HEAD.search(clause)
    if match and "的" in clause[: match.start()] and "或者" not in clause[: match.start()]:
        return clause[match.start() :]
    return clause


def is_condition(clause: str) -> bool:
    """A clause ending in 的 that imposes nothing: it selects what follows."""
    return clause.endswith("的") and not FINE.search(clause) and not penalty_kinds(clause)


def fine_ranges(penalty_text: str) -> list[ExtractedFineRange]:
    """Every fine of the penalty part, with the condition, aggravation and party in force at
    its place. State is kept per segment (between "；"/"。") because the statutes restart
    their conditions there (…不足一万元的，并处…；货值金额一万元以上的，并处…)."""
    ranges: list[ExtractedFineRange] = []
    penalty_text = LONG_ASIDE.sub("", penalty_text)
    for segment in re.split(r"[；。：:]", penalty_text):
        condition, aggravated, party = "", False, ""
        for clause in clauses(segment):
            text = clause.text
            party_match = PARTY.search(text)
            if party_match:
                party = party_match.group("p")
            if is_condition(text):
                if AGGRAVATION.search(text):
                    aggravated = True
                else:
                    condition = shorten_condition(text)
                continue
            for fine in FINE.finditer(text):
                parsed = parse_range(fine.group("expr"))
                if parsed is None:
                    continue
                ranges.append(
                    ExtractedFineRange(
                        kind=parsed.kind,
                        minimum=parsed.minimum,
                        maximum=parsed.maximum,
                        base=parsed.base,
                        condition=condition,
                        aggravated=aggravated,
                        party_kind=normalise_party(party),
                        text=fine.group(0),
                    )
                )
    return ranges


def normalise_party(party: str) -> str:
    """`其直接负责的主管人员和其他直接责任人员` and `单位` as written, without 其 and trailing 的."""
    return party.strip().removeprefix("其").removesuffix("的")


# --- paragraphs and items ---------------------------------------------------------------------

ITEM = re.compile(
    r"^(?:[（(](?P<n>[一二三四五六七八九十]+)[）)]|(?P<m>[一二三四五六七八九十]+)、)\s*(?P<text>.*)$"
)
SUB_ITEM = re.compile(r"^\d+[.、．]")  # 目: stays inside its item
CN_SMALL = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


def small_number(text: str) -> int:
    """Item and paragraph numbers (一 … 九十九)."""
    if "十" not in text:
        return CN_SMALL[text]
    tens, _, units = text.partition("十")
    return (CN_SMALL[tens] if tens else 1) * 10 + (CN_SMALL[units] if units else 0)


def split_items(paragraph: str) -> tuple[str, list[tuple[int, str]]]:
    """(lead sentence, [(item number, item text)]) of a paragraph whose items are lines."""
    lines = [line.strip() for line in paragraph.splitlines() if line.strip()]
    lead_lines, items = [], []
    for line in lines:
        match = ITEM.match(line)
        if match and (items or lead_lines):
            items.append((small_number(match.group("n") or match.group("m")), match.group("text")))
        elif items and SUB_ITEM.match(line):
            number, text = items[-1]
            items[-1] = (number, f"{text}\n{line}")
        elif items:
            lead_lines.append(line)  # a closing sentence after the items stays with the lead
        else:
            lead_lines.append(line)
    return "".join(lead_lines), items


def item_conduct(text: str) -> str:
    return text.strip().rstrip("；;。.，").removesuffix("的")


def reference_number(ref: str, paragraph_number: int) -> int | None:
    if ref == "前款":
        return paragraph_number - 1
    match = re.fullmatch(r"第([一二三四五六七八九十]+)款", ref)
    return small_number(match.group(1)) if match else None


def extract_paragraph(paragraph: str, number: int) -> tuple[list[ExtractedProvision], str]:
    """The provisions of one paragraph (before references are resolved) and its reference."""
    lead, items = split_items(paragraph)
    conduct, penalty_text = split_conduct(lead)
    penalty_text = LONG_ASIDE.sub("", penalty_text)
    reference = REFERENCE.search(penalty_text)
    kinds = penalty_kinds(penalty_text)
    if not kinds and not reference:
        return [], ""
    ranges = fine_ranges(penalty_text)
    if items and not LIST_LEAD.search(lead):
        # 依照下列规定处以罚款：（一）发生一般事故的，处…: the items are graded penalties
        item_text = "；".join(text for _, text in items)
        ranges += fine_ranges(item_text)
        kinds = [kind for kind in KIND_ORDER if kind in set(kinds) | set(penalty_kinds(item_text))]
    common = {
        "paragraph_number": number,
        "department": find_department(penalty_text),
        "penalty_kinds": kinds,
        "fine_ranges": ranges,
        "reference": reference.group("ref") if reference and not kinds else "",
    }
    if items and LIST_LEAD.search(lead):
        return [
            ExtractedProvision(item_number=n, conduct=item_conduct(text), text=f"{lead}\n{text}", **common)
            for n, text in items
        ], common["reference"]
    return [ExtractedProvision(item_number=None, conduct=conduct, text=lead, **common)], common["reference"]


def resolve_reference(
    provision: ExtractedProvision, by_paragraph: dict[int, list[ExtractedProvision]]
) -> None:
    """Borrow the kinds, ranges and (if unnamed) department of the referenced paragraph."""
    target_number = reference_number(provision.reference, provision.paragraph_number or 1)
    targets = by_paragraph.get(target_number or 0)
    if not targets:
        return
    source = targets[0]
    provision.penalty_kinds = list(source.penalty_kinds)
    provision.fine_ranges = [ExtractedFineRange(**vars(r)) for r in source.fine_ranges]
    provision.department = provision.department or source.department


def extract_article(law_name: str, article_label: str, paragraphs: list[str]) -> list[ExtractedProvision]:
    """The penalty provisions of one article given its paragraphs (items stay inside their
    paragraph's text, one per line as in the source). Articles that punish nothing yield []."""
    by_paragraph: dict[int, list[ExtractedProvision]] = {}
    result: list[ExtractedProvision] = []
    for number, paragraph in enumerate(paragraphs, start=1):
        provisions, _ = extract_paragraph(paragraph, number)
        for provision in provisions:
            if provision.reference:
                resolve_reference(provision, by_paragraph)
            if len(paragraphs) == 1:
                provision.paragraph_number = None
        if provisions:
            by_paragraph[number] = provisions
        result.extend(provisions)
    return result
