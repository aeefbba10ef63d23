"""Account figures for the system administrator's home page."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from zhifa.accounts.models import User
from zhifa.core.web import Card


def account_cards(user: Any) -> list[Card]:
    users = User.objects.restrict(user)
    user_list = reverse("accounts:user_list")
    return [
        Card(_("用户总数"), str(users.count()), user_list),
        Card(_("已停用用户"), str(users.filter(is_active=False).count()), f"{user_list}?state=inactive"),
        Card(
            _("锁定中的用户"),
            str(users.filter(locked_until__gt=timezone.now()).count()),
            f"{user_list}?state=locked",
            _("连续登录失败被锁定"),
        ),
    ]
