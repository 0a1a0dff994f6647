"""Idle inbox streams cost nothing per stream: database commands and writes, counted.

pymongo's command monitoring counts every command the app sends (the change stream's
own traffic aside, as in ``test_round_trips``) while an inbound message reaches 10 idle
inbox streams, and again while the next one reaches 100: the count must not grow with
the streams. A heartbeat period (``Liveness.renew``) is one command whatever the
number of streams and users. And an event that no stream shows (a user change no
colleague sees), or that concerns one user, writes nothing to the other streams.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Iterator
from typing import Any

import pytest
from beanie import PydanticObjectId
from pymongo import monitoring

from hub import db
from hub.inbox import frames, rooms
from hub.inbox.events import RESYNC, rooms_of
from hub.models import StreamLease, User
from hub.pipeline import outbound
from hub.pipeline.realtime import Event
from hub.settings import Settings
from hub.store import users
from hub.web import sse
from tests.conftest import Running, Tenant, make_tenant, start_app
from tests.fakes import EchoConnector
from tests.inbox.conftest import add_user, post_inbound, session_client

#: Commands while one inbound message (an existing conversation) reaches every stream.
#: Measured: find 2, insert 1, update 1 (the webhook's own); no command per stream.
BASELINE_EVENT = 4


class Commands(monitoring.CommandListener):
    """Counts every command while ``on``, except a change stream's (see test_round_trips)."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.on = False
        self._streams: set[int] = set()
        self._opening: set[int] = set()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        command, name = event.command, event.command_name
        if name == "aggregate" and any("$changeStream" in s for s in command.get("pipeline", [])):
            self._opening.add(event.request_id)
            return
        if name in ("getMore", "killCursors") and (
            command.get("getMore") in self._streams
            or set(command.get("cursors", [])) & self._streams
        ):
            return
        if self.on:
            self.counts[name] += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        if event.request_id in self._opening:
            self._opening.discard(event.request_id)
            cursor = event.reply.get("cursor", {}).get("id")
            if cursor:
                self._streams.add(cursor)

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        self._opening.discard(event.request_id)


@pytest.fixture
def commands(monkeypatch: pytest.MonkeyPatch) -> Iterator[Commands]:
    listener = Commands()
    original = db.AsyncMongoClient

    def client(*args: Any, **kwargs: Any) -> Any:
        return original(*args, event_listeners=[listener], **kwargs)

    monkeypatch.setattr(db, "AsyncMongoClient", client)
    yield listener


@pytest.fixture
async def quiet(settings: Settings, commands: Commands) -> AsyncIterator[Running]:
    """The app without its workers: only what the streams and the request do is counted."""
    async with outbound.guarded_client() as http:
        async for r in start_app(
            dataclasses.replace(settings, run_workers=False), {"test": EchoConnector}, http
        ):
            yield r


class Stream:
    """GET /inbox/events on the ASGI app, kept open; counts the ``inbox`` signals it got."""

    def __init__(self, running: Running, cookie: str) -> None:
        self.body = ""
        self.ready = asyncio.Event()
        self.changed = asyncio.Event()
        self._gone = asyncio.Event()
        scope = {
            "type": "http", "http_version": "1.1", "method": "GET", "path": "/inbox/events",
            "raw_path": b"/inbox/events", "query_string": b"", "scheme": "http",
            "root_path": "", "server": ("hub.test", 80), "client": ("127.0.0.1", 1234),
            "headers": [(b"host", b"hub.test"), (b"cookie", cookie.encode())],
        }  # fmt: skip
        self.task = asyncio.create_task(running.app(scope, self._receive, self._send))
        self._asked = False
        self.complete = False

    async def _receive(self) -> dict[str, Any]:
        if not self._asked:
            self._asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await self._gone.wait()
        return {"type": "http.disconnect"}

    async def _send(self, message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            self.body += message.get("body", b"").decode()
            if "event: ready" in self.body:
                self.ready.set()
            self.changed.set()
            if not message.get("more_body", False):
                self.complete = True
                self._gone.set()  # a server answers receive with a disconnect once a response is sent

    def signals(self, name: str) -> int:
        return self.body.splitlines().count(f"event: {name}")

    async def close(self) -> None:
        self._gone.set()
        await asyncio.wait_for(self.task, 10)


async def _open(running: Running, users: list[User], count: int) -> list[Stream]:
    cookies = []
    for user in users:
        async with session_client(running, user) as client:
            cookies.append(f"parley_session={client.cookies['parley_session']}")
    streams = [Stream(running, cookies[i % len(cookies)]) for i in range(count)]
    await asyncio.wait_for(asyncio.gather(*(s.ready.wait() for s in streams)), 20)
    return streams


def _reach_all(streams: list[Stream], name: str) -> Awaitable[object]:
    """Wait until every stream has had one more signal ``name`` than it has now."""

    async def one(stream: Stream, seen: int) -> None:
        while stream.signals(name) <= seen:
            stream.changed.clear()
            await stream.changed.wait()

    waiting = [one(s, s.signals(name)) for s in streams]
    return asyncio.wait_for(asyncio.gather(*waiting), 20)


async def _event_cost(
    running: Running, commands: Commands, tenant: Tenant, streams: list[Stream], n: int
) -> int:
    reached = _reach_all(streams, "inbox")
    commands.counts.clear()
    commands.on = True
    await post_inbound(running.client, tenant, f"m{n}", "+4520123456", f"hello {n}")
    await reached
    await running.hub.background.idle()
    commands.on = False
    total = sum(commands.counts.values())
    print(
        f"\nan inbound message reaching {len(streams)} streams: {total} commands {commands.counts}"
    )
    return total


async def test_an_event_costs_the_same_commands_for_10_and_100_streams(
    quiet: Running, commands: Commands
) -> None:
    tenant = await make_tenant(quiet.hub)
    users = [await add_user(tenant, f"agent{i}@acme.test") for i in range(5)]
    streams = await _open(quiet, users, 10)
    reached = _reach_all(streams, "inbox")
    await post_inbound(quiet.client, tenant, "m0", "+4520123456", "warm the caches")
    await reached
    ten = await _event_cost(quiet, commands, tenant, streams, 1)
    streams += await _open(quiet, users, 90)
    hundred = await _event_cost(quiet, commands, tenant, streams, 2)
    assert ten <= BASELINE_EVENT, commands.counts
    assert hundred <= ten, (ten, hundred)

    # one heartbeat period: one command for every stream and user of the process
    liveness = quiet.app.state.liveness
    assert liveness.streams == 100
    commands.counts.clear()
    commands.on = True
    await liveness.renew()
    commands.on = False
    assert sum(commands.counts.values()) == 1, commands.counts
    assert await StreamLease.find(StreamLease.process == liveness.process).count() == len(users)
    for stream in streams:
        await stream.close()
    assert liveness.streams == 0


async def test_streams_end_at_once_when_sessions_end_or_the_server_stops(
    quiet: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The room ends a stream by completing its response (no task of the stream's to wake):
    a user whose sessions end gets ``signed-out`` on each of their streams, and only they;
    when the server is stopping (uvicorn's flag, as ``sse.exiting`` reads it) every stream
    ends within the rooms' next look, and each request returns and leaves its room."""
    tenant = await make_tenant(quiet.hub)
    ann, bob = await add_user(tenant, "ann@acme.test"), await add_user(tenant, "bob@acme.test")
    streams = await _open(quiet, [ann, bob], 4)  # ann's: 0 and 2
    place = rooms_of(quiet.hub)
    assert ann.id is not None
    await users.end_sessions(tenant.account.id, ann.id)
    await asyncio.wait_for(asyncio.gather(streams[0].task, streams[2].task), 10)
    assert all(s.complete and s.signals("signed-out") == 1 for s in streams[0::2])
    assert not any(s.task.done() or s.signals("signed-out") for s in streams[1::2])
    assert len(place._rooms[tenant.account.id].listeners()) == 2

    monkeypatch.setattr(sse.AppStatus, "should_exit", True)
    await asyncio.wait_for(asyncio.gather(streams[1].task, streams[3].task), 10)
    assert all(s.complete and not s.signals("signed-out") for s in streams[1::2])
    assert tenant.account.id not in place._rooms and place._exit_check is None
    assert quiet.app.state.liveness.streams == 0


def _user(account: PydanticObjectId, name: str) -> User:
    """A user as the stream holds it (no database: built without Beanie's checks)."""
    return User.model_construct(
        account_id=account, email=f"{name}@acme.test", role="agent", id=PydanticObjectId()
    )


class Client:
    """A stream's ASGI ``send`` as the room sees it: each write recorded; ``hold`` makes
    the writes wait (a client that stopped reading) until ``release``."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.complete = False
        self._gate: asyncio.Event | None = None

    async def send(self, message: dict[str, Any]) -> None:
        if self._gate is not None:
            await self._gate.wait()
        self.writes.append(message.get("body", b""))
        self.complete = not message.get("more_body", False)

    def hold(self) -> None:
        self._gate = asyncio.Event()

    def release(self) -> None:
        assert self._gate is not None
        self._gate.set()
        self._gate = None


def _listener(user: User) -> rooms.Listener:
    return rooms.Listener(user, 0, sse.Outlet(Client().send, RESYNC))


def _client(listener: rooms.Listener) -> Client:
    send = listener.outlet._send
    assert isinstance(send.__self__, Client)  # type: ignore[attr-defined]
    return send.__self__  # type: ignore[attr-defined, no-any-return]


async def _drained(listener: rooms.Listener) -> None:
    """Wait until the task writing for a slow client is done."""
    busy = listener.outlet._busy
    assert busy is not None
    await asyncio.wait_for(busy, 5)
    assert not listener.outlet.busy


async def test_an_event_a_stream_does_not_need_costs_it_nothing() -> None:
    account = PydanticObjectId()
    users = [_user(account, f"u{i}") for i in range(10)]
    room = rooms.Room(account)
    listeners = [_listener(users[i % 10]) for i in range(100)]
    for listener in listeners:
        room.add(listener, set())
    unseen = Event("user.updated", account, {"_id": users[0].id}, changed=("last_seen_at",))
    room.deliver(unseen)
    assert all(_client(listener).writes == [] for listener in listeners)
    note = {"_id": PydanticObjectId(), "user_id": str(users[3].id), "kind": "mention"}
    room.deliver(Event("notification.created", account, note))
    told = [listener for listener in listeners if _client(listener).writes]
    assert told and all(listener.user is users[3] for listener in told)
    assert len(told) == 10
    seen = Event(
        "conversation.updated",
        account,
        {"_id": PydanticObjectId(), "status": "open", "updated_at": dt.datetime.now(dt.UTC)},
        changed=("status",),
    )
    room.deliver(seen)
    room.deliver(Event("message.created", account, {"_id": PydanticObjectId(), "conversation_id": seen.data["_id"]}))  # fmt: skip
    assert all(len(_client(listener).writes) in (0, 1) for listener in listeners)  # gathered
    await asyncio.sleep(rooms.COALESCE_SECONDS * 2)
    # the conversation's change and its message: one write on each stream
    assert all(len(_client(listener).writes) in (1, 2) for listener in listeners)
    chunk = _client(listeners[0]).writes[-1]
    assert chunk.count(b"event: c-") == 2, chunk
    # written once for all: every stream was handed the same bytes, not a copy each
    assert len({id(_client(listener).writes[-1]) for listener in listeners}) == 1


async def test_rooms_stop_listening_when_their_last_stream_leaves(quiet: Running) -> None:
    tenant = await make_tenant(quiet.hub)
    user = await add_user(tenant, "solo@acme.test")
    place = rooms_of(quiet.hub)
    listener = _listener(user)
    place.join(listener, set())
    assert tenant.account.id in quiet.hub.realtime._listeners
    place.leave(listener)
    assert tenant.account.id not in quiet.hub.realtime._listeners


def test_ending_a_users_sessions_reaches_their_streams_only() -> None:
    account = PydanticObjectId()
    ann, bob = _user(account, "ann"), _user(account, "bob")
    room = rooms.Room(account)
    listeners = [_listener(ann), _listener(ann), _listener(bob)]
    for listener in listeners:
        room.add(listener, set())
    doc = {"_id": ann.id, "session_version": 1, "active": True, "presence": "offline"}
    room.deliver(Event("user.updated", account, doc, changed=("session_version",)))
    for listener in listeners[:2]:  # the signed-out event, and the response completes
        assert _client(listener).writes == [b"event: signed-out\r\ndata: {}\r\n\r\n"]
        assert _client(listener).complete and listener.ended
    assert _client(listeners[2]).writes == [] and not listeners[2].ended


async def test_an_inbound_message_and_its_conversation_leave_as_one_write(
    quiet: Running,
) -> None:
    """The ingest touches the conversation first, then inserts the message: the room sees
    the conversation's change as one that records an inbound message (new conversation or
    not), and the message after it, so it holds the chunk for that message instead of
    writing every stream twice."""
    tenant = await make_tenant(quiet.hub)
    async with quiet.hub.realtime.subscription(tenant.account.id) as seen:
        for n in range(2):  # a new conversation, then a message in it
            await post_inbound(quiet.client, tenant, f"in{n}", "+4520123456", f"hi {n}")
            kinds = []
            async with asyncio.timeout(10):
                while (event := await seen.get()).type != "message.created":
                    if event.type.startswith("conversation."):
                        kinds.append((event.type, frames.records_inbound(event)))
            assert kinds and kinds[0][1], kinds  # announced before the message arrived

    account = PydanticObjectId()
    room = rooms.Room(account)
    listeners = [_listener(_user(account, f"u{i}")) for i in range(3)]
    for listener in listeners:
        room.add(listener, set())
    conv = PydanticObjectId()
    touched = Event(
        "conversation.updated", account, {"_id": conv, "status": "open"}, changed=("messages_in", "unread")
    )  # fmt: skip
    room.deliver(touched)
    await asyncio.sleep(rooms.COALESCE_SECONDS * 2)  # longer than a plain gathering
    assert all(_client(listener).writes == [] for listener in listeners)
    room.deliver(Event("message.created", account, {"_id": PydanticObjectId(), "conversation_id": conv}))  # fmt: skip
    for listener in listeners:  # written at once, both signals in one write
        [chunk] = _client(listener).writes
        assert chunk.count(b"event: c-") == 2 and b"event: inbox" in chunk
    room.deliver(touched)  # a message that never comes (a duplicate): the chunk still leaves
    await asyncio.sleep(rooms.MESSAGE_WAIT_SECONDS * 2)
    assert all(len(_client(listener).writes) == 2 for listener in listeners)


async def test_a_slow_client_holds_only_its_own_stream() -> None:
    """A client that stops reading: the room's writes to the others go on at once; what
    comes for the slow one meanwhile leaves as one write when it drains; past the
    outlet's limit it is dropped and a resync goes first; the stream's end comes last."""
    account = PydanticObjectId()
    room = rooms.Room(account)
    slow, quick = _listener(_user(account, "slow")), _listener(_user(account, "quick"))
    for listener in (slow, quick):
        room.add(listener, set())
    _client(slow).hold()
    for n in range(3):
        room._pending.append(f"event: c-{n}\r\n\r\n".encode())
        room.flush()
    assert _client(quick).writes == [b"event: c-0\r\n\r\n", b"event: c-1\r\n\r\n", b"event: c-2\r\n\r\n"]  # fmt: skip
    assert _client(slow).writes == [] and slow.outlet.busy
    _client(slow).release()
    await _drained(slow)
    assert _client(slow).writes == [b"event: c-0\r\n\r\n", b"event: c-1\r\n\r\nevent: c-2\r\n\r\n"]  # fmt: skip

    _client(slow).hold()
    big = b"x" * (sse.WAITING_LIMIT // 2 + 1)
    for chunk in (b"first", big, big, b"late"):  # the second big one overflows: dropped
        slow.write(chunk)
    assert slow.outlet.lagged
    slow.end(rooms.CLOSING)
    _client(slow).release()
    await _drained(slow)
    assert _client(slow).writes[-2:] == [b"first", RESYNC + b"late"]
    assert _client(slow).complete and not _client(quick).complete


async def test_one_keep_alive_timer_pings_every_stream_of_a_room() -> None:
    """No ping task per stream: the room's one timer writes the shared ping to each idle
    stream (a stream still writing to its client is skipped), and stops with the room."""
    account = PydanticObjectId()
    room = rooms.Room(account)
    listeners = [_listener(_user(account, f"u{i}")) for i in range(3)]
    for listener in listeners:
        room.add(listener, set())
    _client(listeners[0]).hold()
    listeners[0].write(b"busy")
    room.keep_alive()
    assert [_client(listener).writes for listener in listeners] == [[], [rooms.PING], [rooms.PING]]
    assert room._keepalive is not None
    room.stop()
    assert room._keepalive is None
    _client(listeners[0]).release()
    await asyncio.sleep(0)
