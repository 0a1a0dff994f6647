"""Contacts over the API: search, create, change, export, erasure; tenants kept apart."""

from __future__ import annotations

import httpx

from hub.models import Contact, Conversation, IdempotencyRecord, Message
from hub.pipeline.services import Hub
from tests.api.conftest import inbound
from tests.conftest import Tenant


async def test_create_search_patch(client: httpx.AsyncClient, tenant: Tenant) -> None:
    r = await client.post(
        "/api/v1/contacts",
        json={"name": "Ann Lee", "email": "Ann@Example.com", "attributes": {"tier": "gold"}},
        headers=tenant.auth,
    )
    assert r.status_code == 201, r.text
    ann = r.json()
    assert ann["addresses"] == ["email:ann@example.com"]
    r = await client.post(
        "/api/v1/contacts", json={"name": "Bob", "phone": "+4511112222"}, headers=tenant.auth
    )
    assert r.status_code == 201
    again = await client.post(
        "/api/v1/contacts", json={"email": "ann@example.com"}, headers=tenant.auth
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "contact_exists"
    none = await client.post("/api/v1/contacts", json={"name": "x"}, headers=tenant.auth)
    assert none.status_code == 400 and none.json()["error"]["code"] == "address_required"

    found = await client.get("/api/v1/contacts?search=ann", headers=tenant.auth)
    assert [c["name"] for c in found.json()["data"]] == ["Ann Lee"]
    found = await client.get("/api/v1/contacts?search=%2B4511", headers=tenant.auth)
    assert [c["name"] for c in found.json()["data"]] == ["Bob"]

    r = await client.patch(
        f"/api/v1/contacts/{ann['id']}",
        json={"vip": True, "phone": "+4599990000"},
        headers=tenant.auth,
    )
    assert r.status_code == 200, r.text
    assert r.json()["vip"] is True
    assert r.json()["addresses"] == ["email:ann@example.com", "phone:+4599990000"]


async def test_paging(client: httpx.AsyncClient, tenant: Tenant) -> None:
    for i in range(5):
        r = await client.post(
            "/api/v1/contacts", json={"phone": f"+45000000{i}"}, headers=tenant.auth
        )
        assert r.status_code == 201
    seen: list[str] = []
    url = "/api/v1/contacts?limit=2"
    while url:
        page = (await client.get(url, headers=tenant.auth)).json()
        seen += [c["phone"] for c in page["data"]]
        url = (
            f"/api/v1/contacts?limit=2&cursor={page['next_cursor']}" if page["next_cursor"] else ""
        )
    assert seen == [f"+45000000{i}" for i in reversed(range(5))]


async def test_export_and_erase(
    client: httpx.AsyncClient, hub: Hub, tenant: Tenant, other_tenant: Tenant
) -> None:
    await inbound(client, tenant.webhook, "e1", "+4533", "my order 17")
    await inbound(client, other_tenant.webhook, "e2", "+4533", "same number, other tenant")
    attachment = await hub.media.put(tenant.account.id, b"photo", "p.jpg", "image/jpeg")  # type: ignore[arg-type]
    conv = await Conversation.find_one(Conversation.account_id == tenant.account.id)
    assert conv is not None and conv.contact_id is not None
    await Message.get_pymongo_collection().update_one(
        {"account_id": tenant.account.id}, {"$set": {"attachments": [attachment.model_dump()]}}
    )
    cid = str(conv.contact_id)
    sent = await client.post(
        "/api/v1/messages",
        json={"channel_id": str(tenant.channel.id), "to": "+4533", "text": "order 17 shipped"},
        headers={**tenant.auth, "Idempotency-Key": "ship-17"},
    )
    assert sent.status_code == 202 and sent.json()["conversation_id"] == str(conv.id)

    assert (
        await client.get(f"/api/v1/contacts/{cid}", headers=other_tenant.auth)
    ).status_code == 404
    for method, path in (
        ("DELETE", f"/api/v1/contacts/{cid}"),
        ("GET", f"/api/v1/contacts/{cid}/export"),
        ("PATCH", f"/api/v1/contacts/{cid}"),
    ):
        r = await client.request(method, path, json={"vip": True}, headers=other_tenant.auth)
        assert r.status_code == 404, (method, path)
    assert (await client.get("/api/v1/contacts?search=33", headers=other_tenant.auth)).json()[
        "data"
    ][0]["id"] != cid
    export = await client.get(f"/api/v1/contacts/{cid}/export", headers=tenant.auth)
    assert export.status_code == 200
    assert [m["text"] for m in export.json()["messages"]] == ["my order 17", "order 17 shipped"]
    assert len(export.json()["conversations"]) == 1

    r = await client.delete(f"/api/v1/contacts/{cid}", headers=tenant.auth)
    assert r.status_code == 200 and r.json()["messages"] == 2
    assert await Message.find(Message.account_id == tenant.account.id).count() == 0
    assert await Conversation.find(Conversation.account_id == tenant.account.id).count() == 0
    assert await Contact.find(Contact.account_id == tenant.account.id).count() == 0
    assert (
        await IdempotencyRecord.find(IdempotencyRecord.account_id == tenant.account.id).count() == 0
    )
    assert await hub.media.files.find_one({"_id": conv.id}) is None
    assert await hub.media.files.count_documents({"metadata.account_id": tenant.account.id}) == 0
    # the other tenant's contact with the same number is untouched
    assert await Message.find(Message.account_id == other_tenant.account.id).count() == 1
    assert (await client.get(f"/api/v1/contacts/{cid}", headers=tenant.auth)).status_code == 404
