"""The inbox's streams of one account on this process, and how an event reaches them.

A ``Room`` listens to the account's events once (``Realtime.listen``) and routes each
event once, whatever the number of streams:

- the signals every stream shows (``frames.encoded``) are serialized once, gathered for
  ``COALESCE_SECONDS`` (or until the inbound message a conversation change announced
  arrives: a message and its conversation's change become one chunk) and
  written to every stream's outlet (``hub.web.sse.Outlet``) from the room's own call:
  no queue and no task woken per stream; an event without such signals (a change of a
  user that no colleague sees, a notification for one person) touches no other stream;
- what concerns one user (a notification, an assignment, a reply in their conversation,
  a whisper, a take-over, a breach alert, the end of their sessions) is worked out once
  per user concerned, from the event's ids, encoded once and written to that user's
  streams only.

Each user's open conversations (``frames.Personal``) are kept once per user, with the
reverse map from a conversation to the user it is assigned to, so a reply finds the
one user to tell without asking every stream.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass

from beanie import PydanticObjectId
from sse_starlette.event import ServerSentEvent

from hub.inbox import frames
from hub.models import User
from hub.pipeline.realtime import Event, Realtime
from hub.tenants.auth import has_role
from hub.web import sse

#: Shared signals arriving within this many seconds go to every stream as one chunk: a
#: message and its conversation's change come as two change events a few ms apart, and
#: each chunk costs every stream a socket write (the fan-out's cost).
COALESCE_SECONDS = 0.01
#: A conversation change that records an inbound message (``frames.records_inbound``) is
#: followed by that message's insert (``hub.pipeline.ingest``: the conversation is touched
#: first): the chunk waits for the message, at most this long, so the two leave together
#: and each stream costs one write per inbound message, not two.
MESSAGE_WAIT_SECONDS = 0.1
#: A keep-alive comment on every stream of a room this often (one timer per room, not
#: a ping task per stream); skipped when the room wrote to all its streams meanwhile.
KEEPALIVE_SECONDS = 15.0
#: How often the rooms look whether the server is stopping (``sse.exiting``): streams
#: end at once on SIGTERM instead of waiting for the server's graceful timeout.
EXIT_CHECK_SECONDS = 0.25
PING = b": ping\r\n\r\n"
SIGNED_OUT = "signed-out"
CLOSING = "closing"
#: The last bytes of a stream that ends for each reason.
LAST = {SIGNED_OUT: ServerSentEvent("{}", event="signed-out").encode(), CLOSING: b""}


@dataclass(eq=False)
class Listener:
    """One open inbox stream: its user and where its bytes go."""

    user: User
    session_version: int
    outlet: sse.Outlet

    def write(self, data: bytes) -> None:
        self.outlet.write(data)

    def end(self, reason: str) -> None:
        """End the stream (``SIGNED_OUT`` or ``CLOSING``), after what it waits to send."""
        self.outlet.end(LAST[reason])

    @property
    def ended(self) -> bool:
        return self.outlet.ended

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
        #: Conversations whose change is gathered and whose inbound message is on its way.
        self._expecting: set[str] = set()
        self._flush: asyncio.TimerHandle | None = None
        self._keepalive: asyncio.TimerHandle | None = None
        #: When the room last wrote to all its streams (``loop.time()``).
        self._wrote_all = 0.0

    def keep_alive(self) -> None:
        """Ping every stream of the room, and again in ``KEEPALIVE_SECONDS``."""
        loop = asyncio.get_running_loop()
        if loop.time() - self._wrote_all >= KEEPALIVE_SECONDS / 2:
            for listener in self.listeners():
                if not listener.outlet.busy:  # one still writing to its client is alive
                    listener.write(PING)
        self._keepalive = loop.call_later(KEEPALIVE_SECONDS, self.keep_alive)

    def listeners(self) -> list[Listener]:
        return [listener for streams in self.by_user.values() for listener in streams]

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
            self._gather(event, shared)
        personal = self._personal(event)
        if personal:
            self.flush()  # the shared signals before this user's own, in order
        for uid, own in personal.items():
            for listener in self.by_user.get(uid, ()):
                listener.write(own)

    def _gather(self, event: Event, shared: bytes) -> None:
        """Keep ``shared`` for the next chunk, and choose when that chunk leaves: in
        ``COALESCE_SECONDS``; or, after a conversation change that records an inbound
        message, as soon as that message arrives (``MESSAGE_WAIT_SECONDS`` at most)."""
        self._pending.append(shared)
        loop = asyncio.get_running_loop()
        if frames.records_inbound(event):
            self._expecting.add(str(event.data.get("_id")))
            deadline = loop.time() + MESSAGE_WAIT_SECONDS
            if self._flush is None or self._flush.when() < deadline:
                if self._flush is not None:
                    self._flush.cancel()
                self._flush = loop.call_at(deadline, self.flush)
        elif (
            event.type == "message.created"
            and str(event.data.get("conversation_id")) in self._expecting
        ):
            self.flush()  # the message and its conversation's change: one chunk, now
        if self._pending and self._flush is None:
            self._flush = loop.call_later(COALESCE_SECONDS, self.flush)

    def flush(self) -> None:
        """Write the shared signals gathered so far to every stream, as one chunk."""
        self._expecting.clear()
        if self._flush is not None:
            self._flush.cancel()
            self._flush = None
        if not self._pending:
            return
        chunk = b"".join(self._pending)
        self._pending.clear()
        for streams in self.by_user.values():
            for listener in streams:
                listener.outlet.write(chunk)
        self._wrote_all = asyncio.get_running_loop().time()

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

    def _personal(self, event: Event) -> dict[str, bytes]:
        """Each concerned user's own SSE events, worked out and encoded once per user."""
        found: dict[str, bytes] = {}
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
                found[uid] = b"".join(
                    ServerSentEvent(json.dumps(data), event=name, id=event.token).encode()
                    for name, data in own
                )
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
        self._exit_check: asyncio.TimerHandle | None = None

    def join(self, listener: Listener, mine: set[str]) -> Room:
        account_id = listener.user.account_id
        room = self._rooms.get(account_id)
        loop = asyncio.get_running_loop()
        if room is None:
            room = self._rooms[account_id] = Room(account_id)
            self.realtime.listen(account_id, room.deliver)
            room._keepalive = loop.call_later(KEEPALIVE_SECONDS, room.keep_alive)
        if self._exit_check is None:
            self._exit_check = loop.call_later(EXIT_CHECK_SECONDS, self._check_exit)
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
        if not self._rooms and self._exit_check is not None:
            self._exit_check.cancel()
            self._exit_check = None

    def _check_exit(self) -> None:
        """While streams are open: end them all as soon as the server is stopping."""
        if sse.exiting():
            self._exit_check = None
            self.close_all()
            return
        loop = asyncio.get_running_loop()
        self._exit_check = loop.call_later(EXIT_CHECK_SECONDS, self._check_exit)

    def close_all(self) -> None:
        """End every stream (the process is stopping): each response completes now."""
        for room in list(self._rooms.values()):
            room.stop()
            for listener in room.listeners():
                listener.end(CLOSING)
