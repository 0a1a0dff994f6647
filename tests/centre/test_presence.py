"""Presence: an agent whose last inbox stream closed two minutes ago goes offline; it is counted."""

from __future__ import annotations

import httpx

from hub.centre import ticker
from hub.centre.routing import presence
from hub.models import ActivityEvent, DailyCounter, User
from hub.pipeline.services import Hub
from tests.centre.helpers import agent
from tests.conftest import Clock, Tenant


async def _presence(user: User) -> str:
    found = await User.get(user.id)
    assert found is not None
    return found.presence


async def test_closed_streams_turn_available_agents_offline(
    client: httpx.AsyncClient, centre: Tenant, hub: Hub, clock: Clock
) -> None:
    ann = await agent(client, centre, "Ann")
    bob = await agent(client, centre, "Bob")  # presence set through the API, never a stream
    live = presence.Liveness()
    await live.opened(ann)
    await live.opened(ann)  # two tabs
    await live.closed(ann)
    clock.advance(minutes=3)
    assert (await ticker.tick())["offline"] == 0  # one tab is still open
    await live.closed(ann)
    clock.advance(minutes=1)
    assert (await ticker.tick())["offline"] == 0
    assert await _presence(ann) == "available"
    clock.advance(minutes=1, seconds=1)
    assert (await ticker.tick())["offline"] == 1
    assert await _presence(ann) == "offline" and await _presence(bob) == "available"

    facts = await ActivityEvent.find(
        ActivityEvent.account_id == centre.account.id, ActivityEvent.kind == "presence"
    ).to_list()
    assert [(f.data["from"], f.data["to"]) for f in facts if f.user_id == str(ann.id)] == [
        ("offline", "available"),
        ("available", "offline"),
    ]
    day = await DailyCounter.find_one(
        DailyCounter.account_id == centre.account.id,
        DailyCounter.scope == "agent",
        DailyCounter.scope_id == str(ann.id),
    )
    assert day is not None and day.counts["presence"] == 2


async def test_a_stream_of_a_dead_process_stops_counting_after_its_heartbeat(
    client: httpx.AsyncClient, centre: Tenant, hub: Hub, clock: Clock
) -> None:
    ann = await agent(client, centre, "Ann")
    dying = presence.Liveness()  # a process that dies: it never reports the close
    await dying.opened(ann)
    await dying.opened(ann)
    await dying.closed(ann)
    other = presence.Liveness()  # another process, whose stream closed a while ago
    await other.opened(ann)
    await other.closed(ann)
    clock.advance(minutes=4)
    assert (await ticker.tick())["offline"] == 0
    clock.advance(minutes=2)
    assert (await ticker.tick())["offline"] == 1


async def test_a_renewed_lease_keeps_a_long_stream_alive(
    client: httpx.AsyncClient, centre: Tenant, hub: Hub, clock: Clock
) -> None:
    ann = await agent(client, centre, "Ann")
    live = presence.Liveness()
    await live.opened(ann)
    for _ in range(10):  # ten minutes with the stream open: the heartbeat renews the lease
        clock.advance(minutes=1)
        await live.renew()
        assert (await ticker.tick())["offline"] == 0
    clock.advance(minutes=5, seconds=1)  # the process stopped renewing
    assert (await ticker.tick())["offline"] == 1
