"""Shared fixtures: a small city with two districts, agencies, officers and a user per role."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

import pytest
from django.test import Client

from zhifa.accounts.actions import do_create_token
from zhifa.accounts.models import User
from zhifa.core.identifiers import ric_check_char, uscc_check_char
from zhifa.core.roles import Role
from zhifa.registry import actions
from zhifa.registry.models import Agency, Officer

PASSWORD = "Zf-test-pass-2026"
_serial = itertools.count(1)


def make_credit_code(region_code: str = "330500", kind: str = "11") -> str:
    body = f"{kind}{region_code}{next(_serial):09d}"[:17]
    return body + uscc_check_char(body)


def make_id_number(region_code: str = "330502", birth: str = "19850317") -> str:
    body = f"{region_code}{birth}{next(_serial) % 1000:03d}"
    return body + ric_check_char(body)


@dataclass
class City:
    market_city: Agency  # 湖州市市场监督管理局 (city level)
    market_wuxing: Agency  # 吴兴区 branch
    ecology_nanxun: Agency  # 南浔区 ecology
    other_city: Agency  # an agency in 杭州市, outside 湖州
    officer_city: Officer
    officer_wuxing: Officer
    officer_other: Officer


def _agency(name: str, region: str, domains: list[str], supervising: Agency | None = None) -> Agency:
    return actions.do_create_agency(
        None,
        actions.AgencyInput(
            code=make_credit_code(region),
            name=name,
            kind="statutory",
            region_code=region,
            domain_codes=domains,
            supervising_agency_code=supervising.code if supervising else None,
        ),
    )


def _officer(agency: Agency, name: str) -> Officer:
    officer = actions.do_create_officer(
        None,
        actions.OfficerInput(name=name, id_number=make_id_number(agency.region_id), agency_code=agency.code),
    )
    actions.do_issue_certificate(
        None,
        actions.CertificateInput(
            number=f"33{next(_serial):08d}",
            officer_id=officer.pk,
            domain_code=agency.domains.first().code,
            issued_on=dt.date(2024, 1, 1),
            expires_on=dt.date(2030, 1, 1),
        ),
    )
    return officer


@pytest.fixture
def city(db) -> City:
    market_city = _agency("湖州市市场监督管理局", "330500", ["market_regulation"])
    market_wuxing = _agency("湖州市吴兴区市场监督管理局", "330502", ["market_regulation"], market_city)
    ecology_nanxun = _agency("湖州市生态环境局南浔分局", "330503", ["ecology_environment"])
    other_city = _agency("杭州市市场监督管理局", "330100", ["market_regulation"])
    return City(
        market_city,
        market_wuxing,
        ecology_nanxun,
        other_city,
        _officer(market_city, "张伟"),
        _officer(market_wuxing, "李娜"),
        _officer(other_city, "王芳"),
    )


def make_user(
    role: str, agency: Agency | None = None, region: str | None = None, username: str | None = None
) -> User:
    user = User(username=username or f"{role}-{next(_serial)}", role=role, agency=agency, region_id=region)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def users(city: City) -> dict[str, User]:
    """One user per role, placed in 湖州市 (agency roles at the city market bureau)."""
    return {
        Role.OFFICER: make_user(Role.OFFICER, city.market_city),
        Role.AGENCY_LEAD: make_user(Role.AGENCY_LEAD, city.market_city),
        Role.LEGAL_REVIEWER: make_user(Role.LEGAL_REVIEWER, city.market_city),
        Role.AGENCY_ADMIN: make_user(Role.AGENCY_ADMIN, city.market_city),
        Role.SUPERVISOR: make_user(Role.SUPERVISOR, region="330500"),
        Role.HOTLINE_OPERATOR: make_user(Role.HOTLINE_OPERATOR, region="330500"),
        Role.AUDITOR: make_user(Role.AUDITOR),
        Role.SYSADMIN: make_user(Role.SYSADMIN, region="330500"),
    }


class ApiClient:
    """A test client speaking JSON with a bearer token."""

    def __init__(self, user: User):
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {do_create_token(user)}"}

    def get(self, path: str, **params):
        return self.client.get(f"/api/v1{path}", params, headers=self.headers)

    def post(self, path: str, body: dict):
        return self.client.post(f"/api/v1{path}", body, content_type="application/json", headers=self.headers)

    def patch(self, path: str, body: dict):
        return self.client.patch(
            f"/api/v1{path}", body, content_type="application/json", headers=self.headers
        )


@pytest.fixture
def api_as(users):
    def for_role(role: str) -> ApiClient:
        return ApiClient(users[role])

    return for_role


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2 at production strength costs ~0.5 s a hash; tests create many users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
