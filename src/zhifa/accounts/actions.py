"""State changes of accounts: logins (with lockout), tokens, users. Each writes one audit entry."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from zhifa.accounts.models import ApiToken, User, hash_token
from zhifa.core import audit, roles
from zhifa.core.actions import is_system
from zhifa.core.errors import ActionError, Conflict, NotFound, PermissionDenied
from zhifa.core.models import Region
from zhifa.core.roles import AGENCY_ROLES, REGION_ROLES, Role
from zhifa.registry.models import Agency, Officer


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    code: str  # ok | invalid_credentials | locked | inactive

    @property
    def ok(self) -> bool:
        return self.code == "ok"

    @property
    def message(self) -> str:
        return {
            "ok": "登录成功",
            "invalid_credentials": "用户名或密码错误",
            "locked": f"连续登录失败{settings.ZHIFA_LOCKOUT_THRESHOLD}次，账号已锁定{settings.ZHIFA_LOCKOUT_MINUTES}分钟，请稍后再试",
            "inactive": "账号已停用",
        }[self.code]


def attempt_login(username: str, password: str) -> LoginResult:
    """Check a password with lockout: after ZHIFA_LOCKOUT_THRESHOLD failures in a row the
    account is locked for ZHIFA_LOCKOUT_MINUTES, even against the right password. Web login
    and the API token endpoint both come here, so they share one counter."""
    with transaction.atomic():
        user = User.objects.select_for_update().filter(username=username).first()
        if user is None:
            User().set_password(password)  # same work as a real check: no timing oracle on usernames
            _audit_login(None, username, "invalid_credentials")
            return LoginResult(None, "invalid_credentials")
        now = timezone.now()
        if user.is_locked(now):
            _audit_login(user, username, "locked")
            return LoginResult(None, "locked")
        if user.locked_until is not None:  # lock has run out: start counting afresh
            user.locked_until, user.failed_logins = None, 0
        if not user.check_password(password):
            return _register_failure(user, now)
        if not user.is_active:
            _audit_login(user, username, "inactive")
            return LoginResult(None, "inactive")
        user.failed_logins = 0
        user.last_login = now
        user.save(update_fields=["failed_logins", "locked_until", "last_login"])
        _audit_login(user, username, "ok")
        return LoginResult(user, "ok")


def _register_failure(user: User, now: dt.datetime) -> LoginResult:
    user.failed_logins += 1
    code = "invalid_credentials"
    if user.failed_logins >= settings.ZHIFA_LOCKOUT_THRESHOLD:
        user.locked_until = now + dt.timedelta(minutes=settings.ZHIFA_LOCKOUT_MINUTES)
        code = "locked"
    user.save(update_fields=["failed_logins", "locked_until"])
    _audit_login(user, user.username, code, failed=True)
    return LoginResult(None, code)


def _audit_login(user: User | None, username: str, code: str, failed: bool = False) -> None:
    after = {"failed_logins": user.failed_logins, "locked_until": user.locked_until} if user else None
    action = (
        "accounts.login"
        if code == "ok"
        else ("accounts.login_locked" if code == "locked" else "accounts.login_failed")
    )
    actor = user if user is not None else type("Anonymous", (), {"username": username, "pk": None})()
    audit.record(
        audit.Change(
            action=action,
            object_type="accounts.user",
            object_id=str(user.pk if user else username),
            after=after,
            outcome="success" if code == "ok" else "failure",
            actor=actor,
        )
    )


def do_create_token(user: User, label: str = "", days: int | None = 90, actor: Any = None) -> str:
    """Issue a bearer token for `user` and return its raw value (stored only as a hash)."""
    raw = secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            token_hash=hash_token(raw),
            prefix=raw[:8],
            label=label,
            expires_at=timezone.now() + dt.timedelta(days=days) if days else None,
        )
        audit.record_change(actor or user, "accounts.token_create", token, None)
    return raw


def user_for_token(raw: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user", "user__agency", "user__region")
        .filter(token_hash=hash_token(raw))
        .first()
    )
    if token is None or not token.is_usable() or not token.user.is_active or token.user.is_locked():
        return None
    return token.user


@dataclass
class UserInput:
    username: str
    role: str
    full_name: str = ""
    agency_id: int | None = None
    region_id: str | None = None
    is_active: bool = True


def _check_user_placement(data: UserInput) -> None:
    if data.role not in Role.values:
        raise ActionError("invalid_choice", "角色无效", "role")
    if data.role in AGENCY_ROLES and not data.agency_id:
        raise ActionError("required", "执法单位角色必须选择所属单位", "agency_code")
    if (data.role in REGION_ROLES or data.role == Role.SYSADMIN) and not data.region_id:
        raise ActionError("required", "该角色必须选择管辖区划", "region_code")
    if data.region_id and not Region.objects.filter(code=data.region_id).exists():
        raise ActionError("unknown_region", f"行政区划代码不存在：{data.region_id}", "region_code")
    if data.agency_id and not Agency.objects.filter(pk=data.agency_id).exists():
        raise ActionError("unknown_agency", "执法主体不存在", "agency_code")


def _check_password(password: str, user: User) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ActionError("weak_password", "；".join(exc.messages), "password") from exc


def _require_user_admin(actor: Any) -> None:
    if is_system(actor):  # seeding and maintenance commands act as the system (actor None)
        return
    if not roles.allowed(getattr(actor, "role", None), roles.USER, roles.CHANGE):
        raise PermissionDenied("只有系统管理员可以管理账号")


def do_create_user(actor: Any, data: UserInput, password: str) -> User:
    _require_user_admin(actor)
    _check_user_placement(data)
    if User.objects.filter(username=data.username).exists():
        raise Conflict("duplicate", "用户名已存在", "username")
    with transaction.atomic():
        user = User(
            username=data.username,
            role=data.role,
            full_name=data.full_name,
            agency_id=data.agency_id,
            region_id=data.region_id,
            is_active=data.is_active,
        )
        _check_password(password, user)
        user.set_password(password)
        user.save()
        audit.record_change(actor, "accounts.user_create", user, None)
    return user


def do_update_user(actor: Any, user_id: int, data: UserInput) -> User:
    _require_user_admin(actor)
    _check_user_placement(data)
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=user_id).first()
        if user is None:
            raise NotFound()
        before = audit.snapshot(user)
        user.role, user.full_name, user.agency_id = data.role, data.full_name, data.agency_id
        user.region_id, user.is_active = data.region_id, data.is_active
        user.save()
        audit.record_change(actor, "accounts.user_update", user, before)
    return user


def do_set_password(actor: Any, user_id: int, password: str) -> None:
    if getattr(actor, "pk", None) != user_id:
        _require_user_admin(actor)
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=user_id).first()
        if user is None:
            raise NotFound()
        _check_password(password, user)
        user.set_password(password)
        user.save(update_fields=["password"])
        audit.record(audit.Change("accounts.password_set", "accounts.user", str(user.pk), actor=actor))


def do_unlock_user(actor: Any, user_id: int) -> None:
    _require_user_admin(actor)
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=user_id).first()
        if user is None:
            raise NotFound()
        before = audit.snapshot(user)
        user.failed_logins, user.locked_until = 0, None
        user.save(update_fields=["failed_logins", "locked_until"])
        audit.record_change(actor, "accounts.user_unlock", user, before)


def do_link_officer(actor: Any, user_id: int, officer_id: int | None) -> User:
    """Tie an agency login to the officer it acts as (None unties it). The officer must work for
    the user's own agency and may back only one login, so what the login signs is attributed
    to one certified person."""
    _require_user_admin(actor)
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=user_id).first()
        if user is None:
            raise NotFound()
        officer = None
        if officer_id is not None:
            officer = Officer.objects.filter(pk=officer_id).first()
            if officer is None:
                raise ActionError("unknown_officer", "执法人员不存在", "officer_id")
            if user.role not in AGENCY_ROLES or officer.agency_id != user.agency_id:
                raise ActionError("invalid_reference", "只能关联本单位的执法人员", "officer_id")
            if User.objects.filter(officer=officer).exclude(pk=user.pk).exists():
                raise Conflict("duplicate", "该执法人员已关联其他账号", "officer_id")
        before = audit.snapshot(user)
        user.officer = officer
        user.save(update_fields=["officer"])
        audit.record_change(actor, "accounts.user_link_officer", user, before)
    return user
