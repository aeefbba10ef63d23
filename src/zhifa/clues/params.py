"""Effective values of model parameters, with the regional inheritance of `zhifa.rules`.

A parameter's value for an agency is, in order: a backtest override; the deepest region on the
agency's region path with a `ClueParameterSetting` valid on the day (its latest); for a
parameter backed by a rule (`Param.rule`), the rule's effective value there
(`zhifa.rules.catalogue.effective`, which has the same inheritance); the catalogue default.

The engine runs a model once per distinct set of values (`groups`): with no regional settings
at all — the usual case — that is one run over every agency.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal

from zhifa.clues.catalogue import ClueModel
from zhifa.clues.models import ClueParameterSetting
from zhifa.core.models import Region
from zhifa.rules.catalogue import ancestor_codes, effective
from zhifa.rules.models import RuleSetting

Values = tuple[tuple[str, Decimal], ...]


def _regional(model: ClueModel) -> bool:
    """Whether any region set a value for one of the model's parameters (one or two queries)."""
    if ClueParameterSetting.objects.filter(model_slug=model.slug).exists():
        return True
    rules = [p.rule for p in model.params if p.rule]
    return bool(rules) and RuleSetting.objects.filter(rule_code__in=rules).exists()


def defaults(model: ClueModel, overrides: Mapping[str, Decimal] | None = None) -> Values:
    return tuple((p.name, Decimal((overrides or {}).get(p.name, p.default))) for p in model.params)


def for_region(
    model: ClueModel, region: Region | None, on: dt.date, overrides: Mapping[str, Decimal] | None = None
) -> Values:
    """The model's parameter values for agencies of `region` on `on`."""
    overrides = overrides or {}
    codes = ancestor_codes(region) if region is not None else []
    settings = (
        list(
            ClueParameterSetting.objects.filter(
                model_slug=model.slug, region_id__in=codes, valid_from__lte=on
            ).order_by("-valid_from", "-pk")
        )
        if codes
        else []
    )
    depth = {c: i for i, c in enumerate(codes)}
    values = []
    for p in model.params:
        if p.name in overrides:
            values.append((p.name, Decimal(overrides[p.name])))
            continue
        own = [s for s in settings if s.parameter == p.name]
        if own:
            best = max(own, key=lambda s: depth.get(s.region_id, -1))
            values.append((p.name, best.value))
        elif p.rule:
            values.append((p.name, effective(p.rule, region, on).value))
        else:
            values.append((p.name, p.default))
    return tuple(values)


def groups(
    model: ClueModel,
    agencies: Iterable[tuple[str, str | None]],
    on: dt.date,
    overrides: Mapping[str, Decimal] | None = None,
) -> list[tuple[Values, frozenset[str] | None]]:
    """[(values, agency codes or None = every agency)] covering every agency exactly once."""
    if not model.params or not _regional(model):
        base = (
            for_region(model, None, on, overrides)
            if any(p.rule for p in model.params)
            else defaults(model, overrides)
        )
        return [(base, None)]
    regions = {r.code: r for r in Region.objects.all().only("code", "path")}
    by_region: dict[str | None, Values] = {}
    grouped: dict[Values, set[str]] = {}
    for agency_code, region_code in agencies:
        if region_code not in by_region:
            by_region[region_code] = for_region(model, regions.get(region_code or ""), on, overrides)
        grouped.setdefault(by_region[region_code], set()).add(agency_code)
    if len(grouped) <= 1:
        values = next(iter(grouped), for_region(model, None, on, overrides))
        return [(values, None)]
    return [(values, frozenset(codes)) for values, codes in grouped.items()]


def render_value(value: Decimal) -> str:
    """A parameter as an SQL literal and as text: integers without decimals (30, not 30.0000)."""
    normal = value.normalize()
    if normal == normal.to_integral_value():
        return str(int(normal))
    return format(normal, "f")
