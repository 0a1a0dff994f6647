"""The inbox's streams of one account on this process, and how an event reaches them.

A ``Room`` listens to the account's events once (``Realtime.listen``) and routes each
event once, whatever the number of streams:

- the signals every stream shows (``frames.encoded``) are serialized once, gathered for
  ``COALESCE_SECONDS`` (a message and its conversation's change become one chunk) and
  put on the queue of each stream as one item; an event without such signals (a change of a user that no
  colleague sees, a notification for one person) touches no other stream;
- what concerns one user (a notification, an assignment, a reply in their conversation,
  a whisper, a take-over, a breach alert, the end of their sessions) is worked out once
  per user concerned, from the event's ids, and put on that user's streams only.

Each user's open conversations (``frames.Personal``) are kept once per user, with the
reverse map from a conversation to the user it is assigned to, so a reply finds the
one user to tell without asking every stream.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field

from beanie import PydanticObjectId
from sse_starlette.event import ServerSentEvent

from hub.inbox import frames
from hub.models import User
from hub.pipeline.realtime import Event, Realtime
from hub.tenants.auth import has_role

QUEUE_SIZE = 1000
#: Shared signals arriving within this many seconds go to every stream as one chunk: a
#: message and its conversation's change come as two change events a few ms apart, and
#: each chunk costs every stream a wake-up and a socket write (the fan-out's cost).
COALESCE_SECONDS = 0.01
#: A keep-alive comment on every stream of a room this often (one timer per room, not
#: a ping task per stream: the response runs with sse-starlette's ping off).
KEEPALIVE_SECONDS = 15.0
PING = b": ping\r\n\r\n"
#: What a stream's queue holds: shared SSE bytes, a personal event, or its end
#: (``SIGNED_OUT``: the user's sessions ended; ``CLOSING``: the process is stopping).
Item = bytes | ServerSentEvent | str
SIGNED_OUT = "signed-out"
CLOSING = "closing"


@dataclass(eq=False)
class Listener:
    """One open inbox stream."""

    user: User
    session_version: int
    queue: asyncio.Queue[Item] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))
    #: It fell behind (its queue was full): the page refetches everything.
    lagged: bool = False
    ended: bool = False

    def put(self, item: Item) -> None:
        if self.ended:
            return
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            self.lagged = True

    def end(self, item: str) -> None:
        """End the stream with ``item`` (``SIGNED_OUT`` or ``CLOSING``), even when it lags."""
        if self.ended:
            return
        while self.queue.full():
            self.queue.get_nowait()
        self.queue.put_nowait(item)
        self.ended = True

    @property
    def user_id(self) -> str:
        return str(self.user.id)


class Room:
    """The inbox streams of one account on this process (see the module's docstring)."""

    def __init__(self, account_id: PydanticObjectId) -> None:
        self.account_id = account_id
        self.by_user: dict[str, set[Listener]] = {}
        self.personal: dict[str, frames.Personal] = {}
        #: conversation id -> the user it is assigned to (of the users with streams here)
        self.owner: dict[str, str] = {}
        self.supervisors: set[str] = set()
        self._pending: list[bytes] = []
        self._flush: asyncio.TimerHandle | None = None
        self._keepalive: asyncio.TimerHandle | None = None

    def keep_alive(self) -> None:
        """Ping every stream of the room, and again in ``KEEPALIVE_SECONDS``."""
        for streams in self.by_user.values():
            for listener in streams:
                if listener.queue.empty():  # a stream with something to send is alive
                    listener.put(PING)
        loop = asyncio.get_running_loop()
        self._keepalive = loop.call_later(KEEPALIVE_SECONDS, self.keep_alive)

    def stop(self) -> None:
        """The room is left: its timers end (what was gathered goes out first)."""
        self.flush()
        if self._keepalive is not None:
            self._keepalive.cancel()
            self._keepalive = None

    @property
    def empty(self) -> bool:
        return not self.by_user

    def add(self, listener: Listener, mine: set[str]) -> None:
        uid = listener.user_id
        self.by_user.setdefault(uid, set()).add(listener)
        if uid not in self.personal:
            self.personal[uid] = frames.Personal(uid, set(mine))
            for conv in mine:
                self.owner[conv] = uid
        if has_role(listener.user, "supervisor"):
            self.supervisors.add(uid)

    def remove(self, listener: Listener) -> None:
        uid = listener.user_id
        streams = self.by_user.get(uid)
        if streams is None:
            return
        streams.discard(listener)
        if not streams:
            del self.by_user[uid]
            self.supervisors.discard(uid)
            personal = self.personal.pop(uid, None)
            for conv in personal.mine if personal else ():
                if self.owner.get(conv) == uid:
                    del self.owner[conv]

    def deliver(self, event: Event) -> None:
        """Route one event (called by the watcher, once per event of the account)."""
        if not frames.for_inbox(event):
            return
        if event.type.startswith("user."):
            self._sessions(event)
        shared = frames.encoded(event)
        if shared:
            self._pending.append(shared)
            if self._flush is None:
                loop = asyncio.get_running_loop()
                self._flush = loop.call_later(COALESCE_SECONDS, self.flush)
        personal = self._personal(event)
        if personal:
            self.flush()  # the shared signals before this user's own, in order
        for uid, items in personal.items():
            for listener in self.by_user.get(uid, ()):
                for item in items:
                    listener.put(item)

    def flush(self) -> None:
        """Put the shared signals gathered so far on every stream, as one chunk."""
        if self._flush is not None:
            self._flush.cancel()
            self._flush = None
        if not self._pending:
            return
        chunk = b"".join(self._pending)
        self._pending.clear()
        for streams in self.by_user.values():
            for listener in streams:
                listener.put(chunk)

    def _sessions(self, event: Event) -> None:
        uid = str(event.data.get("_id"))
        for listener in self.by_user.get(uid, ()):
            if frames.ends_session(event, uid, listener.session_version):
                listener.end(SIGNED_OUT)

    def _concerned(self, event: Event) -> set[str]:
        """The users (with streams here) whom the event may tell something of their own."""
        data, kind = event.data, event.type.split(".")[0]
        found: set[str] = set()
        if kind == "notification":
            found.add(str(data.get("user_id")))
        elif kind == "conversation":
            found.add(str(data.get("assignee_id")))
            owner = self.owner.get(str(data.get("_id")))
            if owner:
                found.add(owner)
            if "sla_breached_at" in event.changed:
                found |= self.supervisors
        elif event.type == "message.created":
            meta = frames._map(data.get("metadata"))
            found |= {str(meta.get("whisper_to")), str(meta.get("taken_from"))}
            owner = self.owner.get(str(data.get("conversation_id")))
            if owner:
                found.add(owner)
        return found & self.by_user.keys()

    def _personal(self, event: Event) -> dict[str, list[Item]]:
        """Each concerned user's own SSE events, worked out once per user."""
        found: dict[str, list[Item]] = {}
        alerts = [(n, d) for n, d in frames.signals(event) if n in frames.PERSONAL]
        for uid in self._concerned(event):
            personal = self.personal[uid]
            user = next(iter(self.by_user[uid])).user
            own: list[tuple[str, frames.Frame]] = [
                *[(n, d) for n, d in alerts if frames.alert_for(user, n, d)],
                *personal.notices(event),
                *frames.notices(event, uid),
            ]
            self._track(event, uid, personal)
            if own:
                found[uid] = [
                    ServerSentEvent(json.dumps(data), event=name, id=event.token)
                    for name, data in own
                ]
        return found

    def _track(self, event: Event, uid: str, personal: frames.Personal) -> None:
        """Keep ``owner`` in step with the user's open conversations after a change."""
        if not event.type.startswith("conversation."):
            return
        conv = str(event.data.get("_id"))
        if conv in personal.mine:
            self.owner[conv] = uid
        elif self.owner.get(conv) == uid:
            del self.owner[conv]


class Rooms:
    """The rooms of one process, by account; a room listens while it has streams."""

    def __init__(self, realtime: Realtime) -> None:
        self.realtime = realtime
        self._rooms: dict[PydanticObjectId, Room] = {}

    def join(self, listener: Listener, mine: set[str]) -> Room:
        account_id = listener.user.account_id
        room = self._rooms.get(account_id)
        if room is None:
            room = self._rooms[account_id] = Room(account_id)
            self.realtime.listen(account_id, room.deliver)
            loop = asyncio.get_running_loop()
            room._keepalive = loop.call_later(KEEPALIVE_SECONDS, room.keep_alive)
        room.add(listener, mine)
        return room

    def leave(self, listener: Listener) -> None:
        account_id = listener.user.account_id
        room = self._rooms.get(account_id)
        if room is None:
            return
        room.remove(listener)
        if room.empty:
            room.stop()
            self.realtime.unlisten(account_id, room.deliver)
            del self._rooms[account_id]

    def close_all(self) -> None:
        """End every stream (the process is stopping): each one's loop sees ``ended``."""
        for room in self._rooms.values():
            room.stop()
            for streams in room.by_user.values():
                for listener in streams:
                    listener.end(CLOSING)
