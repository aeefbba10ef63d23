"""Structural checks: the rubric items the data can decide (pre-scoring, 自动预评).

`facts_for(review_case)` gathers what a check needs from the sampled record (the store's `case`
record as drawn, the matching `decision` record) and, for the platform's own cases
(`source_system == "zhifa"`), from the relational case: its issued documents and recorded steps.
Each check answers a `Finding`:

* `deduct` — the breach is in the data: the item loses its full `max_deduction`, with a Chinese
  reason and the evidence (field values, dates, document kinds);
* `passed` — the data shows the requirement met, or it does not apply (no penalty, no fine …);
* `undecided` — the data cannot tell (e.g. an outside agency's record has no document list): the
  item is left to the reviewer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from zhifa.cases.guards import hearing_required
from zhifa.rules import clocks

LAW = "《行政处罚法》"
# An approved extension in an exchange record carries its date, not its length: counted as 30 days
# (the indicator engine's convention, zhifa.indicators.engine.EXTENSION_DAYS).
STORE_EXTENSION_DAYS = 30
PASSED, DEDUCT, UNDECIDED = "passed", "deduct", "undecided"


@dataclass(frozen=True)
class Finding:
    outcome: str
    reason: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)


def passed(reason: str = "", **evidence: Any) -> Finding:
    return Finding(PASSED, reason, evidence)


def deduct(reason: str, **evidence: Any) -> Finding:
    return Finding(DEDUCT, reason, evidence)


def undecided(reason: str = "") -> Finding:
    return Finding(UNDECIDED, reason)


@dataclass
class CaseFacts:
    number: str
    platform: bool
    procedure: str
    major: bool
    entity_kind: str
    violation_on: dt.date | None
    filed_on: dt.date | None
    notice_served_on: dt.date | None
    hearing_offered: bool
    legal_review_on: dt.date | None
    extension_days: int
    decided_on: dt.date | None
    served_on: dt.date | None
    paid_on: dt.date | None
    decision_kind: str
    penalty_kinds: list[str]
    fine: Decimal | None
    confiscation: Decimal | None
    benchmark_tier: str
    legal_basis: list[str]
    officer_count: int | None
    service_method: str
    enforcement: str
    power_code: str
    agency_code: str
    region: Any = None
    # platform cases only (None for outside agencies' records)
    documents: set[str] | None = None
    steps: set[str] | None = None
    flagged: bool | None = None
    serious_harm: bool | None = None
    notice_waived: bool = False
    tier_range: tuple[float | None, float | None] | None = None  # store records: the tier's range

    @property
    def penalty(self) -> bool:
        return self.decision_kind == "penalty"


def _day(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _amount(value: Any) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


# --- gathering the facts -------------------------------------------------------------------


def facts_from_record(record: dict[str, Any], decision: dict[str, Any] | None = None) -> CaseFacts:
    decision = decision or {}
    officers = record.get("officer_certificates")
    return CaseFacts(
        number=record.get("case_number") or "",
        platform=False,
        procedure=record.get("procedure") or "general",
        major=bool(record.get("major_case")),
        entity_kind="person" if record.get("entity_kind") == "person" else "organisation",
        violation_on=_day(record.get("violation_on")),
        filed_on=_day(record.get("filed_on")),
        notice_served_on=_day(record.get("notice_served_on")),
        hearing_offered=bool(record.get("hearing_offered")),
        legal_review_on=_day(record.get("legal_review_on")),
        extension_days=STORE_EXTENSION_DAYS if record.get("extension_approved_on") else 0,
        decided_on=_day(record.get("decided_on")),
        served_on=_day(record.get("served_on") or decision.get("served_on")),
        paid_on=_day(record.get("paid_on") or decision.get("paid_on")),
        decision_kind=record.get("decision_kind") or "",
        penalty_kinds=list(record.get("penalty_kinds") or []),
        fine=_amount(record.get("fine_amount")),
        confiscation=_amount(record.get("confiscation_amount")),
        benchmark_tier=record.get("benchmark_tier") or "",
        legal_basis=list(record.get("legal_basis") or decision.get("legal_basis") or []),
        officer_count=None if officers is None else len(officers),
        service_method=decision.get("service_method") or "",
        enforcement=decision.get("enforcement") or "",
        power_code=record.get("power_code") or "",
        agency_code=record.get("agency_code") or "",
    )


def add_platform_facts(facts: CaseFacts, case: Any) -> CaseFacts:
    """The relational case's documents, steps and flags (platform cases)."""
    from zhifa.documents.models import IssuedDocument

    facts.platform = True
    facts.documents = set(
        IssuedDocument.objects.filter(case_ref=case.number, agency_id=case.agency_id).values_list(
            "kind", flat=True
        )
    )
    steps = list(case.steps.all())
    facts.steps = {s.code for s in steps}
    facts.notice_waived = any(s.code == "serve_notice" and s.data.get("waived") for s in steps)
    facts.flagged = bool(case.flagged_for_supervision)
    facts.serious_harm = bool(case.serious_harm)
    facts.extension_days = int(case.extensions or 0)
    facts.officer_count = case.officers.count()
    facts.region = case.region
    enforcement = [s for s in steps if s.code == "apply_enforcement"]
    if enforcement and not facts.enforcement:
        facts.enforcement = "court"
    return facts


# --- the checks ----------------------------------------------------------------------------


def limitation_expired(f: CaseFacts) -> Finding:
    if not (f.violation_on and f.filed_on):
        return undecided("记录缺少违法行为日期或立案日期")
    years = (f.filed_on - f.violation_on).days / 365.25
    ev = {"violation_on": _iso(f.violation_on), "filed_on": _iso(f.filed_on)}
    if years > 5 or (years > 2 and f.serious_harm is False):
        limit = 5 if years > 5 else 2
        return deduct(
            f"违法行为终了于{f.violation_on:%Y-%m-%d}，至{f.filed_on:%Y-%m-%d}立案已超过{limit}年，"
            f"超过{LAW}第三十六条规定的追责时效",
            **ev,
        )
    if years > 2:
        return undecided("立案距违法行为超过2年，是否属于5年时效情形需人工判断")
    return passed(**ev)


def too_few_officers(f: CaseFacts) -> Finding:
    if f.officer_count is None:
        return undecided("记录未列明执法人员")
    if f.officer_count < 2:
        return deduct(
            f"案件记录的执法人员仅{f.officer_count}名，不符合{LAW}第四十二条两名以上执法人员的要求",
            officer_count=f.officer_count,
        )
    return passed(officer_count=f.officer_count)


def prior_notice_missing(f: CaseFacts) -> Finding:
    if not f.penalty or f.procedure == "summary":
        return passed("非普通程序处罚决定，不适用")
    if f.documents is not None:
        if "prior_notice" in f.documents or f.notice_waived:
            return passed(documents=sorted(f.documents))
        return deduct(
            f"作出处罚决定前未制发行政处罚事先告知书，当事人也未书面放弃（{LAW}第四十四条、第六十二条）",
            documents=sorted(f.documents),
        )
    if f.notice_served_on is None:
        return deduct(
            f"处罚决定（{_iso(f.decided_on) or '日期不详'}）前无事先告知书送达记录（{LAW}第四十四条、第六十二条）",
            notice_served_on=None,
            decided_on=_iso(f.decided_on),
        )
    if f.decided_on and f.notice_served_on > f.decided_on:
        return deduct(
            f"事先告知书送达日期{f.notice_served_on:%Y-%m-%d}晚于决定日期{f.decided_on:%Y-%m-%d}",
            notice_served_on=_iso(f.notice_served_on),
            decided_on=_iso(f.decided_on),
        )
    return passed(notice_served_on=_iso(f.notice_served_on))


def hearing_not_offered(f: CaseFacts) -> Finding:
    if not f.penalty or f.procedure == "summary":
        return passed("非普通程序处罚决定，不适用")
    day = f.decided_on or f.filed_on or dt.date.today()
    reason = hearing_required(f.penalty_kinds, f.fine, f.confiscation, [f.entity_kind], f.region, day)
    if not reason:
        return passed("不属于第六十三条应当告知听证的情形")
    offered = f.hearing_offered or (f.documents is not None and "hearing_notice_of_right" in f.documents)
    if offered or f.notice_waived:
        return passed(f"已告知听证权利（{reason}）")
    return deduct(
        f"处罚属于{LAW}第六十三条应告知听证权利的情形（{reason}），但未告知听证权利",
        hearing_required=reason,
        hearing_offered=False,
    )


def legal_review_missing(f: CaseFacts) -> Finding:
    if not f.major:
        return passed("非重大案件，不适用")
    if f.decided_on is None:
        return undecided("记录无决定日期")
    reviewed = f.legal_review_on is not None or (f.steps is not None and "approve_legal_review" in f.steps)
    if reviewed:
        return passed(legal_review_on=_iso(f.legal_review_on))
    return deduct(
        f"重大案件于{f.decided_on:%Y-%m-%d}作出决定，无法制审核记录（{LAW}第五十八条）",
        major_case=True,
        legal_review_on=None,
    )


def decision_late(f: CaseFacts) -> Finding:
    if f.procedure == "summary":
        return passed("简易程序，不适用")
    if not (f.filed_on and f.decided_on):
        return undecided("记录缺少立案或决定日期")
    due = clocks.decision_deadline(f.filed_on, f.extension_days, f.region)
    ev = {"filed_on": _iso(f.filed_on), "decided_on": _iso(f.decided_on), "due_on": _iso(due)}
    if f.decided_on <= due:
        return passed(**ev)
    late = (f.decided_on - due).days
    extended = "（已延长）" if f.extension_days else "（未经批准延长）"
    return deduct(
        f"立案{f.filed_on:%Y-%m-%d}，期限届满{due:%Y-%m-%d}{extended}，{f.decided_on:%Y-%m-%d}作出决定，"
        f"超期{late}日（{LAW}第六十条）",
        **ev,
    )


def service_late(f: CaseFacts) -> Finding:
    if not f.penalty:
        return passed("非处罚决定，不适用")
    if not (f.decided_on and f.served_on):
        return undecided("记录缺少决定或送达日期")
    due = clocks.service_deadline(f.decided_on, f.region)
    ev = {"decided_on": _iso(f.decided_on), "served_on": _iso(f.served_on), "due_on": _iso(due)}
    if f.served_on <= due:
        return passed(**ev)
    return deduct(
        f"决定{f.decided_on:%Y-%m-%d}作出，{f.served_on:%Y-%m-%d}送达，超过七个工作日的送达期限"
        f"（{due:%Y-%m-%d}，{LAW}第六十一条）",
        **ev,
    )


def not_executed(f: CaseFacts) -> Finding:
    if not (f.penalty and f.fine and f.fine > 0):
        return passed("无罚款，不适用")
    if f.paid_on:
        return passed(paid_on=_iso(f.paid_on))
    if f.enforcement and f.enforcement != "none":
        return passed(enforcement=f.enforcement)
    return deduct(
        f"罚款{f.fine}元未见缴纳记录，也未采取加处罚款或申请强制执行等措施即结案（{LAW}第六十七条、第七十二条）",
        fine_amount=str(f.fine),
        paid_on=None,
        enforcement=f.enforcement or None,
    )


def legal_basis_missing(f: CaseFacts) -> Finding:
    if not f.penalty:
        return passed("非处罚决定，不适用")
    if f.legal_basis:
        return passed(legal_basis=f.legal_basis)
    return deduct(f"处罚决定未载明法律依据（{LAW}第五十九条）", legal_basis=[])


def fine_outside_tier(f: CaseFacts) -> Finding:
    if not (f.penalty and f.fine and f.fine > 0):
        return passed("无罚款，不适用")
    if f.flagged is not None:
        if f.flagged:
            return deduct(
                f"罚款{f.fine}元偏离裁量基准（超出所选裁量阶次幅度，或对首违不罚清单情形仍予处罚），"
                f"案件已标记提示监督（{LAW}第三十四条、第三十三条）",
                fine_amount=str(f.fine),
                flagged_for_supervision=True,
            )
        return passed(flagged_for_supervision=False)
    if f.tier_range is None:
        return undecided("记录无可比对的裁量基准阶次")
    low, high = f.tier_range
    fine = float(f.fine)
    if fine < (low or 0) - 0.005 or (high is not None and fine > high + 0.005):
        span = f"{low or 0:g}–{high:g}" if high is not None else f"不低于{low or 0:g}"
        return deduct(
            f"罚款{f.fine}元不在职权{f.power_code}裁量基准“{f.benchmark_tier}”阶次幅度（{span}元）内"
            f"（{LAW}第三十四条）",
            fine_amount=str(f.fine),
            tier=f.benchmark_tier,
            tier_min=low,
            tier_max=high,
        )
    return passed(tier=f.benchmark_tier, tier_min=low, tier_max=high)


def _document_check(
    kind: str, label: str, applies: Callable[[CaseFacts], bool]
) -> Callable[[CaseFacts], Finding]:
    def check(f: CaseFacts) -> Finding:
        if not applies(f):
            return passed("不适用")
        if f.documents is None:
            return undecided("外部系统案件无文书清单，需人工核对案卷")
        if kind in f.documents:
            return passed(documents=sorted(f.documents))
        return deduct(f"案卷中无{label}", documents=sorted(f.documents), missing=kind)

    return check


def decision_document_missing(f: CaseFacts) -> Finding:
    if not f.penalty:
        return passed("非处罚决定，不适用")
    if f.documents is None:
        return undecided("外部系统案件无文书清单，需人工核对案卷")
    wanted = "summary_decision" if f.procedure == "summary" else "penalty_decision"
    label = "当场行政处罚决定书" if f.procedure == "summary" else "行政处罚决定书"
    if wanted in f.documents:
        return passed(documents=sorted(f.documents))
    return deduct(f"给予处罚但案卷中无{label}", documents=sorted(f.documents), missing=wanted)


def service_receipt_missing(f: CaseFacts) -> Finding:
    if not f.penalty:
        return passed("非处罚决定，不适用")
    if f.documents is not None:
        if "service_receipt" in f.documents:
            return passed(documents=sorted(f.documents))
        return deduct("处罚决定书送达无送达回证", documents=sorted(f.documents), missing="service_receipt")
    if f.served_on is None:
        return deduct("处罚决定无送达日期记录，无法证明已送达", served_on=None)
    return passed(served_on=_iso(f.served_on))


def _general(f: CaseFacts) -> bool:
    return f.procedure != "summary"


CHECKS: dict[str, Callable[[CaseFacts], Finding]] = {
    "limitation_expired": limitation_expired,
    "too_few_officers": too_few_officers,
    "prior_notice_missing": prior_notice_missing,
    "hearing_not_offered": hearing_not_offered,
    "legal_review_missing": legal_review_missing,
    "decision_late": decision_late,
    "service_late": service_late,
    "not_executed": not_executed,
    "legal_basis_missing": legal_basis_missing,
    "fine_outside_tier": fine_outside_tier,
    "filing_approval_missing": _document_check("filing_approval", "立案审批表", _general),
    "decision_document_missing": decision_document_missing,
    "service_receipt_missing": service_receipt_missing,
    "closing_report_missing": _document_check("closing_report", "结案报告", _general),
}
