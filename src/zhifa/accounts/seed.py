"""Demo logins: one account per role, created through the account actions.

Passwords are random (and pass the configured validators) on the first seeding and are kept in
`$ZHIFA_DATA_DIR/demo-logins.json`, the file `zhifa demo` prints from. A later seeding into a
fresh database reuses the passwords in the file, so the printed logins stay right whichever
database the data directory is pointed at; the file is read and written under a lock because
parallel test workers may seed at the same time.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import secrets
import string
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError

from zhifa.accounts import actions
from zhifa.accounts.models import User
from zhifa.core import seeding
from zhifa.core.roles import Role
from zhifa.registry.demo_data import CITY_CODE, JUSTICE_CITY, JUSTICE_WUXING, MARKET_CITY
from zhifa.registry.models import Agency, Officer, OfficerRole

LOGINS_FILE = "demo-logins.json"
PASSWORD_ALPHABET = "".join(ch for ch in string.ascii_letters + string.digits if ch not in "Il1O0o")


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    full_name: str
    agency_name: str | None = None
    region_code: str | None = None
    officer_post: str | None = None  # the Officer row an agency login acts as


DEMO_LOGINS = (
    DemoLogin("sysadmin", Role.SYSADMIN, "系统管理员", region_code=CITY_CODE),
    DemoLogin("officer", Role.OFFICER, "", MARKET_CITY, officer_post=OfficerRole.FIELD_OFFICER),
    DemoLogin("agency_lead", Role.AGENCY_LEAD, "", MARKET_CITY, officer_post=OfficerRole.LEAD),
    DemoLogin(
        "legal_reviewer", Role.LEGAL_REVIEWER, "", MARKET_CITY, officer_post=OfficerRole.LEGAL_REVIEWER
    ),
    DemoLogin("agency_admin", Role.AGENCY_ADMIN, "沈丽萍", MARKET_CITY),
    DemoLogin("supervisor", Role.SUPERVISOR, "钱建国", JUSTICE_CITY, region_code=CITY_CODE),
    DemoLogin("supervisor_wuxing", Role.SUPERVISOR, "姚晓红", JUSTICE_WUXING, region_code="330502"),
    DemoLogin("hotline_operator", Role.HOTLINE_OPERATOR, "陆佳怡", region_code=CITY_CODE),
    DemoLogin("auditor", Role.AUDITOR, "费文杰"),
)


def logins_path() -> Path:
    return Path(settings.DATA_DIR) / LOGINS_FILE


def new_password(username: str) -> str:
    """A random 14-character password the configured validators accept."""
    while True:
        candidate = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(14))
        if not (
            any(c.isupper() for c in candidate)
            and any(c.islower() for c in candidate)
            and any(c.isdigit() for c in candidate)
        ):
            continue
        try:
            password_validation.validate_password(candidate, User(username=username))
        except ValidationError:
            continue
        return candidate


def read_logins(path: Path | None = None) -> list[dict[str, Any]]:
    """The logins file's entries, or [] when there is none (or it is unreadable)."""
    path = path or logins_path()
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return []
    return [e for e in entries if isinstance(e, dict) and {"username", "password"} <= e.keys()]


def _write_logins(path: Path, entries: list[dict[str, Any]]) -> None:
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(json.dumps(entries, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    temporary.chmod(0o600)
    temporary.replace(path)


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _placement(spec: DemoLogin) -> tuple[Agency | None, str | None]:
    agency = Agency.objects.filter(name=spec.agency_name).first() if spec.agency_name else None
    if spec.agency_name and agency is None:
        raise RuntimeError(f"演示账号 {spec.username} 所属单位不存在：{spec.agency_name}（执法主体应先生成）")
    return agency, spec.region_code


def _entry(spec: DemoLogin, password: str, agency: Agency | None) -> dict[str, Any]:
    return {
        "username": spec.username,
        "password": password,
        "role": spec.role,
        "agency_code": agency.code if agency else "",
        "region_code": spec.region_code or "",
    }


def settle_passwords(specs: tuple[DemoLogin, ...] = DEMO_LOGINS) -> dict[str, str]:
    """The password of each demo login: the one in the logins file if there is one, else a new
    one. The file is rewritten with every login's current placement before users exist, so a
    failed seeding still leaves passwords that the next attempt reuses."""
    path = logins_path()
    with _locked(path):
        known = {e["username"]: e["password"] for e in read_logins(path)}
        passwords = {s.username: known.get(s.username) or new_password(s.username) for s in specs}
        entries = [_entry(s, passwords[s.username], _placement(s)[0]) for s in specs]
        _write_logins(path, entries)
    return passwords


def _officer_for(spec: DemoLogin, agency: Agency | None) -> Officer | None:
    """The agency's first active officer in the post whose certificates are all usable today."""
    if spec.officer_post is None or agency is None:
        return None
    today = dt.date.today()
    candidates = Officer.objects.filter(
        agency=agency, role=spec.officer_post, status="active", user__isnull=True
    )
    for officer in candidates.order_by("id").prefetch_related("certificates"):
        certificates = list(officer.certificates.all())
        if certificates and all(c.is_valid_on(today) for c in certificates):
            return officer
    return None


@seeding.register("accounts", order=20)
def seed_logins() -> str:
    passwords = settle_passwords()
    sysadmin: User | None = None
    for spec in DEMO_LOGINS:
        agency, region = _placement(spec)
        officer = _officer_for(spec, agency)
        data = actions.UserInput(
            username=spec.username,
            role=spec.role,
            full_name=officer.name if officer else spec.full_name,
            agency_id=agency.pk if agency else None,
            region_id=region,
        )
        # The system creates the sysadmin; the sysadmin creates everyone else (三员分立 in the trail).
        user = actions.do_create_user(sysadmin, data, passwords[spec.username])
        if officer is not None:
            actions.do_link_officer(sysadmin, user.pk, officer.pk)
        sysadmin = sysadmin or user
    seeding.progress(f"演示账号 {len(DEMO_LOGINS)} 个（密码见 {logins_path()}）")
    return f"演示账号 {len(DEMO_LOGINS)} 个"


def current_logins() -> tuple[list[dict[str, Any]], list[str]]:
    """The logins to print, and the usernames whose password had to be reset because the file
    was lost (the database keeps only password hashes)."""
    path = logins_path()
    with _locked(path):
        entries = {e["username"]: e for e in read_logins(path)}
        reset = []
        for spec in DEMO_LOGINS:
            user = User.objects.filter(username=spec.username).select_related("agency").first()
            if user is None or spec.username in entries:
                continue
            password = new_password(spec.username)
            actions.do_set_password(None, user.pk, password)
            entries[spec.username] = _entry(spec, password, user.agency)
            reset.append(spec.username)
        if reset:
            _write_logins(path, list(entries.values()))
    return [entries[s.username] for s in DEMO_LOGINS if s.username in entries], reset
