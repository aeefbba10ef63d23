"""市场监管 inspection system (hz_scjg_jcxt): a GBK-encoded CSV with Chinese headers, times as
``2025/03/14 09:30``, its own result vocabulary (合格/基本合格/不合格/移送) and origin names."""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections.abc import Sequence
from pathlib import Path

from zhifa.exchange.demo_sources import common as c
from zhifa.exchange.demo_sources.world import AgencyRef, DemoWorld, EntityRef, PowerRef

SOURCE = "hz_scjg_jcxt"
FAMILY = "inspection"
DOMAIN = "market_regulation"
ENCODING = "gbk"
HEADER = (
    "检查编号",
    "检查记录编号",
    "检查机关",
    "检查机关代码",
    "检查事项编码",
    "主体类型",
    "被检查单位名称",
    "被检查单位统一社会信用代码",
    "身份证号码",
    "执法人员证号",
    "检查开始时间",
    "检查结束时间",
    "检查地点",
    "所属区划",
    "纬度",
    "经度",
    "检查类型",
    "任务编号",
    "任务开始日期",
    "任务截止日期",
    "检查结果",
    "关联工单号",
    "检查情况",
    "录入人",
    "更新时间",
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
ORIGINS = (
    ("日常检查", 0.35),
    ("双随机抽查", 0.40),
    ("投诉举报", 0.12),
    ("风险预警", 0.08),
    ("上级交办", 0.05),
)
RESULTS = (("合格", 0.72), ("基本合格", 0.20), ("不合格", 0.06), ("移送", 0.02))
FINDINGS = {
    "合格": "现场检查未发现违法行为，证照齐全，台账记录完整。",
    "基本合格": "部分进货查验记录不全，已当场责令限期整改。",
    "不合格": "发现销售超过保质期食品，已依法立案调查。",
    "移送": "发现涉嫌其他部门管辖的违法线索，已移送处理。",
}
TIME = "%Y/%m/%d %H:%M"
DAY = "%Y/%m/%d"
# Planted problems (share of rows; at least two each, see `common.PlantPlan`): a random-draw
# inspection done after its task window closed, an officer acting on a certificate that ran out
# before the year, and entities inspected by three agencies within a month (appended groups).
PLANTS = {"outside_window": 0.0002, "expired_certificate": 0.0001}
MULTI_AGENCY_SHARE = 0.00005  # groups of three inspections, at least two groups


def _weighted(rng: random.Random, options: Sequence[tuple[str, float]]) -> str:
    return rng.choices([o for o, _ in options], [w for _, w in options])[0]


class _Context:
    def __init__(self, world: DemoWorld, tickets: dict[str, list[tuple[str, int]]]):
        self.agencies = [a for a in world.agencies_in(DOMAIN) if world.powers_of(a.code, "inspection")]
        if not self.agencies:
            self.agencies = [
                a for a in world.agencies_in(DOMAIN) if any(p.domain == DOMAIN for p in world.powers)
            ]
        self.powers: dict[str, list[PowerRef]] = {
            a.code: world.powers_of(a.code, "inspection") or world.powers_of(a.code, "penalty")
            for a in self.agencies
        }
        self.officers = {a.code: c.officer_pool(world, a, DOMAIN) for a in self.agencies}
        self.entities = {a.code: c.local_entities(world, a, world.entities) for a in self.agencies}
        self.tickets = tickets
        self.known = {a.code for a in world.agencies}
        self.world = world
        self.expired = {a.code: c.expired_in_year(world, a.code) for a in self.agencies}
        self.any_expired = c.expired_in_year(world)


def _window(day: dt.datetime) -> tuple[dt.date, dt.date]:
    """A random-draw task runs for its calendar month."""
    first = day.date().replace(day=1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    return first, last


def _row(rng: random.Random, ctx: _Context, index: int, plant: str | None = None) -> list[str]:
    agency: AgencyRef = rng.choice(ctx.agencies)
    expired = None
    if plant == "expired_certificate":
        agency = rng.choice([a for a in ctx.agencies if ctx.expired[a.code]] or ctx.agencies)
        # (a city too small to have one in the market bureaus borrows another agency's)
        expired = rng.choice(ctx.expired[agency.code] or ctx.any_expired or [None])
    entity: EntityRef = rng.choice(ctx.entities[agency.code])
    power = rng.choice(ctx.powers[agency.code])
    origin = "双随机抽查" if plant == "outside_window" else _weighted(rng, ORIGINS)
    start = c.moment(rng, rng.randrange(60, c.YEAR_DAYS)) if plant == "outside_window" else c.moment(rng)
    if expired is not None:  # acting after the certificate ran out
        after = max(0, (expired.expires_on - c.YEAR_START.date()).days + 1)
        start = c.moment(rng, rng.randrange(after, c.YEAR_DAYS))
    ticket = ""
    tickets = ctx.tickets.get(agency.code)
    if origin == "投诉举报" and tickets:
        ticket, day = rng.choice(tickets)
        start = c.moment(rng, min(c.YEAR_DAYS - 1, day + rng.randint(1, 6)))
    end = start + dt.timedelta(minutes=rng.randint(20, 150))
    result = _weighted(rng, RESULTS)
    lat, lon = c.near(rng, entity)
    task, window = "", ("", "")
    if origin == "双随机抽查":
        # the task of the inspection's month; planted: a task whose window closed weeks before
        month = start - dt.timedelta(days=rng.randint(40, 55)) if plant == "outside_window" else start
        task = f"SSJ-{c.YEAR}-{month.month:02d}-{rng.randint(1, 12):02d}"
        window = tuple(d.strftime(DAY) for d in _window(month))
    officers = c.pick_officers(rng, ctx.officers[agency.code])
    if expired is not None:
        officers = [expired.number, *[o for o in officers if o != expired.number]][:2]
    kind = "企业" if entity.kind == "enterprise" else ("个体工商户" if rng.random() < 0.5 else "自然人")
    return [
        f"JC{c.YEAR}{index:09d}",
        f"湖市监检〔{c.YEAR}〕{index}号",
        agency.name,
        agency.code,
        power.code,
        kind,
        entity.name,
        entity.credit_code or "",
        entity.id_number or "",
        "、".join(officers),
        start.strftime(TIME),
        end.strftime(TIME),
        entity.address,
        entity.region_code,
        f"{lat:.6f}",
        f"{lon:.6f}",
        origin,
        task,
        window[0],
        window[1],
        result,
        ticket,
        FINDINGS[result],
        f"录入员{rng.randint(1, 40):02d}",
        (end + dt.timedelta(minutes=rng.randint(5, 600))).strftime("%Y/%m/%d %H:%M:%S"),
    ]


def _spoil(rng: random.Random, ctx: _Context, row: list[str], kind: str) -> list[str]:
    row = list(row)
    if kind == c.CHECK_DIGIT:
        if row[7]:
            row[7] = c.wrong_check_digit(row[7])
        else:
            row[8] = row[8][:17] + ("0" if row[8][17] != "0" else "1")
    elif kind == c.UNKNOWN_AGENCY:
        code = c.unknown_agency_code(rng)
        while code in ctx.known:
            code = c.unknown_agency_code(rng)
        row[3] = code
    elif kind == c.DATE_ORDER:
        start = dt.datetime.strptime(row[10], TIME)
        row[11] = (start - dt.timedelta(hours=rng.randint(1, 5))).strftime(TIME)
    elif kind == c.INVALID_DATE:
        row[10] = f"{c.YEAR}/13/{rng.randint(10, 28)} 09:30"
    elif kind == c.UNKNOWN_CODE:
        row[20] = rng.choice(("待定", "暂缓", "复查"))
    return row


def write(
    world: DemoWorld, path: Path, count: int, rng: random.Random, tickets: dict[str, list[tuple[str, int]]]
) -> tuple[int, list[c.BadRow]]:
    """Write `count` inspections; returns (good rows, planted bad rows)."""
    ctx = _Context(world, tickets)
    plan = c.BadPlan(rng, BAD_KINDS, count)
    plants = c.PlantPlan(rng, PLANTS, count, plan)
    good, last = 0, None
    with path.open("w", encoding=ENCODING, newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(HEADER)
        for index in range(1, count + 1):
            row_number = index + 1
            kind = plan.draw(index)
            if kind == c.MALFORMED:
                handle.write(f"小计,本页共{rng.randint(20, 50)}条\r\n")
            elif kind == c.DUPLICATE:
                writer.writerow(last)
            else:
                row = _row(rng, ctx, index, None if kind else plants.draw(index))
                writer.writerow(_spoil(rng, ctx, row, kind) if kind else row)
                if not kind:
                    last, good = row, good + 1
            if kind:
                plan.record(row_number, kind)
        groups = max(2, round(count * MULTI_AGENCY_SHARE))
        for row in _multi_agency(rng, ctx, count + 1, groups):
            writer.writerow(row)
            good += 1
    return good, plan.planted


def _multi_agency(rng: random.Random, ctx: _Context, first: int, groups: int) -> list[list[str]]:
    """Planted: an enterprise inspected within a month by its county's market bureau, the city
    market bureau and the county's comprehensive enforcement bureau, each on its own (entered in
    this system through the county's shared inspection channel, not flagged as a joint one)."""
    rows: list[list[str]] = []
    city = [a for a in ctx.agencies if a.region_code.endswith("00")]
    counties = [a for a in ctx.agencies if not a.region_code.endswith("00")]
    market = {a.code for a in ctx.agencies}
    inspecting = [
        a for a in ctx.world.agencies if a.code not in market and ctx.world.powers_of(a.code, "inspection")
    ]
    # the county's comprehensive enforcement bureau, else another agency inspecting in the county
    others = {}
    for county in counties:
        local = [a for a in inspecting if a.region_code == county.region_code]
        urban = [a for a in local if "urban_management" in a.domains]
        others[county.region_code] = (urban or local or inspecting or [None])[0]
    counties = [a for a in counties if others[a.region_code] is not None]
    if not city or not counties:
        return rows
    index = first
    for _ in range(groups):
        county = rng.choice(counties)
        local = ctx.entities[county.code]
        entity = rng.choice([e for e in local if e.kind == "enterprise"] or local)
        day = rng.randrange(20, c.YEAR_DAYS - 30)
        other = others[county.region_code]
        offsets = sorted(rng.sample(range(0, 25), 3))
        for offset, agency in zip(offsets, (county, city[0], other), strict=True):
            power = rng.choice(ctx.world.powers_of(agency.code, "inspection"))
            row = _row(rng, ctx, index)
            start = c.moment(rng, day + offset)
            end = start + dt.timedelta(minutes=rng.randint(30, 120))
            lat, lon = c.near(rng, entity, far_share=0)
            kind = "企业" if entity.kind == "enterprise" else "自然人"
            row[2:9] = [
                agency.name,
                agency.code,
                power.code,
                kind,
                entity.name,
                entity.credit_code or "",
                entity.id_number or "",
            ]
            pool = c.officer_pool(ctx.world, agency, power.domain)
            row[9] = "、".join(c.pick_officers(rng, pool, single_share=0))
            row[10:16] = [
                start.strftime(TIME),
                end.strftime(TIME),
                entity.address,
                entity.region_code,
                f"{lat:.6f}",
                f"{lon:.6f}",
            ]
            row[16:20] = ["日常检查", "", "", ""]
            row[21] = ""
            row[24] = (end + dt.timedelta(minutes=30)).strftime("%Y/%m/%d %H:%M:%S")
            rows.append(row)
            index += 1
    return rows
