"""生态环境 case system (hz_sthj_ajxt): an XLSX workbook with abbreviated English column names,
dates written as text ``10/31/2025 02:08:41 PM``, one-letter codes for tiers and outcomes."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from openpyxl import Workbook

from zhifa.exchange.demo_sources import common as c
from zhifa.exchange.demo_sources.world import DemoWorld, PowerRef

SOURCE = "hz_sthj_ajxt"
FAMILY = "case"
DOMAIN = "ecology_environment"
HEADER = (
    "CASE_ID",
    "CASE_NO",
    "ORG_CODE",
    "ORG_NAME",
    "PWR_CODE",
    "PARTY_TYPE",
    "PARTY_NAME",
    "PARTY_USCC",
    "PARTY_IDNO",
    "OFFICERS",
    "SRC",
    "VIOL_DT",
    "PROC",
    "MAJOR",
    "FILE_DT",
    "NOTICE_DT",
    "HEAR_OFFER",
    "REVIEW_DT",
    "EXT_DT",
    "DEC_DT",
    "SERV_DT",
    "PAY_DT",
    "CLOSE_DT",
    "DEC_TYPE",
    "PEN_TYPE",
    "FINE_AMT",
    "TIER",
    "LAW_BASIS",
    "STATUS",
    "UPD_TIME",
)
BAD_KINDS = (c.CHECK_DIGIT, c.UNKNOWN_AGENCY, c.DATE_ORDER, c.INVALID_DATE, c.UNKNOWN_CODE, c.DUPLICATE)
US = "%m/%d/%Y %I:%M:%S %p"
EXPORTED_AT = dt.datetime(c.YEAR, 12, 31, 18, 0)
SOURCES = (("JC", 0.55), ("TS", 0.2), ("JK", 0.15), ("YS", 0.1))  # 检查/投诉/监控/移送
TIERS = (("B", 0.3), ("C", 0.5), ("D", 0.15), ("E", 0.05))  # 减轻 从轻 一般 从重 (A: 不予处罚)


def _us(day: dt.datetime) -> str:
    return day.strftime(US)


def _later(rng: random.Random, day: dt.datetime, low: int, high: int) -> dt.datetime:
    return c.moment(rng, (day - c.YEAR_START).days + rng.randint(low, high))


def _row(rng: random.Random, world: DemoWorld, ctx: dict, index: int) -> list:
    agency = rng.choice(ctx["agencies"])
    entity = rng.choice(ctx["entities"][agency.code])
    power: PowerRef = rng.choice(ctx["powers"][agency.code])
    filed = c.moment(rng, rng.randrange(c.YEAR_DAYS - 120))
    late = rng.random() < 0.04
    notice = _later(rng, filed, 20, 60)
    decided = _later(rng, notice, 5, 25) if not late else _later(rng, filed, 95, 115)
    served = _later(rng, decided, 0, 6) if rng.random() > 0.03 else _later(rng, decided, 9, 20)
    paid = _later(rng, served, 3, 14)
    closed = _later(rng, paid, 1, 10)
    fine = c.amount(rng, power.fine_min, power.fine_max)
    major = fine >= 100000
    # At export time (end of 2025) a case not yet closed is still "decided" (3) or "executed" (4).
    open_ = "" if closed <= EXPORTED_AT else ("4" if paid <= EXPORTED_AT else "3")
    tier = rng.choices([t for t, _ in TIERS], [w for _, w in TIERS])[0]
    return [
        f"STHJ-{c.YEAR}-{index:07d}",
        f"湖环罚〔{c.YEAR}〕{index}号",
        agency.code,
        agency.name,
        power.code,
        "1" if entity.kind == "enterprise" else "2",
        entity.name,
        entity.credit_code or "",
        entity.id_number or "",
        ";".join(c.pick_officers(rng, ctx["officers"][agency.code])),
        rng.choices([s for s, _ in SOURCES], [w for _, w in SOURCES])[0],
        _us(_later(rng, filed, -30, -1)),
        "P",
        "Y" if major else "N",
        _us(filed),
        _us(notice),
        "Y" if major else "N",
        _us(_later(rng, notice, 1, 4)) if major else "",
        _us(_later(rng, filed, 80, 88)) if late and rng.random() < 0.5 else "",
        _us(decided),
        _us(served),
        _us(paid) if open_ != "3" else "",
        _us(closed) if not open_ else "",
        "1",
        "罚款",
        fine,
        tier,
        ";".join(power.legal_basis[:2]) or power.name,
        open_ or "9",
        _us(min(closed, EXPORTED_AT) + dt.timedelta(hours=2)),
    ]


def _spoil(rng: random.Random, ctx: dict, row: list, kind: str) -> list:
    row = list(row)
    if kind == c.CHECK_DIGIT:
        if row[7]:
            row[7] = c.wrong_check_digit(row[7])
        else:
            row[8] = row[8][:17] + ("0" if row[8][17] != "0" else "1")
    elif kind == c.UNKNOWN_AGENCY:
        code = c.unknown_agency_code(rng)
        while code in ctx["known"]:
            code = c.unknown_agency_code(rng)
        row[2] = code
    elif kind == c.DATE_ORDER:
        filed = dt.datetime.strptime(row[14], US)
        row[19] = _us(filed - dt.timedelta(days=rng.randint(3, 30)))
    elif kind == c.INVALID_DATE:
        row[14] = f"13/45/{c.YEAR} 25:00:00 AM"
    elif kind == c.UNKNOWN_CODE:
        row[28] = rng.choice(("7", "X"))
    return row


def _context(world: DemoWorld) -> dict:
    agencies = [a for a in world.agencies_in(DOMAIN) if world.powers_of(a.code, "penalty")]
    return {
        "agencies": agencies,
        "powers": {a.code: world.powers_of(a.code, "penalty") for a in agencies},
        "officers": {a.code: c.officer_pool(world, a, DOMAIN) for a in agencies},
        "entities": {a.code: c.local_entities(world, a, world.entities) for a in agencies},
        "known": {a.code for a in world.agencies},
    }


def write(world: DemoWorld, path: Path, count: int, rng: random.Random) -> tuple[int, list[c.BadRow]]:
    ctx = _context(world)
    plan = c.BadPlan(rng, BAD_KINDS, count)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("案件台账")
    sheet.append(list(HEADER))
    good, last = 0, None
    for index in range(1, count + 1):
        kind = plan.draw(index)
        if kind == c.DUPLICATE:
            sheet.append(last)
        else:
            row = _row(rng, world, ctx, index)
            sheet.append(_spoil(rng, ctx, row, kind) if kind else row)
            if not kind:
                last, good = row, good + 1
        if kind:
            plan.record(index + 1, kind)
    book.save(path)
    return good, plan.planted
