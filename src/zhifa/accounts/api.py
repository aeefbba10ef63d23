from django.http import HttpRequest
from ninja import Router, Schema

from zhifa.accounts.actions import attempt_login, do_create_token
from zhifa.core.errors import ActionError

router = Router()


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str


@router.post("/auth/token", response=TokenOut, auth=None, tags=["认证"])
def create_token(request: HttpRequest, payload: TokenIn):
    """Exchange username and password for a bearer token (five failures in a row lock the account)."""
    result = attempt_login(payload.username, payload.password)
    if not result.ok:
        raise ActionError(result.code, result.message, None, status=423 if result.code == "locked" else 401)
    return {"token": do_create_token(result.user, label="api")}


class MeOut(Schema):
    username: str
    full_name: str
    role: str
    agency_code: str | None
    region_code: str | None


@router.get("/me", response=MeOut, tags=["认证"])
def me(request: HttpRequest):
    user = request.user
    region = user.scope_region
    return {
        "username": user.username,
        "full_name": user.full_name,
        "role": user.role,
        "agency_code": user.agency.code if user.agency_id else None,
        "region_code": region.code if region else None,
    }
