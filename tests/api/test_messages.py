"""Business-side sends, conversation changes, Idempotency-Key and rate limits."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import httpx

from hub.models import Contact, Conversation, IdempotencyRecord, Message, Team, User
from hub.pipeline.services import Hub
from tests.api.conftest import eventually, inbound
from tests.conftest import Tenant, make_tenant


async def test_send_starts_then_continues(
    client: httpx.AsyncClient, tenant: Tenant, provider: Any
) -> None:
    body = {
        "channel_id": str(tenant.channel.id),
        "to": "+45 1234 5678",
        "text": "Your order shipped",
    }
    r = await client.post("/api/v1/messages", json=body, headers=tenant.auth)
    assert r.status_code == 202, r.text
    first = r.json()
    assert first["delivery"] == "queued" and first["direction"] == "out"
    conv = await Conversation.get(first["conversation_id"])
    assert conv is not None and conv.contact_key == "phone:+4512345678"
    assert conv.contact_id is not None and conv.handler == "human"

    async def sent() -> bool:
        m = await Message.get(first["id"])
        return m is not None and m.delivery == "sent"

    await eventually(sent, "the send")
    sent_to = [req for req in provider.get_requests() if req.url.host == "provider.test"]
    assert b"+4512345678" in sent_to[0].content

    # the customer answers: same conversation; a second send continues it
    await inbound(client, tenant.webhook, "in1", "+4512345678", "thanks!")
    r = await client.post(
        "/api/v1/messages", json={**body, "text": "You're welcome"}, headers=tenant.auth
    )
    assert r.json()["conversation_id"] == first["conversation_id"]
    assert await Conversation.find(Conversation.account_id == tenant.account.id).count() == 1

    contacts = (await client.get("/api/v1/contacts", headers=tenant.auth)).json()["data"]
    assert [c["phone"] for c in contacts] == ["+4512345678"]


async def test_send_refusals(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs = {"channel_id": str(other_tenant.channel.id), "to": "+4511", "text": "x"}
    r = await client.post("/api/v1/messages", json=theirs, headers=tenant.auth)
    assert r.status_code == 404
    ours = {"channel_id": str(tenant.channel.id), "to": "+4511"}
    r = await client.post("/api/v1/messages", json=ours, headers=tenant.auth)
    assert r.status_code == 400 and r.json()["error"]["code"] == "empty_message"
    r = await client.post(
        "/api/v1/messages", json={**ours, "text": "x" * 1001}, headers=tenant.auth
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "text_too_long"
    assert await Message.find_all().count() == 0
    # A refused message keeps nothing: no empty conversation, no contact, however often retried.
    assert await Conversation.find(Conversation.account_id == tenant.account.id).count() == 0
    assert await Contact.find(Contact.account_id == tenant.account.id).count() == 0


async def test_idempotency_key(client: httpx.AsyncClient, tenant: Tenant) -> None:
    body = {"channel_id": str(tenant.channel.id), "to": "+4522", "text": "once"}
    key = {**tenant.auth, "Idempotency-Key": "order-17"}
    first = await client.post("/api/v1/messages", json=body, headers=key)
    again = await client.post("/api/v1/messages", json=body, headers=key)
    assert first.status_code == again.status_code == 202
    assert first.json() == again.json() and again.headers["idempotent-replayed"] == "true"
    assert await Message.find(Message.account_id == tenant.account.id).count() == 1
    other = await client.post("/api/v1/messages", json={**body, "text": "twice"}, headers=key)
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_conflict"
    elsewhere = await client.post("/api/v1/contacts", json={"phone": "+4599"}, headers=key)
    assert elsewhere.status_code == 409
    # a refused request keeps no record: corrected, the same key works
    fixed = {**tenant.auth, "Idempotency-Key": "c-1"}
    bad = await client.post("/api/v1/contacts", json={"name": "no address"}, headers=fixed)
    assert bad.status_code == 400
    good = await client.post("/api/v1/contacts", json={"phone": "+4598"}, headers=fixed)
    assert good.status_code == 201
    assert (
        await IdempotencyRecord.find(IdempotencyRecord.account_id == tenant.account.id).count() == 2
    )


async def test_idempotency_keys_are_per_account(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    mine = await client.post(
        "/api/v1/contacts",
        json={"phone": "+4597"},
        headers={**tenant.auth, "Idempotency-Key": "k"},
    )
    theirs = await client.post(
        "/api/v1/contacts",
        json={"phone": "+4597"},
        headers={**other_tenant.auth, "Idempotency-Key": "k"},
    )
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]


async def test_rate_limit(
    client: httpx.AsyncClient, hub: Hub, tenant: Tenant, other_tenant: Tenant
) -> None:
    hub.settings = dataclasses.replace(
        hub.settings, api_rate_limit=3, api_rate_window_seconds=10**9
    )
    codes = [
        (await client.get("/api/v1/contacts", headers=tenant.auth)).status_code for _ in range(5)
    ]
    assert codes == [200, 200, 200, 429, 429]
    r = await client.get("/api/v1/channels", headers=tenant.auth)
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    assert r.json()["error"]["code"] == "rate_limited"
    # the other account has its own budget
    assert (await client.get("/api/v1/contacts", headers=other_tenant.auth)).status_code == 200


async def test_patch_conversation(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    await inbound(client, tenant.webhook, "p1", "+4533", "help")
    conv = await Conversation.find_one(Conversation.account_id == tenant.account.id)
    assert conv is not None
    user = User(account_id=tenant.account.id, email="kim@shop.test", password_hash="x")  # type: ignore[arg-type]
    await user.insert()
    stranger = User(account_id=other_tenant.account.id, email="eve@x.test", password_hash="x")  # type: ignore[arg-type]
    await stranger.insert()
    billing = Team(account_id=tenant.account.id, name="Billing")  # type: ignore[arg-type]
    await billing.insert()
    their_team = Team(account_id=other_tenant.account.id, name="Billing")  # type: ignore[arg-type]
    await their_team.insert()
    url = f"/api/v1/conversations/{conv.id}"
    r = await client.patch(url, json={"team_id": str(their_team.id)}, headers=tenant.auth)
    assert r.status_code == 400 and r.json()["error"]["code"] == "unknown_team"
    change = {
        "status": "pending",
        "assignee_id": str(user.id),
        "team_id": str(billing.id),
        "labels": ["refund", "vip"],
        "priority": "urgent",
    }
    r = await client.patch(url, json=change, headers=tenant.auth)
    assert r.status_code == 200, r.text
    assert {k: r.json()[k] for k in change} == change
    r = await client.patch(url, json={"assignee_id": str(stranger.id)}, headers=tenant.auth)
    assert r.status_code == 400 and r.json()["error"]["code"] == "unknown_assignee"
    r = await client.patch(url, json={"labels": None}, headers=tenant.auth)
    assert r.status_code == 400
    r = await client.patch(
        url, json={"assignee_id": None, "status": "resolved"}, headers=tenant.auth
    )
    assert r.json()["assignee_id"] is None and r.json()["status"] == "resolved"
    assert r.json()["resolved_at"] is not None
    wake = "2031-01-02T09:00:00+00:00"
    r = await client.patch(
        url, json={"status": "snoozed", "snoozed_until": wake}, headers=tenant.auth
    )
    assert r.status_code == 200 and r.json()["snoozed_until"] == wake.replace("+00:00", "Z")
    assert (
        await client.patch(url, json={"status": "open"}, headers=other_tenant.auth)
    ).status_code == 404
    assert (await client.get(url, headers=other_tenant.auth)).status_code == 404


async def test_send_follows_the_reply_window(
    client: httpx.AsyncClient, hub: Hub, connectors: dict[str, Any]
) -> None:
    assert "test_window" in connectors
    tenant = await make_tenant(hub, "Chat", channel_type="test_window")
    body = {"channel_id": str(tenant.channel.id), "to": "+4544"}
    r = await client.post("/api/v1/messages", json={**body, "text": "hi"}, headers=tenant.auth)
    assert r.status_code == 422 and r.json()["error"]["code"] == "outside_reply_window"
    await client.post("/api/v1/messages", json={**body, "text": "hi"}, headers=tenant.auth)
    assert await Message.find(Message.account_id == tenant.account.id).count() == 0
    # Refused twice, kept nothing: no empty conversation or contact per retry.
    assert await Conversation.find(Conversation.account_id == tenant.account.id).count() == 0
    assert await Contact.find(Contact.account_id == tenant.account.id).count() == 0
    template = {"name": "order_update", "language": "en", "variables": {"1": "17"}}
    r = await client.post(
        "/api/v1/messages", json={**body, "template": template}, headers=tenant.auth
    )
    assert r.status_code == 202, r.text
    assert r.json()["template"]["name"] == "order_update"
    # The list shows the template's name and values, not "[attachment]".
    opened = await Conversation.find_one(Conversation.account_id == tenant.account.id)
    assert opened is not None and opened.last_message_preview == "[order_update] 17"
    # once the customer writes, free text is fine in the same conversation
    await inbound(client, tenant.webhook, "w1", "+4544", "ok, thanks")
    r = await client.post(
        "/api/v1/messages", json={**body, "text": "You're welcome"}, headers=tenant.auth
    )
    assert r.status_code == 202, r.text
    assert await Conversation.find(Conversation.account_id == tenant.account.id).count() == 1


async def test_concurrent_repeats_store_once(client: httpx.AsyncClient, tenant: Tenant) -> None:
    body = {"channel_id": str(tenant.channel.id), "to": "+4523", "text": "just once"}
    key = {**tenant.auth, "Idempotency-Key": "burst"}
    answers = await asyncio.gather(
        *[client.post("/api/v1/messages", json=body, headers=key) for _ in range(6)]
    )
    codes = [r.status_code for r in answers]
    assert set(codes) <= {202, 409} and 202 in codes, codes
    assert all(
        r.json()["error"]["code"] == "idempotency_in_progress"
        for r in answers
        if r.status_code == 409
    )
    assert await Message.find(Message.account_id == tenant.account.id).count() == 1
    assert len({r.json()["id"] for r in answers if r.status_code == 202}) == 1
