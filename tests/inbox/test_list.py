"""The conversation list: views, filters, search, the bot queue, cursor pages, indexes."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import httpx
from beanie import PydanticObjectId

from hub.contract import now
from hub.models import Conversation, Team, User
from tests.conftest import Running, Tenant
from tests.inbox.conftest import add_user, post_inbound

ROW = re.compile(r'<li class="conv [^"]*" data-id="([0-9a-f]{24})"')


async def rows(client: httpx.AsyncClient, **params: str) -> list[str]:
    r = await client.get(
        "/inbox", params=params, headers={"HX-Request": "true", "HX-Target": "rows"}
    )
    assert r.status_code == 200, r.text
    assert "<html" not in r.text  # only the block htmx swaps
    return ROW.findall(r.text)


async def _setup(running: Running, tenant: Tenant, agent: User) -> dict[str, str]:
    """Four conversations: mine, a colleague's, an unassigned one, and a bot's."""
    senders = {
        "mine": "+4510000001",
        "bobs": "+4510000002",
        "free": "+4510000003",
        "bot": "+4510000004",
    }
    texts = {
        "mine": "Order 55 is late",
        "bobs": "Refund please",
        "free": "Hi (a+b)*",
        "bot": "Bot talk",
    }
    for key, sender in senders.items():
        await post_inbound(running.client, tenant, f"id-{key}", sender, texts[key], key.title())
    ids = {}
    for key, sender in senders.items():
        conv = await Conversation.find_one(Conversation.contact_key == f"phone:{sender}")
        assert conv is not None
        ids[key] = str(conv.id)
    bob = await add_user(tenant, "bob@acme.test", "agent", "Bob")
    team = Team(account_id=tenant.account.id, name="Billing")  # type: ignore[arg-type]
    await team.insert()
    ids["team"] = str(team.id)
    sets = {
        "mine": {"assignee_id": str(agent.id), "labels": ["vip"], "priority": "high"},
        "bobs": {"assignee_id": str(bob.id), "team_id": str(team.id), "status": "pending"},
        "bot": {"handler": "bot"},
    }
    for key, values in sets.items():
        await Conversation.get_pymongo_collection().update_one(
            {"_id": PydanticObjectId(ids[key])}, {"$set": values}
        )
    return ids


async def test_views_and_filters(
    running: Running, tenant: Tenant, agent: User, signed_in: httpx.AsyncClient
) -> None:
    ids = await _setup(running, tenant, agent)
    assert set(await rows(signed_in)) == {ids["mine"], ids["free"]}  # open, people only
    assert await rows(signed_in, view="mine") == [ids["mine"]]
    assert await rows(signed_in, view="unassigned") == [ids["free"]]
    assert set(await rows(signed_in, status="any")) == {ids["mine"], ids["free"], ids["bobs"]}
    assert await rows(signed_in, status="pending") == [ids["bobs"]]
    assert await rows(signed_in, status="any", team=ids["team"]) == [ids["bobs"]]
    assert await rows(signed_in, label="VIP") == [ids["mine"]]
    assert await rows(signed_in, handler="bot") == [ids["bot"]]
    assert len(await rows(signed_in, handler="any")) == 3
    assert len(await rows(signed_in, channel=str(tenant.channel.id))) == 2
    assert await rows(signed_in, channel="000000000000000000000000") == []
    page = await signed_in.get("/inbox", params={"status": "any"})
    assert "Unassigned" in page.text and "Agnes Agent" in page.text and "high" in page.text


async def test_search(
    running: Running, tenant: Tenant, agent: User, signed_in: httpx.AsyncClient
) -> None:
    ids = await _setup(running, tenant, agent)
    assert await rows(signed_in, q="order 55") == [ids["mine"]]  # message text, any case
    assert await rows(signed_in, q="FREE") == [ids["free"]]  # contact name
    assert await rows(signed_in, q="10000003") == [ids["free"]]  # address
    assert await rows(signed_in, q="(a+b)*") == [ids["free"]]  # regex characters are literal
    assert await rows(signed_in, q="nothing like this") == []
    assert await rows(signed_in, q="refund", status="any") == [ids["bobs"]]
    assert await rows(signed_in, q="order", view="mine") == [ids["mine"]]
    assert await rows(signed_in, q="refund", view="mine", status="any") == []
    # only in an earlier message (not the last one shown in the row)
    await post_inbound(running.client, tenant, "id-free-2", "+4510000003", "thanks", "Free")
    assert await rows(signed_in, q="(A+B)") == [ids["free"]]
    assert await rows(signed_in, q="fre") == [ids["free"]]  # the start of a name, any case


async def test_cursor_pages(running: Running, tenant: Tenant, signed_in: httpx.AsyncClient) -> None:
    base = now() - dt.timedelta(hours=1)
    docs = [
        Conversation(
            account_id=tenant.account.id,
            channel_id=tenant.channel.id,
            channel_type="test",  # type: ignore[arg-type]
            contact_key=f"phone:+4520{i:06d}",
            contact_name=f"Person {i}",
            last_message_at=base + dt.timedelta(seconds=i),
            last_message_preview=f"text {i}",
        )
        for i in range(30)
    ]
    await Conversation.insert_many(docs)
    first = await signed_in.get("/inbox", headers={"HX-Request": "true", "HX-Target": "rows"})
    got = ROW.findall(first.text)
    assert len(got) == 25 and "Person 29" in first.text
    cursor = re.search(r'data-cursor="([^"]+)"', first.text)
    assert cursor is not None
    second = await rows(signed_in, cursor=cursor.group(1))
    assert len(second) == 5 and not set(second) & set(got)
    bad = await signed_in.get("/inbox", params={"cursor": "nonsense"})
    assert bad.status_code == 400 and "cursor" in bad.text


async def test_every_filter_has_an_index(running: Running) -> None:
    info = await Conversation.get_pymongo_collection().index_information()
    leading = {tuple(k for k, _ in spec["key"])[:2] for spec in info.values()}
    # ``status`` alone reads both handlers of (account_id, handler, status, ...): see
    # tests/store/test_plans.py, which proves with ``explain`` that each list uses one.
    for field in (
        "handler",
        "assignee_id",
        "channel_id",
        "team_id",
        "labels",
        "contact_key",
    ):
        assert ("account_id", field) in leading, field


async def test_a_surname_is_found_at_any_age(
    running: Running, tenant: Tenant, signed_in: httpx.AsyncClient, clock: Any
) -> None:
    """A word of the contact's name, older than the substring search's horizon, is found
    through the contacts' term index (hub.store.search), and only for its account."""
    clock.set(dt.datetime(2025, 1, 6, 9, 0))
    await post_inbound(running.client, tenant, "old-1", "+4530000001", "hello", "Ulla Zyxwvut")
    clock.set(dt.datetime(2026, 3, 2, 9, 0))
    await post_inbound(running.client, tenant, "new-1", "+4530000002", "hi", "Bo Other")
    old = await Conversation.find_one(Conversation.contact_key == "phone:+4530000001")
    assert old is not None
    assert await rows(signed_in, q="zyxw", status="any") == [str(old.id)]
    assert await rows(signed_in, q="Ulla Zyx", status="any") == [str(old.id)]
    assert await rows(signed_in, q="ulla other", status="any") == []


async def test_search_box_reads_the_whole_history_in_pages(
    running: Running, tenant: Tenant, signed_in: httpx.AsyncClient, clock: Any
) -> None:
    """The box uses the API's search (hub.store.search): any age, cursor pages, q kept."""
    clock.set(dt.datetime(2025, 9, 1, 9, 0))
    await post_inbound(running.client, tenant, "inv-old", "+4530100000", "invoice 4471 missing")
    clock.set(dt.datetime(2026, 3, 1, 9, 0))
    for i in range(1, 26):  # 25 newer: the old one is on the second page
        clock.advance(minutes=1)
        await post_inbound(running.client, tenant, f"inv-{i}", f"+45301000{i:02d}", "invoice")
    old = await Conversation.find_one(Conversation.contact_key == "phone:+4530100000")
    assert old is not None
    assert await rows(signed_in, q="4471 INVOICE", status="any") == [str(old.id)]
    first = await signed_in.get(
        "/inbox",
        params={"q": "invoice", "status": "any"},
        headers={"HX-Request": "true", "HX-Target": "rows"},
    )
    got = ROW.findall(first.text)
    cursor = re.search(r'href="/inbox\?([^"]*)" data-cursor="([^"]+)"', first.text)
    assert len(got) == 25 and cursor is not None and "q=invoice" in cursor.group(1)
    second = await rows(signed_in, q="invoice", status="any", cursor=cursor.group(2))
    assert second == [str(old.id)] and str(old.id) not in got
