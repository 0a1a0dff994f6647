"""Small helpers shared by the core tests: posting signed webhooks and bounded waits."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx

from hub.models import Conversation, Message
from tests.conftest import Tenant
from tests.fakes import signed_headers, webhook_body

T = TypeVar("T")
#: Upper bound of every wait: long enough for a loaded 2-core machine, never asserted on.
WAIT_LIMIT = 30.0


async def post_webhook(
    client: httpx.AsyncClient,
    tenant: Tenant,
    messages: list[dict[str, Any]] | None = None,
    statuses: list[dict[str, Any]] | None = None,
) -> httpx.Response:
    body = webhook_body(messages, statuses)
    return await client.post(tenant.webhook, content=body, headers=signed_headers(body))


async def inbound_conversation(
    client: httpx.AsyncClient, tenant: Tenant, sender: str = "+4511111111", pid: str = "in-1"
) -> Conversation:
    """A conversation opened by one inbound message from ``sender``."""
    r = await post_webhook(client, tenant, [{"id": pid, "from": sender, "text": "hi"}])
    assert r.status_code == 200, r.text
    message = await Message.find_one(
        Message.channel_id == tenant.channel.id, Message.provider_message_id == pid
    )
    assert message is not None
    conversation = await Conversation.get(message.conversation_id)
    assert conversation is not None
    return conversation


async def wait_for(probe: Callable[[], Awaitable[T]], what: str, limit: float = WAIT_LIMIT) -> T:
    """Poll ``probe`` until it returns something truthy; fail after ``limit`` seconds."""
    deadline = time.monotonic() + limit
    while True:
        value = await probe()
        if value:
            return value
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        await asyncio.sleep(0.02)
