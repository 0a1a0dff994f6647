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
- ``callbacks``: a callback of the account was created or changed (the callback list refreshes);
- ``typing``: someone in the account is composing in a conversation (``{"conversation_id",
  "user_id", "name", "typing"}``; an agent's composer or the visitor, see ``hub.inbox.supervise``);
- ``notice``: for this user only: a supervisor whispered to them or took over their
  conversation (``{"text", "conversation_id"}``), shown in the page's alert area;
- ``signed-out``: the user's sessions were ended (deactivated, signed out elsewhere, new
  password); the page goes to the sign-in form and the stream ends;
- ``resync``: the stream may have missed events (a reconnect with ``Last-Event-ID``,
  or this subscriber fell behind): every live fragment refetches.

Each event's data is a small JSON object (ids and the new delivery state) so
other clients and tests can read it; the event id is the change's resume token.
"""

from __future__ import annotations

import weakref

from sse_starlette.event import ServerSentEvent
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.centre.routing.presence import Liveness
from hub.inbox import frames, rooms
from hub.inbox.frames import (
    SEEN_FIELDS,
    Frame,
    Notice,
    Notify,
    Personal,
    alert_for,
    notices,
    signals,
    typing_payload,
)
from hub.pipeline.realtime import Event, Realtime
from hub.pipeline.services import Hub
from hub.tenants.auth import has_role, session_user
from hub.web import sse

__all__ = [
    "SEEN_FIELDS",
    "Frame",
    "Notice",
    "Notify",
    "Personal",
    "alert_for",
    "notices",
    "signals",
    "stream",
    "typing_payload",
]
#: ``retry:`` sent to browsers: reconnect one second after a dropped connection.
RETRY_MS = 1000
RESYNC = ServerSentEvent("{}", event="resync").encode()
READY = ServerSentEvent("{}", event="ready", retry=RETRY_MS).encode()
_rooms: weakref.WeakKeyDictionary[Realtime, rooms.Rooms] = weakref.WeakKeyDictionary()


def rooms_of(hub: Hub) -> rooms.Rooms:
    """The process's inbox rooms (one per app's watcher)."""
    found = _rooms.get(hub.realtime)
    if found is None:
        found = _rooms[hub.realtime] = rooms.Rooms(hub.realtime)
    return found


def _encoded(event: Event) -> bytes:
    return frames.encoded(event)


async def stream(request: Request) -> Response | sse.EventStream:
    user = await session_user(request)
    if user is None:
        return JSONResponse({"error": {"code": "unauthorized", "message": "sign in"}}, 401)
    if not has_role(user, "agent"):  # a dashboard user has the wallboard's stream only
        message = "the agents' stream is not for this role; the wallboard has its own"
        return JSONResponse({"error": {"code": "forbidden", "message": message}}, 403)
    hub: Hub = request.app.state.hub
    liveness: Liveness = request.app.state.liveness
    version = int(request.session.get("sv", 0))
    mine = await frames.my_open(user)
    place = rooms_of(hub)
    joined: list[rooms.Listener] = []

    async def opened(outlet: sse.Outlet) -> None:
        listener = rooms.Listener(user, version, outlet)
        hub.metrics.sse_subscribers.inc()
        place.join(listener, mine)
        joined.append(listener)
        await liveness.opened(user)  # an agent with no stream goes offline in time

    async def closed() -> None:
        for listener in joined:
            hub.metrics.sse_subscribers.dec()
            place.leave(listener)
            await liveness.closed(user)

    # events between a drop and the reconnect are not replayed: the page refetches instead
    first = READY + RESYNC if request.headers.get("last-event-id") else READY
    # the room writes every event to the stream's outlet and pings it (rooms.KEEPALIVE_SECONDS)
    return sse.EventStream(first, opened, closed, resync=RESYNC)
