from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from zhifa.accounts.actions import attempt_login


class LockoutAwareBackend(ModelBackend):
    """Django's backend, but every password check goes through the lockout action."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ):
        if username is None or password is None:
            return None
        result = attempt_login(username, password)
        if request is not None:
            request.zhifa_login_result = result  # type: ignore[attr-defined]
        return result.user
