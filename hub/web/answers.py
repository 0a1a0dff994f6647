"""What the views answer: the one JSON error shape, the status of each typed error, body limits.

Every view (the API, the provider webhooks, the widget's visitor API, the
inbox's event stream) builds its JSON errors with ``error_response``, and every
view picks the status of a ``hub.errors`` error with ``status_of``, so an error
reads the same wherever it surfaces.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from hub import errors

#: The HTTP status of each kind of typed error; the first match in this order wins.
STATUSES: tuple[tuple[type[errors.HubError], int], ...] = (
    (errors.NotFound, 404),
    (errors.SeatLimit, 402),
    (errors.PlanRequired, 402),
    (errors.AddonRequired, 403),
    (errors.InvalidInput, 400),
    (errors.Conflict, 409),
    (errors.Refused, 422),
    (errors.PlanError, 402),
)


def status_of(exc: errors.HubError) -> int:
    """The HTTP status that answers ``exc``."""
    for kind, status in STATUSES:
        if isinstance(exc, kind):
            return status
    return 400


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    """``{"error": {"code", "message", …}}`` with ``status``: the hub's one JSON error shape."""
    body: dict[str, Any] = {"code": code, "message": message, **extra}
    return JSONResponse({"error": body}, status_code=status, headers=headers)


def error_answer(exc: errors.HubError) -> JSONResponse:
    """The JSON answer to a typed error (with the refused ``field`` where there is one)."""
    field = getattr(exc, "field", None)
    extra = {"field": field} if field else {}
    return error_response(status_of(exc), exc.code, exc.message, **extra)


class BodyTooLarge(Exception):
    """A request body over its limit."""


async def read_body_limited(request: Request, limit: int) -> bytes:
    """Read the body, refusing more than ``limit`` bytes; later reads reuse it."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge()
        chunks.append(chunk)
    body = b"".join(chunks)
    request._body = body  # Starlette reuses it for .body(), .form() and .json()
    return body
