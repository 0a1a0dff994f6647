"""Outbound webhooks on the Standard Webhooks spec, verified as a receiver would, with the
``standardwebhooks`` package: signatures, retries keeping their id, a secret rotation,
``410 Gone``, ``Retry-After`` and the 24-hour give-up."""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import secrets
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from standardwebhooks import Webhook, WebhookVerificationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hub.integrations import event_webhooks
from hub.models import WebhookDelivery, WebhookSubscription
from tests.api.conftest import eventually, inbound, serve
from tests.conftest import Clock, Running, Tenant

Answerer = Callable[[int], Response]


class Receiver:
    """A real HTTP receiver on 127.0.0.1 whose n-th answer (from 1) ``answer`` decides."""

    def __init__(self, answer: Answerer | None = None) -> None:
        self.answer = answer or (lambda n: JSONResponse({"ok": True}))
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.app = Starlette(routes=[Route("/hook", self.hook, methods=["POST"])])

    async def hook(self, request: Request) -> Response:
        self.requests.append((dict(request.headers), await request.body()))
        return self.answer(len(self.requests))


async def _subscribe(
    client: httpx.AsyncClient, tenant: Tenant, url: str, events: list[str] | None = None
) -> dict[str, Any]:
    r = await client.post(
        "/api/v1/webhooks",
        json={"url": url, "events": events or ["message.created"]},
        headers=tenant.auth,
    )
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def _wake(running: Running) -> None:
    running.app.state.workers["webhook_deliveries"].wake()


async def test_a_receiver_verifies_deliveries_and_a_retry_keeps_its_id(
    client: httpx.AsyncClient, tenant: Tenant, provider: Any
) -> None:
    receiver = Receiver(lambda n: JSONResponse({"busy": True}, status_code=500 if n == 1 else 200))
    async with serve(receiver.app) as base:
        sub = await _subscribe(client, tenant, f"{base}/hook")
        secret = sub["secret"]
        assert secret.startswith("whsec_") and len(Webhook(secret)._whsecret) == 24
        await inbound(client, tenant.webhook, "s1", "+4511", "standard")
        await eventually(lambda: _delivered(tenant, 1), "the delivery after a retry")
    assert len(receiver.requests) == 2
    ids = set()
    for headers, body in receiver.requests:
        event = Webhook(secret).verify(body, headers)  # raises unless signed right
        assert headers["webhook-id"] == event["id"]
        ids.add(headers["webhook-id"])
        assert event_webhooks.verify(secret, headers["parley-signature"], body)
        with pytest.raises(WebhookVerificationError):
            Webhook("whsec_" + "A" * 32).verify(body, headers)
        swapped = {**headers, "webhook-id": "evt_somebody_else"}
        with pytest.raises(WebhookVerificationError):  # the id is covered by the signature
            Webhook(secret).verify(body, swapped)
    assert len(ids) == 1  # the retry kept its webhook-id


async def _delivered(tenant: Tenant, count: int) -> list[WebhookDelivery] | None:
    found = await WebhookDelivery.find(WebhookDelivery.account_id == tenant.account.id).to_list()
    done = [d for d in found if d.status == "delivered"]
    return done if len(done) >= count else None


async def test_an_old_style_secret_keeps_working(
    running: Running, tenant: Tenant, provider: Any
) -> None:
    """A subscription made before (``whsec_`` and 48 hex digits) still verifies both ways."""
    receiver = Receiver()
    old = "whsec_" + secrets.token_hex(24)
    async with serve(receiver.app) as base:
        await WebhookSubscription(
            account_id=tenant.account.id,
            url=f"{base}/hook",
            events=["message.created"],
            secret=old,
        ).insert()
        await inbound(running.client, tenant.webhook, "o1", "+4512", "old")
        await eventually(lambda: _delivered(tenant, 1), "the delivery")
    ((headers, body),) = receiver.requests
    Webhook(old).verify(body, headers)
    assert event_webhooks.verify(old, headers["parley-signature"], body)


async def test_rotation_signs_with_both_secrets_for_a_day(
    running: Running, tenant: Tenant, clock: Clock
) -> None:
    client = running.client
    receiver = Receiver()
    async with serve(receiver.app) as base:
        sub = await _subscribe(client, tenant, f"{base}/hook")
        old = sub["secret"]
        once = {**tenant.auth, "Idempotency-Key": "rotate-1"}
        r = await client.post(f"/api/v1/webhooks/{sub['id']}/rotate_secret", headers=once)
        assert r.status_code == 200, r.text
        new = r.json()["secret"]
        again = await client.post(f"/api/v1/webhooks/{sub['id']}/rotate_secret", headers=once)
        assert again.json()["secret"] == new  # a retried rotation rotates once
        assert again.headers["Idempotent-Replayed"] == "true"
        assert new.startswith("whsec_") and new != old
        assert (
            "secret"
            not in (await client.get(f"/api/v1/webhooks/{sub['id']}", headers=tenant.auth)).json()
        )

        async def ping() -> tuple[dict[str, str], bytes]:
            seen = len(receiver.requests)
            r = await client.post(f"/api/v1/webhooks/{sub['id']}/test", headers=tenant.auth)
            assert r.status_code == 202, r.text
            _wake(running)

            async def arrived() -> bool:
                return len(receiver.requests) > seen

            await eventually(arrived, "the ping")
            return receiver.requests[-1]

        headers, body = await ping()
        assert len(headers["webhook-signature"].split(" ")) == 2
        for key in (new, old):
            assert Webhook(key).verify(body, headers)["type"] == "ping"
            assert event_webhooks.verify(key, headers["parley-signature"], body)

        clock.advance(hours=24, minutes=1)  # the old secret is no longer honoured
        headers, body = await ping()
        assert len(headers["webhook-signature"].split(" ")) == 1
        Webhook(new).verify(body, headers)
        with pytest.raises(WebhookVerificationError):
            Webhook(old).verify(body, headers)
        assert not event_webhooks.verify(old, headers["parley-signature"], body)


async def _one(tenant: Tenant) -> WebhookDelivery | None:
    found = await WebhookDelivery.find(WebhookDelivery.account_id == tenant.account.id).to_list()
    return (
        found[0] if len(found) == 1 and found[0].attempts >= 1 and found[0].owner is None else None
    )


async def test_410_gone_disables_the_subscription(
    running: Running, tenant: Tenant, clock: Clock, provider: Any
) -> None:
    client = running.client
    receiver = Receiver(lambda n: JSONResponse({"error": "gone"}, status_code=410))
    async with serve(receiver.app) as base:
        sub = await _subscribe(client, tenant, f"{base}/hook")
        await inbound(client, tenant.webhook, "g1", "+4513", "anyone?")
        delivery = await eventually(lambda: _one(tenant), "the attempt")
        await inbound(client, tenant.webhook, "g2", "+4513", "still there?")
    assert delivery.status == "failed" and delivery.due is None
    assert len(receiver.requests) == 1  # not retried
    shown = (await client.get(f"/api/v1/webhooks/{sub['id']}", headers=tenant.auth)).json()
    assert shown["active"] is False and "410" in shown["disabled_reason"]
    assert shown["failures_in_a_row"] == 1 and shown["last_error"]["status_code"] == 410
    assert await WebhookDelivery.find(WebhookDelivery.account_id == tenant.account.id).count() == 1
    again = await client.post(f"/api/v1/webhooks/{sub['id']}/test", headers=tenant.auth)
    assert again.status_code == 409


@pytest.mark.parametrize("form", ["seconds", "date"])
async def test_429_and_503_honour_retry_after(
    running: Running, tenant: Tenant, clock: Clock, provider: Any, form: str
) -> None:
    client = running.client

    def later(n: int) -> Response:
        wait = clock.at + dt.timedelta(seconds=600)
        value = "600" if form == "seconds" else email.utils.format_datetime(wait, usegmt=True)
        status = 429 if n == 1 else 503
        return JSONResponse({"slow": "down"}, status_code=status, headers={"Retry-After": value})

    receiver = Receiver(later)
    async with serve(receiver.app) as base:
        sub = await _subscribe(client, tenant, f"{base}/hook")
        await inbound(client, tenant.webhook, "r1", "+4514", "patience")
        first = await eventually(lambda: _one(tenant), "the first attempt")
        assert first.status == "pending" and first.due is not None
        assert first.due.replace(tzinfo=dt.UTC) == clock.at + dt.timedelta(seconds=600)
        assert first.log[-1].status_code == 429

        clock.advance(seconds=601)
        _wake(running)

        async def second() -> WebhookDelivery | None:
            d = await _one(tenant)
            return d if d is not None and d.attempts == 2 else None

        retried = await eventually(second, "the second attempt")
    assert retried.log[-1].status_code == 503 and retried.status == "pending"
    assert retried.due is not None
    assert retried.due.replace(tzinfo=dt.UTC) == clock.at + dt.timedelta(seconds=600)
    shown = (await client.get(f"/api/v1/webhooks/{sub['id']}", headers=tenant.auth)).json()
    assert shown["active"] is True and shown["failures_in_a_row"] == 2


async def test_other_failures_back_off_for_24_hours_then_give_up(
    running: Running, tenant: Tenant, clock: Clock, provider: Any
) -> None:
    client = running.client
    receiver = Receiver(lambda n: JSONResponse({"error": "boom"}, status_code=500))
    async with serve(receiver.app) as base:
        sub = await _subscribe(client, tenant, f"{base}/hook")
        await inbound(client, tenant.webhook, "f1", "+4515", "failing")
        first = await eventually(lambda: _one(tenant), "the first attempt")
        assert first.status == "pending" and first.due is not None
        created = first.created_at.replace(tzinfo=dt.UTC)
        attempts = 1
        while True:
            assert first.due is not None
            clock.set(first.due.replace(tzinfo=dt.UTC))
            _wake(running)
            attempts += 1

            async def next_attempt(n: int = attempts) -> WebhookDelivery | None:
                d = await _one(tenant)
                return d if d is not None and d.attempts == n else None

            first = await eventually(next_attempt, f"attempt {attempts}")
            if first.status != "pending":
                break
            assert attempts < 60
    assert first.status == "failed"
    assert clock.at - created <= dt.timedelta(hours=24)
    # The last retry would have been due past the day: the hub gave up, and says so.
    assert first.log[-1].status_code == 500 and first.log[-1].response_body == '{"error":"boom"}'
    shown = (await client.get(f"/api/v1/webhooks/{sub['id']}", headers=tenant.auth)).json()
    assert shown["active"] is True and shown["failures_in_a_row"] == attempts
    assert json.loads(receiver.requests[0][1])["type"] == "message.created"
