"""Discretion: benchmark tiers checked against the statutory ranges, and the evaluation of facts.

Pure functions over plain values (no database access): the actions and the API load the power's
tiers, statutory ranges and no-penalty rule and pass them in.

Rules (行政处罚法第三十二至三十四条):
* every fining tier must lie inside the statutory range of the same kind (a fixed yuan range or a
  multiple of the same base); 从重 may use the aggravated range (情节严重的), the other tiers only
  the ordinary ranges when the provision has both;
* 减轻 (Art. 32) is a penalty below the statutory minimum, so its lower bound is not held to the
  statutory minimum — its upper bound still is to the maximum;
* 不予处罚 carries no fine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from zhifa.core.errors import ActionError
from zhifa.powers.models import RangeKind, Tier

ADMIN_PENALTY_LAW_ART_33 = "《行政处罚法》第三十三条第一款"
ADMIN_PENALTY_LAW_ART_34 = "《行政处罚法》第三十四条"

TIER_SYNONYMS = {
    "不予处罚": Tier.NO_PENALTY,
    "免罚": Tier.NO_PENALTY,
    "减轻": Tier.MITIGATED,
    "减轻处罚": Tier.MITIGATED,
    "从轻": Tier.LENIENT,
    "从轻处罚": Tier.LENIENT,
    "轻微": Tier.LENIENT,
    "较轻": Tier.LENIENT,
    "一般": Tier.GENERAL,
    "从重": Tier.AGGRAVATED,
    "从重处罚": Tier.AGGRAVATED,
    "较重": Tier.AGGRAVATED,
    "严重": Tier.AGGRAVATED,
    "情节严重": Tier.AGGRAVATED,
}


@dataclass
class StatutoryRange:
    kind: str  # fixed | multiple
    minimum: Decimal | None
    maximum: Decimal | None
    citation: str  # 《食品安全法》第一百二十二条第一款
    base: str = ""
    condition: str = ""
    aggravated: bool = False
    party_kind: str = ""
    text: str = ""


@dataclass
class TierData:
    tier: str
    range_kind: str = RangeKind.FIXED
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    base: str = ""
    base_from: Decimal | None = None
    base_below: Decimal | None = None
    circumstances: str = ""
    penalty_kinds: list[str] = field(default_factory=list)


@dataclass
class NoPenaltyData:
    kind: str
    requires_first_violation: bool
    requires_minor_harm: bool
    correction_days: int | None
    conditions: str
    source: str
    active: bool = True


@dataclass
class Facts:
    circumstance: str = ""
    base_amount: Decimal | None = None
    party_kind: str = "organisation"  # person | organisation
    first_violation: bool = False
    minor_harm: bool = False
    corrected: bool = False


def yuan(value: Decimal | None) -> str:
    """12345.00 → "12345", 0.50 → "0.5"."""
    if value is None:
        return "—"
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _label(tier: str) -> str:
    return str(Tier(tier).label) if tier in Tier.values else tier


def _unit(kind: str) -> str:
    return "元" if kind == RangeKind.FIXED else "倍"


def _same_base(tier_base: str, range_base: str) -> bool:
    if not tier_base or not range_base:
        return True
    return tier_base in range_base or range_base in tier_base


def _candidates(tier: TierData, statutory: Sequence[StatutoryRange]) -> list[StatutoryRange]:
    same = [r for r in statutory if r.kind == tier.range_kind and _same_base(tier.base, r.base)]
    if tier.tier != Tier.AGGRAVATED:
        ordinary = [r for r in same if not r.aggravated]
        if ordinary:
            return ordinary
    return same


def check_tier(index: int, tier: TierData, statutory: Sequence[StatutoryRange]) -> None:
    """Raise ActionError (field `tiers.{index}.…`) when the tier breaks the statute."""
    prefix = f"tiers.{index}"
    label = _label(tier.tier)
    if tier.tier not in Tier.values:
        raise ActionError("invalid_choice", "裁量阶次无效", f"{prefix}.tier")
    if tier.range_kind not in RangeKind.values:
        raise ActionError("invalid_choice", "幅度类型无效", f"{prefix}.range_kind")
    if tier.tier == Tier.NO_PENALTY and tier.range_kind != RangeKind.NONE:
        raise ActionError("invalid_range", "不予处罚档不能设定罚款幅度", f"{prefix}.range_kind")
    if tier.range_kind == RangeKind.NONE:
        if tier.minimum is not None or tier.maximum is not None:
            raise ActionError("invalid_range", f"{label}档为不罚款，不能填写幅度", f"{prefix}.minimum")
        return
    if tier.maximum is None:
        raise ActionError("required", f"{label}档须填写上限", f"{prefix}.maximum")
    if tier.minimum is not None and tier.minimum < 0:
        raise ActionError("invalid_range", f"{label}档下限不能为负数", f"{prefix}.minimum")
    if tier.minimum is not None and tier.minimum > tier.maximum:
        raise ActionError("invalid_range", f"{label}档下限不能高于上限", f"{prefix}.minimum")
    if tier.range_kind == RangeKind.MULTIPLE and not tier.base:
        raise ActionError(
            "required", f"{label}档为倍数幅度，须写明倍数基数（如货值金额、违法所得）", f"{prefix}.base"
        )
    candidates = _candidates(tier, statutory)
    kind_label = (
        "定额罚款" if tier.range_kind == RangeKind.FIXED else f"以{tier.base or '基数'}计算的倍数罚款"
    )
    if not candidates:
        cited = "、".join(dict.fromkeys(r.citation for r in statutory)) or "该职权关联的法定罚则"
        raise ActionError(
            "no_statutory_range",
            f"{label}档设定了{kind_label}，但{cited}未规定此类罚款幅度",
            f"{prefix}.range_kind",
        )
    unit = _unit(tier.range_kind)
    if all(r.maximum is not None for r in candidates):
        top = max(candidates, key=lambda r: r.maximum)
        if tier.maximum > top.maximum:
            raise ActionError(
                "tier_outside_statutory_range",
                f"{label}档上限 {yuan(tier.maximum)} {unit}超出{top.citation}规定的上限 {yuan(top.maximum)} {unit}",
                f"{prefix}.maximum",
            )
    if tier.tier == Tier.MITIGATED:
        return  # Art. 32: 减轻 goes below the statutory minimum
    bottom = min(candidates, key=lambda r: r.minimum or Decimal(0))
    floor = bottom.minimum or Decimal(0)
    if (tier.minimum or Decimal(0)) < floor:
        raise ActionError(
            "tier_outside_statutory_range",
            f"{label}档下限 {yuan(tier.minimum or Decimal(0))} {unit}低于{bottom.citation}规定的下限 {yuan(floor)} {unit}",
            f"{prefix}.minimum",
        )


def check_tiers(tiers: Sequence[TierData], statutory: Sequence[StatutoryRange]) -> None:
    if not tiers:
        raise ActionError("required", "裁量基准至少需要一个阶次", "tiers")
    for index, tier in enumerate(tiers):
        check_tier(index, tier, statutory)


# --- evaluation -----------------------------------------------------------------------------


def no_penalty_holds(rule: NoPenaltyData | None, facts: Facts) -> bool:
    """Art. 33: 及时改正 always; 初次违法 and 危害后果轻微 where the rule requires them."""
    if rule is None or not rule.active or not facts.corrected:
        return False
    if rule.requires_first_violation and not facts.first_violation:
        return False
    return not (rule.requires_minor_harm and not facts.minor_harm)


def _phrases(text: str) -> list[str]:
    import re

    return [p.strip() for p in re.split(r"[；;，,、。\n（）()]+", text or "") if len(p.strip()) >= 2]


def select_tier(circumstance: str, tiers: Sequence[TierData]) -> str:
    """The tier named by `circumstance` (code, Chinese name or synonym), else the tier whose
    circumstances share most phrases with it, else 一般."""
    text = (circumstance or "").strip()
    present = {t.tier for t in tiers}
    if text in Tier.values and text in present:
        return text
    if text in TIER_SYNONYMS and TIER_SYNONYMS[text] in present:
        return TIER_SYNONYMS[text]
    best, best_score = None, 0
    for tier in tiers:
        score = sum(1 for p in _phrases(tier.circumstances) if p in text)
        score += sum(1 for p in _phrases(text) if p in tier.circumstances)
        if score > best_score:
            best, best_score = tier.tier, score
    if best:
        return best
    return Tier.GENERAL if Tier.GENERAL in present else (tiers[0].tier if tiers else Tier.GENERAL)


def _band_holds(tier: TierData, base: Decimal | None) -> bool:
    if base is None:
        return tier.base_from is None and tier.base_below is None
    if tier.base_from is not None and base < tier.base_from:
        return False
    return not (tier.base_below is not None and base >= tier.base_below)


def evaluate(
    facts: Facts,
    tiers: Sequence[TierData],
    statutory: Sequence[StatutoryRange],
    rule: NoPenaltyData | None,
    basis: Sequence[str],
) -> dict[str, Any]:
    """The tier, allowed range (yuan, multiples applied to the base) and legal basis for `facts`."""
    result: dict[str, Any] = {
        "no_penalty": False,
        "no_penalty_rule": None,
        "tier": None,
        "tier_label": "",
        "range_kind": RangeKind.NONE,
        "minimum": None,
        "maximum": None,
        "base": "",
        "base_amount": facts.base_amount,
        "penalty_kinds": [],
        "circumstances": "",
        "basis": list(basis),
        "notes": [],
    }
    if no_penalty_holds(rule, facts):
        assert rule is not None
        result.update(
            no_penalty=True,
            tier=Tier.NO_PENALTY,
            tier_label=str(Tier.NO_PENALTY.label),
            no_penalty_rule={
                "kind": rule.kind,
                "conditions": rule.conditions,
                "correction_days": rule.correction_days,
                "source": rule.source,
            },
        )
        result["basis"] = [ADMIN_PENALTY_LAW_ART_33, rule.source, *basis]
        return result
    if not tiers:
        result["notes"].append("该职权尚未制定裁量基准，按法定幅度裁量")
        result["basis"] = [*basis, *dict.fromkeys(r.text or r.citation for r in statutory)]
        return result
    chosen = select_tier(facts.circumstance, tiers)
    rows = [t for t in tiers if t.tier == chosen]
    in_band = [t for t in rows if _band_holds(t, facts.base_amount)]
    if facts.base_amount is not None and not in_band:
        in_band = [t for t in rows if t.base_from is None and t.base_below is None]
    candidates = in_band or rows
    if facts.base_amount is None:
        candidates = sorted(candidates, key=lambda t: t.range_kind == RangeKind.MULTIPLE)
    row = candidates[0]
    result.update(
        tier=row.tier,
        tier_label=_label(row.tier),
        range_kind=row.range_kind,
        base=row.base,
        penalty_kinds=list(row.penalty_kinds),
        circumstances=row.circumstances,
    )
    if chosen == Tier.NO_PENALTY:
        result["no_penalty"] = True
        result["basis"] = [ADMIN_PENALTY_LAW_ART_33, *basis]
        return result
    if row.range_kind == RangeKind.FIXED:
        result["minimum"], result["maximum"] = row.minimum or Decimal(0), row.maximum
    elif row.range_kind == RangeKind.MULTIPLE:
        if facts.base_amount is None:
            result["notes"].append(
                f"该档为{row.base}的{yuan(row.minimum)}至{yuan(row.maximum)}倍，请提供{row.base}"
            )
        else:
            low = (row.minimum or Decimal(0)) * facts.base_amount
            high = row.maximum * facts.base_amount if row.maximum is not None else None
            result["minimum"] = low.quantize(Decimal("0.01"))
            result["maximum"] = high.quantize(Decimal("0.01")) if high is not None else None
    result["basis"] = [*basis, ADMIN_PENALTY_LAW_ART_34]
    return result
