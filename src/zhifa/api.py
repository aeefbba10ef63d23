"""The JSON API under /api/v1: authentication, the error envelope, and the routers."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer
from ninja.security import HttpBearer, django_auth

from zhifa.accounts.actions import user_for_token
from zhifa.core.errors import ActionError

PYDANTIC_MESSAGES = {
    "missing": "必填字段缺失",
    "string_type": "应为字符串",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "bool_parsing": "应为布尔值",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "datetime_parsing": "时间格式应为 ISO 8601",
    "decimal_parsing": "应为数字",
    "float_parsing": "应为数字",
    "list_type": "应为列表",
    "string_too_long": "内容过长",
    "json_invalid": "请求体不是合法的 JSON",
    "model_attributes_type": "请求体格式错误",
}


class BearerAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


class UnicodeJSONRenderer(JSONRenderer):
    """JSON with Chinese text as UTF-8 rather than \\uXXXX escapes."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    renderer=UnicodeJSONRenderer(),
    title="zhifa 执法 API",
    version="1",
    description="行政执法与执法监督平台接口。错误统一返回 {code, message, field}。",
    auth=[BearerAuth(), django_auth],
    urls_namespace="api",
)


def error_response(
    request: HttpRequest, status: int, code: str, message: str, field: str | None = None
) -> HttpResponse:
    return api.create_response(request, {"code": code, "message": message, "field": field}, status=status)


@api.exception_handler(ActionError)
def on_action_error(request: HttpRequest, exc: ActionError) -> HttpResponse:
    return error_response(request, exc.status, exc.code, exc.message, exc.field)


def _field_from_location(loc: list[Any]) -> str | None:
    names = [
        str(p)
        for p in loc
        if p not in ("body", "query", "path", "payload", "data", "form") and not isinstance(p, int)
    ]
    return names[-1] if names else None


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    first = exc.errors[0] if exc.errors else {}
    field = _field_from_location(list(first.get("loc", [])))
    kind = first.get("type", "invalid")
    message = PYDANTIC_MESSAGES.get(kind, first.get("msg", "输入无效"))
    return error_response(request, 422, "invalid", f"{field}：{message}" if field else message, field)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, 404, "not_found", "记录不存在")


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(request, 401, "not_authenticated", "未登录或令牌无效")


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    codes = {
        400: "bad_request",
        401: "not_authenticated",
        403: "permission_denied",
        404: "not_found",
        405: "method_not_allowed",
    }
    return error_response(request, exc.status_code, codes.get(exc.status_code, "error"), str(exc.message))


def _register_routers() -> None:
    from zhifa.accounts.api import router as accounts_router
    from zhifa.cases.api import router as cases_router
    from zhifa.clues.api import router as clues_router
    from zhifa.core.api import router as core_router
    from zhifa.disclosure.api import router as disclosure_router
    from zhifa.documents.api import router as documents_router
    from zhifa.evaluation.api import router as evaluation_router
    from zhifa.evidence.api import router as evidence_router
    from zhifa.exchange.api import router as exchange_router
    from zhifa.indicators.api import router as indicators_router
    from zhifa.laws.api import router as laws_router
    from zhifa.powers.api import router as powers_router
    from zhifa.registry.api import router as registry_router
    from zhifa.review.api import router as review_router
    from zhifa.rules.api import router as rules_router
    from zhifa.supervision.api import router as supervision_router

    api.add_router("/", accounts_router)
    api.add_router("/", core_router)
    api.add_router("/", registry_router)
    api.add_router("/", powers_router)
    api.add_router("/", laws_router)
    api.add_router("/", exchange_router)
    api.add_router("/", evidence_router)
    api.add_router("/", rules_router)
    api.add_router("/", cases_router)
    api.add_router("/", documents_router)
    api.add_router("/", disclosure_router)
    api.add_router("/", indicators_router)
    api.add_router("/", clues_router)
    api.add_router("/", supervision_router)
    api.add_router("/", review_router)
    api.add_router("/", evaluation_router)


_register_routers()
