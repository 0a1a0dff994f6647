"""The visitor's live stream: server-sent events of their conversation, resumable.

Each message event carries the message id as its SSE id. A reconnecting
client sends the last id it saw (``Last-Event-ID``, or ``?after=`` when it
reconnects by itself) and first gets every visible message stored after that
one, read from the database; then live events from ``hub.pipeline.realtime``. The
subscription starts before the replay, and ids already sent are skipped, so
nothing falls between the two.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import AsyncIterator, Mapping
from typing import Any

from beanie import PydanticObjectId
from sse_starlette.sse import EventSourceResponse
from starlette.requests import Request
from starlette.responses import Response

from hub import widget_services
from hub.contract import now
from hub.widget_services import Event, Subscription, VisitorMessage, try_id
from webchat_widget.api import public_message
from webchat_widget.context import VisitorContext, visitor_context

KEEPALIVE_SECONDS = 15
RETRY_MS = 1500


class _Filter:
    """Decides which change events belong to one visitor; learns new conversations as they open."""

    def __init__(self, ctx: VisitorContext, conversations: list[PydanticObjectId]) -> None:
        self.channel_id = ctx.channel.id
        self.key = ctx.visitor.address_key
        self.visitor_id = ctx.visitor.visitor_id
        self.conversations = set(conversations)

    def __call__(self, event: Event) -> bool:
        data = event.data
        kind = event.type.split(".")[0]
        if kind == "conversation":
            if data.get("channel_id") == self.channel_id and data.get("contact_key") == self.key:
                self.conversations.add(data["_id"])
                return "agent_seen_at" in event.changed and bool(data.get("agent_seen_at"))
            return False
        if kind == "typing":
            return data.get("side") == "agent" and data.get("conversation_id") in self.conversations
        if event.type != "message.created" or data.get("channel_id") != self.channel_id:
            return False
        if data.get("private"):
            return False
        if data.get("conversation_id") in self.conversations:
            return True
        mine = data.get("direction") == "in" and (data.get("metadata") or {}).get("from") == (
            self.visitor_id
        )
        if mine:
            self.conversations.add(data["conversation_id"])
        return mine


async def _replay(ctx: VisitorContext, after: str | None) -> list[VisitorMessage]:
    """Visible messages after the message ``after`` (all recent ones if unknown)."""
    after_id = try_id(after) if after else None
    if after_id is not None:
        anchor = await widget_services.message_position(ctx.account_id, after_id)
        if anchor is not None:
            return await ctx.messages(after=anchor, limit=1000)
    return await ctx.messages()


def _message_event(message: VisitorMessage, ctx: VisitorContext) -> dict[str, str]:
    return {
        "event": "message",
        "id": str(message.id),
        "data": json.dumps(public_message(message, ctx.config)),
    }


def _seen_event(at: dt.datetime) -> dict[str, str]:
    """An agent opened the conversation at ``at``: the visitor's earlier messages are seen."""
    aware = at if at.tzinfo else at.replace(tzinfo=dt.UTC)
    return {"event": "seen", "data": json.dumps({"ts": int(aware.timestamp() * 1000)})}


def _typing_event(data: dict[str, Any], ctx: VisitorContext) -> dict[str, str]:
    live = bool(data.get("typing")) and data.get("expires_at", now()) > now()
    name = data.get("name") or ctx.config.agent_name
    return {"event": "typing", "data": json.dumps({"typing": live, "name": name})}


async def _live(
    ctx: VisitorContext, sub: Subscription, sent: set[str]
) -> AsyncIterator[dict[str, str]]:
    """Live events after the replay; ends with ``resync`` if the subscriber fell behind."""
    while True:
        try:
            event = await asyncio.wait_for(sub.get(), KEEPALIVE_SECONDS)
        except TimeoutError:
            continue
        if sub.lagged:  # events were dropped: let the client reconnect and replay
            yield {"event": "resync", "data": "{}"}
            return
        if event.type.startswith("typing."):
            yield _typing_event(event.data, ctx)
        elif event.type.startswith("conversation."):
            yield _seen_event(event.data["agent_seen_at"])
        elif str(event.data["_id"]) not in sent:
            sent.add(str(event.data["_id"]))
            yield _message_event(VisitorMessage.model_validate(event.data), ctx)


async def events(request: Request) -> Response:
    """``GET /widget/v1/events?ticket=…[&after=<message id>]``."""
    ctx = await visitor_context(request, read_only=True)
    after = request.headers.get("last-event-id") or request.query_params.get("after")
    accept = _Filter(ctx, await ctx.conversation_ids())

    async def stream() -> AsyncIterator[Mapping[str, str | int]]:
        sub = ctx.hub.realtime.subscribe(ctx.account_id, accept)
        ctx.hub.metrics.sse_subscribers.inc()
        try:
            ready = {"open": ctx.config.is_open(now())}
            yield {"event": "ready", "data": json.dumps(ready), "retry": RETRY_MS}
            sent: set[str] = set()
            for message in await _replay(ctx, after):
                sent.add(str(message.id))
                yield _message_event(message, ctx)
            yield {"event": "caught_up", "data": "{}"}
            seen = await ctx.seen_at()
            if seen is not None:
                yield _seen_event(seen)
            async for item in _live(ctx, sub, sent):
                yield item
        finally:
            ctx.hub.metrics.sse_subscribers.dec()
            ctx.hub.realtime.unsubscribe(sub)

    return EventSourceResponse(
        stream(), ping=KEEPALIVE_SECONDS, headers={"Cache-Control": "no-store"}
    )
