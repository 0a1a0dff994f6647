"""The generic API (``/api/v1``): API-key auth, JSON in and out, one error shape."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.routing import Mount, Route, Router

from hub.api import bots, contacts, errors, openapi, routes, sla, users, webhooks

api_routes = [
    Route("/openapi.json", openapi.openapi_json, methods=["GET"]),
    *routes.routes,
    *contacts.routes,
    *webhooks.routes,
    *bots.routes,
    *users.routes,
    *sla.routes,
]


def mount() -> Mount:
    """``/api/v1`` with its own error handling, so even an unknown path answers in JSON."""
    handlers = {exc: errors.handle for exc in errors.HANDLED}
    handlers[HTTPException] = errors.http_error
    return Mount("/api/v1", app=ExceptionMiddleware(Router(api_routes), handlers=handlers))
