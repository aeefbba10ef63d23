"""行政复议与应诉 system (hz_fyys): a JSON array of reconsideration and court cases against the
综合行政执法 decisions, with pinyin-initial keys, dates as ``2025-03-14`` and Chinese outcome
names. Most are upheld or dismissed; some decisions are changed, revoked or found unlawful (the
correction rate)."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

from zhifa.exchange.demo_sources import common as c
from zhifa.exchange.demo_sources import urban_decisions
from zhifa.exchange.demo_sources.world import DemoWorld

SOURCE = "hz_fyys"
FAMILY = "review"
BAD_KINDS = (c.CHECK_DIGIT, c.UNKNOWN_AGENCY, c.DATE_ORDER, c.INVALID_DATE, c.UNKNOWN_CODE, c.DUPLICATE)
OUTCOMES = (
    ("维持", 0.55),
    ("驳回", 0.12),
    ("撤回", 0.08),
    ("调解", 0.03),
    ("变更", 0.06),
    ("撤销", 0.08),
    ("撤销并责令重作", 0.04),
    ("确认违法", 0.04),
)
REASONS = {
    "维持": "被申请人认定事实清楚，证据确凿，适用依据正确，程序合法，内容适当，予以维持。",
    "驳回": "原告的诉讼请求缺乏事实和法律依据，判决驳回。",
    "撤回": "申请人撤回申请，本案终止。",
    "调解": "经调解，双方达成和解。",
    "变更": "处罚明显不当，依法变更罚款数额。",
    "撤销": "认定事实的主要证据不足，依法撤销。",
    "撤销并责令重作": "程序违法，撤销原决定并责令重新作出。",
    "确认违法": "未依法送达告知书，确认该行为违法。",
}
YMD = "%Y-%m-%d"


def reviews_at(decisions: int) -> int:
    """About one decision in thirty is challenged."""
    return max(150, decisions // 30)


def _d(day: dt.date) -> str:
    return day.strftime(YMD)


def _record(rng: random.Random, decision: dict, index: int) -> dict:
    kind_, credit, idno, name = decision["dsr"].split("|")
    decided = dt.datetime.strptime(decision["wsxx"].split("|")[1], "%Y%m%d").date()
    region = decision["zfztdm"][2:8]
    litigation = rng.random() < 0.3
    filed = decided + dt.timedelta(days=rng.randint(15, 55) if not litigation else rng.randint(40, 150))
    accepted = filed + dt.timedelta(days=rng.randint(1, 5))
    concluded = accepted + dt.timedelta(days=rng.randint(25, 58) if not litigation else rng.randint(60, 170))
    outcome = rng.choices([o for o, _ in OUTCOMES], [w for _, w in OUTCOMES])[0]
    if outcome == "驳回" and not litigation:
        outcome = "维持"
    county = (
        "湖州市人民政府"
        if region.endswith("00")
        else f"{'湖州市' if region in ('330502', '330503') else ''}{c.REGION_NAMES.get(region, '')}人民政府"
    )
    return {
        "id": f"FYYS-{c.YEAR}-{index:05d}",
        "ajh": (
            f"（{filed.year}）浙{region[2:6]}行初{index}号"
            if litigation
            else f"湖政复〔{filed.year}〕{index}号"
        ),
        "lb": "诉讼" if litigation else "复议",
        "sj": "一审" if litigation else "",
        "jgmc": (f"{c.REGION_NAMES.get(region, '湖州市')}人民法院" if litigation else county),
        "bsqr": decision["zfztdm"],
        "xwlb": "处罚",
        "wh": decision["wsxx"].split("|")[0],
        "qlbm": decision["qlbm"],
        "sqrlx": "单位" if kind_ == "DW" else "个人",
        "sqrmc": name,
        "tyshxydm": credit,
        "sfzh": idno,
        "sqrq": _d(filed),
        "slrq": _d(accepted),
        "jarq": _d(concluded),
        "jg": outcome,
        "jgzy": REASONS[outcome],
        "gxsj": f"{_d(concluded)} 16:30:00",
    }


def _spoil(rng: random.Random, ctx: dict, record: dict, kind: str) -> dict:
    record = dict(record)
    if kind == c.CHECK_DIGIT:
        if record["tyshxydm"]:
            record["tyshxydm"] = c.wrong_check_digit(record["tyshxydm"])
        else:
            record["sfzh"] = record["sfzh"][:17] + ("0" if record["sfzh"][17] != "0" else "1")
    elif kind == c.UNKNOWN_AGENCY:
        code = c.unknown_agency_code(rng)
        while code in ctx["known"]:
            code = c.unknown_agency_code(rng)
        record["bsqr"] = code
    elif kind == c.DATE_ORDER:
        filed = dt.datetime.strptime(record["sqrq"], YMD)
        record["jarq"] = _d(filed - dt.timedelta(days=rng.randint(3, 20)))
    elif kind == c.INVALID_DATE:
        record["sqrq"] = f"{c.YEAR}-13-{rng.randint(10, 28)}"
    elif kind == c.UNKNOWN_CODE:
        record["jg"] = rng.choice(("待定", "中止"))
    return record


def write(world: DemoWorld, path: Path, count: int, rng: random.Random) -> tuple[int, list[c.BadRow]]:
    """`count` challenges of decisions of the decision export written before."""
    decided = urban_decisions.DECIDED
    ctx = {"known": {a.code for a in world.agencies}}
    plan = c.BadPlan(rng, BAD_KINDS, count)
    good, last = 0, None
    with path.open("w", encoding="utf-8") as handle:
        handle.write("[\n")
        for index in range(1, count + 1):
            kind = plan.draw(index)
            if kind == c.DUPLICATE:
                text = last
            else:
                record = _record(rng, rng.choice(decided), index)
                text = json.dumps(_spoil(rng, ctx, record, kind) if kind else record, ensure_ascii=False)
                if not kind:
                    last, good = text, good + 1
            handle.write(("" if index == 1 else ",\n") + text)
            if kind:
                plan.record(index, kind)
        handle.write("\n]\n")
    return good, plan.planted
