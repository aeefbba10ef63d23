"""12345 hotline (hz_12345): a JSON array of tickets with pinyin-initial keys, times as
``2025-03-14 09:30:12``, Chinese channel names, categories of the complaint taxonomy written
``level1/level2/level3`` and satisfaction as a 1–5 score."""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from functools import cache
from pathlib import Path

from zhifa.exchange.demo_sources import common as c
from zhifa.exchange.demo_sources.world import AgencyRef, DemoWorld

SOURCE = "hz_12345"
FAMILY = "complaint"
TAXONOMY = Path(__file__).resolve().parents[1] / "data" / "complaint_taxonomy.csv"
BAD_KINDS = (
    c.CHECK_DIGIT,
    c.UNKNOWN_AGENCY,
    c.DATE_ORDER,
    c.MALFORMED,
    c.INVALID_DATE,
    c.UNKNOWN_CODE,
    c.DUPLICATE,
)
TIME = "%Y-%m-%d %H:%M:%S"
TICKETS_KEPT = 20_000  # per agency, for inspections triggered by a ticket
# Domain → (share of tickets, taxonomy prefixes of its matters, what citizens write)
DOMAINS: dict[str, tuple[float, tuple[str, ...], tuple[str, ...]]] = {
    "market_regulation": (
        0.34,
        ("商贸旅游/市场监管", "商贸旅游/质监检验检疫", "卫生计生/食品药品监管"),
        (
            "在该店购买的食品已过保质期，要求处理",
            "商家价格标示不清，结账多收费",
            "预付卡商家跑路无法退款",
            "餐馆后厨卫生脏乱",
        ),
    ),
    "urban_management": (
        0.30,
        ("城乡建设/城市建设和市政管理",),
        (
            "门口有流动摊贩占道经营，影响通行",
            "夜间工地施工噪音扰民",
            "小区旁建筑垃圾乱倒",
            "商铺店外经营占用人行道",
        ),
    ),
    "ecology_environment": (
        0.14,
        ("环境保护/环境污染", "环境保护/环保管理"),
        ("附近工厂夜间排放刺鼻废气", "河道有不明污水排放", "企业噪音持续超标", "露天焚烧垃圾烟雾很大"),
    ),
    "transport": (
        0.10,
        ("交通运输/客货运输", "交通运输/出租车管理"),
        ("出租车拒载绕路", "网约车司机与平台信息不符", "货车超载上路", "客运班车不按站点停靠"),
    ),
    "emergency_management": (
        0.05,
        ("城乡建设/安全生产", "经济管理/安全生产"),
        ("工厂违规存放危险化学品", "车间消防通道被堵塞"),
    ),
    "health": (
        0.04,
        ("卫生计生/公共卫生", "卫生计生/医政监管"),
        ("美容院无证开展医疗美容", "游泳池水质浑浊"),
    ),
    "culture_tourism": (0.03, ("商贸旅游/旅游管理", "教育文体/文化"), ("网吧接纳未成年人", "旅行社强制购物")),
}
CHANNELS = (("电话", 0.62), ("网站", 0.08), ("APP", 0.1), ("微信", 0.15), ("信件", 0.02), ("来访", 0.03))
KINDS = (("投诉", 0.55), ("举报", 0.2), ("咨询", 0.1), ("建议", 0.05), ("求助", 0.1))
# Planted: groups of 3–4 tickets about one address, same category, routed to the same agency
# within two months, that no inspection followed (complaint hotspots); at least two groups.
HOTSPOT_SHARE = 0.0002
RATINGS = (("5", 0.35), ("4", 0.35), ("3", 0.15), ("2", 0.05), ("1", 0.02), ("", 0.08))


@cache
def categories() -> tuple[str, ...]:
    """Every category of the taxonomy, written level1/level2/level3."""
    with TAXONOMY.open(encoding="utf-8") as handle:
        return tuple("/".join(row) for row in csv.reader(handle) if row and row[0] != "level1")


def _context(world: DemoWorld) -> dict:
    domains = {d: v for d, v in DOMAINS.items() if world.agencies_in(d)}
    return {
        "domains": list(domains),
        "weights": [v[0] for v in domains.values()],
        "agencies": {d: world.agencies_in(d) for d in domains},
        "categories": {
            d: [k for k in categories() if k.startswith(v[1])] or list(categories())
            for d, v in domains.items()
        },
        "texts": {d: v[2] for d, v in domains.items()},
        "entities": world.entities,
        "known": {a.code for a in world.agencies},
    }


def _route(rng: random.Random, agencies: list[AgencyRef], region: str) -> AgencyRef:
    local = [a for a in agencies if region.startswith(a.region_code)]
    return rng.choice(local) if local and rng.random() < 0.8 else rng.choice(agencies)


def _pick(rng: random.Random, options: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([o for o, _ in options], [w for _, w in options])[0]


def _record(rng: random.Random, ctx: dict, index: int) -> dict:
    domain = rng.choices(ctx["domains"], ctx["weights"])[0]
    entity = rng.choice(ctx["entities"])
    agency = _route(rng, ctx["agencies"][domain], entity.region_code[:6])
    received = c.moment(rng, first_hour=7, last_hour=22, workdays=False)
    routed = received + dt.timedelta(minutes=rng.randint(10, 240))
    due = routed + dt.timedelta(days=5)
    answered = routed + dt.timedelta(
        hours=rng.randint(4, 110) if rng.random() < 0.93 else rng.randint(130, 300)
    )
    closed = answered + dt.timedelta(hours=rng.randint(1, 48))
    text = rng.choice(ctx["texts"][domain])
    named = entity.kind == "enterprise" and rng.random() < 0.6
    lat, lon = c.near(rng, entity, far_share=0)
    return {
        "id": 880_000_000 + index,
        "gdbh": f"HZ{c.YEAR}{index:09d}",
        "slsj": received.strftime(TIME),
        "qd": _pick(rng, CHANNELS),
        "sqlx": _pick(rng, KINDS),
        "bt": text[:14],
        "nr": f"市民反映：{entity.address}附近，{text}。请相关部门核实处理。",
        "fl": rng.choice(ctx["categories"][domain]),
        "dd": entity.address,
        "qh": entity.region_code,
        "wd": f"{lat:.6f}",
        "jd": f"{lon:.6f}",
        "dxlx": "单位" if named else None,
        "dxmc": entity.name if named else None,
        "dxdm": entity.credit_code if named else None,
        "cbdw": agency.code,
        "pdsj": routed.strftime(TIME),
        "blsx": due.strftime(TIME),
        "dfsj": answered.strftime(TIME),
        "dfnr": "经现场核实，已责令当事人整改，并将持续跟踪。",
        "bjsj": closed.strftime(TIME),
        "myd": _pick(rng, RATINGS),
        "zt": "办结",
    }


def _spoil(rng: random.Random, ctx: dict, record: dict, kind: str) -> dict:
    record = dict(record)
    if kind == c.CHECK_DIGIT:
        entity = rng.choice([e for e in ctx["entities"] if e.credit_code] or ctx["entities"])
        record["dxlx"], record["dxmc"], record["dxdm"] = (
            "单位",
            entity.name,
            c.wrong_check_digit(entity.credit_code or ""),
        )
    elif kind == c.UNKNOWN_AGENCY:
        code = c.unknown_agency_code(rng)
        while code in ctx["known"]:
            code = c.unknown_agency_code(rng)
        record["cbdw"] = code
    elif kind == c.DATE_ORDER:
        received = dt.datetime.strptime(record["slsj"], TIME)
        record["dfsj"] = (received - dt.timedelta(hours=rng.randint(2, 30))).strftime(TIME)
    elif kind == c.INVALID_DATE:
        record["slsj"] = f"{c.YEAR}-13-{rng.randint(10, 28)} 10:{rng.randint(10, 59)}:00"
    elif kind == c.UNKNOWN_CODE:
        record["qd"] = rng.choice(("传真", "短信"))
    return record


def _keep_ticket(
    rng: random.Random, tickets: dict[str, list[tuple[str, int]]], record: dict, seen: dict[str, int]
) -> None:
    """Reservoir of tickets per routed agency (bounded memory at any scale)."""
    code = record["cbdw"]
    day = (dt.datetime.strptime(record["slsj"], TIME) - c.YEAR_START).days
    kept = tickets.setdefault(code, [])
    seen[code] = seen.get(code, 0) + 1
    if len(kept) < TICKETS_KEPT:
        kept.append((record["gdbh"], day))
    else:
        slot = rng.randrange(seen[code])
        if slot < TICKETS_KEPT:
            kept[slot] = (record["gdbh"], day)


def write(
    world: DemoWorld, path: Path, count: int, rng: random.Random, tickets: dict[str, list[tuple[str, int]]]
) -> tuple[int, list[c.BadRow]]:
    """Write `count` tickets as one JSON array; fills `tickets` (agency code → [(ticket, day)])."""
    ctx = _context(world)
    plan = c.BadPlan(rng, BAD_KINDS, count)
    good, last, seen = 0, None, {}
    with path.open("w", encoding="utf-8") as handle:
        handle.write("[\n")
        for index in range(1, count + 1):
            kind = plan.draw(index)
            if kind == c.MALFORMED:
                text = json.dumps(f"HZ{c.YEAR}{index:09d} 工单数据导出失败", ensure_ascii=False)
            elif kind == c.DUPLICATE:
                text = last
            else:
                record = _record(rng, ctx, index)
                text = json.dumps(_spoil(rng, ctx, record, kind) if kind else record, ensure_ascii=False)
                if not kind:
                    last, good = text, good + 1
                    _keep_ticket(rng, tickets, record, seen)
            handle.write(("" if index == 1 else ",\n") + text)
            if kind:
                plan.record(index, kind)
        for record in _hotspots(rng, ctx, count + 1, max(2, round(count * HOTSPOT_SHARE))):
            handle.write(",\n" + json.dumps(record, ensure_ascii=False))
            good += 1
        handle.write("\n]\n")
    return good, plan.planted


def _hotspots(rng: random.Random, ctx: dict, first: int, groups: int) -> list[dict]:
    """Unnamed tickets (no entity, just the address) clustered on one place: not kept for the
    inspections to refer to, so no inspection answers them."""
    out: list[dict] = []
    index = first
    for _ in range(groups):
        base = _record(rng, ctx, index)
        start = rng.randrange(0, c.YEAR_DAYS - 90)
        for offset in sorted(rng.sample(range(0, 60), rng.randint(3, 4))):
            record = _record(rng, ctx, index)
            received = c.moment(rng, start + offset, first_hour=7, last_hour=22, workdays=False)
            shift = received - dt.datetime.strptime(record["slsj"], TIME)
            for key in ("slsj", "pdsj", "blsx", "dfsj", "bjsj"):
                record[key] = (dt.datetime.strptime(record[key], TIME) + shift).strftime(TIME)
            record.update(
                {k: base[k] for k in ("fl", "dd", "qh", "wd", "jd", "cbdw", "bt")},
                nr=f"市民反映：{base['dd']}附近，{base['bt']}，多次反映仍未解决。请相关部门核实处理。",
                dxlx=None,
                dxmc=None,
                dxdm=None,
            )
            out.append(record)
            index += 1
    return out
