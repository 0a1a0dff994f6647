"""The hub starts, stores a signed webhook, and answers the documented errors."""

from __future__ import annotations

import asyncio

import httpx

from hub.models import Conversation, Message
from tests.conftest import Tenant
from tests.fakes import signed_headers, webhook_body


async def test_health(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    assert (await client.get("/readyz")).json() == {"status": "ready"}
    metrics = (await client.get("/metrics")).text
    assert "parley_messages_in_total" in metrics


async def test_webhook_stores_message(client: httpx.AsyncClient, tenant: Tenant) -> None:
    body = webhook_body([{"id": "m1", "from": "+4511111111", "name": "Ann", "text": "Hello"}])
    r = await client.post(tenant.webhook, content=body, headers=signed_headers(body))
    assert r.status_code == 200, r.text
    messages = await Message.find(Message.account_id == tenant.account.id).to_list()
    assert [m.text for m in messages] == ["Hello"]
    conv = await Conversation.get(messages[0].conversation_id)
    assert conv is not None and conv.contact_name == "Ann" and conv.unread == 1
    assert conv.contact_id is not None


async def test_webhook_errors(client: httpx.AsyncClient, tenant: Tenant) -> None:
    body = webhook_body([{"id": "m1", "from": "+45", "text": "x"}])
    assert (
        await client.post(tenant.webhook, content=body, headers=signed_headers(body, "wrong"))
    ).status_code == 403
    bad = b"{not json"
    r = await client.post(tenant.webhook, content=bad, headers=signed_headers(bad))
    assert r.status_code == 400 and "unreadable" in r.json()["error"]["message"]
    assert (
        await client.post(
            "/webhooks/test/000000000000000000000000", content=body, headers=signed_headers(body)
        )
    ).status_code == 404
    assert (await client.post("/webhooks/test/nonsense", content=body)).status_code == 404
    big = b"x" * (1024 * 1024 + 1)
    assert (await client.post(tenant.webhook, content=big)).status_code == 413
    assert await Message.find_all().count() == 0


async def test_duplicate_concurrent(client: httpx.AsyncClient, tenant: Tenant) -> None:
    body = webhook_body([{"id": "dup", "from": "+4522", "text": "once"}])
    results = await asyncio.gather(
        *[client.post(tenant.webhook, content=body, headers=signed_headers(body)) for _ in range(8)]
    )
    assert {r.status_code for r in results} == {200}, [r.text for r in results]
    assert await Message.find(Message.provider_message_id == "dup").count() == 1
    convs = await Conversation.find(Conversation.account_id == tenant.account.id).to_list()
    assert len(convs) == 1 and convs[0].unread == 1
