"""Provider webhooks: ``/webhooks/{type}/{channel_id}``, answered 2xx only once stored."""

from __future__ import annotations

import logging

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hub.contract import JSONRefused, MalformedRequest, SignatureError, read_json
from hub.pipeline import ingest
from hub.pipeline.channels import ResolvedChannel
from hub.pipeline.services import Hub
from hub.store.channels import inactive_channel_exists
from hub.store.database import DatabaseError
from hub.store.ids import try_id
from hub.web.answers import BodyTooLarge, error_response, read_body_limited

log = logging.getLogger(__name__)

NO_CHANNEL = "no active channel of that type has this id"


async def _channel(request: Request) -> tuple[Hub, ResolvedChannel | None]:
    """The channel of the URL, resolved once (with its connector) for the whole request."""
    hub: Hub = request.app.state.hub
    channel = await hub.channels.resolve(request.path_params["channel_id"])
    if channel is None or channel.type != request.path_params["type"]:
        return hub, None
    return hub, channel


async def _no_channel(request: Request) -> JSONResponse:
    """A deactivated channel says so (the provider's logs show why); an unknown one is 404."""
    oid = try_id(request.path_params["channel_id"])
    if oid is not None and await inactive_channel_exists(oid, request.path_params["type"]):
        return error_response(403, "channel_inactive", "this channel is deactivated in Parley; "
                      "an admin can activate it again under /admin/channels")  # fmt: skip
    return error_response(404, "unknown_channel", "no active channel of that type has this id")


async def receive_webhook(request: Request) -> Response:
    hub, channel = await _channel(request)
    if channel is None:
        return await _no_channel(request)
    limit = hub.settings.max_webhook_bytes
    try:
        await read_body_limited(request, limit)
    except BodyTooLarge:
        return error_response(413, "too_large", f"the body is over {limit} bytes")
    except ClientDisconnect:
        return error_response(400, "malformed", "the client went away mid-body")
    if "json" in request.headers.get("content-type", ""):
        try:  # before any connector parses it: depth, numbers and strings the db can store
            read_json(request._body, max_bytes=hub.settings.max_webhook_bytes)
        except JSONRefused as exc:
            if exc.code != "malformed_json":  # plain unreadable JSON: the connector says why
                return error_response(exc.status, exc.code, exc.message)
    try:
        result = await channel.connector.parse_webhook(request, channel.info)
    except SignatureError as exc:
        return error_response(403, "bad_signature", str(exc) or "the signature does not match")
    except MalformedRequest as exc:
        return error_response(400, "malformed", str(exc) or "the body cannot be read")
    try:
        await ingest.receive(hub, channel, result)
    except DatabaseError:
        log.exception("webhook for channel %s not stored", channel.id)
        return error_response(503, "unavailable", "the event could not be stored; retry later")
    return result.response or Response(status_code=200)


async def verify_webhook(request: Request) -> Response:
    _, channel = await _channel(request)
    if channel is None:
        return await _no_channel(request)
    return await channel.connector.verify_webhook(request, channel.info)


routes = [
    Route("/webhooks/{type}/{channel_id}", receive_webhook, methods=["POST"]),
    Route("/webhooks/{type}/{channel_id}", verify_webhook, methods=["GET"]),
]
