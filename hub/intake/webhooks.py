"""Provider webhooks: ``/webhooks/{type}/{channel_id}``, answered 2xx only once stored."""

from __future__ import annotations

import logging

from pymongo.errors import PyMongoError
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hub.contract import JSONRefused, MalformedRequest, SignatureError, read_json
from hub.models import Channel
from hub.pipeline import ingest
from hub.pipeline.registry import UnknownConnector
from hub.pipeline.services import Hub

log = logging.getLogger(__name__)


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


class BodyTooLarge(Exception):
    pass


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


async def _channel(request: Request) -> tuple[Hub, Channel | None]:
    hub: Hub = request.app.state.hub
    channel = await hub.channel(request.path_params["channel_id"])
    if channel is None or channel.type != request.path_params["type"]:
        return hub, None
    return hub, channel


async def receive_webhook(request: Request) -> Response:
    hub, channel = await _channel(request)
    if channel is None:
        return _error(404, "unknown_channel", "no active channel of that type has this id")
    try:
        await read_body_limited(request, hub.settings.max_webhook_bytes)
    except BodyTooLarge:
        return _error(413, "too_large", f"the body is over {hub.settings.max_webhook_bytes} bytes")
    except ClientDisconnect:
        return _error(400, "malformed", "the client went away mid-body")
    if "json" in request.headers.get("content-type", ""):
        try:  # before any connector parses it: depth, numbers and strings the db can store
            read_json(request._body, max_bytes=hub.settings.max_webhook_bytes)
        except JSONRefused as exc:
            if exc.code != "malformed_json":  # plain unreadable JSON: the connector says why
                return _error(exc.status, exc.code, exc.message)
    try:
        connector = hub.registry.get(channel.type)
    except UnknownConnector:
        return _error(404, "unknown_channel", f"no connector is installed for {channel.type}")
    try:
        result = await connector.parse_webhook(request, hub.channel_info(channel))
    except SignatureError as exc:
        return _error(403, "bad_signature", str(exc) or "the signature does not match")
    except MalformedRequest as exc:
        return _error(400, "malformed", str(exc) or "the body cannot be read")
    try:
        await ingest.receive(hub, channel, result)
    except PyMongoError:
        log.exception("webhook for channel %s not stored", channel.id)
        return _error(503, "unavailable", "the event could not be stored; retry later")
    return result.response or Response(status_code=200)


async def verify_webhook(request: Request) -> Response:
    hub, channel = await _channel(request)
    if channel is None:
        return _error(404, "unknown_channel", "no active channel of that type has this id")
    try:
        connector = hub.registry.get(channel.type)
    except UnknownConnector:
        return _error(404, "unknown_channel", f"no connector is installed for {channel.type}")
    return await connector.verify_webhook(request, hub.channel_info(channel))


routes = [
    Route("/webhooks/{type}/{channel_id}", receive_webhook, methods=["POST"]),
    Route("/webhooks/{type}/{channel_id}", verify_webhook, methods=["GET"]),
]
