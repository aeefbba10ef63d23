"""Logins, lockout (shared by web and API), tokens and session expiry."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from tests.conftest import PASSWORD, make_user
from zhifa.accounts import actions
from zhifa.accounts.models import ApiToken, User
from zhifa.core.errors import ActionError, PermissionDenied
from zhifa.core.models import AuditEntry
from zhifa.core.roles import Role

pytestmark = pytest.mark.django_db


def token_request(client: Client, username: str, password: str):
    return client.post(
        "/api/v1/auth/token", {"username": username, "password": password}, content_type="application/json"
    )


def test_token_endpoint_returns_a_working_bearer_token(client, users):
    user = users[Role.SUPERVISOR]
    response = token_request(client, user.username, PASSWORD)
    assert response.status_code == 200
    token = response.json()["token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert (
        me.status_code == 200 and me.json()["role"] == "supervisor" and me.json()["region_code"] == "330500"
    )
    stored = ApiToken.objects.get(user=user)
    assert stored.token_hash != token and token not in stored.token_hash  # only the hash is kept


def test_wrong_password_is_401_with_code(client, users):
    response = token_request(client, users[Role.OFFICER].username, "wrong-password")
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"


def test_five_failures_lock_the_account_for_web_and_api(client, users):
    user = users[Role.OFFICER]
    for _ in range(settings.ZHIFA_LOCKOUT_THRESHOLD - 1):
        assert token_request(client, user.username, "wrong").status_code == 401
    fifth = client.post(
        "/login/", {"username": user.username, "password": "wrong"}
    )  # the web form counts too
    assert "锁定" in fifth.content.decode()
    locked = token_request(client, user.username, PASSWORD)  # right password, still refused
    assert locked.status_code == 423 and locked.json()["code"] == "locked"
    web = client.post("/login/", {"username": user.username, "password": PASSWORD})
    assert web.status_code == 200 and "锁定" in web.content.decode()
    user.refresh_from_db()
    remaining = user.locked_until - timezone.now()
    assert dt.timedelta(minutes=14) < remaining <= dt.timedelta(minutes=15)


def test_lock_runs_out_after_fifteen_minutes_and_success_resets_the_count(client, users):
    user = users[Role.OFFICER]
    for _ in range(settings.ZHIFA_LOCKOUT_THRESHOLD):
        token_request(client, user.username, "wrong")
    User.objects.filter(pk=user.pk).update(locked_until=timezone.now() - dt.timedelta(seconds=1))
    assert token_request(client, user.username, PASSWORD).status_code == 200
    user.refresh_from_db()
    assert user.failed_logins == 0 and user.locked_until is None


def test_failures_not_in_a_row_do_not_lock(client, users):
    user = users[Role.OFFICER]
    for _ in range(3):
        token_request(client, user.username, "wrong")
    assert token_request(client, user.username, PASSWORD).status_code == 200
    for _ in range(3):
        token_request(client, user.username, "wrong")
    assert token_request(client, user.username, PASSWORD).status_code == 200


def test_logins_and_failures_are_audited(client, users):
    user = users[Role.AUDITOR]
    token_request(client, user.username, "wrong")
    token_request(client, user.username, PASSWORD)
    token_request(client, "nobody-here", "x")
    trail = list(
        AuditEntry.objects.filter(object_type="accounts.user").values_list("action", "outcome", "object_id")
    )
    assert ("accounts.login_failed", "failure", str(user.pk)) in trail
    assert ("accounts.login", "success", str(user.pk)) in trail
    assert ("accounts.login_failed", "failure", "nobody-here") in trail


def test_web_login_and_logout(client, users):
    response = client.post("/login/", {"username": users[Role.SUPERVISOR].username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    client.post("/logout/")
    assert client.get("/").status_code == 302


def test_sessions_expire_after_thirty_idle_minutes():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST  # the 30 minutes restart at every request: idle, not total


def test_expired_and_revoked_tokens_are_refused(client, users):
    raw = actions.do_create_token(users[Role.OFFICER])
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    ApiToken.objects.filter(prefix=raw[:8]).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_inactive_user_cannot_log_in(client):
    user = make_user(Role.AUDITOR)
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert token_request(client, user.username, PASSWORD).status_code == 401


def test_only_the_sysadmin_creates_users_and_passwords_are_validated(users, city):
    data = actions.UserInput(username="new-officer", role=Role.OFFICER, agency_id=city.market_city.pk)
    with pytest.raises(PermissionDenied):
        actions.do_create_user(users[Role.SUPERVISOR], data, "Another-Strong-Pass-1")
    with pytest.raises(ActionError) as weak:
        actions.do_create_user(users[Role.SYSADMIN], data, "12345678")
    assert weak.value.field == "password"
    with pytest.raises(ActionError) as unplaced:
        actions.do_create_user(
            users[Role.SYSADMIN], actions.UserInput(username="x", role=Role.OFFICER), "Strong-Pass-2026"
        )
    assert unplaced.value.field == "agency_code"
    created = actions.do_create_user(users[Role.SYSADMIN], data, "Another-Strong-Pass-1")
    assert created.check_password("Another-Strong-Pass-1")
    entry = AuditEntry.objects.get(action="accounts.user_create", object_id=str(created.pk))
    assert "password" not in entry.after  # secrets never reach the audit trail


def test_token_create_command_prints_a_usable_token(capsys, client, users):
    call_command("token_create", users[Role.SUPERVISOR].username)
    raw = capsys.readouterr().out.strip()
    assert client.get("/api/v1/agencies", headers={"Authorization": f"Bearer {raw}"}).status_code == 200


def test_user_placement_must_name_existing_region_and_agency(users):
    sysadmin = users[Role.SYSADMIN]
    with pytest.raises(ActionError) as bad_region:
        actions.do_create_user(
            sysadmin,
            actions.UserInput(username="sup-x", role=Role.SUPERVISOR, region_id="339999"),
            "Strong-Pass-2026",
        )
    assert (bad_region.value.code, bad_region.value.field) == ("unknown_region", "region_code")
    with pytest.raises(ActionError) as bad_agency:
        actions.do_create_user(
            sysadmin,
            actions.UserInput(username="off-x", role=Role.OFFICER, agency_id=987654),
            "Strong-Pass-2026",
        )
    assert (bad_agency.value.code, bad_agency.value.field) == ("unknown_agency", "agency_code")
    assert not User.objects.filter(username__in=["sup-x", "off-x"]).exists()
