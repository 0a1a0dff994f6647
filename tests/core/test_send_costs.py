"""Sends are claimed and recorded in batches: the database commands of a burst of replies.

Ten replies wait in the outbox; the dispatcher claims them and a fast provider stand-in
takes them all. Before, each send cost its own claim (an ``update``), its own result
write (an ``update``), its own read of its conversation and of early reports (``find``);
now a batch of claims is one ``bulk_write``, one read of those won and one read of their
conversations, and the results of sends that finish together are one ``bulk_write`` and
one read of early reports. Counted with pymongo's command
monitoring as ``test_round_trips`` counts.
"""

from __future__ import annotations

import asyncio
import json

import httpx
from pytest_httpx import HTTPXMock

from hub.models import Message
from hub.pipeline.outbox import Dispatcher
from tests.conftest import Running, make_tenant
from tests.core.helpers import inbound_conversation
from tests.core.test_outbox import reply
from tests.core.test_round_trips import (  # noqa: F401  (fixtures)
    Commands,
    commands,
    connectors,
    counted,
    quiet,
    report,
)
from tests.fakes import TEST_API

SENDS = 10
#: ``update`` commands for the ten sends: one bulk claim, and the results' bulk writes (one
#: to three, as the sends finish together or not). 20 before (a claim and a result each).
BASELINE_WRITES = 4
#: Every command of the ten sends: the due read, the claims' write and read, one read of
#: their conversations, the results' writes and the early reports' reads (7 when the
#: sends finish together; up to two more result batches). 43 before (find 23, update 20:
#: a claim, a conversation read, a result and an early-report read per send).
BASELINE_TOTAL = 11


async def test_ten_sends_claim_and_record_in_batches(
    quiet: Running,  # noqa: F811
    commands: Commands,  # noqa: F811
    httpx_mock: HTTPXMock,
) -> None:
    hub, client = quiet.hub, quiet.client
    tenant = await make_tenant(hub)
    conversation = await inbound_conversation(client, tenant)
    queued = [await reply(hub, conversation, f"r{i}") for i in range(SENDS)]

    async def provider(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"sid": "p-" + json.loads(request.content)["id"]})

    httpx_mock.add_callback(provider, url=f"{TEST_API}/send", is_reusable=True)
    dispatcher = Dispatcher(hub, per_channel=SENDS)

    async def send_all() -> httpx.Response:
        await dispatcher.drain()
        await asyncio.gather(*list(dispatcher._inflight))
        return httpx.Response(200)

    try:
        await counted(commands, hub, send_all)
    finally:
        await dispatcher.stop()
    report(f"{SENDS} sends", commands, BASELINE_TOTAL)
    assert commands.counts["update"] <= BASELINE_WRITES, commands.counts
    assert commands.total() <= BASELINE_TOTAL, commands.counts
    for message in queued:  # every send recorded, each with its own provider id
        found = await Message.get(message.id)
        assert found is not None and found.delivery == "sent", found
        assert found.provider_message_id == f"p-{message.id}"
        assert found.outbox_due is None and found.attempts == 1
