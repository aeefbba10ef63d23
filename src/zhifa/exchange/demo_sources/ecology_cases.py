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
# Planted problems (share of rows, at least two each; `common.PlantPlan`): a major case decided
# without legal review, a case filed more than two years after the violation ended, a summary
# (on-the-spot) fine above the Art. 51 limit, a general case decided without prior notice.
PLANTS = {"no_review": 0.002, "past_limitation": 0.001, "summary_over_limit": 0.001, "no_notice": 0.001}
# A later export (January of the next year) re-sends some decided cases with a different fine
# and no formal change of the decision: records changed after the decision.
CORRECTED_SHARE = 0.002
CORRECTIONS = f"{SOURCE}_{c.YEAR + 1}01"


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


def _plant(rng: random.Random, row: list, kind: str) -> list:
    row = list(row)
    filed = dt.datetime.strptime(row[14], US)
    if kind == "no_review":
        row[13], row[16], row[17] = "Y", "Y", ""
    elif kind == "past_limitation":
        row[11] = _us(filed - dt.timedelta(days=730 + rng.randint(30, 200)))
    elif kind == "summary_over_limit":
        person = row[5] == "2"
        row[12], row[13], row[15], row[16], row[17], row[18] = "J", "N", "", "N", "", ""
        row[19] = row[20] = _us(filed)
        row[25] = float(rng.choice((500, 800, 1000)) if person else rng.choice((5000, 8000, 10000)))
    elif kind == "no_notice":
        row[15] = ""
    return row


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
    plants = c.PlantPlan(rng, PLANTS, count, plan)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("案件台账")
    sheet.append(list(HEADER))
    good, last = 0, None
    decided: list[list] = []
    for index in range(1, count + 1):
        kind = plan.draw(index)
        if kind == c.DUPLICATE:
            sheet.append(last)
        else:
            row = _row(rng, world, ctx, index)
            if not kind and plants.draw(index):
                row = _plant(rng, row, plants.kinds[index])
            sheet.append(_spoil(rng, ctx, row, kind) if kind else row)
            if not kind:
                last, good = row, good + 1
                if row[12] == "P" and len(decided) < 5000:
                    decided.append(row)
        if kind:
            plan.record(index + 1, kind)
    book.save(path)
    _write_corrections(rng, path.with_name(f"{CORRECTIONS}{path.suffix}"), decided, count)
    return good, plan.planted


def corrections_path(path: Path) -> Path:
    """The later export written next to the year's export by `write`."""
    return path.with_name(f"{CORRECTIONS}{path.suffix}")


def _write_corrections(rng: random.Random, path: Path, decided: list[list], count: int) -> int:
    """Re-send a few decided cases in January with the fine lowered and a new update time."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("案件台账")
    sheet.append(list(HEADER))
    chosen = rng.sample(decided, min(len(decided), max(2, round(count * CORRECTED_SHARE))))
    for row in chosen:
        row = list(row)
        row[25] = float(max(100, round(row[25] * rng.choice((0.5, 0.6, 0.7, 0.8)), -2)))
        row[29] = _us(dt.datetime(c.YEAR + 1, 1, rng.randint(5, 25), rng.randint(9, 17), rng.randint(0, 59)))
        sheet.append(row)
    book.save(path)
    return len(chosen)
