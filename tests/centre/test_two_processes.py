"""Two hubs on one database behave as one: each conversation is assigned exactly once."""

from __future__ import annotations

import asyncio
import collections
from typing import Any

import httpx

from hub.models import ActivityEvent, Conversation
from hub.settings import Settings
from tests.centre.helpers import agent, default_team, eventually, make_centre, team
from tests.conftest import start_app
from tests.fakes import signed_headers, webhook_body


async def test_fifty_simultaneous_arrivals_on_two_processes(
    settings: Settings, connectors: dict[str, Any]
) -> None:
    async with httpx.AsyncClient() as http_a, httpx.AsyncClient() as http_b:
        first = start_app(settings, connectors, http_a)
        second = start_app(settings, connectors, http_b)
        a = await first.__anext__()
        b = await second.__anext__()
        try:
            await _scenario(a.hub, a.client, b.client)
        finally:
            for gen in (first, second):
                await gen.aclose()


async def _scenario(hub: Any, one: httpx.AsyncClient, two: httpx.AsyncClient) -> None:
    centre = await make_centre(hub)
    agents = [await agent(one, centre, f"Agent{i}", capacity=10) for i in range(4)]
    queue = await team(
        one, centre, name="Q", assignment="round_robin", member_ids=[str(u.id) for u in agents]
    )
    await default_team(centre, queue["id"])

    async def arrive(i: int) -> None:
        body = webhook_body([{"id": f"p{i}", "from": f"+4590000{i:03d}", "text": "hi"}])
        client = one if i % 2 else two
        r = await client.post(centre.webhook, content=body, headers=signed_headers(body))
        assert r.status_code == 200, r.text

    await asyncio.gather(*(arrive(i) for i in range(50)))

    async def settled() -> list[Conversation] | None:
        convs = await Conversation.find(Conversation.account_id == centre.account.id).to_list()
        done = [c for c in convs if c.assignee_id]
        return convs if len(convs) == 50 and len(done) == 40 else None

    convs = await eventually(settled, "40 of 50 conversations assigned")
    per_agent = collections.Counter(c.assignee_id for c in convs if c.assignee_id)
    assert sorted(per_agent.values()) == [10, 10, 10, 10]

    async def recorded() -> list[ActivityEvent] | None:
        # the assignment's fact is written right after its claim: wait for the last one
        events = await ActivityEvent.find(
            ActivityEvent.account_id == centre.account.id, ActivityEvent.kind == "assigned"
        ).to_list()
        return events if len(events) >= 40 else None

    events = await eventually(recorded, "40 assignment facts")
    per_conversation = collections.Counter(e.conversation_id for e in events)
    assert len(per_conversation) == 40 and set(per_conversation.values()) == {1}
    queues = (await two.get("/api/v1/queues", headers=centre.auth)).json()["data"]
    row = next(q for q in queues if q["team_id"] == queue["id"])
    assert row["waiting"] == 10 and row["agents"]["at_capacity"] == 4
