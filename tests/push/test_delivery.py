"""Pushes reach a real push service: signed (VAPID), encrypted (aes128gcm), once, and in time."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from hub.centre import changes, notifications
from hub.contract import set_clock
from hub.integrations import subscriptions
from hub.models import Conversation, Sender, User
from hub.models.push import PushDelivery
from hub.pipeline import outbox
from hub.settings import Settings
from hub.store import push as store
from hub.store import users as user_store
from tests.conftest import Running, Tenant, start_app
from tests.inbox.conftest import add_user, csrf_of, post_inbound, session_client
from tests.push.conftest import PushService, subscribe, wait_for

FIELDS = {"kind", "conversation_id", "title", "body", "url"}


async def _conversation(tenant: Tenant) -> Conversation:
    found = await Conversation.find_one(Conversation.account_id == tenant.account.id)
    assert found is not None
    return found


async def _assign(tenant: Tenant, conversation: Conversation, user: User) -> None:
    assert tenant.account.id is not None
    await changes.update_conversation(
        tenant.account.id, str(conversation.id), {"assignee_id": str(user.id)}
    )


def _of(service: PushService, name: str, kind: str) -> list[dict[str, Any]]:
    return [r.payload for r in service.got(name) if r.payload and r.payload["kind"] == kind]


async def _wait_kind(service: PushService, name: str, kind: str) -> dict[str, Any]:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        errors = [r.error for r in service.got(name) if r.error]
        assert not errors, errors
        found = _of(service, name, kind)
        if found:
            return found[-1]
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {kind} push: {[r.payload for r in service.got(name)]}")


async def test_the_inbox_notifications_arrive_signed_and_encrypted(
    running: Running,
    tenant: Tenant,
    agent: User,
    signed_in: httpx.AsyncClient,
    published: PushService,
) -> None:
    phone = published.subscriber("phone")
    assert (await subscribe(signed_in, phone.json())).status_code == 201
    await post_inbound(running.client, tenant, "m1", "+4511", "hello there", "Ann Berg")
    conversation = await _conversation(tenant)
    await _assign(tenant, conversation, agent)

    assigned = await _wait_kind(published, "phone", "assigned")
    assert set(assigned) == FIELDS
    assert assigned["conversation_id"] == str(conversation.id)
    assert assigned["url"] == f"/inbox/c/{conversation.id}"
    assert assigned["title"] == "New conversation for you"

    await post_inbound(running.client, tenant, "m2", "+4511", "any news " * 40, "Ann Berg")
    reply = await _wait_kind(published, "phone", "reply")
    assert reply["title"] == "The customer replied"
    assert reply["body"].startswith("Ann Berg: any news") and len(reply["body"]) <= 120

    boss = await add_user(tenant, "sue@acme.test", "supervisor", "Sue Super")
    assert tenant.account.id is not None and conversation.id is not None
    await notifications.notify_mentions(tenant.account.id, conversation.id, "@agnes look", boss)
    mention = await _wait_kind(published, "phone", "mention")
    assert mention["body"] == "Sue Super: @agnes look"

    fresh = await _conversation(tenant)
    sender = Sender(type="agent", id=str(boss.id), name="Sue Super")
    await outbox.enqueue(running.hub, fresh, text="offer the refund", sender=sender, whisper=True)
    whisper = await _wait_kind(published, "phone", "whisper")
    assert whisper["title"] == "A supervisor whispered"
    assert whisper["body"] == "Sue Super: offer the refund"
    for got in published.got("phone"):
        assert got.headers["urgency"] == "high" and got.status == 201


async def test_a_device_gets_only_the_kinds_it_keeps(
    running: Running,
    tenant: Tenant,
    agent: User,
    signed_in: httpx.AsyncClient,
    published: PushService,
) -> None:
    phone = published.subscriber("phone")
    assert (await subscribe(signed_in, phone.json())).status_code == 201
    assert tenant.account.id is not None and agent.id is not None
    [device] = await store.devices(tenant.account.id, agent.id)
    assert device.id is not None
    await store.set_kinds(tenant.account.id, agent.id, device.id, ["reply"])
    await post_inbound(running.client, tenant, "m1", "+4511", "hello", "Ann")
    await _assign(tenant, await _conversation(tenant), agent)
    await post_inbound(running.client, tenant, "m2", "+4511", "second", "Ann")
    await _wait_kind(published, "phone", "reply")
    assert _of(published, "phone", "assigned") == []


async def test_the_test_button_speaks_the_users_language(
    running: Running,
    tenant: Tenant,
    agent: User,
    signed_in: httpx.AsyncClient,
    published: PushService,
) -> None:
    page = await signed_in.get("/inbox/me")
    r = await signed_in.post("/inbox/push/test", data={"csrf": csrf_of(page.text)})
    assert r.status_code == 303
    assert "No device of yours" in (await signed_in.get("/inbox/me")).text
    assert (await subscribe(signed_in, published.subscriber("phone").json())).status_code == 201
    assert tenant.account.id is not None and agent.id is not None
    await user_store.set_preferences(tenant.account.id, agent.id, "da", None)
    page = await signed_in.get("/inbox/me")
    r = await signed_in.post("/inbox/push/test", data={"csrf": csrf_of(page.text)})
    assert r.status_code == 303
    assert "testnotifikation" in (await signed_in.get("/inbox/me")).text
    test = await _wait_kind(published, "phone", "test")
    assert test["title"] == "Testnotifikation fra Parley"
    assert test["url"] == "/inbox" and test["conversation_id"] is None


async def test_gone_deletes_the_device_and_429_is_tried_again(
    running: Running,
    tenant: Tenant,
    agent: User,
    signed_in: httpx.AsyncClient,
    published: PushService,
) -> None:
    old = published.subscriber("old")
    busy = published.subscriber("busy")
    published.plan["old"] = [(410, {})]
    published.plan["busy"] = [(429, {"Retry-After": "120"}), (503, {}), (201, {})]
    for sub in (old, busy):
        assert (await subscribe(signed_in, sub.json())).status_code == 201
    at = dt.datetime.now(dt.UTC)
    set_clock(lambda: at)  # the hub's clock stands still unless the test moves it
    try:
        page = await signed_in.get("/inbox/me")
        await signed_in.post("/inbox/push/test", data={"csrf": csrf_of(page.text)})
        await wait_for(published, "old")
        await wait_for(published, "busy")
        assert tenant.account.id is not None and agent.id is not None
        for _ in range(100):
            devices = await store.devices(tenant.account.id, agent.id)
            if [d.endpoint for d in devices] == [busy.endpoint]:
                break
            await asyncio.sleep(0.05)
        assert [d.endpoint for d in devices] == [busy.endpoint]  # 410: the old one is gone
        for _ in range(100):  # the worker records the retry once the service has answered
            [waiting] = await PushDelivery.find({"account_id": tenant.account.id}).to_list()
            assert waiting.due is not None
            due = waiting.due.replace(tzinfo=dt.UTC) if waiting.due.tzinfo is None else waiting.due
            if waiting.owner is None:
                break
            await asyncio.sleep(0.05)
        assert dt.timedelta(seconds=110) < due - at <= dt.timedelta(seconds=121)  # Retry-After
        worker = running.app.state.workers["push_deliveries"]
        at = at + dt.timedelta(seconds=121)
        worker.wake()
        await wait_for(published, "busy", 2)  # 503: backoff of 10 s (second attempt)
        for _ in range(100):  # the retry is recorded before the clock moves on
            [waiting] = await PushDelivery.find({"account_id": tenant.account.id}).to_list()
            if waiting.owner is None:
                break
            await asyncio.sleep(0.05)
        at = at + dt.timedelta(seconds=11)
        worker.wake()
        got = await wait_for(published, "busy", 3)
        assert [r.status for r in got] == [429, 503, 201]
        assert got[-1].payload is not None and got[-1].payload["kind"] == "test"
        for _ in range(100):
            if not await PushDelivery.find({"account_id": tenant.account.id}).to_list():
                break
            await asyncio.sleep(0.05)
        assert await PushDelivery.find({"account_id": tenant.account.id}).to_list() == []
        [device] = await store.devices(tenant.account.id, agent.id)
        assert device.last_used_at is not None
    finally:
        set_clock(None)


async def test_a_slow_push_service_delays_no_page_and_no_webhook(
    running: Running,
    tenant: Tenant,
    agent: User,
    signed_in: httpx.AsyncClient,
    published: PushService,
) -> None:
    assert (await subscribe(signed_in, published.subscriber("slow").json())).status_code == 201
    assert tenant.account.id is not None
    hook = f"{published.origin}/hook"
    await subscriptions.create(tenant.account.id, hook, ["message.created"], running.hub.cipher)
    published.delay = 6.0
    page = await signed_in.get("/inbox/me")
    await signed_in.post("/inbox/push/test", data={"csrf": csrf_of(page.text)})
    deadline = time.monotonic() + 10
    while published.in_flight == 0:
        assert time.monotonic() < deadline, "the push never reached the service"
        await asyncio.sleep(0.02)
    started = time.monotonic()
    await post_inbound(running.client, tenant, "w1", "+4599", "quick please", "Cy")
    assert (await signed_in.get("/inbox")).status_code == 200
    assert (await signed_in.get("/inbox/me")).status_code == 200
    assert time.monotonic() - started < 2.0
    for _ in range(100):  # the event webhook of the inbound message goes out meanwhile
        if published.hooks:
            break
        await asyncio.sleep(0.05)
    assert b"quick please" in b"".join(published.hooks)
    assert published.in_flight == 1  # the push is still being answered
    await wait_for(published, "slow")


@pytest.fixture
async def second(settings: Settings, connectors: dict[str, Any]) -> AsyncIterator[Running]:
    """Another ``parley serve`` on the same database and data directory."""
    async with httpx.AsyncClient() as http:
        async for r in start_app(settings, connectors, http):
            yield r


async def test_two_processes_send_one_push_per_event(
    running: Running, second: Running, tenant: Tenant, agent: User, published: PushService
) -> None:
    assert (await second.client.get("/inbox/push/key")).json()["public_key"] == published.public_key
    async with session_client(second, agent) as there:
        assert (await subscribe(there, published.subscriber("phone").json())).status_code == 201
    await asyncio.sleep(0.5)  # both fan-outs learn that the account has a device
    await post_inbound(running.client, tenant, "m1", "+4511", "hello", "Ann")
    await _assign(tenant, await _conversation(tenant), agent)
    await post_inbound(second.client, tenant, "m2", "+4511", "are you there", "Ann")
    await post_inbound(running.client, tenant, "m3", "+4511", "hello?", "Ann")
    await _wait_kind(published, "phone", "assigned")
    for _ in range(300):
        if len(_of(published, "phone", "reply")) >= 2:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(1.5)  # time for a second copy, if either process were to send one
    bodies = [p["body"] for p in _of(published, "phone", "reply")]
    assert sorted(bodies) == ["Ann: are you there", "Ann: hello?"]
    assert len(_of(published, "phone", "assigned")) == 1
