"""Efficiency evaluation actions: publishing a scheme version and evaluating a region's agencies.

Both audited, each in one transaction. See docs/evaluation.md."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction

from zhifa.core import audit, roles
from zhifa.core.actions import (
    is_system,
    require_region,
    require_region_in_scope,
    require_role_permission,
    require_text,
)
from zhifa.core.errors import ActionError
from zhifa.evaluation import scoring
from zhifa.evaluation.models import Evaluation, EvaluationResult, Scheme
from zhifa.evaluation.schemes import (
    DEFAULT_CODE,
    DEFAULT_COMPONENTS,
    DEFAULT_NAME,
    KINDS,
    MAPPINGS,
    Component,
)
from zhifa.indicators.catalogue import BY_SLUG
from zhifa.indicators.engine import parse_period


def _name(actor: Any) -> str:
    if is_system(actor):
        return "系统"
    return getattr(actor, "display_name", "") or actor.get_username()


def _check_components(components: Sequence[Component]) -> None:
    if not components:
        raise ActionError("required", "评价方案至少包含一个评价项目", "components")
    codes = [c.code for c in components]
    if len(set(codes)) != len(codes):
        raise ActionError("duplicate", "评价项目代码重复", "components")
    for c in components:
        if c.kind not in KINDS or c.mapping not in MAPPINGS:
            raise ActionError("invalid_choice", f"评价项目 {c.code} 的来源或计分方式无效", "components")
        if c.kind == "indicator" and c.slug not in BY_SLUG:
            raise ActionError("unknown_indicator", f"评价项目 {c.code} 的指标 {c.slug} 不存在", "components")
        if c.weight <= 0:
            raise ActionError("invalid", f"评价项目 {c.code} 的权重应大于0", "components")
        if c.mapping == "linear" and (c.low is None or c.high is None or c.low >= c.high):
            raise ActionError("invalid", f"评价项目 {c.code} 的计分区间应满足下限小于上限", "components")


def do_publish_scheme(
    actor: Any, name: str, components: Sequence[Component], code: str = DEFAULT_CODE
) -> Scheme:
    require_role_permission(actor, Scheme, roles.ADD)
    name = require_text(name, "name", "名称", 100)
    _check_components(components)
    with transaction.atomic():
        last = Scheme.objects.select_for_update().filter(code=code).order_by("-version").first()
        scheme = Scheme.objects.create(
            code=code,
            version=(last.version + 1) if last else 1,
            name=name,
            components=[c.as_dict() for c in components],
            published_by=_name(actor),
        )
        audit.record_change(actor, "evaluation.scheme_publish", scheme, None)
    return scheme


def default_scheme() -> Scheme:
    scheme = Scheme.objects.filter(code=DEFAULT_CODE).order_by("-version").first()
    return scheme or do_publish_scheme(None, DEFAULT_NAME, DEFAULT_COMPONENTS)


def _agencies(region: Any) -> dict[str, Any]:
    from zhifa.registry.models import Agency

    return {a.code: a for a in Agency.objects.filter(region__path__startswith=region.path).order_by("code")}


def _values(
    components: list[Component], period: Any, codes: list[str], region: Any
) -> dict[str, dict[str, float]]:
    slugs = {c.slug for c in components if c.kind == "indicator"}
    if any(c.kind == "clues" for c in components):
        slugs.add("acts")
    indicators = scoring.indicator_values(period, codes, slugs)
    values: dict[str, dict[str, float]] = {}
    for c in components:
        if c.kind == "indicator":
            values[c.code] = indicators.get(c.slug, {})
        elif c.kind == "review":
            values[c.code] = scoring.review_values(period, region)
        elif c.kind == "clues":
            values[c.code] = scoring.clue_values(period, codes, indicators.get("acts", {}))
        else:
            values[c.code] = scoring.rectification_values(period, codes)
    return values


def do_evaluate(actor: Any, scheme: Scheme | int | None, period: str, region_code: str) -> Evaluation:
    """Score and rank every agency of the region subtree for the period under the scheme."""
    require_role_permission(actor, Evaluation, roles.ADD)
    parsed = parse_period(period)
    region = require_region(region_code)
    require_region_in_scope(actor, region)
    if scheme is None:
        scheme = default_scheme()
    elif not isinstance(scheme, Scheme):
        found = Scheme.objects.filter(pk=scheme).first()
        if found is None:
            raise ActionError("unknown_scheme", "评价方案不存在", "scheme")
        scheme = found
    agencies = _agencies(region)
    if not agencies:
        raise ActionError("no_agencies", "该区划内没有执法主体", "region_code")
    components = [Component.from_dict(c) for c in scheme.components]
    codes = list(agencies)
    values = _values(components, parsed, codes, region)
    per_component = {c.code: scoring.score_component(c, values[c.code], codes) for c in components}
    totals = {
        code: sum((per_component[c.code][code].points for c in components), Decimal(0)) for code in codes
    }
    ranks = scoring.rank_totals(totals)
    with transaction.atomic():
        evaluation = Evaluation.objects.create(
            scheme=scheme,
            period=parsed.label,
            period_start=parsed.start,
            period_end=parsed.end,
            region=region,
            created_by=_name(actor),
        )
        EvaluationResult.objects.bulk_create(
            EvaluationResult(
                evaluation=evaluation,
                agency=agencies[code],
                agency_code=code,
                agency_name=agencies[code].name,
                score=totals[code],
                rank=ranks[code],
                components=[per_component[c.code][code].as_dict() for c in components],
            )
            for code in sorted(codes, key=lambda k: (ranks[k], k))
        )
        audit.record_change(actor, "evaluation.evaluate", evaluation, None)
        audit.record_many(
            audit.Change(
                "evaluation.result_add",
                "evaluation.evaluationresult",
                str(r.pk),
                after=audit.snapshot(r),
                actor=actor,
            )
            for r in EvaluationResult.objects.filter(evaluation=evaluation)
        )
    return evaluation
