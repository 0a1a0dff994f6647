"""Operational routes: ``/healthz`` (alive), ``/readyz`` (database reachable), ``/metrics``."""

from __future__ import annotations

import hmac
import ipaddress

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hub.pipeline.services import Hub
from hub.store.database import ping


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    hub: Hub = request.app.state.hub
    reason = await ping(hub.database)
    if reason is not None:
        return JSONResponse({"status": "unavailable", "reason": reason}, status_code=503)
    return JSONResponse({"status": "ready"})


def _loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


async def metrics(request: Request) -> Response:
    """Only with ``PARLEY_METRICS_TOKEN`` as a bearer token; without one set, only from
    loopback (a scraper on the same machine)."""
    hub: Hub = request.app.state.hub
    token = hub.settings.metrics_token
    if token:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.encode(), token.encode()):
            return JSONResponse(
                {"error": {"code": "unauthorized", "message": "a bearer token is needed"}},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
    elif not _loopback(request.client.host if request.client else None):
        message = "metrics answer only from loopback unless PARLEY_METRICS_TOKEN is set"
        return JSONResponse({"error": {"code": "forbidden", "message": message}}, status_code=403)
    return Response(hub.metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")


routes = [
    Route("/healthz", healthz, methods=["GET"]),
    Route("/readyz", readyz, methods=["GET"]),
    Route("/metrics", metrics, methods=["GET"]),
]
