"""Queue positions from the kept order: the same as reading the queue whole, O(page) once kept.

The API's list shows each waiting conversation's ``queue_position``; the kept order
(``hub.centre.routing.queue_order``) must give exactly what reading and sorting the
whole queue gives (``queues.positions``), before and after changes that the change
stream brings in, and a second page must not read the queue again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from beanie import PydanticObjectId

from hub.centre.reports import live
from hub.centre.routing import queue_order, queues
from hub.models import Conversation
from hub.store import queues as queue_store
from tests.conftest import Running, Tenant

PRIORITIES = ["low", "normal", "high", "urgent"]


async def _waiting(tenant: Tenant, count: int, first: int = 0) -> list[Conversation]:
    assert tenant.account.id is not None and tenant.channel.id is not None
    start = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    convs = [
        Conversation(
            account_id=tenant.account.id,
            contact_id=PydanticObjectId(),
            channel_id=tenant.channel.id,
            channel_type="test",
            contact_key=f"phone:+4520{i:06d}",
            status="open",
            vip=i % 11 == 0,
            priority=PRIORITIES[i % 4],  # type: ignore[arg-type]
            queued_at=start + dt.timedelta(minutes=i),
            waiting_since=start + dt.timedelta(minutes=i),  # the customer wrote last
            last_message_at=start + dt.timedelta(minutes=i),
        )
        for i in range(first, first + count)
    ]
    await Conversation.insert_many(convs)
    return await Conversation.find(Conversation.account_id == tenant.account.id).to_list()


async def _api_positions(running: Running, tenant: Tenant) -> dict[str, int | None]:
    r = await running.client.get("/api/v1/conversations?limit=100", headers=tenant.auth)
    assert r.status_code == 200, r.text
    return {row["id"]: row["queue_position"] for row in r.json()["data"]}


async def _truth(tenant: Tenant) -> dict[str, int | None]:
    assert tenant.account.id is not None
    convs = await Conversation.find(Conversation.account_id == tenant.account.id).to_list()
    found = await queues.positions(tenant.account.id, convs)
    return {str(c.id): found.get(str(c.id)) for c in convs}


async def _settled(running: Running, tenant: Tenant) -> None:
    """Wait until the API's positions agree with the whole queue's (the change stream's lag)."""
    for _ in range(100):
        if await _api_positions(running, tenant) == await _truth(tenant):
            return
        await asyncio.sleep(0.05)
    assert await _api_positions(running, tenant) == await _truth(tenant)


async def test_positions_match_the_whole_queue_and_follow_changes(
    running: Running, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    convs = await _waiting(tenant, 40)
    reads: list[Any] = []
    read = queue_store.queue_rows

    async def counted(*args: Any) -> Any:
        reads.append(args)
        return await read(*args)

    monkeypatch.setattr(queue_store, "queue_rows", counted)
    assert await _api_positions(running, tenant) == await _truth(tenant)
    assert sorted(p for p in (await _truth(tenant)).values() if p) == list(range(1, 41))
    assert len(reads) == 1
    await _api_positions(running, tenant)
    assert len(reads) == 1  # kept: the second page costs no queue read

    # changes that move the queue: taken by an agent, made VIP, a new arrival, resolved
    taken, vip, done = convs[0], convs[25], convs[7]
    await taken.set({"assignee_id": str(PydanticObjectId())})
    await vip.set({"vip": True, "priority": "urgent"})
    await done.set({"status": "resolved"})
    await _waiting(tenant, 1, first=40)
    await _settled(running, tenant)
    positions = await _api_positions(running, tenant)
    assert positions[str(taken.id)] is None and positions[str(done.id)] is None
    assert positions[str(vip.id)] == 2  # behind the 11th, a VIP and urgent since earlier
    assert len(reads) == 1  # followed from the change stream, not read again

    # the queue figures (API, inbox, wallboard) agree with the kept order's positions;
    # they come from the one definition (``hub.centre.reports.live``), from the kept order
    # (its sums followed from the change stream too) with no read of the queue
    r = await running.client.get("/api/v1/queues", headers=tenant.auth)
    assert r.status_code == 200, r.text
    shown = next(row for row in r.json()["data"] if row["team_id"] is None)
    assert shown["waiting"] == 39
    by_position = sorted((p, i) for i, p in positions.items() if p is not None)
    assert shown["conversation_ids"] == [i for _, i in by_position]
    assert len(reads) == 1
    assert tenant.account.id is not None
    kept = await running.app.state.queue_orders.order(tenant.account.id, None)
    assert kept.stats() == await queue_store.waiting_stats(tenant.account.id, None)
    (read,) = await live.snapshot(tenant.account)  # no kept order: read from the database
    assert read.api().model_dump(mode="json") == shown


def test_an_order_read_while_a_change_arrives_is_not_kept() -> None:
    orders = queue_order.QueueOrders()
    account = PydanticObjectId()

    async def rows(*_: Any) -> list[queue_store.QueueRow]:
        from hub.pipeline.realtime import Event

        orders.changed(Event("conversation.updated", account, {"_id": PydanticObjectId()}))
        return []

    async def run() -> None:
        original = queue_store.queue_rows
        queue_store.queue_rows = rows  # type: ignore[assignment]
        try:
            await orders.order(account, None)
        finally:
            queue_store.queue_rows = original

    asyncio.run(run())
    assert orders._orders == {}
