"""Rules endpoints: every rule with its effective value for a region, and regional settings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from ninja import Router, Schema, Status

from zhifa.core import roles
from zhifa.core.errors import PermissionDenied
from zhifa.core.scope import can
from zhifa.rules import actions
from zhifa.rules.catalogue import RULES, Effective, effective, find_region
from zhifa.rules.models import RuleSetting

router = Router(tags=["法定规则"])


class RuleOut(Schema):
    code: str
    name_zh: str
    law: str
    article: int
    citation: str
    unit: str
    default: Decimal
    value: Decimal
    configurable: bool
    minimum: Decimal | None
    maximum: Decimal | None
    note_zh: str
    set_by_region: str | None
    valid_from: dt.date | None


class SettingIn(Schema):
    region_code: str
    value: Decimal
    valid_from: dt.date
    reason: str


class SettingOut(Schema):
    id: int
    rule_code: str
    region_code: str
    value: Decimal
    valid_from: dt.date
    reason: str
    created_by: str


def _rule_out(e: Effective) -> dict:
    r = e.rule
    return {
        "code": r.code,
        "name_zh": r.name_zh,
        "law": r.law,
        "article": r.article,
        "citation": r.citation,
        "unit": r.unit,
        "default": r.default,
        "value": e.value,
        "configurable": r.configurable,
        "minimum": r.minimum,
        "maximum": r.maximum,
        "note_zh": r.note_zh,
        "set_by_region": e.region_code,
        "valid_from": e.valid_from,
    }


@router.get("/rules", response=list[RuleOut])
def list_rules(request: HttpRequest, region: str | None = None, on: dt.date | None = None) -> list[dict]:
    """Every rule with the value in force for `region` (default: the caller's region) on `on`."""
    if not can(request.user, RuleSetting, roles.VIEW):
        raise PermissionDenied("您的角色无权查看此类记录")
    place = find_region(region) if region else getattr(request.user, "scope_region", None)
    return [_rule_out(effective(r.code, place, on)) for r in RULES]


@router.post("/rules/{code}/settings", response={201: SettingOut})
def set_rule(request: HttpRequest, code: str, payload: SettingIn):
    setting = actions.do_set_rule(
        request.user, code, payload.region_code, payload.value, payload.valid_from, payload.reason
    )
    return Status(
        201,
        {
            "id": setting.pk,
            "rule_code": setting.rule_code,
            "region_code": setting.region_id,
            "value": setting.value,
            "valid_from": setting.valid_from,
            "reason": setting.reason,
            "created_by": setting.created_by,
        },
    )
