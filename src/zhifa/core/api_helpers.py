"""Small pieces every router uses: scoped lookups and the 'may this role list this' check."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models
from django.http import HttpRequest
from ninja import Schema
from pydantic import create_model

from zhifa.core import roles
from zhifa.core.errors import NotFound, PermissionDenied
from zhifa.core.scope import can

M = TypeVar("M", bound=models.Model)


def scoped(request: HttpRequest, model: type[M], action: str = roles.VIEW) -> models.QuerySet[M]:
    """The records of `model` the caller may see; 403 if the role may not see this kind at all."""
    if not can(request.user, model, action):
        raise PermissionDenied("您的角色无权查看此类记录")
    return model.objects.restrict(request.user, action)


def scoped_get(
    request: HttpRequest, model: type[M], queryset: models.QuerySet[M] | None = None, **lookup: Any
) -> M:
    """One visible record or 404 — records outside scope are indistinguishable from absent ones."""
    qs = queryset if queryset is not None else scoped(request, model)
    obj = qs.filter(**lookup).first()
    if obj is None:
        raise NotFound()
    return obj


def partial_schema(schema: type[Schema]) -> type[Schema]:
    """The PATCH body for an input schema: the same fields, all optional. Only the fields the
    client sends are applied (`payload.dict(exclude_unset=True)`)."""
    fields: dict[str, Any] = {
        name: (field.annotation | None, None) for name, field in schema.model_fields.items()
    }
    return create_model(f"{schema.__name__.removesuffix('In')}Patch", __base__=Schema, **fields)
