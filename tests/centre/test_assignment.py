"""Automatic assignment through the public interfaces: webhooks in, the API to look and act."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from hub.centre import ticker
from hub.models import ActivityEvent
from hub.pipeline.services import Hub
from hub.tenants import accounts
from tests.centre.helpers import agent, arrive, default_team, reload, serve, team
from tests.conftest import Clock, Tenant


async def test_round_robin_within_capacity_and_vip_first(
    client: httpx.AsyncClient, centre: Tenant, clock: Clock
) -> None:
    ann, bob, cat = [await agent(client, centre, n, capacity=1) for n in ("Ann", "Bob", "Cat")]
    sales = await team(
        client, centre, name="Sales", assignment="round_robin",
        member_ids=[str(ann.id), str(bob.id), str(cat.id)],
    )  # fmt: skip
    await default_team(centre, sales["id"])
    convs = []
    for i in range(5):
        clock.advance(seconds=10)
        convs.append(await arrive(client, centre, f"+4520000{i:03d}", f"m{i}"))
    convs = [await reload(c) for c in convs]
    assignees = [c.assignee_id for c in convs]
    assert sorted(a for a in assignees[:3] if a) == sorted([str(ann.id), str(bob.id), str(cat.id)])
    assert assignees[3:] == [None, None]

    r = await client.put(
        "/api/v1/vip", json={"addresses": ["+45 20 99 99 99"]}, headers=centre.auth
    )
    assert r.json() == {"addresses": ["+4520999999"]}
    clock.advance(seconds=10)
    vip = await arrive(client, centre, "+4520999999", "vip")  # a contact never seen before
    assert vip.vip is True and vip.assignee_id is None

    queues = (await client.get("/api/v1/queues", headers=centre.auth)).json()["data"]
    row = next(q for q in queues if q["team_id"] == sales["id"])
    waiting = [str(vip.id), str(convs[3].id), str(convs[4].id)]
    assert row["conversation_ids"] == waiting
    assert row["waiting"] == 3
    assert row["agents"] == {"available": 0, "away": 0, "offline": 0, "at_capacity": 3}
    one = (await client.get(f"/api/v1/conversations/{vip.id}", headers=centre.auth)).json()
    assert one["vip"] is True and one["queue_position"] == 1

    freed = convs[1].assignee_id
    r = await client.patch(
        f"/api/v1/conversations/{convs[1].id}", json={"status": "resolved"}, headers=centre.auth
    )
    assert r.status_code == 200
    assert (await reload(vip)).assignee_id == freed
    assert (await reload(convs[3])).assignee_id is None
    assigned = await ActivityEvent.find(
        ActivityEvent.account_id == centre.account.id, ActivityEvent.kind == "assigned"
    ).count()
    assert assigned == 4


async def test_least_busy_picks_the_member_with_fewest_open(
    client: httpx.AsyncClient, centre: Tenant, hub: Hub
) -> None:
    ann = await agent(client, centre, "Ann", capacity=None)
    bob = await agent(client, centre, "Bob", capacity=None)
    support = await team(
        client, centre, name="Support", assignment="least_busy",
        member_ids=[str(ann.id), str(bob.id)],
    )  # fmt: skip
    # Ann already holds two conversations (given by hand), Bob none.
    for i in range(2):
        c = await arrive(client, centre, f"+4530000{i:03d}", f"pre{i}")
        r = await client.patch(
            f"/api/v1/conversations/{c.id}", json={"assignee_id": str(ann.id)}, headers=centre.auth
        )
        assert r.status_code == 200
    await default_team(centre, support["id"], hub)  # the channel was used (cached) before
    first = await reload(await arrive(client, centre, "+4531000001", "n1"))
    second = await reload(await arrive(client, centre, "+4531000002", "n2"))
    third = await reload(await arrive(client, centre, "+4531000003", "n3"))
    assert [first.assignee_id, second.assignee_id] == [str(bob.id), str(bob.id)]
    assert third.assignee_id in (str(ann.id), str(bob.id))  # a tie at two each
    users = (await client.get("/api/v1/users", headers=centre.auth)).json()["data"]
    loads = {u["id"]: u["open_assigned"] for u in users}
    assert loads[str(ann.id)] + loads[str(bob.id)] == 5


async def test_only_available_members_get_one_and_becoming_available_takes_one(
    client: httpx.AsyncClient, centre: Tenant
) -> None:
    ann = await agent(client, centre, "Ann", capacity=2, presence="away")
    desk = await team(
        client, centre, name="Desk", assignment="round_robin", member_ids=[str(ann.id)]
    )
    await default_team(centre, desk["id"])
    c = await arrive(client, centre, "+4540000001", "a1")
    assert (await reload(c)).assignee_id is None
    r = await client.patch(
        f"/api/v1/users/{ann.id}", json={"presence": "available"}, headers=centre.auth
    )
    assert r.status_code == 200 and r.json()["open_assigned"] == 1
    assert (await reload(c)).assignee_id == str(ann.id)


async def test_transfer_to_team_reenters_its_queue_and_to_agent_bypasses(
    client: httpx.AsyncClient, centre: Tenant
) -> None:
    ann = await agent(client, centre, "Ann", capacity=0)
    bob = await agent(client, centre, "Bob", capacity=0)
    a = await team(client, centre, name="A", assignment="manual", member_ids=[str(ann.id)])
    b = await team(client, centre, name="B", assignment="round_robin", member_ids=[str(bob.id)])
    c = await arrive(client, centre, "+4550000001", "t1")
    r = await client.patch(
        f"/api/v1/conversations/{c.id}", json={"team_id": a["id"]}, headers=centre.auth
    )
    assert r.json()["queue_position"] == 1
    r = await client.patch(
        f"/api/v1/conversations/{c.id}", json={"team_id": b["id"]}, headers=centre.auth
    )
    assert r.json()["team_id"] == b["id"] and r.json()["assignee_id"] is None  # Bob is full
    r = await client.patch(
        f"/api/v1/conversations/{c.id}", json={"assignee_id": str(ann.id)}, headers=centre.auth
    )
    assert r.json()["assignee_id"] == str(ann.id) and r.json()["queue_position"] is None


async def test_overflow_moves_a_waiting_conversation_after_its_minutes(
    client: httpx.AsyncClient, centre: Tenant, hub: Hub, clock: Clock
) -> None:
    backup = await team(client, centre, name="Backup")
    front = await team(
        client, centre, name="Front", overflow={"after_minutes": 5, "team_id": backup["id"]}
    )
    await default_team(centre, front["id"])
    c = await arrive(client, centre, "+4560000001", "o1")
    clock.advance(minutes=4)
    assert (await ticker.tick())["overflowed"] == 0
    assert (await reload(c)).team_id == front["id"]
    clock.advance(minutes=2)
    assert (await ticker.tick())["overflowed"] == 1
    moved = await reload(c)
    assert moved.team_id == backup["id"] and moved.assignee_id is None
    queues = (await client.get("/api/v1/queues", headers=centre.auth)).json()["data"]
    row = next(q for q in queues if q["team_id"] == backup["id"])
    assert row["conversation_ids"] == [str(c.id)] and row["longest_wait_seconds"] == 360
    notes = (await client.get(f"/api/v1/conversations/{c.id}/messages", headers=centre.auth)).json()
    assert any(m["private"] and "Backup" in m["text"] for m in notes["data"])
    kinds = await ActivityEvent.find(
        ActivityEvent.account_id == centre.account.id, ActivityEvent.kind == "transferred"
    ).to_list()
    assert [e.data["reason"] for e in kinds] == ["overflow"]


async def test_out_of_office_text_is_sent_once(
    client: httpx.AsyncClient, centre: Tenant, clock: Clock
) -> None:
    hours = {"days": {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}}
    desk = await team(
        client, centre, name="Desk", business_hours=hours, out_of_office_text="We are closed."
    )
    await default_team(centre, desk["id"])
    clock.set(clock.at.replace(hour=20))  # Monday 20:00 UTC
    c = await arrive(client, centre, "+4570000001", "ooo1")
    await arrive(client, centre, "+4570000001", "ooo2")
    msgs = (await client.get(f"/api/v1/conversations/{c.id}/messages", headers=centre.auth)).json()
    sent = [m for m in msgs["data"] if m["direction"] == "out"]
    assert [m["text"] for m in sent] == ["We are closed."]
    clock.set(clock.at.replace(hour=10))  # open: a new customer gets nothing
    d = await arrive(client, centre, "+4570000002", "in-hours")
    msgs = (await client.get(f"/api/v1/conversations/{d.id}/messages", headers=centre.auth)).json()
    assert [m["direction"] for m in msgs["data"]] == ["in"]


async def test_a_bot_handing_over_gets_the_conversation_assigned_at_once(
    client: httpx.AsyncClient, hub: Hub
) -> None:
    account = await accounts.create_account("Botty", "HUB", 10, ["generic_api", "chatbot_api"])
    channel, extra = await accounts.create_channel(hub, account, "test", "Bot line", {})
    _, key = await accounts.create_key(account)
    t = Tenant(account, channel, key, extra)
    ann = await agent(client, t, "Ann", capacity=1)
    desk = await team(client, t, name="Desk", assignment="least_busy", member_ids=[str(ann.id)])

    async def silent_bot(request: Request) -> JSONResponse:
        return JSONResponse({})

    async with serve(Starlette(routes=[Route("/hook", silent_bot, methods=["POST"])])) as base:
        r = await client.post(
            "/api/v1/bots",
            json={"name": "B", "webhook_url": f"{base}/hook", "channel_ids": [str(channel.id)]},
            headers=t.auth,
        )
        assert r.status_code == 201, r.text
        token = r.json()["token"]
        c = await arrive(client, t, "+4541000001", "b1")
        assert c.handler == "bot" and c.assignee_id is None
        r = await client.post(
            f"/api/v1/bot/conversations/{c.id}/handoff",
            json={"team_id": desk["id"], "note": "wants a person"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert r.status_code == 200, r.text
    assert (await reload(c)).assignee_id == str(ann.id)


async def test_a_reopened_unassigned_conversation_is_assigned_at_once(
    client: httpx.AsyncClient, centre: Tenant
) -> None:
    ann = await agent(client, centre, "Ann", capacity=0)
    desk = await team(
        client, centre, name="Desk", assignment="round_robin", member_ids=[str(ann.id)]
    )
    await default_team(centre, desk["id"])
    c = await arrive(client, centre, "+4542000001", "r1")
    r = await client.patch(
        f"/api/v1/conversations/{c.id}", json={"status": "resolved"}, headers=centre.auth
    )
    assert r.json()["assignee_id"] is None
    await client.patch(f"/api/v1/users/{ann.id}", json={"capacity": 1}, headers=centre.auth)
    assert (await reload(c)).assignee_id is None  # resolved: not in the queue
    await arrive(client, centre, "+4542000001", "r2")  # the customer writes again
    again = await reload(c)
    assert again.status == "open" and again.assignee_id == str(ann.id)
