"""Helpers shared by every app's action functions (the only code that changes state)."""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from django.db import models

from zhifa.core import roles
from zhifa.core.errors import ActionError, NotFound, PermissionDenied
from zhifa.core.identifiers import ric_problem, uscc_problem
from zhifa.core.models import Region
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
