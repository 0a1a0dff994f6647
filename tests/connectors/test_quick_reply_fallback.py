"""The one text fallback for quick replies (hub.outbox) and its way back (hub.ingest).

Driven through the test connector, which has no buttons: the fallback lives in the
hub, not in any connector.
"""

from __future__ import annotations

import json

import httpx
from pytest_httpx import HTTPXMock

from hub.contract import QuickReply
from hub.models import Conversation, Message, Sender
from hub.pipeline import outbox
from hub.pipeline.services import Hub
from tests.conftest import Tenant
from tests.connectors.conformance import wait_delivery
from tests.fakes import TEST_API, signed_headers, webhook_body

OPTIONS = [
    QuickReply(title="Track my order", payload="track"),
    QuickReply(title="Talk to a person", payload="human"),
]


async def write(client: httpx.AsyncClient, tenant: Tenant, sid: str, text: str) -> Message:
    body = webhook_body([{"id": sid, "from": "+4520123456", "text": text}])
    assert (
        await client.post(tenant.webhook, content=body, headers=signed_headers(body))
    ).is_success
    stored = await Message.find_one(Message.provider_message_id == sid)
    assert stored is not None
    return stored


async def test_numbered_options_out_and_number_back_as_payload(
    client: httpx.AsyncClient, hub: Hub, tenant: Tenant, httpx_mock: HTTPXMock
) -> None:
    await write(client, tenant, "in1", "hi")
    conversation = await Conversation.find_one(Conversation.channel_id == tenant.channel.id)
    assert conversation is not None
    httpx_mock.add_response(url=f"{TEST_API}/send", method="POST", json={"sid": "out1"})
    reply = await outbox.enqueue(
        hub, conversation, text="How can we help?", sender=Sender(type="bot"), quick_replies=OPTIONS
    )
    await wait_delivery(reply.id)  # type: ignore[arg-type]
    sent = json.loads(httpx_mock.get_requests(url=f"{TEST_API}/send")[0].content)
    assert sent["text"] == "How can we help?\n\n1. Track my order\n2. Talk to a person"
    stored = await Message.get(reply.id)
    assert stored is not None and stored.text == "How can we help?"  # kept as written
    assert (await write(client, tenant, "in2", "2")).payload == "human"
    assert (await write(client, tenant, "in3", "1.")).payload == "track"
    assert (await write(client, tenant, "in4", "0")).payload is None
    assert (await write(client, tenant, "in5", "2 please")).payload is None


async def test_only_the_latest_outbound_message_counts(
    client: httpx.AsyncClient, hub: Hub, tenant: Tenant, httpx_mock: HTTPXMock
) -> None:
    await write(client, tenant, "in1", "hi")
    conversation = await Conversation.find_one(Conversation.channel_id == tenant.channel.id)
    assert conversation is not None
    httpx_mock.add_response(url=f"{TEST_API}/send", method="POST", json={"sid": "out1"})
    httpx_mock.add_response(url=f"{TEST_API}/send", method="POST", json={"sid": "out2"})
    first = await outbox.enqueue(
        hub, conversation, text="Pick one", sender=Sender(type="bot"), quick_replies=OPTIONS
    )
    await wait_delivery(first.id)  # type: ignore[arg-type]
    second = await outbox.enqueue(
        hub, conversation, text="Or just tell us", sender=Sender(type="agent")
    )
    await wait_delivery(second.id)  # type: ignore[arg-type]
    assert (await write(client, tenant, "in2", "1")).payload is None
