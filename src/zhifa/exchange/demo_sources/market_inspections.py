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


def _row(rng: random.Random, ctx: _Context, index: int) -> list[str]:
    agency: AgencyRef = rng.choice(ctx.agencies)
    entity: EntityRef = rng.choice(ctx.entities[agency.code])
    power = rng.choice(ctx.powers[agency.code])
    origin = _weighted(rng, ORIGINS)
    start = c.moment(rng)
    ticket = ""
    tickets = ctx.tickets.get(agency.code)
    if origin == "投诉举报" and tickets:
        ticket, day = rng.choice(tickets)
        start = c.moment(rng, min(c.YEAR_DAYS - 1, day + rng.randint(1, 6)))
    end = start + dt.timedelta(minutes=rng.randint(20, 150))
    result = _weighted(rng, RESULTS)
    lat, lon = c.near(rng, entity)
    task = f"SSJ-{c.YEAR}-{start.month:02d}-{rng.randint(1, 12):02d}" if origin == "双随机抽查" else ""
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
        "、".join(c.pick_officers(rng, ctx.officers[agency.code])),
        start.strftime(TIME),
        end.strftime(TIME),
        entity.address,
        entity.region_code,
        f"{lat:.6f}",
        f"{lon:.6f}",
        origin,
        task,
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
        row[18] = rng.choice(("待定", "暂缓", "复查"))
    return row


def write(
    world: DemoWorld, path: Path, count: int, rng: random.Random, tickets: dict[str, list[tuple[str, int]]]
) -> tuple[int, list[c.BadRow]]:
    """Write `count` inspections; returns (good rows, planted bad rows)."""
    ctx = _Context(world, tickets)
    plan = c.BadPlan(rng, BAD_KINDS, count)
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
                row = _row(rng, ctx, index)
                writer.writerow(_spoil(rng, ctx, row, kind) if kind else row)
                if not kind:
                    last, good = row, good + 1
            if kind:
                plan.record(row_number, kind)
    return good, plan.planted
