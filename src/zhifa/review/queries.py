"""Reads of the review app: case totals, the round report with inter-rater agreement, what an
agency may see, and `agency_scores(period)` — the hook for the evaluation and the indicators."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from zhifa.core import roles
from zhifa.indicators.engine import Period, parse_period
from zhifa.review.agreement import agreement
from zhifa.review.models import ItemScore, ReviewCase, ReviewRound, RoundState, Slot
from zhifa.review.rubric import FULL_SCORE, Group


def _total(deductions: Decimal) -> Decimal:
    return max(Decimal(0), FULL_SCORE - deductions).quantize(Decimal("0.01"))


def case_totals(case: ReviewCase, scores: list[ItemScore] | None = None) -> tuple[Decimal, Decimal | None]:
    """(first total, second total or None). The first: 100 − every first-slot deduction. The
    second (double cases): 100 − the structural items' first-slot deductions (decided by the data
    for both) − the second reviewer's deductions of the reviewer items."""
    scores = scores if scores is not None else list(case.scores.select_related("item"))
    first = [s for s in scores if s.slot == Slot.FIRST]
    total_first = _total(sum((s.deduction for s in first), Decimal(0)))
    if not case.double:
        return total_first, None
    structural = sum((s.deduction for s in first if s.item.structural), Decimal(0))
    second = sum((s.deduction for s in scores if s.slot == Slot.SECOND), Decimal(0))
    return total_first, _total(structural + second)


def _scores_by_case(rnd: ReviewRound) -> dict[int, list[ItemScore]]:
    grouped: dict[int, list[ItemScore]] = defaultdict(list)
    for s in ItemScore.objects.filter(case__round=rnd).select_related("item"):
        grouped[s.case_id].append(s)
    return grouped


def round_agreement(rnd: ReviewRound, grouped: dict[int, list[ItemScore]] | None = None) -> dict[str, Any]:
    grouped = grouped if grouped is not None else _scores_by_case(rnd)
    reviewer_items = list(rnd.rubric.items.filter(structural=False))
    pairs: list[tuple[bool, bool]] = []
    totals: list[tuple[float, float]] = []
    for case in rnd.cases.filter(double=True):
        scores = grouped.get(case.pk, [])
        by_slot = {(s.item_id, s.slot): s.deduction for s in scores}
        for item in reviewer_items:
            a = by_slot.get((item.pk, Slot.FIRST), Decimal(0)) > 0
            b = by_slot.get((item.pk, Slot.SECOND), Decimal(0)) > 0
            pairs.append((a, b))
        first, second = case_totals(case, scores)
        totals.append((float(first), float(second or 0)))
    return agreement(pairs, totals).as_dict()


def report(rnd: ReviewRound, cases: QuerySet[ReviewCase] | None = None) -> dict[str, Any]:
    """Scores per case, averages per agency, deductions per group, inter-rater agreement."""
    grouped = _scores_by_case(rnd)
    cases = cases if cases is not None else rnd.cases.all()
    rows, per_agency = [], defaultdict(list)
    by_group: dict[str, Decimal] = {g: Decimal(0) for g in Group.values}
    for case in cases.select_related("agency"):
        scores = grouped.get(case.pk, [])
        first, second = case_totals(case, scores)
        for s in scores:
            if s.slot == Slot.FIRST:
                by_group[s.item.group] += s.deduction
        rows.append(
            {
                "id": case.pk,
                "position": case.position,
                "case_number": case.case_number,
                "source_system": case.source_system,
                "source_id": case.source_id,
                "agency_code": case.agency_code,
                "agency_name": case.agency.name if case.agency else case.agency_code,
                "power_code": case.power_code,
                "stratum": case.stratum,
                "double": case.double,
                "total": float(first),
                "total_second": None if second is None else float(second),
                "deductions": [
                    {"item": s.item.code, "title": s.item.title, "points": float(s.deduction), "note": s.note}
                    for s in scores
                    if s.slot == Slot.FIRST and s.deduction > 0
                ],
            }
        )
        per_agency[(case.agency_code, rows[-1]["agency_name"])].append(float(first))
    agencies = [
        {"agency_code": code, "agency_name": name, "cases": len(v), "average": round(sum(v) / len(v), 2)}
        for (code, name), v in sorted(per_agency.items())
    ]
    groups = [{"group": g, "label": str(Group(g).label), "points": float(p)} for g, p in by_group.items()]
    return {
        "round": rnd.pk,
        "state": rnd.state,
        "cases": rows,
        "agencies": agencies,
        "groups": groups,
        "agreement": round_agreement(rnd, grouped),
    }


def visible_cases(user: Any) -> QuerySet[ReviewCase]:
    """The sampled cases the user may see: supervisors every case of their region's rounds,
    agency roles their own agency's cases once the round is closed."""
    qs = ReviewCase.objects.restrict(user)
    if getattr(user, "role", None) in roles.AGENCY_ROLES:
        qs = qs.filter(round__state=RoundState.CLOSED)
    return qs


def agency_scores(period: Period | str, region: Any = None) -> dict[str, float]:
    """Average case-file review score (0–100) per agency code over the closed rounds whose period
    lies inside `period` (optionally of rounds in a region's subtree, by its code or object)."""
    if isinstance(period, str):
        period = parse_period(period)
    qs = ReviewCase.objects.filter(
        round__state=RoundState.CLOSED,
        round__period_start__gte=period.start,
        round__period_end__lte=period.end,
        total_first__isnull=False,
    )
    if region is not None:
        from zhifa.core.models import Region

        obj = region if isinstance(region, Region) else Region.objects.get(code=region)
        qs = qs.filter(round__region__path__startswith=obj.path)
    sums: dict[str, list[float]] = defaultdict(list)
    for code, total in qs.values_list("agency_code", "total_first"):
        sums[code].append(float(total))
    return {code: round(sum(v) / len(v), 2) for code, v in sorted(sums.items())}
