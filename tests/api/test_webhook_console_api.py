"""The delivery console's API: the log with requests and answers, redeliver one, redeliver
the failed ones of a time range, a test ping; every route refuses another account's ids."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

from beanie import PydanticObjectId
from standardwebhooks import Webhook
from starlette.responses import JSONResponse, Response

from hub.models import WebhookDelivery
from tests.api.conftest import eventually, inbound, serve
from tests.api.test_standard_webhooks import Receiver
from tests.conftest import Running, Tenant, make_tenant


class Switch:
    """A receiver that fails (500) until ``up`` is set."""

    def __init__(self) -> None:
        self.up = False

    def __call__(self, n: int) -> Response:
        if self.up:
            return JSONResponse({"ok": True})
        return JSONResponse({"error": "down for maintenance"}, status_code=500)


async def test_log_redeliver_range_and_ping(
    running: Running, tenant: Tenant, provider: Any
) -> None:
    client = running.client
    # give up at once, so failed deliveries are there to redeliver
    running.hub.settings = dataclasses.replace(running.hub.settings, webhook_retry_hours=0.0)
    switch = Switch()
    receiver = Receiver(switch)
    async with serve(receiver.app) as base:
        r = await client.post(
            "/api/v1/webhooks",
            json={"url": f"{base}/hook", "events": ["message.created"]},
            headers=tenant.auth,
        )
        sub = r.json()
        secret, path = sub["secret"], f"/api/v1/webhooks/{sub['id']}"
        for i in range(2):
            await inbound(client, tenant.webhook, f"c{i}", "+4520", f"log {i}")

        async def failed() -> list[dict[str, Any]] | None:
            log = (await client.get(f"{path}/deliveries", headers=tenant.auth)).json()["data"]
            return log if len(log) == 2 and all(d["status"] == "failed" for d in log) else None

        log = await eventually(failed, "two failed deliveries")
        entry = log[0]
        last = entry["last_answer"]
        assert last["status_code"] == 500 and "down for maintenance" in last["response_body"]
        assert last == entry["log"][-1]
        assert last["request_headers"]["webhook-id"] == entry["event_id"]
        assert last["request_headers"]["webhook-signature"].startswith("v1,")
        assert secret not in json.dumps(entry)
        assert json.loads(entry["body"])["id"] == entry["event_id"]
        health = (await client.get(path, headers=tenant.auth)).json()
        assert health["failures_in_a_row"] == 2 and health["last_error"]["status_code"] == 500
        assert health["last_success_at"] is None

        switch.up = True
        # counted before asking: the worker may deliver before the 202 is read
        before = len(receiver.requests)
        # one, by hand: the same event id, a new signature
        one = await client.post(f"{path}/deliveries/{entry['id']}/redeliver", headers=tenant.auth)
        assert one.status_code == 202 and one.json()["status"] == "pending"

        async def arrived(n: int) -> bool:
            return len(receiver.requests) >= n

        await eventually(lambda: arrived(before + 1), "the redelivery")
        headers, body = receiver.requests[-1]
        assert Webhook(secret).verify(body, headers)["id"] == entry["event_id"]
        assert headers["webhook-id"] == entry["event_id"]

        # the failed ones of a range: an empty range redelivers nothing
        empty = {"from": "2001-01-01T00:00:00Z", "to": "2001-01-02T00:00:00Z"}
        r = await client.post(f"{path}/redeliver_failed", json=empty, headers=tenant.auth)
        assert r.status_code == 200 and r.json() == {"redelivered": 0}
        wide = {
            "from": (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).isoformat(),
            "to": (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat(),
        }
        r = await client.post(f"{path}/redeliver_failed", json=wide, headers=tenant.auth)
        assert r.status_code == 200 and r.json() == {"redelivered": 1}, r.text
        backwards = {"from": wide["to"], "to": wide["from"]}
        r = await client.post(f"{path}/redeliver_failed", json=backwards, headers=tenant.auth)
        assert r.status_code == 400

        async def all_delivered() -> bool:
            log = (await client.get(f"{path}/deliveries", headers=tenant.auth)).json()["data"]
            return all(d["status"] == "delivered" for d in log)

        await eventually(all_delivered, "both delivered")

        ping = await client.post(f"{path}/test", headers=tenant.auth)
        assert ping.status_code == 202 and ping.json()["event_type"] == "ping"
        await eventually(lambda: _delivered(ping.json()["id"]), "the ping")
    headers, body = receiver.requests[-1]
    assert Webhook(secret).verify(body, headers)["type"] == "ping"
    health = (await client.get(path, headers=tenant.auth)).json()
    assert health["failures_in_a_row"] == 0 and health["last_success_at"] is not None
    assert health["last_error"]["status_code"] == 500  # the last error stays visible


async def _delivered(delivery_id: str) -> bool:
    found = await WebhookDelivery.get(PydanticObjectId(delivery_id))
    return found is not None and found.status == "delivered"


async def test_console_routes_refuse_another_account(
    running: Running, tenant: Tenant, provider: Any
) -> None:
    client = running.client
    other = await make_tenant(running.hub, "Other")
    r = await client.post(
        "/api/v1/webhooks",
        json={"url": "http://127.0.0.1:9/x", "events": ["message.created"]},
        headers=tenant.auth,
    )
    sub_id = r.json()["id"]
    await inbound(client, tenant.webhook, "x1", "+4521", "mine")

    async def stored() -> WebhookDelivery | None:
        return await WebhookDelivery.find_one(WebhookDelivery.account_id == tenant.account.id)

    delivery = await eventually(stored, "a delivery")
    # the other account's own subscription, to pair with this account's delivery id
    theirs = (
        await client.post(
            "/api/v1/webhooks",
            json={"url": "http://127.0.0.1:9/y", "events": ["message.created"]},
            headers=other.auth,
        )
    ).json()["id"]
    rng = {"from": "2000-01-01T00:00:00Z", "to": "2100-01-01T00:00:00Z"}
    for method, path, body in (
        ("GET", f"/api/v1/webhooks/{sub_id}/deliveries", None),
        ("POST", f"/api/v1/webhooks/{sub_id}/rotate_secret", None),
        ("POST", f"/api/v1/webhooks/{sub_id}/test", None),
        ("POST", f"/api/v1/webhooks/{sub_id}/deliveries/{delivery.id}/redeliver", None),
        ("POST", f"/api/v1/webhooks/{theirs}/deliveries/{delivery.id}/redeliver", None),
        ("POST", f"/api/v1/webhooks/{sub_id}/redeliver_failed", rng),
    ):
        r = await client.request(method, path, json=body, headers=other.auth)
        assert r.status_code == 404, (path, r.text)
    mine = (await client.get(f"/api/v1/webhooks/{sub_id}", headers=tenant.auth)).json()
    assert mine["previous_secret_until"] is None  # the other account rotated nothing
    assert (
        await WebhookDelivery.find({"account_id": tenant.account.id, "event_type": "ping"}).count()
        == 0
    )
    bad = await client.post(f"/api/v1/webhooks/{sub_id}/test", json={"x": 1}, headers=tenant.auth)
    assert bad.status_code == 400


async def test_a_bots_delivery_verifies_with_its_secret(running: Running, provider: Any) -> None:
    client = running.client
    tenant = await make_tenant(running.hub, "Bots", addons=["generic_api", "chatbot_api"])
    receiver = Receiver()
    async with serve(receiver.app) as base:
        r = await client.post(
            "/api/v1/bots",
            json={
                "name": "B",
                "webhook_url": f"{base}/hook",
                "channel_ids": [str(tenant.channel.id)],
            },
            headers=tenant.auth,
        )
        assert r.status_code == 201, r.text
        secret = r.json()["secret"]
        assert secret.startswith("whsec_")
        await inbound(client, tenant.webhook, "b1", "+4522", "hello bot")

        async def arrived() -> bool:
            return bool(receiver.requests)

        await eventually(arrived, "the bot's delivery")
    headers, body = receiver.requests[0]
    event = Webhook(secret).verify(body, headers)
    assert event["type"] == "message.created" and headers["webhook-id"] == event["id"]
