"""The contact centre's API rows: teams, users' routing fields, the VIP list, a message's from."""

from __future__ import annotations

import httpx

from hub.models import Conversation
from tests.centre.helpers import agent, arrive, make_centre, team
from tests.conftest import Tenant


async def test_teams_crud(client: httpx.AsyncClient, centre: Tenant) -> None:
    ann = await agent(client, centre, "Ann")
    made = await team(client, centre, name="Sales", member_ids=[str(ann.id)])
    assert made["assignment"] == "manual" and made["overflow"] is None
    assert made["callback"] is None and made["member_ids"] == [str(ann.id)]
    other = await team(client, centre, name="Backup")
    r = await client.patch(
        f"/api/v1/teams/{made['id']}",
        json={"assignment": "least_busy", "overflow": {"after_minutes": 3, "team_id": other["id"]}},
        headers=centre.auth,
    )
    assert r.status_code == 200, r.text
    assert r.json()["overflow"] == {"after_minutes": 3, "team_id": other["id"]}
    user = (await client.get(f"/api/v1/users/{ann.id}", headers=centre.auth)).json()
    assert user["team_ids"] == [made["id"]]
    listed = (await client.get("/api/v1/teams", headers=centre.auth)).json()["data"]
    assert [t["name"] for t in listed] == ["Backup", "Sales"]
    r = await client.delete(f"/api/v1/teams/{other['id']}", headers=centre.auth)
    assert r.status_code == 200
    r = await client.get(f"/api/v1/teams/{made['id']}", headers=centre.auth)
    assert r.json()["overflow"] is None  # the overflow team is gone
    assert (
        await client.get(f"/api/v1/teams/{other['id']}", headers=centre.auth)
    ).status_code == 404


async def test_unknown_ids_in_routing_fields_are_400_naming_the_field(
    client: httpx.AsyncClient, centre: Tenant, hub: object
) -> None:
    stranger = await make_centre(hub, "Elsewhere")  # type: ignore[arg-type]
    theirs = await agent(client, stranger, "Zed")
    their_team = await team(client, stranger, name="Theirs")
    cases = [
        ({"name": "X", "member_ids": [str(theirs.id)]}, "member_ids[0]"),
        ({"name": "X", "member_ids": ["nope"]}, "member_ids[0]"),
        ({"name": "X", "overflow": {"after_minutes": 5, "team_id": their_team["id"]}}, "overflow"),
        ({"name": "X", "assignment": "random"}, "assignment"),
        ({"name": "X", "business_hours": {"days": {"mon": [["18:00", "09:00"]]}}}, "mon"),
        ({"name": "X", "overflow": {"after_minutes": 0, "team_id": their_team["id"]}}, "after"),
    ]
    for body, field in cases:
        r = await client.post("/api/v1/teams", json=body, headers=centre.auth)
        assert r.status_code == 400, body
        assert field in r.json()["error"]["message"], r.json()
    ann = await agent(client, centre, "Ann")
    for body, field in [
        ({"team_ids": [their_team["id"]]}, "team_ids[0]"),
        ({"capacity": -1}, "capacity"),
        ({"presence": "busy"}, "presence"),
        ({"calendar_url": "ftp://x"}, "calendar_url"),
    ]:
        r = await client.patch(f"/api/v1/users/{ann.id}", json=body, headers=centre.auth)
        assert r.status_code == 400, body
        assert field in r.json()["error"]["message"], r.json()
    assert (await client.get("/api/v1/teams", headers=centre.auth)).json()["data"] == []


async def test_another_accounts_ids_are_not_found(
    client: httpx.AsyncClient, centre: Tenant, hub: object
) -> None:
    stranger = await make_centre(hub, "Elsewhere")  # type: ignore[arg-type]
    theirs = await agent(client, stranger, "Zed")
    their_team = await team(client, stranger, name="Theirs")
    for method, path in [
        ("GET", f"/api/v1/teams/{their_team['id']}"),
        ("PATCH", f"/api/v1/teams/{their_team['id']}"),
        ("DELETE", f"/api/v1/teams/{their_team['id']}"),
        ("GET", f"/api/v1/users/{theirs.id}"),
        ("PATCH", f"/api/v1/users/{theirs.id}"),
    ]:
        r = await client.request(method, path, json={}, headers=centre.auth)
        assert r.status_code == 404, (method, path)
    queues = (await client.get("/api/v1/queues", headers=centre.auth)).json()["data"]
    assert [q["name"] for q in queues] == ["No team"]
    assert (await client.get("/api/v1/vip", headers=centre.auth)).json() == {"addresses": []}


async def test_vip_list_is_normalized_and_checked(
    client: httpx.AsyncClient, centre: Tenant
) -> None:
    known = await arrive(client, centre, "+4588000001", "before")  # existed before the list
    assert known.vip is False
    r = await client.put(
        "/api/v1/vip",
        json={"addresses": ["0045 88 00 00 01", "Ann@Example.COM", "+4588000001"]},
        headers=centre.auth,
    )
    assert r.json() == {"addresses": ["+4588000001", "ann@example.com"]}
    r = await client.put("/api/v1/vip", json={"addresses": ["12"]}, headers=centre.auth)
    assert r.status_code == 400 and "addresses[0]" in r.json()["error"]["message"]
    # The known contact's next conversation (after the old one was resolved and retired,
    # as housekeeping does after the reopen window) is a VIP's.
    r = await client.patch(
        f"/api/v1/conversations/{known.id}", json={"status": "resolved"}, headers=centre.auth
    )
    assert r.status_code == 200
    await Conversation.get_pymongo_collection().update_one(
        {"_id": known.id}, {"$set": {"thread_key": str(known.id)}}
    )
    await arrive(client, centre, "+4588000001", "after")
    fresh = await Conversation.find_one(
        Conversation.account_id == centre.account.id,
        Conversation.contact_key == "phone:+4588000001",
        Conversation.thread_key == "current",
    )
    assert fresh is not None and fresh.vip is True and fresh.id != known.id
    r = await client.get(f"/api/v1/conversations/{fresh.id}", headers=centre.auth)
    assert r.json()["vip"] is True


async def test_directory_search_by_name_email_phone_and_team(
    client: httpx.AsyncClient, centre: Tenant
) -> None:
    ann = await agent(client, centre, "Ann Berg", phone="+45 11 22 33 44")
    bob = await agent(client, centre, "Bob Lund")
    await team(client, centre, name="Billing", member_ids=[str(bob.id)])

    async def found(q: str) -> list[str]:
        r = await client.get("/api/v1/users", params={"search": q}, headers=centre.auth)
        return [u["name"] for u in r.json()["data"]]

    assert await found("berg") == ["Ann Berg"]
    assert await found("nobody") == []
    assert await found("lund@centre.test") == ["Bob Lund"]
    assert await found("223344") == ["Ann Berg"]
    assert await found("billing") == ["Bob Lund"]
    assert len(await found("")) == 2
    one = (await client.get(f"/api/v1/users/{ann.id}", headers=centre.auth)).json()
    assert one["presence"] == "available" and one["absence"] is None and one["capacity"] == 1


async def test_a_reply_from_an_unknown_sender_is_422(
    client: httpx.AsyncClient, centre: Tenant
) -> None:
    c = await arrive(client, centre, "+4589000001", "s1")
    r = await client.post(
        f"/api/v1/conversations/{c.id}/messages",
        json={"text": "hi", "from": "+4599999999"},
        headers=centre.auth,
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "unknown_sender"
    r = await client.post(
        "/api/v1/messages",
        json={"channel_id": str(centre.channel.id), "to": "+4589000002", "text": "hi", "from": "x"},
        headers=centre.auth,
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "unknown_sender"
    r = await client.post(
        f"/api/v1/conversations/{c.id}/messages", json={"text": "hi"}, headers=centre.auth
    )
    assert r.status_code == 202 and r.json()["from"] is None
