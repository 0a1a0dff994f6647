"""The inbox's live stream: server-sent events of the signed-in user's account.

The events are signals, not data: the page refetches the fragment a signal
names, so what it shows is always rendered by the same views and templates.

- ``inbox``: a conversation of the account was created or changed (lists refresh);
- ``c-<conversation id>``: a message of that conversation, or the conversation itself,
  changed (its open views refresh thread and header);
- ``presence``: a colleague's presence changed;
- ``notify``: something for this user alone (``{"kind", "conversation_id", "text"}``):
  a conversation assigned to them, a customer reply in one of theirs, a whisper or an
  @mention; the page shows a desktop notification and counts it in the tab title;
- ``resync``: the stream may have missed events (a reconnect with ``Last-Event-ID``,
  or this subscriber fell behind): every live fragment refetches.

Each event's data is a small JSON object (ids and the new delivery state) so
other clients and tests can read it; the event id is the change's resume token.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from sse_starlette.event import ServerSentEvent
from sse_starlette.sse import EventSourceResponse
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.models import Conversation, User
from hub.pipeline.realtime import Event
from hub.pipeline.services import Hub
from hub.tenants.auth import session_user

KEEPALIVE_SECONDS = 15
#: ``retry:`` sent to browsers: reconnect one second after a dropped connection.
RETRY_MS = 1000


def _for_inbox(event: Event) -> bool:
    return event.type.split(".")[0] in ("message", "conversation", "user", "notification")


@dataclass
class Personal:
    """What one user's stream tells them alone; ``mine`` is their open conversations."""

    user_id: str
    mine: set[str] = field(default_factory=set)

    def notices(self, event: Event) -> list[tuple[str, dict[str, Any]]]:
        data, kind = event.data, event.type.split(".")[0]
        if kind == "notification":
            if data.get("user_id") != self.user_id:
                return []
            return [("notify", _notice(data.get("kind"), data.get("conversation_id"), data))]
        if kind == "conversation":
            return self._conversation(event)
        if event.type == "message.created" and data.get("direction") == "in":
            conv = str(data.get("conversation_id"))
            if conv in self.mine and not data.get("automated"):
                return [("notify", _notice("reply", conv, {"text": data.get("text") or ""}))]
        return []

    def _conversation(self, event: Event) -> list[tuple[str, dict[str, Any]]]:
        data = event.data
        conv = str(data.get("_id"))
        ours = data.get("assignee_id") == self.user_id and data.get("status") != "resolved"
        if not ours:
            self.mine.discard(conv)
            return []
        new = conv not in self.mine
        self.mine.add(conv)
        assigned_now = event.type == "conversation.created" or "assignee_id" in event.changed
        if new and assigned_now:
            text = data.get("contact_name") or data.get("last_message_preview") or ""
            return [("notify", _notice("assigned", conv, {"text": text}))]
        return []


def _notice(kind: Any, conversation_id: Any, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": str(kind),
        "conversation_id": str(conversation_id) if conversation_id else None,
        "text": str(data.get("text") or "")[:140],
        "by": data.get("by"),
    }


async def _my_open(user: User) -> set[str]:
    """Ids of the open conversations assigned to ``user`` (bounded by their capacity)."""
    found = (
        Conversation.get_pymongo_collection()
        .find(
            {"account_id": user.account_id, "assignee_id": str(user.id), "status": "open"},
            {"_id": 1},
        )
        .limit(500)
    )
    return {str(doc["_id"]) async for doc in found}


def signals(event: Event) -> list[tuple[str, dict[str, Any]]]:
    """The SSE events (name, data) one database change becomes."""
    data = event.data
    kind = event.type.split(".")[0]
    if kind == "notification":
        return []  # personal: see Personal.notices
    if kind == "user":
        if event.type == "user.updated" and not {"presence", "active", "name"} & set(event.changed):
            return []  # last_seen_at and the like: nothing a colleague sees
        return [("presence", {"user_id": str(data.get("_id")), "presence": data.get("presence")})]
    if kind == "message":
        conv = str(data.get("conversation_id"))
        payload = {
            "message_id": str(data.get("_id")),
            "conversation_id": conv,
            "delivery": data.get("delivery"),
            "type": event.type,
        }
        return [(f"c-{conv}", payload)]
    conv = str(data.get("_id"))
    payload = {"conversation_id": conv, "type": event.type, "status": data.get("status")}
    return [("inbox", payload), (f"c-{conv}", payload)]


def _encoded(event: Event) -> bytes:
    """The event's signals as SSE bytes: made once per event, written to every stream."""
    return b"".join(
        ServerSentEvent(json.dumps(data), event=name, id=event.token).encode()
        for name, data in signals(event)
    )


async def stream(request: Request) -> Response:
    user = await session_user(request)
    if user is None:
        return JSONResponse({"error": {"code": "unauthorized", "message": "sign in"}}, 401)
    hub: Hub = request.app.state.hub
    sub = hub.realtime.subscribe(user.account_id, _for_inbox)
    personal = Personal(str(user.id), await _my_open(user))
    resumed = bool(request.headers.get("last-event-id"))

    async def events() -> AsyncIterator[dict[str, Any]]:
        hub.metrics.sse_subscribers.inc()
        try:
            yield {"event": "ready", "data": "{}", "retry": RETRY_MS}
            if resumed:  # events between the drop and now are not replayed: refetch instead
                yield {"event": "resync", "data": "{}"}
            while True:
                try:
                    event = await asyncio.wait_for(sub.get(), KEEPALIVE_SECONDS)
                except TimeoutError:
                    continue
                if sub.lagged:
                    sub.lagged = False
                    yield {"event": "resync", "data": "{}"}
                frames = event.once("inbox-sse", _encoded)  # shared by every stream
                if frames:
                    yield frames
                for name, data in personal.notices(event):  # this user's own
                    yield {"event": name, "id": event.token, "data": json.dumps(data)}
        finally:
            hub.metrics.sse_subscribers.dec()
            hub.realtime.unsubscribe(sub)

    return EventSourceResponse(events(), ping=KEEPALIVE_SECONDS)
