"""Closed sets of query values are checked, and every OpenAPI operation is named and tagged."""

from __future__ import annotations

import httpx

from hub.api.openapi import document
from tests.conftest import Tenant


def test_every_operation_has_an_id_and_a_tag() -> None:
    """Generated clients get readable, stable method names, grouped by resource."""
    ops = [op for path in document("http://hub.test")["paths"].values() for op in path.values()]
    ids = [op["operationId"] for op in ops]
    assert len(ids) == len(set(ids))
    assert all(op["tags"] for op in ops)
    assert "get_conversation" in ids and "list_conversations" in ids


async def test_unknown_filter_values_are_refused(client: httpx.AsyncClient, tenant: Tenant) -> None:
    r = await client.get("/api/v1/conversations?status=any", headers=tenant.auth)
    assert r.status_code == 400
    error = r.json()["error"]
    assert (
        error["code"] == "invalid_filter" and "open, pending, snoozed, resolved" in error["message"]
    )
    r = await client.get("/api/v1/conversations?status=open", headers=tenant.auth)
    assert r.status_code == 200
    sub = await client.post(
        "/api/v1/webhooks",
        json={"url": "http://127.0.0.1:9/x", "events": ["message.created"]},
        headers=tenant.auth,
    )
    url = f"/api/v1/webhooks/{sub.json()['id']}/deliveries?status=sent"
    r = await client.get(url, headers=tenant.auth)
    assert r.status_code == 400 and "pending, delivered, failed" in r.json()["error"]["message"]
