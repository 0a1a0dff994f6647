"""The dispatcher keeps up: batched claims, concurrent sends, a bound per channel, and a
slow provider that holds up only its own channel."""

from __future__ import annotations

import asyncio
import dataclasses
import json

import httpx
import pytest
from pytest_httpx import HTTPXMock

from hub.models import Message
from hub.pipeline.outbox import Dispatcher
from hub.pipeline.services import Hub
from hub.settings import Settings
from tests.conftest import Tenant, make_tenant
from tests.core.helpers import inbound_conversation, wait_for
from tests.core.test_outbox import reply
from tests.fakes import TEST_API

SLOW_API = "http://slow-provider.test"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, run_workers=False, outbox_lease_seconds=300)


async def test_a_slow_provider_holds_up_only_its_channel(
    client: httpx.AsyncClient, hub: Hub, tenant: Tenant, httpx_mock: HTTPXMock
) -> None:
    slow_tenant = await make_tenant(hub, "Slowco", config={"api_base_url": SLOW_API})
    fast = await inbound_conversation(client, tenant, "+4511000001", "f-1")
    slow = await inbound_conversation(client, slow_tenant, "+4511000002", "s-1")
    release = asyncio.Event()
    in_flight, most = 0, 0

    async def slow_provider(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        await release.wait()
        in_flight -= 1
        return httpx.Response(200, json={"sid": "slow-" + json.loads(request.content)["id"]})

    async def fast_provider(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"sid": "fast-" + json.loads(request.content)["id"]})

    httpx_mock.add_callback(slow_provider, url=f"{SLOW_API}/send", is_reusable=True)
    httpx_mock.add_callback(fast_provider, url=f"{TEST_API}/send", is_reusable=True)
    slow_replies = [await reply(hub, slow, f"s{i}") for i in range(12)]
    fast_replies = [await reply(hub, fast, f"f{i}") for i in range(6)]
    dispatcher = Dispatcher(hub, concurrency=16, per_channel=4)
    await dispatcher.start()
    try:

        async def fast_sent() -> bool:
            ids = [m.id for m in fast_replies]
            done = await Message.find({"_id": {"$in": ids}, "delivery": "sent"}).count()
            return done == len(ids)

        await wait_for(fast_sent, "the fast channel's replies, while the slow one hangs")
        assert most == 4  # the slow channel never had more than its share in flight
        release.set()

        async def slow_sent() -> bool:
            ids = [m.id for m in slow_replies]
            done = await Message.find({"_id": {"$in": ids}, "delivery": "sent"}).count()
            return done == len(ids)

        await wait_for(slow_sent, "the slow channel's replies once it answers")
        assert most == 4
    finally:
        release.set()
        await dispatcher.stop()


async def test_claims_come_in_batches_and_once(
    client: httpx.AsyncClient, hub: Hub, tenant: Tenant
) -> None:
    conversation = await inbound_conversation(client, tenant)
    queued = [await reply(hub, conversation, f"r{i}") for i in range(10)]
    first, second = Dispatcher(hub, per_channel=6), Dispatcher(hub, per_channel=6)
    a = await first.claim_many(10)
    b = await second.claim_many(10)
    assert len(a) == 6 and len(b) == 4  # each up to its channel bound, none twice
    assert {m.id for m in a}.isdisjoint({m.id for m in b})
    assert {m.id for m in a} | {m.id for m in b} == {m.id for m in queued}
    assert all(m.delivery == "sending" and m.attempts == 1 for m in a + b)
    assert await first.claim_many(10) == []


async def test_a_reply_stored_here_is_handed_over_within_the_bounds(
    client: httpx.AsyncClient, hub: Hub, tenant: Tenant, httpx_mock: HTTPXMock
) -> None:
    """With a running dispatcher in the process, a reply is stored leased to it and sent
    without a claim, while its channel has a free slot; past the channel's bound it is
    stored due and claimed as before. Each is sent once."""
    conversation = await inbound_conversation(client, tenant)
    release = asyncio.Event()
    calls: list[str] = []

    async def provider(request: httpx.Request) -> httpx.Response:
        calls.append(json.loads(request.content)["id"])
        await release.wait()
        return httpx.Response(200, json={"sid": "p-" + json.loads(request.content)["id"]})

    httpx_mock.add_callback(provider, url=f"{TEST_API}/send", is_reusable=True)
    dispatcher = Dispatcher(hub, concurrency=16, per_channel=2)
    await dispatcher.start()
    try:
        replies = [await reply(hub, conversation, f"h{i}") for i in range(3)]
        handed, due = replies[:2], replies[2]
        for message in handed:  # stored leased to this dispatcher: no claim to come
            assert message.outbox_owner == dispatcher.owner and message.attempts == 1
            assert message.delivery == "queued" and message.outbox_due is not None
        assert due.outbox_owner is None and due.attempts == 0  # the channel was full

        async def both_called() -> bool:
            return len(calls) >= 2

        await wait_for(both_called, "the handed-over replies at the provider")
        assert sorted(calls) == sorted(str(m.id) for m in handed)  # the bound holds
        release.set()

        async def all_sent() -> bool:
            ids = [m.id for m in replies]
            return await Message.find({"_id": {"$in": ids}, "delivery": "sent"}).count() == 3

        await wait_for(all_sent, "every reply sent")
        assert sorted(calls) == sorted(str(m.id) for m in replies)  # each once
        for message in replies:
            stored = await Message.get(message.id)
            assert stored is not None and stored.attempts == 1
            assert stored.provider_message_id == f"p-{message.id}"
            assert stored.outbox_owner is None and stored.outbox_due is None
    finally:
        release.set()
        await dispatcher.stop()
    assert hub.outbox_sender is None  # a stopped dispatcher is handed nothing
