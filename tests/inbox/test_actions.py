"""Conversation actions: assign, transfer with a note, team, resolve/reopen, snooze, labels,
priority, and the role a colleague's conversation needs."""

from __future__ import annotations

import datetime as dt

import httpx

from hub.contract import now
from hub.inbox.actions import wake_time
from hub.models import Conversation, Message, Team, User
from tests.conftest import Running, Tenant
from tests.inbox.conftest import add_user, csrf_of, post_inbound, session_client


async def _setup(running: Running, tenant: Tenant) -> Conversation:
    await post_inbound(running.client, tenant, "in-1", "+4511111111", "Hello", "Ann")
    conv = await Conversation.find_one(Conversation.account_id == tenant.account.id)
    assert conv is not None
    return conv


async def _post(client: httpx.AsyncClient, url: str, **data: str) -> httpx.Response:
    token = csrf_of((await client.get("/inbox")).text)
    return await client.post(url, data=data, headers={"HX-Request": "true", "X-CSRF-Token": token})


async def _reload(conv: Conversation) -> Conversation:
    found = await Conversation.get(conv.id)
    assert found is not None
    return found


async def test_assign_transfer_and_team(
    running: Running, tenant: Tenant, agent: User, signed_in: httpx.AsyncClient
) -> None:
    conv = await _setup(running, tenant)
    bob = await add_user(tenant, "bob@acme.test", "agent", "Bob")
    team = Team(account_id=tenant.account.id, name="Billing")  # type: ignore[arg-type]
    await team.insert()
    c = f"/inbox/c/{conv.id}"
    r = await _post(signed_in, f"{c}/assign", assignee="me")
    assert r.status_code == 204 and "conv-changed" in r.headers["hx-trigger"]
    assert (await _reload(conv)).assignee_id == str(agent.id)
    bad = await _post(signed_in, f"{c}/assign", assignee="me", team="000000000000000000000000")
    assert bad.status_code == 400 and "no team of this account" in bad.text
    assert bad.headers["hx-retarget"] == "#alert"
    r = await _post(
        signed_in, f"{c}/assign", assignee=str(bob.id), team=str(team.id), note="He knows billing"
    )
    assert r.status_code == 204
    moved = await _reload(conv)
    assert moved.assignee_id == str(bob.id) and moved.team_id == str(team.id)
    note = await Message.find_one(Message.conversation_id == conv.id, Message.private == True)  # noqa: E712
    assert note is not None and note.text == "Transferred to Bob (team Billing): He knows billing"
    header = await signed_in.get(c, headers={"HX-Request": "true", "HX-Target": "header"})
    assert '<strong class="assignee">Bob</strong>' in header.text and "Billing" in header.text
    # Bob's now: an agent cannot take it back (see the supervisor test)
    assert (await _post(signed_in, f"{c}/assign", assignee="me")).status_code == 403


async def test_taking_a_colleagues_conversation_needs_a_supervisor(
    running: Running, tenant: Tenant, agent: User, signed_in: httpx.AsyncClient
) -> None:
    conv = await _setup(running, tenant)
    boss = await add_user(tenant, "boss@acme.test", "supervisor", "Boss")
    await Conversation.get_pymongo_collection().update_one(
        {"_id": conv.id}, {"$set": {"assignee_id": str(boss.id)}}
    )
    r = await _post(signed_in, f"/inbox/c/{conv.id}/assign", assignee="me")
    assert r.status_code == 403 and (await _reload(conv)).assignee_id == str(boss.id)
    await Conversation.get_pymongo_collection().update_one(
        {"_id": conv.id}, {"$set": {"assignee_id": str(agent.id)}}
    )
    async with session_client(running, boss) as client:
        assert (await _post(client, f"/inbox/c/{conv.id}/assign", assignee="me")).status_code == 204
    assert (await _reload(conv)).assignee_id == str(boss.id)


async def test_resolve_reopen_snooze(
    running: Running, tenant: Tenant, signed_in: httpx.AsyncClient
) -> None:
    conv = await _setup(running, tenant)
    c = f"/inbox/c/{conv.id}"
    assert (await _post(signed_in, f"{c}/status", status="resolved")).status_code == 204
    resolved = await _reload(conv)
    assert resolved.status == "resolved" and resolved.resolved_at is not None
    assert (await _post(signed_in, f"{c}/status", status="open")).status_code == 204
    assert (await _reload(conv)).status == "open"
    assert (await _post(signed_in, f"{c}/status", status="deleted")).status_code == 400
    later = (now() + dt.timedelta(days=2)).replace(second=0, microsecond=0)
    local = (later - dt.timedelta(minutes=-120)).strftime("%Y-%m-%dT%H:%M")  # a browser at UTC+2
    assert (await _post(signed_in, f"{c}/snooze", until=local, tz="-120")).status_code == 204
    snoozed = await _reload(conv)
    assert snoozed.status == "snoozed" and snoozed.snoozed_until == later
    past = (now() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    r = await _post(signed_in, f"{c}/snooze", until=past, tz="0")
    assert r.status_code == 400 and "future" in r.text


def test_wake_time_reads_the_browser_zone() -> None:
    assert wake_time("2030-05-01T09:30", "-120") == dt.datetime(2030, 5, 1, 7, 30, tzinfo=dt.UTC)
    assert wake_time("2030-05-01T09:30", "300") == dt.datetime(2030, 5, 1, 14, 30, tzinfo=dt.UTC)


async def test_labels_and_priority(
    running: Running, tenant: Tenant, signed_in: httpx.AsyncClient
) -> None:
    conv = await _setup(running, tenant)
    c = f"/inbox/c/{conv.id}"
    assert (await _post(signed_in, f"{c}/labels", labels=" VIP, refund ,vip,, ")).status_code == 204
    assert (await _reload(conv)).labels == ["vip", "refund"]
    assert (await _post(signed_in, f"{c}/priority", priority="urgent")).status_code == 204
    assert (await _reload(conv)).priority == "urgent"
    r = await _post(signed_in, f"{c}/priority", priority="whenever")
    assert r.status_code == 400 and (await _reload(conv)).priority == "urgent"


async def test_without_htmx_actions_redirect_back(
    running: Running, tenant: Tenant, signed_in: httpx.AsyncClient
) -> None:
    conv = await _setup(running, tenant)
    token = csrf_of((await signed_in.get("/inbox")).text)
    r = await signed_in.post(
        f"/inbox/c/{conv.id}/priority", data={"priority": "low", "csrf": token}
    )
    assert r.status_code == 303 and r.headers["location"] == f"/inbox/c/{conv.id}"


async def test_presence(
    running: Running, tenant: Tenant, agent: User, signed_in: httpx.AsyncClient
) -> None:
    r = await _post(signed_in, "/inbox/presence", presence="away")
    assert r.status_code == 200 and 'class="presence-away"' in r.text
    assert (await User.get(agent.id)).presence == "away"  # type: ignore[union-attr]
    assert (await _post(signed_in, "/inbox/presence", presence="asleep")).status_code == 400
