"""Case-file review actions: every state change of the review app, each audited, one transaction.

`do_publish_rubric`, `do_create_round`, `do_draw_sample`, `do_prescore`, `do_score_item`,
`do_assign_second_reviewer`, `do_close_round`. Supervisors of the region create rounds and review;
`actor=None` is the system (seeders). See docs/review.md.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from zhifa.core import audit, roles
from zhifa.core.actions import (
    get_for_change,
    is_system,
    optional_text,
    require_choice,
    require_region,
    require_region_in_scope,
    require_role_permission,
    require_text,
)
from zhifa.core.errors import ActionError, Conflict, NotFound, PermissionDenied
from zhifa.indicators.engine import parse_period
from zhifa.review import checks, sampling
from zhifa.review.models import (
    ItemScore,
    ReviewCase,
    ReviewRound,
    RoundState,
    Rubric,
    RubricItem,
    ScoreSource,
    Slot,
    Strata,
)
from zhifa.review.rubric import DEFAULT_ITEMS, DEFAULT_NAME, FULL_SCORE, Group, ItemSpec

MAX_SAMPLE = 2000
OPEN_STATES = (RoundState.SAMPLED, RoundState.SCORING)


def _name(actor: Any) -> str:
    if is_system(actor):
        return "系统"
    return getattr(actor, "display_name", "") or actor.get_username()


def _changes(actor: Any, action: str, objs: Sequence[Any], befores: Sequence[Any] | None = None) -> None:
    befores = befores or [None] * len(objs)
    audit.record_many(
        audit.Change(
            action,
            f"{o._meta.app_label}.{o._meta.model_name}",
            str(o.pk),
            before=b,
            after=audit.snapshot(o),
            actor=actor,
        )
        for o, b in zip(objs, befores, strict=True)
    )


# --- rubric --------------------------------------------------------------------------------


def _check_items(items: Sequence[ItemSpec]) -> None:
    if not items:
        raise ActionError("required", "评查标准至少包含一个评查项目", "items")
    codes = [i.code for i in items]
    if len(set(codes)) != len(codes):
        raise ActionError("duplicate", "评查项目代码重复", "items")
    for item in items:
        if item.group not in Group.values:
            raise ActionError("invalid_choice", f"评查项目 {item.code} 的分组无效", "items")
        if item.max_deduction <= 0:
            raise ActionError("invalid_deduction", f"评查项目 {item.code} 的最高扣分应大于0", "items")
        if item.check and item.check not in checks.CHECKS:
            raise ActionError(
                "unknown_check", f"评查项目 {item.code} 的自动检查 {item.check} 不存在", "items"
            )


def do_publish_rubric(actor: Any, name: str, items: Sequence[ItemSpec]) -> Rubric:
    """A new rubric version (the previous ones and the rounds using them stay as they are)."""
    require_role_permission(actor, Rubric, roles.ADD)
    name = require_text(name, "name", "名称", 100)
    _check_items(items)
    with transaction.atomic():
        last = Rubric.objects.select_for_update().order_by("-version").first()
        rubric = Rubric.objects.create(
            version=(last.version + 1) if last else 1, name=name, published_by=_name(actor)
        )
        created = RubricItem.objects.bulk_create(
            RubricItem(
                rubric=rubric,
                code=i.code,
                group=i.group,
                title=i.title,
                description=i.description,
                max_deduction=i.max_deduction,
                structural=i.structural,
                check_code=i.check,
                sort_order=n,
            )
            for n, i in enumerate(items)
        )
        audit.record_change(actor, "review.rubric_publish", rubric, None)
        _changes(actor, "review.rubric_item_add", list(created))
    return rubric


def default_rubric() -> Rubric:
    """The latest published rubric; the declared default (version 1) is published by the system
    the first time one is needed."""
    rubric = Rubric.objects.order_by("-version").first()
    return rubric or do_publish_rubric(None, DEFAULT_NAME, DEFAULT_ITEMS)


# --- rounds --------------------------------------------------------------------------------


@dataclass
class RoundInput:
    name: str
    period: str
    region_code: str
    sample_size: int
    strata: str = Strata.RANDOM
    seed: int | None = None
    second_share: Decimal | float | str = Decimal("0.2")
    rubric_version: int | None = None
    supervising_body: str = ""


def _share(raw: Any) -> Decimal:
    try:
        share = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        raise ActionError("invalid", "交叉评查比例应为0到1之间的小数", "second_share") from None
    if not Decimal(0) <= share <= Decimal(1):
        raise ActionError("invalid", "交叉评查比例应为0到1之间的小数", "second_share")
    return share.quantize(Decimal("0.001"))


def do_create_round(actor: Any, data: RoundInput) -> ReviewRound:
    require_role_permission(actor, ReviewRound, roles.ADD)
    name = require_text(data.name, "name", "评查名称", 100)
    period = parse_period(data.period)
    region = require_region(data.region_code)
    require_region_in_scope(actor, region)
    strata = require_choice(data.strata, Strata, "strata", "抽样方式")
    if not 1 <= int(data.sample_size or 0) <= MAX_SAMPLE:
        raise ActionError("invalid", f"抽样数应在1到{MAX_SAMPLE}之间", "sample_size")
    share = _share(data.second_share)
    if data.rubric_version is None:
        rubric = default_rubric()
    else:
        rubric = Rubric.objects.filter(version=data.rubric_version).first()
        if rubric is None:
            raise ActionError("unknown_rubric", f"评查标准第{data.rubric_version}版不存在", "rubric_version")
    seed = data.seed if data.seed is not None else secrets.randbelow(2**31)
    with transaction.atomic():
        rnd = ReviewRound.objects.create(
            name=name,
            period=period.label,
            period_start=period.start,
            period_end=period.end,
            region=region,
            supervising_body=optional_text(data.supervising_body, "supervising_body", "评查机关", 100),
            rubric=rubric,
            seed=int(seed),
            sample_size=int(data.sample_size),
            strata=strata,
            second_share=share,
            created_by=_name(actor),
        )
        audit.record_change(actor, "review.round_create", rnd, None)
    return rnd


def _round_for_change(actor: Any, round_id: int, states: Sequence[str]) -> ReviewRound:
    rnd = get_for_change(actor, ReviewRound, pk=round_id)
    if rnd.state not in states:
        labels = "、".join(str(RoundState(s).label) for s in states)
        raise Conflict("invalid_state", f"评查活动当前为“{rnd.get_state_display()}”，本操作仅限{labels}状态")
    return rnd


def _agencies_by_code(codes: set[str]) -> dict[str, Any]:
    from zhifa.registry.models import Agency

    return {a.code: a for a in Agency.objects.filter(code__in=codes)}


def do_draw_sample(actor: Any, round_id: int) -> ReviewRound:
    """Draw the sample (once): see `zhifa.review.sampling` for the population and the draw."""
    with transaction.atomic():
        rnd = _round_for_change(actor, round_id, [RoundState.DRAFT])
        before = audit.snapshot(rnd)
        rows = sampling.population(rnd.period_start, rnd.period_end, rnd.region)
        if not rows:
            raise ActionError("empty_population", f"{rnd.period}期间本区划没有已结案的案件可供抽样")
        sample = sampling.draw(rows, rnd.sample_size, rnd.seed, rnd.strata)
        double = sampling.second_subset(len(sample), float(rnd.second_share), rnd.seed)
        agencies = _agencies_by_code({r["agency_code"] for r in sample})
        ReviewCase.objects.bulk_create(
            ReviewCase(
                round=rnd,
                position=n + 1,
                source_system=r["source_system"],
                source_id=r["source_id"],
                case_number=r["case_number"] or "",
                agency_code=r["agency_code"] or "",
                agency=agencies.get(r["agency_code"]),
                power_code=r["power_code"] or "",
                stratum=r["stratum"],
                record={k: v for k, v in r.items() if k not in ("decision", "stratum")},
                decision=r["decision"],
                double=n in double,
            )
            for n, r in enumerate(sample)
        )
        rnd.population = len(rows)
        rnd.state = RoundState.SAMPLED
        rnd.save()
        audit.record_change(actor, "review.round_draw_sample", rnd, before)
        _changes(actor, "review.case_sample", list(ReviewCase.objects.filter(round=rnd)))
    return rnd


# --- pre-scoring ---------------------------------------------------------------------------


def _tier_range(facts: checks.CaseFacts) -> tuple[float | None, float | None] | None:
    """The fixed range of the record's benchmark tier: the power's benchmark version in force on
    the decision day (latest `effective_from` not after it)."""
    from zhifa.powers.models import BenchmarkTier

    if not (facts.power_code and facts.benchmark_tier and facts.decided_on):
        return None
    tier = (
        BenchmarkTier.objects.filter(
            benchmark__power__code=facts.power_code,
            tier=facts.benchmark_tier,
            range_kind="fixed",
            benchmark__effective_from__lte=facts.decided_on,
        )
        .order_by("-benchmark__version")
        .first()
    )
    if tier is None:
        return None
    return (
        None if tier.minimum is None else float(tier.minimum),
        None if tier.maximum is None else float(tier.maximum),
    )


def case_facts(case: ReviewCase) -> checks.CaseFacts:
    facts = checks.facts_from_record(case.record, case.decision)
    if case.agency is not None:
        facts.region = case.agency.region
    if case.is_platform_case:
        from zhifa.cases.models import Case

        platform = Case.objects.filter(pk=case.source_id).first() if case.source_id.isdigit() else None
        if platform is not None:
            return checks.add_platform_facts(facts, platform)
    facts.tier_range = _tier_range(facts)
    return facts


def _prescore_case(actor: Any, case: ReviewCase, items: list[RubricItem]) -> list[tuple[ItemScore, Any]]:
    facts = case_facts(case)
    existing = {s.item_id: s for s in case.scores.filter(slot=Slot.FIRST)}
    changed: list[tuple[ItemScore, Any]] = []
    findings: dict[str, dict[str, str]] = {}
    for item in items:
        finding = checks.CHECKS[item.check_code](facts)
        findings[item.code] = {"outcome": finding.outcome, "reason": finding.reason}
        score = existing.get(item.pk)
        if finding.outcome == checks.UNDECIDED or (score and score.source == ScoreSource.REVIEWER):
            continue
        points = item.max_deduction if finding.outcome == checks.DEDUCT else Decimal(0)
        before = audit.snapshot(score) if score else None
        if score is None:
            score = ItemScore(case=case, item=item, slot=Slot.FIRST, source=ScoreSource.AUTO)
        elif (
            score.deduction == points and score.note == finding.reason and score.evidence == finding.evidence
        ):
            continue
        score.deduction, score.note, score.evidence = points, finding.reason, finding.evidence
        score.reviewer_name = "系统"
        score.save()
        changed.append((score, before))
    case.findings, case.prescored = findings, True
    case.save(update_fields=["findings", "prescored"])
    return changed


def do_prescore(actor: Any, round_id: int) -> ReviewRound:
    """Decide every structural item the data can decide, for every sampled case. A reviewer's
    own score of a structural item (an adjustment) is never overwritten; a re-run updates the
    automatic ones."""
    with transaction.atomic():
        rnd = _round_for_change(actor, round_id, OPEN_STATES)
        before = audit.snapshot(rnd)
        items = list(rnd.rubric.items.filter(structural=True))
        changed: list[tuple[ItemScore, Any]] = []
        cases = list(rnd.cases.select_related("agency__region"))
        for case in cases:
            changed += _prescore_case(actor, case, items)
        rnd.state = RoundState.SCORING
        rnd.save()
        audit.record_change(actor, "review.round_prescore", rnd, before)
        _changes(actor, "review.case_prescore", cases)
        if changed:
            _changes(actor, "review.score_auto", [s for s, _ in changed], [b for _, b in changed])
    return rnd


# --- scoring -------------------------------------------------------------------------------


def _deduction(raw: Any, item: RubricItem) -> Decimal:
    try:
        value = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        raise ActionError("invalid", "扣分应为数字", "deduction") from None
    if not value.is_finite() or value < 0 or value > item.max_deduction:
        raise ActionError("invalid_deduction", f"扣分应在0到{item.max_deduction}分之间", "deduction")
    return value.quantize(Decimal("0.01"))


def _slot(actor: Any, case: ReviewCase) -> str:
    if not is_system(actor) and case.round.second_reviewer_id == actor.pk:
        if not case.double:
            raise PermissionDenied("交叉评查人只评查抽中交叉评查的案卷", code="not_double_case")
        return Slot.SECOND
    return Slot.FIRST


def do_score_item(actor: Any, case_id: int, item_code: str, deduction: Any, note: str = "") -> ItemScore:
    """A reviewer's deduction for one item of one sampled case (insert or change). The assigned
    second reviewer scores the double cases' reviewer items in the second slot."""
    with transaction.atomic():
        case = get_for_change(actor, ReviewCase, pk=case_id)
        rnd = case.round
        if rnd.state not in OPEN_STATES:
            raise Conflict("invalid_state", f"评查活动当前为“{rnd.get_state_display()}”，不能评分")
        item = rnd.rubric.items.filter(code=item_code).first()
        if item is None:
            raise NotFound("评查项目不存在", "item")
        slot = _slot(actor, case)
        if slot == Slot.SECOND and item.structural:
            raise ActionError(
                "structural_item", "数据可判定的项目由系统预评，交叉评查只评人工评查项目", "item"
            )
        points = _deduction(deduction, item)
        text = optional_text(note, "note", "扣分理由", 2000)
        if points > 0 and not text:
            raise ActionError("required", "扣分须说明理由", "note")
        score = ItemScore.objects.select_for_update().filter(case=case, item=item, slot=slot).first()
        if item.structural and score is not None and score.source == ScoreSource.AUTO and not text:
            raise ActionError("required", "调整自动预评结果须说明理由", "note")
        before = audit.snapshot(score) if score else None
        score = score or ItemScore(case=case, item=item, slot=slot)
        score.deduction, score.note, score.source = points, text, ScoreSource.REVIEWER
        score.reviewer = None if is_system(actor) else actor
        score.reviewer_name = _name(actor)
        score.save()
        audit.record_change(actor, "review.score_item", score, before)
    return score


def do_assign_second_reviewer(actor: Any, round_id: int, user_id: int) -> ReviewRound:
    """Name the second reviewer of the round's double cases: a supervisor who has not scored
    any of them in the first slot."""
    from zhifa.accounts.models import User

    with transaction.atomic():
        rnd = _round_for_change(actor, round_id, OPEN_STATES)
        reviewer = User.objects.filter(pk=user_id, is_active=True).first()
        if reviewer is None or reviewer.role != roles.Role.SUPERVISOR:
            raise ActionError("invalid_reviewer", "交叉评查人应为在职的执法监督人员", "user_id")
        region = reviewer.scope_region
        if region is None or not rnd.region.is_within(region):
            raise ActionError("invalid_reviewer", "交叉评查人的管辖区划应包含本次评查的区划", "user_id")
        if not rnd.cases.filter(double=True).exists():
            raise ActionError("no_double_cases", "本次评查没有抽取交叉评查案卷（交叉评查比例为0）", "user_id")
        if ItemScore.objects.filter(
            case__round=rnd, case__double=True, slot=Slot.FIRST, reviewer=reviewer
        ).exists():
            raise ActionError("same_reviewer", "交叉评查人不能是这些案卷的主评人", "user_id")
        before = audit.snapshot(rnd)
        rnd.second_reviewer = reviewer
        rnd.save()
        audit.record_change(actor, "review.round_assign_second_reviewer", rnd, before)
    return rnd


def do_close_round(actor: Any, round_id: int) -> ReviewRound:
    """Close the round: each case's totals are fixed (items not scored count as passed) and the
    results become visible to the agencies."""
    from zhifa.review.queries import case_totals

    with transaction.atomic():
        rnd = _round_for_change(actor, round_id, OPEN_STATES)
        before = audit.snapshot(rnd)
        cases = list(rnd.cases.all())
        befores = [audit.snapshot(c) for c in cases]
        for case in cases:
            first, second = case_totals(case)
            case.total_first, case.total_second = first, second
            case.save(update_fields=["total_first", "total_second"])
        rnd.state = RoundState.CLOSED
        rnd.closed_at = timezone.now()
        rnd.save()
        audit.record_change(actor, "review.round_close", rnd, before)
        if cases:
            _changes(actor, "review.case_total", cases, befores)
    return rnd


__all__ = [
    "FULL_SCORE",
    "RoundInput",
    "default_rubric",
    "do_assign_second_reviewer",
    "do_close_round",
    "do_create_round",
    "do_draw_sample",
    "do_prescore",
    "do_publish_rubric",
    "do_score_item",
]
