"""Changes made by a sweep or a bot's own write go through the one path of a change
(``hub.centre.changes``): the queues are dispatched and the SLA clocks move."""

from __future__ import annotations

import datetime as dt

import httpx

from hub.centre import changes
from hub.centre.reports import live
from hub.models import Conversation
from hub.pipeline import housekeeping
from hub.pipeline.services import Hub
from tests.centre.helpers import agent, arrive, default_team, make_centre, team
from tests.conftest import Clock


async def test_a_snooze_wake_up_dispatches_the_queue(
    client: httpx.AsyncClient, hub: Hub, clock: Clock
) -> None:
    t = await make_centre(hub)
    assert t.account.id is not None
    support = await team(client, t, name="Support", assignment="round_robin")
    await default_team(t, support["id"], hub)
    waiting = await arrive(client, t, "+4520123456", "w1")
    assert waiting.assignee_id is None  # nobody to take it
    until = clock.at + dt.timedelta(minutes=10)
    await changes.update_conversation(
        t.account.id, str(waiting.id), {"status": "snoozed", "snoozed_until": until}
    )
    ann = await agent(client, t, "Ann")
    r = await client.patch(
        f"/api/v1/teams/{support['id']}", json={"member_ids": [str(ann.id)]}, headers=t.auth
    )
    assert r.status_code == 200, r.text
    assert (await Conversation.get(waiting.id)).assignee_id is None  # type: ignore[union-attr]
    clock.advance(minutes=11)
    await housekeeping.sweep(hub.rules)
    woken = await Conversation.get(waiting.id)
    assert woken is not None and woken.status == "open"
    assert woken.assignee_id == str(ann.id)  # assigned the moment it woke
    assert woken.assigned_at == clock.at  # handle time runs from the dispatcher's assignment
    rows = {str(q.team_id): q for q in await live.snapshot(t.account)}
    assert rows[support["id"]].waiting == 0
