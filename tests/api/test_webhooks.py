"""Outbound event webhooks: signed deliveries to a flaky real receiver all arrive, logged."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from hub.contract import now
from hub.integrations import event_webhooks as webhook_events
from hub.models import Conversation, WebhookDelivery, WebhookSubscription
from hub.pipeline.realtime import Event
from hub.settings import Settings
from tests.api.conftest import eventually, inbound, serve
from tests.conftest import Tenant, make_tenant, start_app


class FlakyReceiver:
    """Answers every other request with 503: a receiver that fails half the time."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.app = Starlette(routes=[Route("/hook", self.hook, methods=["POST"])])

    async def hook(self, request: Request) -> JSONResponse:
        self.requests.append((dict(request.headers), await request.body()))
        if len(self.requests) % 2 == 1:
            return JSONResponse({"error": "try later"}, status_code=503)
        return JSONResponse({"ok": True})


async def test_flaky_receiver_gets_everything_signed(
    client: httpx.AsyncClient, tenant: Tenant, provider: Any
) -> None:
    receiver = FlakyReceiver()
    async with serve(receiver.app) as base:
        r = await client.post(
            "/api/v1/webhooks",
            json={"url": f"{base}/hook", "events": ["message.created", "conversation.created"]},
            headers=tenant.auth,
        )
        assert r.status_code == 201, r.text
        sub = r.json()
        secret = sub["secret"]
        for i in range(4):
            await inbound(client, tenant.webhook, f"w{i}", f"+45{i}", f"hello {i}")

        async def all_delivered() -> list[WebhookDelivery] | None:
            found = await WebhookDelivery.find(
                WebhookDelivery.account_id == tenant.account.id
            ).to_list()
            done = [d for d in found if d.status == "delivered"]
            return found if len(found) == 8 and len(done) == 8 else None

        deliveries = await eventually(all_delivered, "8 deliveries")

    delivered: dict[str, dict[str, Any]] = {}
    for headers, body in receiver.requests:
        assert webhook_events.verify(secret, headers["parley-signature"], body)
        assert not webhook_events.verify("other-secret", headers["parley-signature"], body)
        event = json.loads(body)
        assert set(event) == {"id", "type", "created_at", "data"}
        delivered[event["id"]] = event
    assert len(delivered) == 8  # each event once, whatever the retries
    texts = sorted(e["data"]["text"] for e in delivered.values() if e["type"] == "message.created")
    assert texts == [f"hello {i}" for i in range(4)]
    assert {e["type"] for e in delivered.values()} == {"message.created", "conversation.created"}
    assert any(d.attempts > 1 for d in deliveries)

    log = await client.get(f"/api/v1/webhooks/{sub['id']}/deliveries", headers=tenant.auth)
    assert log.status_code == 200
    entries = log.json()["data"]
    assert len(entries) == 8 and all(e["status"] == "delivered" for e in entries)
    # A receiver matches the log to what it got: the log's event_id is the body's id.
    assert {e["event_id"] for e in entries} == set(delivered)
    codes = [a["status_code"] for e in entries for a in e["log"]]
    assert 503 in codes and 200 in codes


async def test_subscriptions_are_per_account(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    r = await client.post(
        "/api/v1/webhooks",
        json={"url": "http://127.0.0.1:9/x", "events": ["message.updated"]},
        headers=tenant.auth,
    )
    sub_id = r.json()["id"]
    listed = await client.get("/api/v1/webhooks", headers=tenant.auth)
    assert [s["id"] for s in listed.json()["data"]] == [sub_id]
    assert "secret" not in listed.json()["data"][0]
    assert (await client.get("/api/v1/webhooks", headers=other_tenant.auth)).json()["data"] == []
    for method, path in (
        ("GET", f"/api/v1/webhooks/{sub_id}"),
        ("GET", f"/api/v1/webhooks/{sub_id}/deliveries"),
        ("DELETE", f"/api/v1/webhooks/{sub_id}"),
    ):
        assert (await client.request(method, path, headers=other_tenant.auth)).status_code == 404
    bad = await client.post(
        "/api/v1/webhooks", json={"url": "ftp://x", "events": ["nope"]}, headers=tenant.auth
    )
    assert bad.status_code == 400
    assert (
        await client.delete(f"/api/v1/webhooks/{sub_id}", headers=tenant.auth)
    ).status_code == 200
    assert (await client.get(f"/api/v1/webhooks/{sub_id}", headers=tenant.auth)).status_code == 404


async def test_two_processes_deliver_each_event_once(
    settings: Settings, connectors: dict[str, Any], provider: Any
) -> None:
    """Two hubs on one database both see every change; each event is still delivered once."""
    receiver = FlakyReceiver()
    async with (
        httpx.AsyncClient() as http,
        serve(receiver.app) as base,
        contextlib.aclosing(start_app(settings, connectors, http)) as first_app,
    ):
        first = await anext(first_app)
        async with contextlib.aclosing(start_app(settings, connectors, http)) as second_app:
            second = await anext(second_app)
            tenant = await make_tenant(first.hub)
            r = await first.client.post(
                "/api/v1/webhooks",
                json={"url": f"{base}/hook", "events": ["message.created"]},
                headers=tenant.auth,
            )
            assert r.status_code == 201
            for i, app in enumerate((first, second, first)):
                await inbound(app.client, tenant.webhook, f"x{i}", "+4580", f"m{i}")

            async def delivered() -> bool:
                docs = await WebhookDelivery.find(
                    WebhookDelivery.account_id == tenant.account.id
                ).to_list()
                return len(docs) == 3 and all(d.status == "delivered" for d in docs)

            await eventually(delivered, "three deliveries")
    ids = [json.loads(body)["id"] for _, body in receiver.requests if b'"m' in body]
    succeeded = [
        json.loads(body)["data"]["text"]
        for i, (_, body) in enumerate(receiver.requests)
        if i % 2 == 1
    ]
    assert sorted(succeeded) == ["m0", "m1", "m2"]
    assert len(set(ids)) == 3


async def test_fan_out_of_one_change_is_stored_once(hub: Any, tenant: Tenant) -> None:
    sub = WebhookSubscription(
        account_id=tenant.account.id,  # type: ignore[arg-type]
        url="http://127.0.0.1:9/",
        events=["conversation.updated"],
        secret="s",
    )
    await sub.insert()
    conv = Conversation(
        account_id=tenant.account.id,  # type: ignore[arg-type]
        channel_id=tenant.channel.id,  # type: ignore[arg-type]
        channel_type="test",
        contact_key="phone:+45",
    )
    await conv.insert()
    doc = await Conversation.get_pymongo_collection().find_one({"_id": conv.id})
    event = Event("conversation.updated", tenant.account.id, doc, token="resume-token-1")
    assert await webhook_events.fan_out(event) == 1
    assert await webhook_events.fan_out(event) == 0  # the same change seen by another process
    assert await WebhookDelivery.find(WebhookDelivery.target_id == sub.id).count() == 1


async def test_retries_for_a_day_then_fails(running: Any, tenant: Tenant) -> None:
    """A failing delivery younger than the retry horizon is rescheduled; an older one fails."""
    sub = WebhookSubscription(
        account_id=tenant.account.id,  # type: ignore[arg-type]
        url="http://127.0.0.1:9/",  # nothing listens: every attempt fails
        events=["message.created"],
        secret="s",
    )
    await sub.insert()
    hours = running.hub.settings.webhook_retry_hours
    assert hours >= 24

    async def delivery(age_hours: float, key: str) -> WebhookDelivery:
        at = now() - dt.timedelta(hours=age_hours)
        doc = WebhookDelivery(
            account_id=tenant.account.id,  # type: ignore[arg-type]
            target="subscription",
            target_id=sub.id,  # type: ignore[arg-type]
            event_key=key,
            event_type="message.created",
            body="{}",
            due=now(),
            created_at=at,
        )
        await doc.insert()
        return doc

    young = await delivery(hours - 1, "young")
    old = await delivery(hours + 1, "old")
    running.app.state.workers["webhook_deliveries"].wake()

    async def settled() -> tuple[WebhookDelivery, WebhookDelivery] | None:
        y, o = await WebhookDelivery.get(young.id), await WebhookDelivery.get(old.id)
        assert y is not None and o is not None
        return (y, o) if y.attempts >= 1 and y.owner is None and o.status == "failed" else None

    y, o = await eventually(settled, "both deliveries attempted")
    assert y.status == "pending" and y.due is not None and y.log[0].error
    assert o.status == "failed" and o.due is None and o.log[-1].status_code is None
