"""The API's one mapping from errors to answers ``{"error": {"code", "message"}}``.

The core raises ``hub.errors`` errors; their status is chosen by kind in
``hub.web.answers.status_of``. ``ApiError`` is for refusals that only the API
itself makes (authentication, rate limits, headers).
"""

from __future__ import annotations

from pydantic import ValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from hub.assist.errors import AssistError
from hub.errors import HubError
from hub.web.answers import error_answer, error_response

__all__ = ["HANDLED", "ApiError", "error_response", "handle", "http_error"]


class ApiError(Exception):
    """A refusal made by the API layer itself, with its status."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers


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
    if isinstance(exc, AssistError):
        return error_response(exc.status, exc.code, exc.message)
    if isinstance(exc, HubError):
        return error_answer(exc)
    if isinstance(exc, ValidationError):
        return error_response(400, "invalid_request", _validation_message(exc))
    raise exc


async def http_error(request: Request, exc: Exception) -> JSONResponse:
    """Starlette's own refusals (unknown path, wrong method) in the API's error shape."""
    assert isinstance(exc, HTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    headers = dict(exc.headers) if exc.headers else None
    return error_response(exc.status_code, code, str(exc.detail), headers)


HANDLED: tuple[type[Exception], ...] = (ApiError, AssistError, HubError, ValidationError)
