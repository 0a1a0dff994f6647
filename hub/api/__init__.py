"""The generic API (``/api/v1``): API-key auth, JSON in and out, one error shape."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.routing import Mount, Route, Router

from hub.api import errors, openapi
from hub.api.endpoints import OPERATIONS
from hub.api.write_audit import WriteAudit

#: The public document, then every declared operation (``hub.api.endpoints``).
api_routes = [
    Route("/openapi.json", openapi.openapi_json, methods=["GET"]),
    *(op.route() for op in OPERATIONS),
]


def mount() -> Mount:
    """``/api/v1`` with its own error handling, so even an unknown path answers in JSON."""
    handlers = {exc: errors.handle for exc in errors.HANDLED}
    handlers[HTTPException] = errors.http_error
    inner = ExceptionMiddleware(Router(api_routes), handlers=handlers)
    return Mount("/api/v1", app=WriteAudit(inner))
