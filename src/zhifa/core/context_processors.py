from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from zhifa.core.navigation import menu_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {"nav_items": menu_for(user) if user is not None and user.is_authenticated else []}
