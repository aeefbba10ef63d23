"""交通运输 licensing system (hz_jtys_xk): a UTF-8 CSV with a byte-order mark, ``;`` as the
delimiter, 政务数据 pinyin-initial headers (XKZH, XDR_MC …), dates as ``2025-03-14`` and the
validity period as one field ``2025.03.14至2031.03.13``."""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

from zhifa.exchange.demo_sources import common as c
from zhifa.exchange.demo_sources.world import AgencyRef, DemoWorld

SOURCE = "hz_jtys_xk"
FAMILY = "licence"
DOMAIN = "transport"
HEADER = (
    "ID",
    "XKZH",
    "XKZL",
    "XKJG_DM",
    "XKJG_MC",
    "SXBM",
    "XDR_LB",
    "XDR_MC",
    "XDR_TYSHXYDM",
    "XDR_SFZH",
    "SQRQ",
    "SLRQ",
    "FZRQ",
    "YXQ",
    "XKFW",
    "ZT",
    "GXSJ",
    "BZ",
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
ENTERPRISE_LICENCES = (
    ("道路运输经营许可证", "道路普通货物运输", 4),
    ("道路运输经营许可证", "道路旅客运输（县内班车客运）", 4),
    ("网络预约出租汽车经营许可证", "网络预约出租汽车客运", 4),
    ("机动车维修经营备案", "二类机动车维修", 6),
    ("道路运输证", "营运车辆（货运）", 8),
)
PERSON_LICENCES = (
    ("道路运输从业人员从业资格证", "经营性道路货物运输驾驶员", 6),
    ("网络预约出租汽车驾驶员证", "网约车驾驶员", 6),
    ("巡游出租汽车驾驶员证", "巡游出租汽车驾驶员", 6),
)
STATUS = (("有效", 0.9), ("注销", 0.05), ("暂扣", 0.02), ("吊销", 0.01), ("撤销", 0.02))
DOT = "%Y.%m.%d"
# Planted (share of rows, at least two; `common.PlantPlan`): decided long after the 20 + 10
# working days of 行政许可法 Art. 42.
PLANTS = {"late": 0.002}


def _context(world: DemoWorld) -> dict:
    agencies = world.agencies_in(DOMAIN) or world.agencies[:1]
    return {
        "agencies": agencies,
        "powers": {a.code: world.powers_of(a.code, "licence") for a in agencies},
        "entities": {a.code: c.local_entities(world, a, world.entities) for a in agencies},
        "known": {a.code for a in world.agencies},
    }


def _row(rng: random.Random, ctx: dict, index: int, plant: str | None = None) -> list[str]:
    agency: AgencyRef = rng.choice(ctx["agencies"])
    entity = rng.choice(ctx["entities"][agency.code])
    licences = ENTERPRISE_LICENCES if entity.kind == "enterprise" else PERSON_LICENCES
    kind, scope, years = rng.choice(licences)
    powers = ctx["powers"][agency.code]
    applied = c.moment(rng, rng.randrange(c.YEAR_DAYS - 25))
    accepted = applied + dt.timedelta(days=rng.randint(0, 4))
    issued = accepted + dt.timedelta(days=rng.randint(50, 75) if plant == "late" else rng.randint(1, 20))
    valid_to = issued.replace(year=issued.year + years) - dt.timedelta(days=1)
    status = rng.choices([s for s, _ in STATUS], [w for _, w in STATUS])[0]
    return [
        f"{rng.getrandbits(64):016x}",
        f"浙交运管许可湖字{330500 + index % 7:06d}{index:07d}号",
        kind,
        agency.code,
        agency.name,
        rng.choice(powers).code if powers else "",
        "法人" if entity.kind == "enterprise" else "自然人",
        entity.name,
        entity.credit_code or "",
        entity.id_number or "",
        applied.strftime("%Y-%m-%d"),
        accepted.strftime("%Y-%m-%d"),
        issued.strftime("%Y-%m-%d"),
        f"{issued.strftime(DOT)}至{valid_to.strftime(DOT)}",
        scope,
        status,
        (issued + dt.timedelta(hours=rng.randint(1, 30))).strftime("%Y-%m-%d %H:%M:%S"),
        "",
    ]


def _spoil(rng: random.Random, ctx: dict, row: list[str], kind: str) -> list[str]:
    row = list(row)
    if kind == c.CHECK_DIGIT:
        if row[8]:
            row[8] = c.wrong_check_digit(row[8])
        else:
            row[9] = row[9][:17] + ("0" if row[9][17] != "0" else "1")
    elif kind == c.UNKNOWN_AGENCY:
        code = c.unknown_agency_code(rng)
        while code in ctx["known"]:
            code = c.unknown_agency_code(rng)
        row[3] = code
    elif kind == c.DATE_ORDER:
        start, end = row[13].split("至")
        row[13] = f"{end}至{start}"
    elif kind == c.INVALID_DATE:
        row[12] = row[12].replace("-", "/")
    elif kind == c.UNKNOWN_CODE:
        row[15] = rng.choice(("待审核", "挂起"))
    return row


def write(world: DemoWorld, path: Path, count: int, rng: random.Random) -> tuple[int, list[c.BadRow]]:
    ctx = _context(world)
    plan = c.BadPlan(rng, BAD_KINDS, count)
    plants = c.PlantPlan(rng, PLANTS, count, plan)
    good, last = 0, None
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\n")
        writer.writerow(HEADER)
        for index in range(1, count + 1):
            kind = plan.draw(index)
            if kind == c.MALFORMED:
                handle.write(f"{last[0]};{last[1]};{last[2]};;;;数据截断\n")
            elif kind == c.DUPLICATE:
                writer.writerow(last)
            else:
                row = _row(rng, ctx, index, None if kind else plants.draw(index))
                writer.writerow(_spoil(rng, ctx, row, kind) if kind else row)
                if not kind:
                    last, good = row, good + 1
            if kind:
                plan.record(index + 1, kind)
    return good, plan.planted
