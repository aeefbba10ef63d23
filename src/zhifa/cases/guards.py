"""The guards of the penalty procedure: each refuses a transition the law forbids with a stable code
and a Chinese message citing the article. Pure checks over the case, its officers and steps; the
numbers come from the rules catalogue (`zhifa.rules`), so a region's settings apply."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from zhifa.core.errors import ActionError
from zhifa.laws.models import PenaltyKind
from zhifa.powers.actions import holder_on, no_penalty_data
from zhifa.powers.discretion import Facts, no_penalty_holds, yuan
from zhifa.powers.models import BenchmarkTier, NoPenaltyRule, Power, PowerKind, PowerStatus, RangeKind
from zhifa.registry.models import Agency, Certificate, Officer
from zhifa.rules import clocks
from zhifa.rules.catalogue import value

if TYPE_CHECKING:
    from zhifa.cases.models import Case

LAW = "《行政处罚法》"

# Art. 63: penalties that always carry the right to a hearing, whatever the amount.
HEARING_KINDS = frozenset(
    {
        PenaltyKind.REVOKE_LICENCE,
        PenaltyKind.DOWNGRADE_QUALIFICATION,
        PenaltyKind.SUSPEND_BUSINESS,
        PenaltyKind.CLOSE,
        PenaltyKind.RESTRICT_BUSINESS,
        PenaltyKind.RESTRICT_PRACTICE,
        PenaltyKind.OTHER,
    }
)
CONFISCATION_KINDS = frozenset({PenaltyKind.CONFISCATE_GAINS, PenaltyKind.CONFISCATE_PROPERTY})
SUMMARY_KINDS = frozenset({PenaltyKind.WARNING, PenaltyKind.FINE})


def rule_int(code: str, region: Any, day: dt.date) -> int:
    return int(value(code, region, day))


# --- officers (Art. 42, 55) ----------------------------------------------------------------


def valid_certificate(officer: Officer, domain_id: str, day: dt.date) -> Certificate | None:
    for cert in officer.certificates.filter(domain_id=domain_id):
        if cert.is_valid_on(day):
            return cert
    return None


def check_officers(
    officers: Sequence[Officer], agency: Agency, domain_id: str, day: dt.date, region: Any
) -> None:
    """Every acting officer holds a certificate valid on `day` for the power's domain, belongs to
    the agency, and there are at least `min_officers` of them."""
    for index, officer in enumerate(officers):
        field = f"officer_ids.{index}"
        if officer.agency_id != agency.pk:
            raise ActionError("officer_not_in_agency", f"执法人员{officer.name}不属于{agency.name}", field)
        if valid_certificate(officer, domain_id, day) is None:
            raise ActionError(
                "certificate_invalid",
                f"依据{LAW}第四十二条、第五十五条，执法人员{officer.name}在{day:%Y-%m-%d}没有本领域有效的执法证件"
                "（已过期、暂扣、吊销或领域不符），不得从事执法活动",
                field,
            )
    minimum = rule_int("min_officers", region, day)
    if len({o.pk for o in officers}) < minimum:
        raise ActionError(
            "too_few_officers",
            f"依据{LAW}第四十二条，执法人员不得少于{minimum}人，且须持有本领域有效执法证件",
            "officer_ids",
        )


# --- power and legal basis (Art. 38) -------------------------------------------------------


def check_power(power: Power, agency: Agency, day: dt.date, violation_day: dt.date) -> None:
    if power.kind != PowerKind.PENALTY:
        raise ActionError("power_not_penalty", f"职权“{power.name}”不是行政处罚类职权", "power_code")
    holder = holder_on(power, day)
    if holder.pk != agency.pk:
        raise ActionError(
            "power_not_held",
            f"依据{LAW}第三十八条，{day:%Y-%m-%d}该职权由{holder.name}行使，{agency.name}不具有行政主体资格，"
            "所作处罚无效",
            "power_code",
        )
    if power.status != PowerStatus.ACTIVE or (power.effective_from and power.effective_from > day):
        raise ActionError(
            "power_not_held",
            f"依据{LAW}第三十八条，职权“{power.name}”在{day:%Y-%m-%d}不在有效的权责清单中（{power.get_status_display()}）",
            "power_code",
        )
    bases = list(power.bases.select_related("article__version__law"))
    if not bases:
        raise ActionError(
            "basis_not_in_force", f"依据{LAW}第三十八条，职权“{power.name}”没有法律依据", "power_code"
        )
    for basis in bases:
        version = basis.article.version
        in_force = version.law.version_on(violation_day)
        if in_force is None or in_force.pk != version.pk:
            raise ActionError(
                "basis_not_in_force",
                f"依据{LAW}第三十七条、第三十八条，法律依据{basis.citation}（{version.effective_date:%Y-%m-%d}版）"
                f"在违法行为发生时（{violation_day:%Y-%m-%d}）不是施行中的版本",
                "violation_ended_on",
            )


# --- limitation (Art. 36) ------------------------------------------------------------------


def check_limitation(violation_ended_on: dt.date, serious: bool, filed_on: dt.date, region: Any) -> None:
    expires = clocks.limitation_expires(violation_ended_on, serious, region)
    if filed_on > expires:
        years = rule_int(
            "limitation_years_serious" if serious else "limitation_years", region, violation_ended_on
        )
        raise ActionError(
            "limitation_expired",
            f"依据{LAW}第三十六条，违法行为在{years}年内未被发现的不再给予行政处罚"
            f"（终了于{violation_ended_on:%Y-%m-%d}，时效届满于{expires:%Y-%m-%d}）",
            "violation_ended_on",
        )


# --- hearing (Art. 63, 64) -----------------------------------------------------------------


def hearing_required(
    kinds: Iterable[str],
    fine: Decimal | None,
    confiscation: Decimal | None,
    party_kinds: Iterable[str],
    region: Any,
    day: dt.date,
) -> str:
    """The reason the proposed penalty carries the right to a hearing, '' if none."""
    kinds = set(kinds)
    named = kinds & HEARING_KINDS
    if named:
        return "、".join(str(PenaltyKind(k).label) for k in sorted(named))
    if fine:
        for party_kind in set(party_kinds):
            threshold = value(f"hearing_fine_threshold_{party_kind}", region, day)
            if fine >= threshold:
                return f"较大数额罚款（{yuan(fine)}元，标准{yuan(threshold)}元）"
    if confiscation and kinds & CONFISCATION_KINDS:
        threshold = value("hearing_confiscation_threshold", region, day)
        if confiscation >= threshold:
            return (
                f"没收较大数额违法所得或较大价值非法财物（{yuan(confiscation)}元，标准{yuan(threshold)}元）"
            )
    return ""


# --- summary procedure (Art. 51) and on-the-spot collection (Art. 68) ---------------------


def check_summary(
    kinds: Sequence[str], fine: Decimal | None, party_kinds: Iterable[str], region: Any, day: dt.date
) -> None:
    other = set(kinds) - SUMMARY_KINDS
    if other or not kinds:
        raise ActionError(
            "summary_limit_exceeded",
            f"依据{LAW}第五十一条，简易程序只能当场给予警告或者小额罚款",
            "penalty_kinds",
        )
    for party_kind in set(party_kinds):
        limit = value(f"summary_fine_limit_{party_kind}", region, day)
        if fine is not None and fine > limit:
            who = "公民" if party_kind == "person" else "法人或者其他组织"
            raise ActionError(
                "summary_limit_exceeded",
                f"依据{LAW}第五十一条，对{who}当场罚款不得超过{yuan(limit)}元，{yuan(fine)}元应适用普通程序",
                "fine_amount",
            )


def check_collection(amount: Decimal, region: Any, day: dt.date) -> None:
    limit = value("on_the_spot_collection_limit", region, day)
    if amount > limit:
        raise ActionError(
            "collection_limit_exceeded",
            f"依据{LAW}第六十八条，当场收缴的罚款限于{yuan(limit)}元以下，{yuan(amount)}元应由当事人到指定银行缴纳",
            "amount",
        )


# --- discretion (Art. 33, 34) --------------------------------------------------------------


def tier_range(tier: BenchmarkTier, base_amount: Decimal | None) -> tuple[Decimal | None, Decimal | None]:
    if tier.range_kind == RangeKind.FIXED:
        return tier.minimum or Decimal(0), tier.maximum
    if tier.range_kind == RangeKind.MULTIPLE:
        if base_amount is None:
            raise ActionError(
                "base_amount_required", f"裁量阶次按{tier.base}的倍数确定，须填写{tier.base}", "base_amount"
            )
        low = (tier.minimum or Decimal(0)) * base_amount
        high = tier.maximum * base_amount if tier.maximum is not None else None
        return low, high
    return Decimal(0), Decimal(0)


def amount_inside_tier(tier: BenchmarkTier, fine: Decimal, base_amount: Decimal | None) -> tuple[bool, str]:
    low, high = tier_range(tier, base_amount)
    inside = (low is None or fine >= low) and (high is None or fine <= high)
    return inside, f"{yuan(low)}元至{yuan(high)}元"


def no_penalty_applies(power: Power, facts: Facts) -> NoPenaltyRule | None:
    rule = NoPenaltyRule.objects.filter(power=power, active=True).first()
    if rule is None:
        return None
    return rule if no_penalty_holds(no_penalty_data(rule), facts) else None


def case_region(case: Case) -> Any:
    return case.agency.region
