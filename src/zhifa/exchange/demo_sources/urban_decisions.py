"""综合行政执法 decision system (hz_zhzf_cfjd): JSON Lines with pinyin-initial keys and composite
fields the mapping splits (``wsxx`` = "document number|date", ``dsr`` = "kind|credit code|ID number|name",
``jkxx`` = "due~paid~amount"), dates as ``20250314``."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

from zhifa.exchange.demo_sources import common as c
from zhifa.exchange.demo_sources.world import DemoWorld, PowerRef

SOURCE = "hz_zhzf_cfjd"
FAMILY = "decision"
DOMAIN = "urban_management"
BAD_KINDS = (
    c.CHECK_DIGIT,
    c.UNKNOWN_AGENCY,
    c.DATE_ORDER,
    c.MALFORMED,
    c.INVALID_DATE,
    c.UNKNOWN_CODE,
    c.DUPLICATE,
)
YMD = "%Y%m%d"
FACTS = (
    "当事人未经批准擅自占用城市道路堆放物料",
    "当事人在城市道路两侧擅自设置户外广告设施",
    "当事人未按规定时间、地点倾倒建筑垃圾",
    "当事人超出门窗外墙经营，影响市容环境卫生",
    "当事人运输渣土车辆未采取密闭措施造成泄漏遗撒",
)
# Planted (share of rows, at least two; `common.PlantPlan`): a late-payment surcharge charged
# day by day past the amount of the fine itself (Art. 72 caps it at the fine).
PLANTS = {"surcharge_over_cap": 0.001}
SERVICE = (("ZJ", 0.55), ("DC", 0.25), ("YJ", 0.1), ("DZ", 0.08), ("GG", 0.02))


def _ymd(day: dt.datetime) -> str:
    return day.strftime(YMD)


def _record(rng: random.Random, ctx: dict, index: int, plant: str | None = None) -> dict:
    agency = rng.choice(ctx["agencies"])
    entity = rng.choice(ctx["entities"][agency.code])
    power: PowerRef = rng.choice(ctx["powers"][agency.code])
    decided = c.moment(rng, rng.randrange(c.YEAR_DAYS - 30))
    served = decided + dt.timedelta(days=0 if rng.random() < 0.3 else rng.randint(1, 6))
    if rng.random() < 0.03:
        served = decided + dt.timedelta(days=rng.randint(9, 25))
    due = served + dt.timedelta(days=15)
    fine = c.amount(rng, power.fine_min, power.fine_max)
    paid = served + dt.timedelta(days=rng.randint(1, 20)) if rng.random() < 0.9 else None
    if plant == "surcharge_over_cap":
        paid = due + dt.timedelta(days=rng.randint(40, 60))
    surcharge = round(fine * 0.03 * (paid - due).days, 2) if paid and paid > due else 0
    if plant != "surcharge_over_cap":
        surcharge = min(surcharge, fine)
    paid_amount = f"{fine + surcharge:.2f}" if paid else ""
    kinds = "罚款" if rng.random() < 0.85 else rng.choice(("警告,罚款", "罚款,没收违法所得"))
    return {
        "id": f"ZHZF{c.YEAR}{index:08d}",
        "wsxx": f"湖综执罚决字〔{c.YEAR}〕第{index:06d}号|{_ymd(decided)}",
        "ajbh": f"湖综执立〔{c.YEAR}〕{index:06d}号",
        "zfztdm": agency.code,
        "zfztmc": agency.name,
        "qlbm": power.code,
        "dsr": "|".join(
            (
                "DW" if entity.kind == "enterprise" else "GR",
                entity.credit_code or "",
                entity.id_number or "",
                entity.name,
            )
        ),
        "cflb": kinds,
        "fkje": fine,
        "wfss": rng.choice(FACTS),
        "flyj": "；".join(power.legal_basis[:2]) or power.name,
        "sdrq": _ymd(served),
        "sdfs": rng.choices([s for s, _ in SERVICE], [w for _, w in SERVICE])[0],
        "jkxx": f"{_ymd(due)}~{_ymd(paid) if paid else ''}~{paid_amount}",
        "jcfk": surcharge or None,
        "gsrq": _ymd(decided + dt.timedelta(days=rng.randint(1, 7))),
        "zt": "LX" if paid else "SX",
        "gxsj": (served + dt.timedelta(hours=rng.randint(1, 48))).strftime("%Y-%m-%d %H:%M:%S"),
    }


def _spoil(rng: random.Random, ctx: dict, record: dict, kind: str) -> dict:
    record = dict(record)
    kind_, credit, idno, name = record["dsr"].split("|")
    if kind == c.CHECK_DIGIT:
        if credit:
            credit = c.wrong_check_digit(credit)
        else:
            idno = idno[:17] + ("0" if idno[17] != "0" else "1")
        record["dsr"] = "|".join((kind_, credit, idno, name))
    elif kind == c.UNKNOWN_AGENCY:
        code = c.unknown_agency_code(rng)
        while code in ctx["known"]:
            code = c.unknown_agency_code(rng)
        record["zfztdm"], record["zfztmc"] = code, "湖州市某某综合行政执法中队"
    elif kind == c.DATE_ORDER:
        decided_text = record["wsxx"].split("|")[1]
        decided = dt.datetime.strptime(decided_text, YMD)
        record["sdrq"] = _ymd(decided - dt.timedelta(days=rng.randint(2, 20)))
    elif kind == c.INVALID_DATE:
        record["wsxx"] = record["wsxx"].split("|")[0] + f"|{c.YEAR}1332"
    elif kind == c.UNKNOWN_CODE:
        record["sdfs"] = rng.choice(("QT", "WX"))
    return record


# What the same system's coercion and the reconsideration/court exports refer to (filled by `write`).
UNPAID: list[dict] = []  # decisions not paid: enforced (or not) in the coercion export
DECIDED: list[dict] = []  # a sample of decisions: some are challenged in the review export
KEPT = 5000


def _remember(record: dict) -> None:
    if record["zt"] == "SX":
        UNPAID.append(record)
    elif len(DECIDED) < KEPT:
        DECIDED.append(record)


def _context(world: DemoWorld) -> dict:
    agencies = [a for a in world.agencies_in(DOMAIN) if world.powers_of(a.code, "penalty")]
    return {
        "agencies": agencies,
        "powers": {a.code: world.powers_of(a.code, "penalty") for a in agencies},
        "entities": {a.code: c.local_entities(world, a, world.entities) for a in agencies},
        "known": {a.code for a in world.agencies},
    }


def write(world: DemoWorld, path: Path, count: int, rng: random.Random) -> tuple[int, list[c.BadRow]]:
    ctx = _context(world)
    plan = c.BadPlan(rng, BAD_KINDS, count)
    plants = c.PlantPlan(rng, PLANTS, count, plan)
    good, last = 0, None
    UNPAID.clear()
    DECIDED.clear()
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for index in range(1, count + 1):
            kind = plan.draw(index)
            if kind == c.MALFORMED:
                line = '{"id": "ZHZF-TRUNCATED", "wsxx": "湖综执罚决字'
            elif kind == c.DUPLICATE:
                line = last
            else:
                record = _record(rng, ctx, index, None if kind else plants.draw(index))
                if not kind:
                    _remember(record)
                line = json.dumps(_spoil(rng, ctx, record, kind) if kind else record, ensure_ascii=False)
                if not kind:
                    last, good = line, good + 1
            handle.write(line + "\n")
            if kind:
                plan.record(index, kind)
    return good, plan.planted
