"""POST /api/v1/conversations/bulk: each conversation changed as PATCH changes it, refusals
reported per id, at most 100 ids, and another account's conversations never touched."""

from __future__ import annotations

import httpx

from hub.models import Conversation, Label, Team, User
from tests.api.conftest import inbound
from tests.conftest import Tenant

URL = "/api/v1/conversations/bulk"


async def _three(client: httpx.AsyncClient, tenant: Tenant) -> list[str]:
    for n in range(3):
        await inbound(client, tenant.webhook, f"b{n}", f"+45300{n}", "help")
    found = await Conversation.find(Conversation.account_id == tenant.account.id).to_list()
    return sorted(str(c.id) for c in found)


async def test_bulk_changes_each_like_patch(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    ids = await _three(client, tenant)
    await inbound(client, other_tenant.webhook, "g1", "+4599", "theirs")
    theirs = await Conversation.find_one(Conversation.account_id == other_tenant.account.id)
    assert theirs is not None
    kim = User(account_id=tenant.account.id, email="kim@shop.test", password_hash="x")  # type: ignore[arg-type]
    await kim.insert()
    billing = Team(account_id=tenant.account.id, name="Billing")  # type: ignore[arg-type]
    await billing.insert()

    first = ids[0]
    r = await client.patch(f"/api/v1/conversations/{first}", json={"labels": ["old", "keep"]}, headers=tenant.auth)  # fmt: skip
    assert r.status_code == 200
    body = {
        "ids": [*ids, str(theirs.id), "nope", ids[1]],
        "changes": {
            "assignee_id": str(kim.id), "team_id": str(billing.id), "priority": "high",
            "add_labels": ["Refund "], "remove_labels": ["OLD"],
        },
    }  # fmt: skip
    r = await client.post(URL, json=body, headers=tenant.auth)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["updated"] == 3
    assert sorted((e["id"], e["code"]) for e in out["errors"]) == sorted(
        [(str(theirs.id), "not_found"), ("nope", "not_found")]
    )
    for cid in ids:
        got = (await client.get(f"/api/v1/conversations/{cid}", headers=tenant.auth)).json()
        assert got["assignee_id"] == str(kim.id) and got["team_id"] == str(billing.id)
        assert got["priority"] == "high"
    got = (await client.get(f"/api/v1/conversations/{first}", headers=tenant.auth)).json()
    assert got["labels"] == ["keep", "refund"]
    assert await Label.find(Label.account_id == tenant.account.id, Label.name == "refund").count() == 1  # fmt: skip
    untouched = await Conversation.get(theirs.id)
    assert untouched is not None and untouched.priority == "normal" and untouched.labels == []

    # Resolve them all; a rule's refusal is reported per conversation, in words.
    r = await client.post(URL, json={"ids": ids, "changes": {"status": "resolved"}}, headers=tenant.auth)  # fmt: skip
    assert r.json() == {"updated": 3, "errors": []}
    r = await client.post(URL, json={"ids": ids, "changes": {"team_id": "0" * 24}}, headers=tenant.auth)  # fmt: skip
    out = r.json()
    assert out["updated"] == 0 and {e["code"] for e in out["errors"]} == {"unknown_team"}
    assert all(e["message"] for e in out["errors"])
    r = await client.post(URL, json={"ids": ids[:1], "changes": {"status": "snoozed"}}, headers=tenant.auth)  # fmt: skip
    assert r.json()["errors"][0]["code"] == "snooze_needs_time"


async def test_bulk_refuses_bad_requests(client: httpx.AsyncClient, tenant: Tenant) -> None:
    ids = await _three(client, tenant)
    for bad in (
        {"ids": [], "changes": {"status": "open"}},
        {"ids": ["a"] * 101, "changes": {"status": "open"}},
        {"ids": ids, "changes": {}},
        {"ids": ids, "changes": {"status": "closed"}},
        {"ids": ids, "changes": {"status": None}},
        {"ids": ids, "changes": {"labels": ["x"]}},
        {"ids": ids},
    ):
        r = await client.post(URL, json=bad, headers=tenant.auth)
        assert r.status_code == 400, (bad, r.text)
    assert (await client.post(URL, json={"ids": ids, "changes": {"status": "open"}})).status_code == 401  # fmt: skip
    r = await client.get(f"/api/v1/conversations/{ids[0]}", headers=tenant.auth)
    assert r.json()["status"] == "open"
