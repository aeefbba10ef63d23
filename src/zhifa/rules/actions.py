"""State changes of the rules app: regional settings of configurable rules."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from zhifa.core import audit, roles
from zhifa.core.actions import is_system, require_role_permission, require_text
from zhifa.core.errors import ActionError, PermissionDenied
from zhifa.rules.catalogue import find_region, rule
from zhifa.rules.models import RuleSetting


def _require_region_in_scope(actor: Any, region_code: str) -> Any:
    region = find_region(region_code, "region_code")
    if region is None:
        raise ActionError("required", "行政区划不能为空", "region_code")
    if is_system(actor):
        return region
    if actor.role not in (roles.Role.SYSADMIN, roles.Role.SUPERVISOR):
        raise PermissionDenied()
    scope = actor.scope_region
    if scope is None or not region.is_within(scope):
        raise PermissionDenied("只能设定本辖区及下级区划的规则参数")
    return region


def _decimal(raw: Any) -> Decimal:
    try:
        number = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise ActionError("invalid", "取值应为数字", "value") from None
    if not number.is_finite():
        raise ActionError("invalid", "取值应为数字", "value")
    return number


def do_set_rule(
    actor: Any,
    code: str,
    region_code: str,
    value: Decimal | int | str,
    valid_from: dt.date,
    reason: str,
) -> RuleSetting:
    """Set a configurable rule's value for a region (and its subtree) from `valid_from`.

    Sysadmins and supervisors, within their region subtree. A setting for the same rule, region
    and day is replaced (audited with its previous state)."""
    require_role_permission(actor, RuleSetting, roles.ADD)
    r = rule(code)
    if not r.configurable:
        raise ActionError("not_configurable", f"“{r.name_zh}”由法律直接规定，不能由地方设定", "code")
    region = _require_region_in_scope(actor, region_code)
    number = _decimal(value)
    if not r.allows(number):
        low = r.minimum if r.minimum is not None else "—"
        high = r.maximum if r.maximum is not None else "—"
        raise ActionError("out_of_range", f"“{r.name_zh}”的取值应在 {low} 至 {high}{r.unit} 之间", "value")
    if valid_from is None:
        raise ActionError("required", "生效日期不能为空", "valid_from")
    text = require_text(reason, "reason", "设定理由", 2000)
    username = "system" if is_system(actor) else actor.username
    with transaction.atomic():
        setting = (
            RuleSetting.objects.select_for_update()
            .filter(rule_code=code, region=region, valid_from=valid_from)
            .first()
        )
        before = audit.snapshot(setting)
        if setting is None:
            setting = RuleSetting(rule_code=code, region=region, valid_from=valid_from)
        setting.value = number
        setting.reason = text
        setting.created_by = username
        setting.save()
        audit.record_change(actor, "rules.set", setting, before)
    return setting
