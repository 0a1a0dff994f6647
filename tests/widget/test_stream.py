"""The visitor's SSE stream over real HTTP: live replies, typing, resume after a drop, isolation."""

from __future__ import annotations

import httpx

from hub.models import Conversation, Message, Sender
from hub.pipeline import outbox
from hub.pipeline.services import Hub
from tests.conftest import Running, Tenant
from tests.widget.conftest import SSEReader, chat_tenant, serve, visitor
from webchat_widget import indicators


async def _conversation(tenant: Tenant) -> Conversation:
    found = await Conversation.find_one(Conversation.account_id == tenant.account.id)
    assert found is not None
    return found


async def test_stream_live_typing_and_resume(running: Running, chat: Tenant) -> None:
    hub: Hub = running.hub
    v = await visitor(running.client, chat)
    first = (await v.say("Hi, is the blue one in stock?", "key-00000001")).json()
    conversation = await _conversation(chat)
    async with serve(running.app) as base, httpx.AsyncClient(base_url=base, timeout=30) as http:
        url = f"/widget/v1/events?ticket={await v.ticket()}"
        async with http.stream("GET", url) as response:
            assert response.status_code == 200
            events = SSEReader(response)
            assert (await events.next())["event"] == "ready"
            replayed = await events.next()
            assert replayed["id"] == first["id"] and replayed["data"]["text"].startswith("Hi,")
            assert (await events.next())["event"] == "caught_up"
            await indicators.set_typing(
                hub.database,
                account_id=chat.account.id,
                conversation_id=conversation.id,  # type: ignore[arg-type]
                side="agent",
                typing=True,
                name="Alex",
            )
            typed = await events.until("typing")
            assert typed["data"] == {"typing": True, "name": "Alex"}
            await outbox.enqueue(
                hub, conversation, text="Private note", sender=Sender(type="agent"), private=True
            )
            reply = await outbox.enqueue(
                hub, conversation, text="Yes, two left.", sender=Sender(type="agent", name="Alex")
            )
            live = await events.until("message")
            assert live["id"] == str(reply.id) and live["data"]["sender_name"] == "Alex"
        # Dropped: what is stored meanwhile comes on the next connection, after the last id.
        missed = [
            await outbox.enqueue(hub, conversation, text=f"missed {i}", sender=Sender(type="agent"))
            for i in range(3)
        ]
        async with http.stream("GET", url, headers={"Last-Event-ID": str(reply.id)}) as response:
            events = SSEReader(response)
            assert (await events.next())["event"] == "ready"
            got = [await events.next() for _ in range(4)]
            assert [e.get("id") for e in got[:3]] == [str(m.id) for m in missed]
            assert got[3]["event"] == "caught_up"


async def test_stream_sees_only_own_conversation(running: Running, chat: Tenant) -> None:
    hub: Hub = running.hub
    other = await chat_tenant(hub, "Globex")
    mine = await visitor(running.client, chat)
    neighbour = await visitor(running.client, chat)
    stranger = await visitor(running.client, other)
    await neighbour.say("neighbour's question", "key-00000001")
    await stranger.say("stranger's question", "key-00000001")
    async with serve(running.app) as base, httpx.AsyncClient(base_url=base, timeout=30) as http:
        url = f"/widget/v1/events?ticket={await mine.ticket()}"
        async with http.stream("GET", url) as response:
            events = SSEReader(response)
            assert (await events.next())["event"] == "ready"
            assert (await events.next())["event"] == "caught_up"
            for tenant in (chat, other):
                conv = await _conversation(tenant)
                await outbox.enqueue(hub, conv, text="not for you", sender=Sender(type="agent"))
            await mine.say("my own question", "key-00000002")
            event = await events.until("message")
            assert event["data"]["text"] == "my own question"
            own = await Message.get(event["id"])
            assert own is not None
            mine_conv = await Conversation.get(own.conversation_id)
            assert mine_conv is not None
            reply = await outbox.enqueue(
                hub, mine_conv, text="for you", sender=Sender(type="agent")
            )
            event = await events.until("message")
            assert event["id"] == str(reply.id) and event["data"]["text"] == "for you"
        assert (await http.get("/widget/v1/events?ticket=forged")).status_code == 401
        # The long-lived token never travels in a URL: it is refused there.
        assert (await http.get(f"/widget/v1/events?ticket={mine.token}")).status_code == 401
        assert (await http.get(f"/widget/v1/events?token={mine.token}")).status_code == 401
