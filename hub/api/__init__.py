"""The generic API (``/api/v1``): API-key auth, JSON in and out, one error shape."""

from __future__ import annotations

from starlette.routing import Mount, Route

from hub.api import openapi, routes, users

api_routes = [
    Route("/openapi.json", openapi.openapi_json, methods=["GET"]),
    *routes.routes,
    *users.routes,
]


def mount() -> Mount:
    return Mount("/api/v1", routes=api_routes)
