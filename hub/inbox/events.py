"""The inbox's live stream: server-sent events of the signed-in user's account."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from bson import json_util
from sse_starlette.sse import EventSourceResponse
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.auth import session_user
from hub.realtime import Event
from hub.services import Hub

KEEPALIVE_SECONDS = 15
#: Fields never sent to a browser.
PRIVATE_FIELDS = {"password_hash", "config", "outbox_owner"}


def event_payload(event: Event) -> str:
    data = {k: v for k, v in event.data.items() if k not in PRIVATE_FIELDS}
    doc: dict[str, Any] = json.loads(
        json_util.dumps(data, json_options=json_util.RELAXED_JSON_OPTIONS)
    )
    doc["id"] = str(event.data.get("_id"))
    return json.dumps({"type": event.type, "changed": list(event.changed), "data": doc})


def _for_inbox(event: Event) -> bool:
    return event.type.split(".")[0] in ("message", "conversation", "user")


async def stream(request: Request) -> Response:
    user = await session_user(request)
    if user is None:
        return JSONResponse({"error": {"code": "unauthorized", "message": "sign in"}}, 401)
    hub: Hub = request.app.state.hub
    sub = hub.realtime.subscribe(user.account_id, _for_inbox)

    async def events() -> AsyncIterator[dict[str, str]]:
        hub.metrics.sse_subscribers.inc()
        try:
            yield {"event": "ready", "data": "{}"}
            while True:
                try:
                    event = await asyncio.wait_for(sub.get(), KEEPALIVE_SECONDS)
                except TimeoutError:
                    continue
                if sub.lagged:
                    sub.lagged = False
                    yield {"event": "resync", "data": "{}"}
                yield {"event": event.type, "id": event.token, "data": event_payload(event)}
        finally:
            hub.metrics.sse_subscribers.dec()
            hub.realtime.unsubscribe(sub)

    return EventSourceResponse(events(), ping=KEEPALIVE_SECONDS)
