"""Demo powers lists: every demo agency gets the powers of its domains' laws, as drafts generated
from the penalty provisions and articles and then confirmed, benchmarks for its penalty powers
(inside the statutory ranges), a no-penalty rule for the lighter ones and checklists for its
inspection powers. Everything goes through the actions as the system (one audit entry per record).

Runs after the law library (it needs the imported corpus and its extracted provisions); with no
laws in the database it reports that and creates nothing."""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_DOWN, ROUND_UP, Decimal

from zhifa.core import seeding
from zhifa.core.errors import ActionError
from zhifa.laws.models import Article, Item, PenaltyProvision
from zhifa.powers import actions
from zhifa.powers.citations import from_chinese
from zhifa.powers.models import Power, PowerKind, PowerStatus, RangeKind, Tier
from zhifa.registry.models import Agency

EFFECTIVE = dt.date(2024, 1, 1)
# Powers per agency and kind in the demo: a realistic mix (several hundred across the city)
# that keeps `make demo` quick. Real lists run longer; the draft generator makes them all.
DEMO_POWERS_PER_KIND = {
    PowerKind.PENALTY: 8,
    PowerKind.LICENCE: 2,
    PowerKind.INSPECTION: 2,
    PowerKind.COERCION: 1,
}
CHECKLIST_ITEMS = 8
TIER_CIRCUMSTANCES = {
    Tier.NO_PENALTY: "初次违法；危害后果轻微；在责令改正期限内改正",
    Tier.LENIENT: "主动消除或者减轻违法行为危害后果；配合调查如实陈述；违法所得或货值金额较小",
    Tier.GENERAL: "不具有从轻、从重情节的一般情形",
    Tier.AGGRAVATED: "一年内再次实施同一违法行为；造成人身伤害或较大社会影响；拒不配合调查或隐匿证据",
}
# The note of a benchmark version carried over from the city's former benchmark system, written
# before the platform checked tiers against the statutory ranges (`do_set_benchmark` refuses it
# now): planted so supervision's `tier_outside_statute` model has something real to find.
LEGACY_NOTE = "自原裁量基准系统迁移（2019年制定，迁移时未经法定幅度校验）"
LEGACY_BENCHMARKS = 2
AMOUNT = re.compile(r"(?P<num>[零一二三四五六七八九十百千\d.]+)(?P<wan>万)?元")


def amount_in(text: str) -> Decimal | None:
    """五万元 → 50000, 一万元 → 10000, 2000元 → 2000 (the first amount in a condition)."""
    match = AMOUNT.search(text or "")
    if not match:
        return None
    number = match["num"]
    try:
        value = Decimal(number) if re.fullmatch(r"[\d.]+", number) else Decimal(from_chinese(number))
    except (ValueError, ArithmeticError):
        return None
    return value * 10000 if match["wan"] else value


def _band(condition: str) -> tuple[Decimal | None, Decimal | None]:
    amount = amount_in(condition)
    if amount is None:
        return None, None
    if "不足" in condition or "以下" in condition:
        return None, amount
    if "以上" in condition:
        return amount, None
    return None, None


def _split(low: Decimal, high: Decimal, fixed: bool) -> list[tuple[str, Decimal, Decimal]]:
    quantum = Decimal(1) if fixed else Decimal("0.1")
    width = high - low
    first = (low + width * Decimal("0.3")).quantize(quantum, ROUND_DOWN)
    second = (low + width * Decimal("0.7")).quantize(quantum, ROUND_UP)
    return [(Tier.LENIENT, low, first), (Tier.GENERAL, first, second), (Tier.AGGRAVATED, second, high)]


def benchmark_tiers(power: Power, with_no_penalty: bool) -> list[actions.TierInput]:
    """Tiers splitting each ordinary statutory range 30/40/30 (from the low end)."""
    tiers: list[actions.TierInput] = []
    if with_no_penalty:
        tiers.append(
            actions.TierInput(
                Tier.NO_PENALTY, RangeKind.NONE, circumstances=TIER_CIRCUMSTANCES[Tier.NO_PENALTY]
            )
        )
    seen = set()
    for r in actions.statutory_ranges(power):
        if r.aggravated or r.maximum is None or (r.minimum or 0) >= r.maximum:
            continue
        key = (r.kind, r.base, r.minimum, r.maximum, r.condition)
        if key in seen:
            continue
        seen.add(key)
        base_from, base_below = _band(r.condition) if r.base or "货值" in r.condition else (None, None)
        for tier, low, high in _split(r.minimum or Decimal(0), r.maximum, r.kind == RangeKind.FIXED):
            tiers.append(
                actions.TierInput(
                    tier=tier,
                    range_kind=r.kind,
                    minimum=low,
                    maximum=high,
                    base=r.base,
                    base_from=base_from,
                    base_below=base_below,
                    circumstances=TIER_CIRCUMSTANCES[tier],
                    penalty_kinds=["fine"],
                )
            )
        if len(seen) >= 2:
            break
    return tiers


def _light(power: Power) -> bool:
    """A candidate for 首违不罚: a warning is available or the fine tops out at 5万 or less."""
    ranges = actions.statutory_ranges(power)
    kinds = {k for p in power.provisions.all() for k in p.penalty_kinds}
    fixed_max = [r.maximum for r in ranges if r.kind == RangeKind.FIXED and r.maximum is not None]
    return "warning" in kinds or bool(fixed_max and max(fixed_max) <= 50000)


def checklist_items(article: Article) -> list[actions.ChecklistItemInput]:
    """Check items from the article's items (项), else its paragraphs, each citing the article."""
    items = list(
        Item.objects.filter(paragraph__article=article).select_related("paragraph")[:CHECKLIST_ITEMS]
    )
    texts = [(f"{i.text.strip('；。;')}", i.paragraph.number, i.number) for i in items]
    if not texts:
        texts = [(p.text, p.number, None) for p in article.paragraphs.all()[:CHECKLIST_ITEMS]]
    if not texts:
        texts = [(article.text, None, None)]
    law = article.version.law.name
    result = []
    for text, paragraph, item in texts:
        cite = f"{law}{article.label}"
        if paragraph and (item or len(texts) > 1):
            cite += f"第{paragraph}款"
        result.append(
            actions.ChecklistItemInput(text=f"核查：{text[:300]}", article_id=article.pk, citation=cite)
        )
    return result


@seeding.register("powers", order=50)
def seed_powers() -> str:
    """Runs inside the transaction `zhifa.core.seeding.run_once` opens."""
    if not PenaltyProvision.objects.exists() and not Article.objects.exists():
        seeding.progress("权责清单：法律库中没有条文和罚则，跳过")
        return "权责清单：法律库为空，未生成"
    agencies = list(Agency.objects.prefetch_related("domains").order_by("pk"))
    created = 0
    for agency in agencies:
        drafts = actions.do_generate_draft_powers(None, agency.code, per_kind_limit=DEMO_POWERS_PER_KIND)
        if drafts:
            created += actions.do_confirm_draft_powers(None, agency.code, effective_from=EFFECTIVE)
    seeding.progress(f"权责清单：{created} 项职权（{len(agencies)} 个执法主体）")
    _LEGACY.clear()
    penalties = list(
        Power.objects.filter(
            kind=PowerKind.PENALTY, status=PowerStatus.ACTIVE, provisions__fine_ranges__isnull=False
        )
        .distinct()
        .prefetch_related("provisions")
        .order_by("pk")
    )
    benchmarks = rules = 0
    for index, power in enumerate(penalties):
        light = _light(power) and index % 2 == 0
        if light:
            actions.do_set_no_penalty_rule(
                None,
                power.code,
                actions.NoPenaltyInput(
                    kind="first",
                    correction_days=(10, 15, 30)[index % 3],
                    conditions="初次违法且危害后果轻微并在责令改正期限内改正",
                    source=f"《行政处罚法》第三十三条第一款；{power.holder.name}首违不罚清单（演示）",
                ),
            )
            rules += 1
        tiers = benchmark_tiers(power, light)
        if len(tiers) <= int(light):
            continue
        try:
            actions.do_set_benchmark(None, power.code, tiers, EFFECTIVE, "依据法定罚款幅度三档划分（演示）")
        except ActionError:
            continue
        benchmarks += 1
    legacy = _legacy_benchmarks(LEGACY_BENCHMARKS)
    seeding.progress(
        f"裁量基准 {benchmarks} 个（其中 {legacy} 个现行版本自原系统迁移、从重阶次上限超出法定幅度），"
        f"首违不罚规则 {rules} 条"
    )
    checklists = 0
    inspections = Power.objects.filter(kind=PowerKind.INSPECTION, status=PowerStatus.ACTIVE).prefetch_related(
        "bases__article__version__law", "bases__article__paragraphs"
    )
    for power in inspections.order_by("pk"):
        basis = next(iter(power.bases.all()), None)
        if basis is None:
            continue
        actions.do_save_checklist(
            None,
            actions.ChecklistInput(
                name=f"{power.name}检查清单"[:200],
                power_code=power.code,
                items=checklist_items(basis.article),
            ),
        )
        checklists += 1
    seeding.progress(f"检查清单 {checklists} 份")
    return f"权责清单：职权 {created} 项，裁量基准 {benchmarks} 个，首违不罚 {rules} 条，检查清单 {checklists} 份"


def _legacy_benchmarks(count: int) -> int:
    """A new current version for `count` powers, copied from the one in force but with the
    aggravated tier's maximum at 1.5 times the statutory maximum, written to the tables directly
    the way the migration of the former system did (the platform's action refuses such a tier)
    and audited as a migration."""
    from zhifa.core import audit
    from zhifa.powers.models import BenchmarkTier, DiscretionBenchmark

    made = 0
    for power in Power.objects.filter(benchmarks__isnull=False).distinct().order_by("pk"):
        tops = [
            r.maximum
            for p in power.provisions.all()
            for r in p.fine_ranges.all()
            if r.kind == RangeKind.FIXED and r.maximum
        ]
        current = power.benchmarks.order_by("-version").first()
        tiers = list(current.tiers.order_by("sort_order", "pk")) if current else []
        aggravated = [
            t for t in tiers if t.tier == Tier.AGGRAVATED and t.range_kind == RangeKind.FIXED and t.maximum
        ]
        if not tops or not aggravated or current is None:
            continue
        if made and power.holder_id == Power.objects.get(code=_LEGACY[-1]).holder_id:
            continue
        top = max(tops)
        legacy = DiscretionBenchmark.objects.create(
            power=power,
            version=current.version + 1,
            effective_from=current.effective_from,
            note=LEGACY_NOTE,
            created_by="migration",
        )
        for tier in tiers:
            maximum = (top * Decimal("1.5")).quantize(Decimal(1)) if tier in aggravated else tier.maximum
            BenchmarkTier.objects.create(
                benchmark=legacy,
                tier=tier.tier,
                circumstances=tier.circumstances,
                range_kind=tier.range_kind,
                minimum=tier.minimum,
                maximum=maximum,
                base=tier.base,
                base_from=tier.base_from,
                base_below=tier.base_below,
                penalty_kinds=tier.penalty_kinds,
                sort_order=tier.sort_order,
            )
        audit.record(
            audit.Change(
                "powers.benchmark_migrated",
                "powers.discretionbenchmark",
                str(legacy.pk),
                after={"power": power.code, "version": legacy.version, "note": LEGACY_NOTE},
            )
        )
        _LEGACY.append(power.code)
        made += 1
        if made >= count:
            break
    return made


_LEGACY: list[str] = []
