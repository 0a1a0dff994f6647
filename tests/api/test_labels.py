"""Labels as objects: /api/v1/labels, names trimmed and case-insensitive, created on first use,
renamed and deleted on the conversations that hold them, and never across accounts."""

from __future__ import annotations

import httpx

from hub.models import Conversation, Label
from tests.api.conftest import inbound
from tests.conftest import Tenant


async def test_labels_crud_and_unique_names(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    r = await client.post(
        "/api/v1/labels",
        json={"name": "Refund ", "colour": "#D97706", "description": "Money back"},
        headers=tenant.auth,
    )
    assert r.status_code == 201, r.text
    refund = r.json()
    assert refund["name"] == "refund" and refund["colour"] == "#d97706"
    assert refund["description"] == "Money back"
    assert set(refund) == {"id", "name", "colour", "description"}

    for same in ("refund", "  REFUND", "Refund"):
        r = await client.post("/api/v1/labels", json={"name": same}, headers=tenant.auth)
        assert r.status_code == 409, (same, r.text)
    for bad in ({"name": "   "}, {"name": "x", "colour": "red"}, {"name": "x", "extra": 1},
                {"name": "x" * 51}):  # fmt: skip
        r = await client.post("/api/v1/labels", json=bad, headers=tenant.auth)
        assert r.status_code == 400, (bad, r.text)

    # Another account has its own "refund", and cannot see, change or delete ours.
    r = await client.post("/api/v1/labels", json={"name": "refund"}, headers=other_tenant.auth)
    assert r.status_code == 201
    theirs = r.json()
    url = f"/api/v1/labels/{refund['id']}"
    assert (await client.patch(url, json={"colour": "#000000"}, headers=other_tenant.auth)).status_code == 404  # fmt: skip
    assert (await client.delete(url, headers=other_tenant.auth)).status_code == 404
    listed = (await client.get("/api/v1/labels", headers=other_tenant.auth)).json()["data"]
    assert [x["id"] for x in listed] == [theirs["id"]]
    assert (await client.delete(f"/api/v1/labels/{theirs['id']}", headers=tenant.auth)).status_code == 404  # fmt: skip
    assert (await client.patch("/api/v1/labels/nope", json={}, headers=tenant.auth)).status_code == 404  # fmt: skip

    r = await client.post("/api/v1/labels", json={"name": "VIP"}, headers=tenant.auth)
    vip = r.json()
    assert vip["colour"].startswith("#") and len(vip["colour"]) == 7  # one is chosen
    r = await client.patch(
        url, json={"name": " vip"}, headers=tenant.auth
    )  # renaming onto another label's name
    assert r.status_code == 409
    listed = (await client.get("/api/v1/labels", headers=tenant.auth)).json()["data"]
    assert [x["name"] for x in listed] == ["refund", "vip"]


async def test_first_use_creates_and_changes_follow(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    await inbound(client, tenant.webhook, "l1", "+4533", "help")
    conv = await Conversation.find_one(Conversation.account_id == tenant.account.id)
    assert conv is not None
    url = f"/api/v1/conversations/{conv.id}"
    r = await client.patch(url, json={"labels": ["Refund ", "urgent-case"]}, headers=tenant.auth)
    assert r.status_code == 200 and r.json()["labels"] == ["refund", "urgent-case"]
    listed = (await client.get("/api/v1/labels", headers=tenant.auth)).json()["data"]
    assert [x["name"] for x in listed] == ["refund", "urgent-case"]
    assert (await client.get("/api/v1/labels", headers=other_tenant.auth)).json()["data"] == []
    # Used again, in another case: still one label of that name.
    r = await client.patch(url, json={"labels": ["REFUND"]}, headers=tenant.auth)
    assert r.status_code == 200
    assert await Label.find(Label.account_id == tenant.account.id).count() == 2
    # A refused change creates nothing.
    r = await client.patch(url, json={"labels": ["never"], "priority": "x"}, headers=tenant.auth)
    assert r.status_code == 400
    assert await Label.find(Label.name == "never").count() == 0

    refund = next(x for x in listed if x["name"] == "refund")
    r = await client.patch(
        f"/api/v1/labels/{refund['id']}", json={"name": "Money back"}, headers=tenant.auth
    )
    assert r.status_code == 200 and r.json()["name"] == "money back"
    assert (await client.get(url, headers=tenant.auth)).json()["labels"] == ["money back"]
    r = await client.delete(f"/api/v1/labels/{refund['id']}", headers=tenant.auth)
    assert r.status_code == 200
    assert (await client.get(url, headers=tenant.auth)).json()["labels"] == []
    assert (await client.get(f"/api/v1/labels/{refund['id']}", headers=tenant.auth)).status_code in (404, 405)  # fmt: skip
