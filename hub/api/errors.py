"""The API's error shape ``{"error": {"code", "message"}}`` and the one mapping to it."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from hub.integrations.bots import BotError
from hub.pipeline.outbound import OutboundRefused
from hub.pipeline.outbox import OutboxError
from hub.store.contacts import ContactExists
from hub.store.conversations import InvalidChange, NotFound
from hub.tenants.accounts import AdminError
from hub.tenants.plans import PlanError


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    body: dict[str, Any] = {"code": code, "message": message, **extra}
    return JSONResponse({"error": body}, status_code=status, headers=headers)


def _validation_message(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err["loc"]) or "body"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


async def handle(request: Request, exc: Exception) -> JSONResponse:
    """Map every typed error the API's services raise to its public answer."""
    if isinstance(exc, ApiError):
        return error_response(exc.status, exc.code, exc.message, exc.headers)
    if isinstance(exc, NotFound):
        return error_response(404, "not_found", "no such resource in this account")
    if isinstance(exc, InvalidChange):
        return error_response(400, exc.code, exc.message)
    if isinstance(exc, PlanError):
        return error_response(exc.status, exc.code, exc.message)
    if isinstance(exc, (OutboxError, AdminError, BotError, ContactExists, OutboundRefused)):
        return error_response(exc.status, exc.code, exc.message)
    if isinstance(exc, ValidationError):
        return error_response(400, "invalid_request", _validation_message(exc))
    raise exc


async def http_error(request: Request, exc: Exception) -> JSONResponse:
    """Starlette's own refusals (unknown path, wrong method) in the API's error shape."""
    assert isinstance(exc, HTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return error_response(exc.status_code, code, str(exc.detail), exc.headers)


HANDLED: tuple[type[Exception], ...] = (
    ApiError,
    NotFound,
    InvalidChange,
    PlanError,
    OutboxError,
    AdminError,
    BotError,
    ContactExists,
    OutboundRefused,
    ValidationError,
)
