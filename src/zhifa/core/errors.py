"""The one error type actions raise: a stable code, a Chinese message, the field at fault."""

from __future__ import annotations


class ActionError(Exception):
    """A refused state change. `status` is the HTTP status the API answers with."""

    status = 422

    def __init__(self, code: str, message: str, field: str | None = None, status: int | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        if status is not None:
            self.status = status

    def as_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "message": self.message, "field": self.field}


class PermissionDenied(ActionError):
    status = 403

    def __init__(self, message: str = "无权执行此操作", code: str = "permission_denied"):
        super().__init__(code, message, None)


class NotFound(ActionError):
    """Also used for records outside the caller's scope: they answer 404, never 403."""

    status = 404

    def __init__(self, message: str = "记录不存在", field: str | None = None):
        super().__init__("not_found", message, field)


class Conflict(ActionError):
    status = 409
