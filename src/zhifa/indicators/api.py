"""Indicator endpoints. Thin: check the role, turn the caller's scope into its visible agencies,
call `queries.indicator_values` / `engine.drill`, shape the answer.

* `GET /indicators?period=2026[&region=&agency=&by=agency&slugs=a,b]` — values, each with its slug;
* `GET /indicators/catalogue` — every indicator's definition;
* `GET /indicators/{slug}/records?period=…[&agency=&power=&region=&page=&page_size=]` — the
  records behind a value (drill-down), newest first.

Agency roles see their own agency's values only; supervisors the agencies of their region
subtree (`Agency.objects.restrict(user, "view")`); other roles get 403."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from zhifa.core import roles
from zhifa.core.errors import ActionError, NotFound, PermissionDenied
from zhifa.core.models import Region
from zhifa.core.scope import can
from zhifa.indicators import engine
from zhifa.indicators.catalogue import CATALOGUE
from zhifa.indicators.models import IndicatorValue
from zhifa.indicators.queries import indicator_values
from zhifa.registry.models import Agency

router = Router(tags=["执法监督指标"])


class ValueOut(Schema):
    slug: str
    key: str
    value: float | None
    previous: float | None
    yoy: float | None


class ValuesOut(Schema):
    period: str
    by: str
    values: list[ValueOut]


class IndicatorOut(Schema):
    slug: str
    name: str
    definition: str
    unit: str
    higher_is_better: bool | None
    dimensions: list[str]
    group: str
    formula: str
    drill: bool


class RecordOut(Schema):
    family: str
    source_system: str
    source_id: str
    number: str | None
    on: str | None
    agency_code: str | None
    power_code: str | None
    entity_name: str | None
    amount: float | None
    status: str | None


class RecordsOut(Schema):
    slug: str
    total: int
    page: int
    page_size: int
    rows: list[RecordOut]


def visible_agencies(user: Any) -> list[str]:
    """Agency codes whose indicators the user may read (403 if the role may read none)."""
    if not can(user, IndicatorValue, roles.VIEW):
        raise PermissionDenied("您的角色无权查看执法监督指标")
    if user.role in roles.AGENCY_ROLES:
        return [user.agency.code] if user.agency_id else []
    return list(Agency.objects.restrict(user, roles.VIEW).values_list("code", flat=True))


def _check_slice(region: str | None, agency: str | None, visible: list[str]) -> None:
    if region and not Region.objects.filter(code=region).exists():
        raise ActionError("bad_region", f"行政区划代码不存在：{region}", "region")
    if agency and agency not in visible:
        raise NotFound("执法主体不存在或不在您的查看范围内", "agency")


@router.get("/indicators/catalogue", response=list[IndicatorOut])
def catalogue(request: HttpRequest) -> list[dict[str, Any]]:
    visible_agencies(request.user)
    return [
        {
            "slug": i.slug,
            "name": i.name,
            "definition": i.definition,
            "unit": i.unit,
            "higher_is_better": i.higher_is_better,
            "dimensions": list(i.dimensions),
            "group": i.group,
            "formula": i.formula,
            "drill": i.drill is not None,
        }
        for i in CATALOGUE
    ]


@router.get("/indicators", response=ValuesOut)
def values(
    request: HttpRequest,
    period: str,
    region: str | None = None,
    agency: str | None = None,
    by: str = "agency",
    slugs: str | None = None,
) -> dict[str, Any]:
    visible = visible_agencies(request.user)
    parsed = engine.parse_period(period)
    _check_slice(region, agency, visible)
    chosen = [s for s in slugs.split(",") if s] if slugs else None
    found = indicator_values(parsed, by=by, region=region, agency=agency, agencies=visible, slugs=chosen)
    return {"period": parsed.label, "by": by, "values": [v.as_dict() for v in found]}


@router.get("/indicators/{slug}/records", response=RecordsOut)
def records(
    request: HttpRequest,
    slug: str,
    period: str,
    agency: str | None = None,
    power: str | None = None,
    region: str | None = None,
    page: int = 1,
    page_size: int = 50,
) -> dict[str, Any]:
    visible = visible_agencies(request.user)
    parsed = engine.parse_period(period)
    _check_slice(region, agency, visible)
    found = engine.drill(
        parsed,
        slug,
        agency=agency,
        power=power,
        region=region,
        agencies=visible,
        page=page,
        page_size=page_size,
    )
    return {
        "slug": found.slug,
        "total": found.total,
        "page": found.page,
        "page_size": found.page_size,
        "rows": found.rows,
    }
