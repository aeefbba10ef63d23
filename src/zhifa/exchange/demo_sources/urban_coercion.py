"""综合行政执法 coercion records (hz_zhzf_qzcs): a UTF-8 CSV with pinyin-initial headers, dates
as ``2025-03-14``, Chinese category, kind and status names. Seals and seizures of the county
bureaus (30 days, Art. 25 of the 行政强制法; some extended, a few held past the term: planted),
and the enforcement of unpaid fines of the decision system (加处罚款 / 划拨存款), which refer to
the decision's source id."""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

from zhifa.exchange.demo_sources import common as c
from zhifa.exchange.demo_sources import urban_decisions
from zhifa.exchange.demo_sources.world import DemoWorld

SOURCE = "hz_zhzf_qzcs"
FAMILY = "coercion"
DOMAIN = "urban_management"
HEADER = (
    "ID",
    "WSBH",
    "QZLB",
    "QZZL",
    "ZFZTDM",
    "ZFZTMC",
    "QLBM",
    "DSRLX",
    "DSRMC",
    "TYSHXYDM",
    "SFZH",
    "ZFRY",
    "GLAJ",
    "PZRQ",
    "SSRQ",
    "JZRQ",
    "YCRQ",
    "JCRQ",
    "SWMS",
    "JE",
    "FLYJ",
    "ZT",
    "GXSJ",
)
BAD_KINDS = (
    c.CHECK_DIGIT,
    c.UNKNOWN_AGENCY,
    c.DATE_ORDER,
    c.MALFORMED,
    c.INVALID_DATE,
    c.UNKNOWN_CODE,
    c.DUPLICATE,
)
PROPERTY = (
    "占道经营的摊位设施及货物",
    "违法运输的渣土车辆",
    "擅自设置的户外广告牌",
    "违规堆放的建筑材料",
    "无证经营的流动餐车",
)
# Planted (`common.PlantPlan`): a seal or seizure held past its 30 days without an extension.
PLANTS = {"overdue": 0.01}
ENFORCED_SHARE = 0.85  # unpaid fines the system then enforced
YMD = "%Y-%m-%d"


def measures_at(decisions: int) -> int:
    """Seals and seizures per year: about one for eight penalty decisions."""
    return max(150, decisions // 8)


def _d(day: dt.date | dt.datetime | None) -> str:
    return day.strftime(YMD) if day else ""


def _measure(rng: random.Random, ctx: dict, plant: str | None) -> list:
    agency = rng.choice(ctx["agencies"])
    entity = rng.choice(ctx["entities"][agency.code])
    power = rng.choice(ctx["powers"][agency.code])
    start = c.moment(rng, rng.randrange(c.YEAR_DAYS - 90)).date()
    term = start + dt.timedelta(days=29)
    extended = None
    roll = rng.random()
    if plant == "overdue":
        ended = start + dt.timedelta(days=rng.randint(38, 70)) if rng.random() < 0.6 else None
    elif roll < 0.12:
        extended = term + dt.timedelta(days=30)
        ended = start + dt.timedelta(days=rng.randint(31, 58))
    else:
        ended = start + dt.timedelta(days=rng.randint(3, 29))
    status = "实施中" if ended is None else rng.choice(("已解除", "已解除", "已转处理"))
    kind = rng.choice(("查封", "扣押", "扣押"))
    return [
        "",
        "",
        "措施",
        kind,
        agency.code,
        agency.name,
        power.code,
        "单位" if entity.kind == "enterprise" else "个人",
        entity.name,
        entity.credit_code or "",
        entity.id_number or "",
        ";".join(c.pick_officers(rng, ctx["officers"][agency.code], single_share=0)),
        "",
        _d(start),
        _d(start),
        _d(term),
        _d(extended),
        _d(ended),
        rng.choice(PROPERTY),
        float(rng.randint(5, 300) * 100),
        "；".join(power.legal_basis[:1]) or power.name,
        status,
        f"{_d(ended or start)} 18:00:00",
    ]


def _execution(rng: random.Random, ctx: dict, decision: dict) -> list:
    kind_, credit, idno, name = decision["dsr"].split("|")
    due = dt.datetime.strptime(decision["jkxx"].split("~")[0], "%Y%m%d").date()
    start = due + dt.timedelta(days=rng.randint(3, 30))
    ended = start + dt.timedelta(days=rng.randint(1, 20))
    agency = decision["zfztdm"]
    return [
        "",
        "",
        "执行",
        rng.choice(("加处罚款", "加处罚款", "划拨存款")),
        agency,
        decision["zfztmc"],
        "",
        "单位" if kind_ == "DW" else "个人",
        name,
        credit,
        idno,
        "",
        decision["id"],
        _d(start),
        _d(start),
        "",
        "",
        _d(ended),
        "逾期未缴纳的罚款",
        decision["fkje"],
        "《中华人民共和国行政处罚法》第七十二条",
        "执行完毕",
        f"{_d(ended)} 17:00:00",
    ]


def _context(world: DemoWorld) -> dict:
    agencies = [a for a in world.agencies_in(DOMAIN) if world.powers_of(a.code, "coercion")]
    if not agencies:  # a small city without them: the agencies that hold coercion powers
        agencies = [a for a in world.agencies if world.powers_of(a.code, "coercion")]
    powers = {a.code: world.powers_of(a.code, "coercion") for a in agencies}
    return {
        "agencies": agencies,
        "powers": powers,
        "officers": {a.code: c.officer_pool(world, a, powers[a.code][0].domain) for a in agencies},
        "entities": {a.code: c.local_entities(world, a, world.entities) for a in agencies},
        "known": {a.code for a in world.agencies},
    }


def _spoil(rng: random.Random, ctx: dict, row: list, kind: str) -> list:
    row = list(row)
    if kind == c.CHECK_DIGIT:
        if row[9]:
            row[9] = c.wrong_check_digit(row[9])
        else:
            row[10] = row[10][:17] + ("0" if row[10][17] != "0" else "1")
    elif kind == c.UNKNOWN_AGENCY:
        code = c.unknown_agency_code(rng)
        while code in ctx["known"]:
            code = c.unknown_agency_code(rng)
        row[4] = code
    elif kind == c.DATE_ORDER:
        start = dt.datetime.strptime(row[14], YMD)
        row[17] = _d(start - dt.timedelta(days=rng.randint(2, 9)))
    elif kind == c.INVALID_DATE:
        row[14] = f"{c.YEAR}-13-{rng.randint(10, 28)}"
    elif kind == c.UNKNOWN_CODE:
        row[21] = rng.choice(("待审批", "异常"))
    return row


def write(world: DemoWorld, path: Path, count: int, rng: random.Random) -> tuple[int, list[c.BadRow]]:
    """`count` seals and seizures, then the enforcement of most unpaid fines of the decision
    export written before (`urban_decisions.UNPAID`)."""
    ctx = _context(world)
    plants = c.PlantPlan(rng, PLANTS, count)
    rows = [_measure(rng, ctx, plants.draw(i)) for i in range(1, count + 1)] if ctx["agencies"] else []
    rows += [_execution(rng, ctx, d) for d in urban_decisions.UNPAID if rng.random() < ENFORCED_SHARE]
    total = len(rows)
    plan = c.BadPlan(rng, BAD_KINDS, total)
    good, last = 0, None
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        for index, row in enumerate(rows, start=1):
            row[0] = f"QZ{c.YEAR}{index:07d}"
            row[1] = f"湖综执强字〔{c.YEAR}〕第{index:05d}号"
            kind = plan.draw(index)
            if kind == c.MALFORMED:
                handle.write(f"{row[0]},{row[1]},数据截断\n")
            elif kind == c.DUPLICATE:
                writer.writerow(last)
            else:
                writer.writerow(_spoil(rng, ctx, row, kind) if kind else row)
                if not kind:
                    last, good = row, good + 1
            if kind:
                plan.record(index + 1, kind)
    return good, plan.planted
