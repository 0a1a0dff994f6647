"""The live stream: signals per account, a resync on reconnect, nothing from other accounts."""

from __future__ import annotations

import asyncio
from typing import Any

from hub.inbox.events import signals
from hub.models import Conversation, User
from hub.pipeline.realtime import Event
from tests.conftest import Running, Tenant
from tests.inbox.conftest import add_user, post_inbound, session_client


async def _read_stream(
    running: Running, cookie: str, until: str, headers: list[tuple[bytes, bytes]] | None = None,
    during: Any = None,
) -> str:  # fmt: skip
    """Run GET /inbox/events on the ASGI app until ``until`` appears in the body, then hang up."""
    received: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    body: list[str] = []
    done = asyncio.Event()
    scope = {
        "type": "http", "http_version": "1.1", "method": "GET", "path": "/inbox/events",
        "raw_path": b"/inbox/events", "query_string": b"", "scheme": "http", "root_path": "",
        "server": ("hub.test", 80), "client": ("127.0.0.1", 1234),
        "headers": [(b"host", b"hub.test"), (b"cookie", cookie.encode()), *(headers or [])],
    }  # fmt: skip
    await received.put({"type": "http.request", "body": b"", "more_body": False})

    async def receive() -> dict[str, Any]:
        if not received.empty():
            return await received.get()
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            body.append(message.get("body", b"").decode())
            if (
                "event: ready" in "".join(body)
                and during is not None
                and not getattr(send, "ran", False)
            ):
                send.ran = True  # type: ignore[attr-defined]
                asyncio.get_running_loop().create_task(during())
            if until in "".join(body):
                done.set()

    await asyncio.wait_for(running.app(scope, receive, send), timeout=10)
    return "".join(body)


def _cookie(running: Running, user: User) -> str:
    client = session_client(running, user)
    return f"parley_session={client.cookies['parley_session']}"


async def test_stream_signals_own_account_only(
    running: Running, tenant: Tenant, other_tenant: Tenant, agent: User
) -> None:
    async def traffic() -> None:
        await post_inbound(running.client, other_tenant, "g1", "+4599", "Globex", "Gina")
        await post_inbound(running.client, tenant, "a1", "+4511", "Acme", "Ann")

    text = await _read_stream(running, _cookie(running, agent), "event: c-", during=traffic)
    ours = await Conversation.find_one(Conversation.account_id == tenant.account.id)
    theirs = await Conversation.find_one(Conversation.account_id == other_tenant.account.id)
    assert ours is not None and theirs is not None
    assert f"c-{ours.id}" in text and str(theirs.id) not in text
    assert "retry: 1000" in text


async def test_reconnect_asks_for_a_resync(running: Running, agent: User) -> None:
    text = await _read_stream(
        running, _cookie(running, agent), "event: resync", headers=[(b"last-event-id", b"abc")]
    )
    assert text.index("event: ready") < text.index("event: resync")


def test_signals() -> None:
    conv = {"_id": "c1", "status": "open"}
    assert [n for n, _ in signals(Event("conversation.updated", None, conv))] == ["inbox", "c-c1"]
    message = {"_id": "m1", "conversation_id": "c1", "delivery": "delivered"}
    [(name, data)] = signals(Event("message.updated", None, message, changed=("delivery",)))
    assert name == "c-c1" and data["delivery"] == "delivered"
    user = {"_id": "u1", "presence": "away", "password_hash": "secret"}
    assert signals(Event("user.updated", None, user, changed=("last_seen_at",))) == []
    [(name, data)] = signals(Event("user.updated", None, user, changed=("presence",)))
    assert name == "presence" and data == {"user_id": "u1", "presence": "away"}


def test_an_event_is_serialized_once_for_every_stream() -> None:
    """Fan-out: the event goes only to its account's subscribers (a queue put each),
    and its SSE bytes are made once, however many streams write them."""
    from beanie import PydanticObjectId

    from hub.inbox.events import _encoded
    from hub.pipeline.realtime import Realtime
    from hub.store.changes import parse

    realtime = Realtime(None)  # type: ignore[arg-type]  # never started: _publish only
    ours, theirs = PydanticObjectId(), PydanticObjectId()
    streams = [realtime.subscribe(ours) for _ in range(3)]
    other = realtime.subscribe(theirs)
    worker = realtime.subscribe(None)
    doc = {"_id": PydanticObjectId(), "account_id": ours, "status": "open"}
    realtime._publish(
        parse({"ns": {"coll": "conversations"}, "operationType": "insert", "fullDocument": doc})
    )
    events = [s.queue.get_nowait() for s in streams]
    assert other.queue.empty() and worker.queue.qsize() == 1
    assert all(e is events[0] for e in events)
    made = []

    def counted(event: Event) -> bytes:
        made.append(event)
        return _encoded(event)

    frames = {e.once("inbox-sse", counted) for e in events}
    assert len(made) == 1 and len(frames) == 1
    [wire] = frames
    assert wire.count(b"event: ") == 2 and f"c-{doc['_id']}".encode() in wire
    realtime.unsubscribe(other)
    assert realtime.subscriber_count == 4


async def test_a_dashboard_user_never_gets_the_agents_stream(
    running: Running, tenant: Tenant
) -> None:
    """Roles on streams: the agents' stream carries conversation and message ids and delivery
    states; a dashboard user has the wallboard's stream only."""
    board = await add_user(tenant, "board@acme.test", "dashboard", "Wall Board")
    client = session_client(running, board)
    try:
        # Today's stream would never end for them: a bounded wait fails instead of hanging.
        r = await asyncio.wait_for(client.get("/inbox/events"), 5)
        assert r.status_code == 403, r.text
        assert "event:" not in r.text
    finally:
        await client.aclose()
