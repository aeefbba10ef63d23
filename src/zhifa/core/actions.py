"""Helpers shared by every app's action functions (the only code that changes state)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import models, transaction

from zhifa.core import audit, roles
from zhifa.core.errors import ActionError, Conflict, NotFound, PermissionDenied
from zhifa.core.identifiers import ric_problem, uscc_problem
from zhifa.core.models import Region, RegionLevel
from zhifa.core.scope import model_label

M = TypeVar("M", bound=models.Model)


def is_system(actor: Any) -> bool:
    """Seeders, migrations and imports run as the system (actor None): no role checks."""
    return actor is None


def require_role_permission(actor: Any, model: type[models.Model], action: str) -> None:
    if is_system(actor):
        return
    if not roles.allowed(getattr(actor, "role", None), model_label(model), action):
        raise PermissionDenied()


def get_for_change(actor: Any, model: type[M], **lookup: Any) -> M:
    """The record to change, locked. Outside the actor's view scope: 404; visible but not
    changeable: 403."""
    queryset = model.objects.select_for_update(of=("self",))
    if is_system(actor):
        obj = queryset.filter(**lookup).first()
        if obj is None:
            raise NotFound()
        return obj
    obj = queryset.restrict(actor, roles.CHANGE).filter(**lookup).first()
    if obj is not None:
        return obj
    if model.objects.restrict(actor, roles.VIEW).filter(**lookup).exists():
        raise PermissionDenied()
    raise NotFound()


def require_text(value: str | None, field: str, label: str, max_length: int) -> str:
    text = (value or "").strip()
    if not text:
        raise ActionError("required", f"{label}不能为空", field)
    if len(text) > max_length:
        raise ActionError("too_long", f"{label}不能超过{max_length}个字", field)
    return text


def optional_text(value: str | None, field: str, label: str, max_length: int) -> str:
    text = (value or "").strip()
    if len(text) > max_length:
        raise ActionError("too_long", f"{label}不能超过{max_length}个字", field)
    return text


def require_choice(value: str | None, choices: type[models.TextChoices], field: str, label: str) -> str:
    if value not in choices.values:
        allowed = "、".join(f"{v}（{lbl}）" for v, lbl in choices.choices)
        raise ActionError("invalid_choice", f"{label}无效，可选：{allowed}", field)
    return value


def require_credit_code(value: str | None, field: str = "credit_code") -> str:
    code = (value or "").strip().upper()
    problem = uscc_problem(code)
    if problem:
        raise ActionError(problem.code, problem.message, field)
    return code


def require_id_number(value: str | None, field: str = "id_number") -> str:
    number = (value or "").strip().upper()
    problem = ric_problem(number)
    if problem:
        raise ActionError(problem.code, problem.message, field)
    return number


def require_region(code: str | None, field: str = "region_code") -> Region:
    region = Region.objects.filter(code=(code or "").strip()).first()
    if region is None:
        raise ActionError("unknown_region", f"行政区划代码不存在：{code}", field)
    return region


def require_region_in_scope(actor: Any, region: Region, field: str = "region_code") -> None:
    if is_system(actor):
        return
    scope_region = getattr(actor, "scope_region", None)
    if scope_region is None or not region.is_within(scope_region):
        raise ActionError("out_of_scope", f"行政区划 {region.code} 不在您的管辖范围内", field, status=403)


def require_date_order(first: dt.date, second: dt.date, field: str, message: str) -> None:
    if second < first:
        raise ActionError("invalid_date_order", message, field)


# --- regions (reference data: division codes change year by year) -----------------------------

REGION_CODE_LENGTH = {"province": 6, "city": 6, "county": 6, "street": 9}
PARENT_LEVEL = {"city": "province", "county": "city", "street": "county"}


@dataclass
class RegionInput:
    code: str
    name: str
    level: str
    parent_code: str | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


def _full_name(name: str, parent: Region | None) -> str:
    from zhifa.core.regions import NAMELESS

    return (parent.full_name if parent else "") + ("" if name in NAMELESS else name)


def _clean_region_parent(actor: Any, data: RegionInput) -> Region | None:
    """The parent must exist one level up, in the actor's scope, and prefix the new code."""
    if data.level == RegionLevel.PROVINCE:
        if data.parent_code:
            raise ActionError("invalid_reference", "省级区划没有上级区划", "parent_code")
        if not is_system(actor):
            raise PermissionDenied("新增省级区划只能由系统初始化数据完成")
        return None
    parent = require_region(data.parent_code, "parent_code")
    if parent.level != PARENT_LEVEL[data.level]:
        raise ActionError(
            "invalid_reference",
            f"上级区划应为{RegionLevel(PARENT_LEVEL[data.level]).label}区划",
            "parent_code",
        )
    require_region_in_scope(actor, parent, "parent_code")
    significant = {"province": 2, "city": 4, "county": 6}[parent.level]
    if data.code[:significant] != parent.code[:significant]:
        raise ActionError("invalid_format", f"区划代码应以上级代码 {parent.code[:significant]} 开头", "code")
    return parent


def do_create_region(actor: Any, data: RegionInput) -> Region:
    require_role_permission(actor, Region, roles.ADD)
    level = require_choice(data.level, RegionLevel, "level", "级别")
    code = (data.code or "").strip()
    if not code.isdigit() or len(code) != REGION_CODE_LENGTH[level]:
        raise ActionError(
            "invalid_format",
            f"{RegionLevel(level).label}区划代码应为{REGION_CODE_LENGTH[level]}位数字",
            "code",
        )
    name = require_text(data.name, "name", "名称", 64)
    parent = _clean_region_parent(actor, data)
    if data.valid_from and data.valid_to:
        require_date_order(data.valid_from, data.valid_to, "valid_to", "停用日期不能早于启用日期")
    if Region.objects.filter(code=code).exists():
        raise Conflict("duplicate", f"区划代码已存在：{code}", "code")
    with transaction.atomic():
        region = Region.objects.create(
            code=code,
            name=name,
            full_name=_full_name(name, parent),
            level=level,
            parent=parent,
            path=f"{parent.path if parent else ''}{code}/",
            valid_from=data.valid_from,
            valid_to=data.valid_to,
        )
        audit.record_change(actor, "core.region_create", region, None)
    return region


def _rename_descendants(region: Region, old_full_name: str) -> None:
    """full_name is derived from the ancestors' names; keep the subtree's copies in step."""
    descendants = list(Region.objects.filter(path__startswith=region.path).exclude(pk=region.pk))
    for child in descendants:
        child.full_name = region.full_name + child.full_name.removeprefix(old_full_name)
    Region.objects.bulk_update(descendants, ["full_name"], batch_size=2000)


def do_update_region(
    actor: Any, code: str, name: str, valid_from: dt.date | None, valid_to: dt.date | None
) -> Region:
    """Rename a region or set its validity (an abolished code gets `valid_to`, never deleted:
    old records keep pointing at it). Code, level and parent are fixed once created."""
    name = require_text(name, "name", "名称", 64)
    if valid_from and valid_to:
        require_date_order(valid_from, valid_to, "valid_to", "停用日期不能早于启用日期")
    with transaction.atomic():
        region = get_for_change(actor, Region, code=code)
        before = audit.snapshot(region)
        old_full_name = region.full_name
        region.name, region.valid_from, region.valid_to = name, valid_from, valid_to
        region.full_name = _full_name(name, region.parent)
        region.save()
        if region.full_name != old_full_name:
            _rename_descendants(region, old_full_name)
        audit.record_change(actor, "core.region_update", region, before)
    return region
