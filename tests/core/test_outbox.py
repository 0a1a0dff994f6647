"""The outbox dispatcher: leases, takeover, no double sends, retries, failures, wake-ups.

The app here runs no dispatcher of its own (``run_workers=False``): each test
starts the dispatchers it needs, so it knows exactly who sends what. The
provider is the test connector's ``/send`` stubbed with pytest-httpx; its call
count is the number of sends.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
from collections import Counter
from collections.abc import AsyncIterator

import httpx
import pytest
from pytest_httpx import HTTPXMock

from hub.models import Conversation, Message, Sender
from hub.pipeline import delivery, dispatcher, outbox
from hub.pipeline.outbox import Dispatcher
from hub.pipeline.services import Hub
from hub.settings import Settings
from tests.conftest import Tenant
from tests.core.helpers import inbound_conversation, wait_for
from tests.fakes import TEST_API

SEND_URL = f"{TEST_API}/send"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # A long lease: a dispatcher never wakes for a lease end during a test, only for work.
    return dataclasses.replace(
        settings, run_workers=False, outbox_max_attempts=3, outbox_lease_seconds=300
    )


@pytest.fixture
async def conversation(client: httpx.AsyncClient, tenant: Tenant) -> Conversation:
    return await inbound_conversation(client, tenant)


@pytest.fixture
async def dispatchers(hub: Hub) -> AsyncIterator[list[Dispatcher]]:
    """Dispatchers a test creates; all stopped at the end."""
    made: list[Dispatcher] = []
    yield made
    for d in made:
        await d.stop()


def new_dispatcher(hub: Hub, made: list[Dispatcher], lease: float | None = None) -> Dispatcher:
    d = Dispatcher(hub)
    if lease is not None:
        d.lease = dt.timedelta(seconds=lease)
    made.append(d)
    return d


async def reply(hub: Hub, conversation: Conversation, text: str = "hello") -> Message:
    return await outbox.enqueue(hub, conversation, text=text, sender=Sender(type="agent"))


async def settled(message: Message, *states: str) -> Message:
    """Wait until the message reaches one of ``states``; returns it."""

    async def probe() -> Message | None:
        found = await Message.get(message.id)
        return found if found is not None and found.delivery in states else None

    return await wait_for(probe, f"{message.id} to become {states}")


def sends_of(httpx_mock: HTTPXMock) -> Counter[str]:
    return Counter(json.loads(r.content)["id"] for r in httpx_mock.get_requests(url=SEND_URL))


async def test_expired_lease_is_taken_over(
    hub: Hub, conversation: Conversation, dispatchers: list[Dispatcher], httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(url=SEND_URL, json={"sid": "p-takeover"})
    message = await reply(hub, conversation)
    dead = new_dispatcher(hub, dispatchers, lease=0.5)
    claimed = await dead.claim()  # ... and its process dies before sending
    assert claimed is not None and claimed.id == message.id and claimed.delivery == "sending"

    heir = new_dispatcher(hub, dispatchers)
    assert await heir.claim() is None  # the lease still holds

    async def taken() -> Message | None:
        return await heir.claim()

    retaken = await wait_for(taken, "the lease to expire")
    assert retaken.id == message.id and retaken.attempts == 2
    await heir.process(retaken)
    done = await Message.get(message.id)
    assert done is not None and done.delivery == "sent"
    assert done.provider_message_id == "p-takeover" and done.outbox_due is None
    # The dead sender's late verdict no longer counts: the claim is not its own.
    await dead._fail(claimed, "late", "stale claim")
    after = await Message.get(message.id)
    assert after is not None and after.delivery == "sent" and after.error is None
    assert sends_of(httpx_mock) == {str(message.id): 1}


async def test_two_dispatchers_never_send_twice(
    client: httpx.AsyncClient,
    hub: Hub,
    tenant: Tenant,
    dispatchers: list[Dispatcher],
    httpx_mock: HTTPXMock,
) -> None:
    conversations = [
        await inbound_conversation(client, tenant, f"+45400{i}", f"in-{i}") for i in range(4)
    ]
    queued = [await reply(hub, conversations[i % 4], f"m{i}") for i in range(40)]

    async def provider(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.005)  # a provider takes a moment: sends overlap
        return httpx.Response(200, json={"sid": "p-" + json.loads(request.content)["id"]})

    httpx_mock.add_callback(provider, url=SEND_URL, is_reusable=True)
    first, second = new_dispatcher(hub, dispatchers), new_dispatcher(hub, dispatchers)
    await asyncio.gather(first.start(), second.start())
    for message in queued:
        await settled(message, "sent")
    assert sends_of(httpx_mock) == {str(m.id): 1 for m in queued}
    owners = {d.owner for d in (first, second)}
    assert len(owners) == 2


async def test_retryable_errors_back_off_then_succeed(
    hub: Hub, conversation: Conversation, dispatchers: list[Dispatcher], httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(url=SEND_URL, status_code=503, text="busy")
    httpx_mock.add_response(url=SEND_URL, status_code=429, text="slow down")
    httpx_mock.add_response(url=SEND_URL, json={"sid": "p-third"})
    message = await reply(hub, conversation)
    await new_dispatcher(hub, dispatchers).start()
    done = await settled(message, "sent", "failed")
    assert done.delivery == "sent" and done.attempts == 3 and done.error is None
    assert done.provider_message_id == "p-third"
    assert sum(sends_of(httpx_mock).values()) == 3


async def test_retryable_errors_end_failed_after_the_limit(
    hub: Hub, conversation: Conversation, dispatchers: list[Dispatcher], httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(url=SEND_URL, status_code=503, text="down", is_reusable=True)
    message = await reply(hub, conversation)
    await new_dispatcher(hub, dispatchers).start()
    done = await settled(message, "sent", "failed")
    assert done.delivery == "failed" and done.attempts == 3
    assert done.error is not None and done.error.code == "503"
    assert "gave up after 3 attempts" in done.error.message
    assert done.outbox_due is None
    assert sum(sends_of(httpx_mock).values()) == 3


async def test_retry_waits_for_its_backoff(
    hub: Hub, conversation: Conversation, dispatchers: list[Dispatcher], httpx_mock: HTTPXMock
) -> None:
    """After a retryable error the message is queued again with a due time in the future."""
    httpx_mock.add_response(url=SEND_URL, status_code=500, text="oops")
    message = await reply(hub, conversation)
    d = new_dispatcher(hub, dispatchers)
    claimed = await d.claim()
    assert claimed is not None
    before = dt.datetime.now(dt.UTC)
    await d.process(claimed)
    again = await Message.get(message.id)
    assert again is not None and again.delivery == "queued"
    assert again.error is not None and again.error.code == "500"
    assert again.outbox_due is not None and again.outbox_due > before
    assert again.outbox_owner is None


async def test_permanent_error_ends_failed_with_code_and_text(
    hub: Hub, conversation: Conversation, dispatchers: list[Dispatcher], httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        url=SEND_URL, status_code=400, json={"code": 21211, "message": "not a valid number"}
    )
    message = await reply(hub, conversation)
    worker = new_dispatcher(hub, dispatchers)
    await worker.start()
    done = await settled(message, "sent", "failed")
    assert done.delivery == "failed" and done.attempts == 1
    assert done.error is not None
    assert (done.error.code, done.error.message) == ("21211", "not a valid number")
    assert sum(sends_of(httpx_mock).values()) == 1

    # The conversation carries the list's "not delivered" flag until the reply is retried.
    async def flagged() -> Conversation | None:  # written just after the message
        found = await Conversation.get(conversation.id)
        return found if found is not None and found.delivery_failed_at is not None else None

    await wait_for(flagged, "the conversation to carry the not-delivered flag")
    await worker.stop()  # a retry would call the provider again, which this test does not play
    assert await delivery.requeue(conversation.account_id, done.id)
    cleared = await Conversation.get(conversation.id)
    assert cleared is not None and cleared.delivery_failed_at is None


async def test_dispatcher_wakes_on_new_work(
    hub: Hub,
    conversation: Conversation,
    dispatchers: list[Dispatcher],
    httpx_mock: HTTPXMock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With an hour-long idle poll, only the change stream can wake the dispatcher."""
    monkeypatch.setattr(dispatcher, "IDLE_POLL", 3600.0)
    httpx_mock.add_response(url=SEND_URL, json={"sid": "p-1"})
    httpx_mock.add_response(url=SEND_URL, json={"sid": "p-2"})
    d = new_dispatcher(hub, dispatchers)
    await d.start()
    first = await reply(hub, conversation, "one")
    await settled(first, "sent")
    second = await reply(hub, conversation, "two")
    await settled(second, "sent")
    assert sends_of(httpx_mock) == {str(first.id): 1, str(second.id): 1}
