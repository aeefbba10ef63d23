"""Template filters for the web UI: identifier masking by role, audit labels, JSON display."""

from __future__ import annotations

import json
from typing import Any

from django import template

from zhifa.core import labels, roles
from zhifa.core.identifiers import mask_id_number, mask_phone

register = template.Library()


def _role(user: Any) -> str | None:
    return getattr(user, "role", None)


@register.filter
def officer_id_number(value: str | None, user: Any) -> str | None:
    """An officer's ID number as this user may see it (same rule as the API)."""
    return value if _role(user) in roles.SEES_OFFICER_PERSONAL_IDS else mask_id_number(value)


@register.filter
def officer_phone(value: str | None, user: Any) -> str | None:
    return value if _role(user) in roles.SEES_OFFICER_PERSONAL_IDS else mask_phone(value)


@register.filter
def entity_id_number(value: str | None, user: Any) -> str | None:
    return value if _role(user) in roles.SEES_ENTITY_PERSONAL_IDS else mask_id_number(value)


@register.filter
def entity_phone(entity: Any, user: Any) -> str | None:
    """An enterprise's phone is public contact data; a person's is masked for most roles."""
    if _role(user) in roles.SEES_ENTITY_PERSONAL_IDS or entity.kind == "enterprise":
        return entity.phone
    return mask_phone(entity.phone)


@register.filter
def audit_action(code: str) -> str:
    return labels.action_label(code)


@register.filter
def audit_object_type(code: str) -> str:
    return labels.object_type_label(code)


@register.filter
def audit_outcome(code: str) -> str:
    return labels.outcome_label(code)


@register.filter
def pretty_json(value: str) -> str:
    """Canonical audit JSON, indented for reading; anything unparsable is shown unchanged."""
    if not value:
        return ""
    try:
        return json.dumps(json.loads(value), ensure_ascii=False, indent=2, sort_keys=True)
    except ValueError:
        return value


@register.filter
def role_label(code: str) -> str:
    return str(dict(roles.Role.choices).get(code, code))


@register.filter
def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


@register.filter
def is_under(path: str, prefix: str) -> bool:
    """Whether the current path lies in the menu item's section (for aria-current)."""
    return bool(prefix) and prefix != "/" and path.startswith(prefix)
