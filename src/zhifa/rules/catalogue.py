"""Every numbered rule of the administrative penalty procedure, declared once.

Each rule names its legal source (`law` + `article`, resolvable with `zhifa.laws.citations`),
its default, its unit and whether a region may set its own value (only where the law leaves
room: "较大数额" hearing thresholds, stricter disclosure withdrawal, the extension length).
Codes are stable: other apps read them with `zhifa.rules.models.value(code, region, on)`.

Units: "日" = calendar days, "工作日" = working days (行政处罚法第八十五条: 本法中"二日""三日"
"五日""七日"的规定是指工作日，不含法定节假日), "年", "元", "人", "比例/日" (a fraction per day).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from zhifa.core.errors import ActionError
from zhifa.laws.citations import article_label

if TYPE_CHECKING:
    from zhifa.core.models import Region

PENALTY_LAW = "中华人民共和国行政处罚法"

DAYS = "日"
WORKING_DAYS = "工作日"
YEARS = "年"
YUAN = "元"
PERSONS = "人"
RATE_PER_DAY = "比例/日"


@dataclass(frozen=True)
class Rule:
    code: str
    name_zh: str
    law: str
    article: int
    default: Decimal
    unit: str
    configurable: bool = False
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    note_zh: str = ""

    @property
    def citation(self) -> str:
        """《中华人民共和国行政处罚法》第六十条 — the form `zhifa.laws.citations.resolve` accepts."""
        return f"《{self.law}》{article_label(self.article)}"

    @property
    def working_days(self) -> bool:
        return self.unit == WORKING_DAYS

    def allows(self, value: Decimal) -> bool:
        if self.minimum is not None and value < self.minimum:
            return False
        return self.maximum is None or value <= self.maximum


def _rule(
    code: str,
    name_zh: str,
    article: int,
    default: str,
    unit: str,
    note_zh: str = "",
    *,
    configurable: bool = False,
    minimum: str | None = None,
    maximum: str | None = None,
) -> Rule:
    return Rule(
        code=code,
        name_zh=name_zh,
        law=PENALTY_LAW,
        article=article,
        default=Decimal(default),
        unit=unit,
        configurable=configurable,
        minimum=Decimal(minimum) if minimum is not None else None,
        maximum=Decimal(maximum) if maximum is not None else None,
        note_zh=note_zh,
    )


RULES: tuple[Rule, ...] = (
    _rule(
        "limitation_years",
        "追责时效",
        36,
        "2",
        YEARS,
        "违法行为在二年内未被发现的，不再给予行政处罚；自违法行为发生之日（连续或继续状态的，自行为终了之日）起计算。",
    ),
    _rule(
        "limitation_years_serious",
        "追责时效（涉及生命健康安全、金融安全且有危害后果）",
        36,
        "5",
        YEARS,
        "涉及公民生命健康安全、金融安全且有危害后果的，期限延长至五年。",
    ),
    _rule(
        "decision_days",
        "作出处罚决定期限",
        60,
        "90",
        DAYS,
        "自立案之日起九十日内作出行政处罚决定（日历日）。",
    ),
    _rule(
        "service_days",
        "决定书送达期限",
        61,
        "7",
        WORKING_DAYS,
        "当事人不在场的，应当在七日内送达；依第八十五条为工作日。",
    ),
    _rule(
        "payment_days",
        "缴纳罚款期限",
        67,
        "15",
        DAYS,
        "自收到行政处罚决定书之日起十五日内缴纳罚款（日历日）。",
    ),
    _rule(
        "surcharge_rate_per_day",
        "加处罚款比例（每日）",
        72,
        "0.03",
        RATE_PER_DAY,
        "到期不缴纳罚款的，每日按罚款数额的百分之三加处罚款，加处罚款的数额不得超出罚款的数额。",
    ),
    _rule(
        "hearing_request_days",
        "要求听证期限",
        64,
        "5",
        WORKING_DAYS,
        "当事人要求听证的，应当在行政机关告知后五日内提出；依第八十五条为工作日。",
    ),
    _rule(
        "hearing_notice_days",
        "听证通知提前期",
        64,
        "7",
        WORKING_DAYS,
        "行政机关应当在举行听证的七日前通知当事人；依第八十五条为工作日。",
    ),
    _rule(
        "hearing_fine_threshold_person",
        "听证“较大数额罚款”标准（公民）",
        63,
        "10000",
        YUAN,
        "“较大数额”由省级人民政府或部门规章规定（浙江等省份另行规定），达到此数额应告知听证权利。",
        configurable=True,
        minimum="1000",
        maximum="1000000",
    ),
    _rule(
        "hearing_fine_threshold_organisation",
        "听证“较大数额罚款”标准（法人或其他组织）",
        63,
        "100000",
        YUAN,
        "“较大数额”由省级人民政府或部门规章规定，达到此数额应告知听证权利。",
        configurable=True,
        minimum="10000",
        maximum="10000000",
    ),
    _rule(
        "hearing_confiscation_threshold",
        "听证“没收较大数额违法所得、较大价值非法财物”标准",
        63,
        "10000",
        YUAN,
        "没收较大数额违法所得、没收较大价值非法财物的，应告知听证权利；数额由地方或部门规定。",
        configurable=True,
        minimum="1000",
        maximum="10000000",
    ),
    _rule(
        "summary_fine_limit_person",
        "简易程序罚款上限（公民）",
        51,
        "200",
        YUAN,
        "对公民处以二百元以下罚款或者警告的，可以当场作出行政处罚决定。",
    ),
    _rule(
        "summary_fine_limit_organisation",
        "简易程序罚款上限（法人或其他组织）",
        51,
        "3000",
        YUAN,
        "对法人或者其他组织处以三千元以下罚款或者警告的，可以当场作出行政处罚决定。",
    ),
    _rule(
        "on_the_spot_collection_limit",
        "当场收缴罚款上限",
        68,
        "100",
        YUAN,
        "依简易程序当场作出决定、依法给予一百元以下罚款的，执法人员可以当场收缴罚款。",
    ),
    _rule("min_officers", "执法人员最少人数", 42, "2", PERSONS, "执法人员不得少于两人，法律另有规定的除外。"),
    _rule(
        "disclosure_withdrawal_days",
        "撤回公开的处罚决定信息期限",
        48,
        "3",
        WORKING_DAYS,
        "公开的处罚决定被变更、撤销、确认违法或无效的，应当在三日内撤回并说明理由；"
        "依第八十五条为工作日，地方可规定更短期限。",
        configurable=True,
        minimum="1",
        maximum="3",
    ),
    _rule(
        "decision_extension_days",
        "处罚决定期限延长天数",
        60,
        "30",
        DAYS,
        "第六十条：法律、法规、规章另有规定的，从其规定；部门规章（如市场监管、公安程序规定）"
        "规定经行政机关负责人批准可以延长，常见为三十日。",
        configurable=True,
        minimum="1",
        maximum="90",
    ),
)

CATALOGUE: dict[str, Rule] = {r.code: r for r in RULES}


def rule(code: str) -> Rule:
    """The rule with this code; `unknown_rule` (404) otherwise."""
    try:
        return CATALOGUE[code]
    except KeyError:
        raise ActionError("unknown_rule", f"没有代码为“{code}”的规则", "code", status=404) from None


# --- effective values ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Effective:
    """A rule's value for a region on a day, and where it comes from."""

    rule: Rule
    value: Decimal
    region_code: str | None  # the region whose setting applies; None = the statutory default
    valid_from: dt.date | None
    reason: str = ""


def find_region(region: Region | str | None, field: str = "region") -> Region | None:
    """The region object for a code (404 `unknown_region` if there is none); objects pass through."""
    from zhifa.core.models import Region

    if region is None or isinstance(region, Region):
        return region
    found = Region.objects.filter(code=str(region).strip()).first()
    if found is None:
        raise ActionError("unknown_region", f"没有代码为“{region}”的行政区划", field, status=404)
    return found


def ancestor_codes(region: Region) -> list[str]:
    """The region's own code and those above it, from the province down."""
    return [code for code in region.path.split("/") if code] or [region.code]


def effective(code: str, region: Region | str | None = None, on: dt.date | None = None) -> Effective:
    """The value that applies: the deepest region on the path with a setting valid on `on` (its
    latest one), else the catalogue default."""
    from zhifa.rules.models import RuleSetting

    r = rule(code)
    place = find_region(region)
    if place is None or not r.configurable:
        return Effective(r, r.default, None, None)
    day = on or dt.date.today()
    codes = ancestor_codes(place)
    settings = list(
        RuleSetting.objects.filter(rule_code=code, region_id__in=codes, valid_from__lte=day).order_by(
            "-valid_from", "-pk"
        )
    )
    if not settings:
        return Effective(r, r.default, None, None)
    depth = {c: i for i, c in enumerate(codes)}
    best = max(settings, key=lambda s: depth.get(s.region_id, -1))  # max keeps the first (latest) of a depth
    return Effective(r, best.value, best.region_id, best.valid_from, best.reason)


def value(code: str, region: Region | str | None = None, on: dt.date | None = None) -> Decimal:
    """The rule's value for the region (object or code) on the day (today by default)."""
    return effective(code, region, on).value
