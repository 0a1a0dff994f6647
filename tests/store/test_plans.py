"""The planner is used: every query the hot lists and look-ups send is an index scan.

The queries are recorded as the real code sends them (``AsyncCollection.find`` is
wrapped), then each is ``explain``ed on SecantusDB: a ``COLLSCAN`` anywhere in the
winning plan fails. Not timed; a query that would grow with history is caught here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pymongo.asynchronous.collection import AsyncCollection

from hub.contract import now
from hub.facts import activity
from hub.models import Conversation, Message
from hub.pipeline.housekeeping import sweep
from hub.store import paging
from tests.conftest import Running, Tenant
from tests.core.helpers import inbound_conversation, post_webhook
from tests.inbox.conftest import add_user, session_client

#: Collections that grow with history: every query on them must use an index.
GROWING = ("conversations", "messages", "contacts", "activity_events", "daily_counters")


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, dict[str, Any]]]]:
    seen: list[tuple[str, dict[str, Any]]] = []
    original = AsyncCollection.find

    def find(self: AsyncCollection[Any], filter: Any = None, *args: Any, **kwargs: Any) -> Any:
        if self.name in GROWING:
            query = dict(filter or {})
            if kwargs.get("hint"):  # the dispatcher names its partial index
                query = {"$hint": kwargs["hint"], **query}
            seen.append((self.name, query))
        return original(self, filter, *args, **kwargs)

    monkeypatch.setattr(AsyncCollection, "find", find)
    yield seen


def _stages(plan: dict[str, Any]) -> Iterator[str]:
    yield plan.get("stage", "")
    for key in ("inputStage", "outerStage", "innerStage"):
        if isinstance(plan.get(key), dict):
            yield from _stages(plan[key])
    for child in plan.get("inputStages", []):
        yield from _stages(child)


async def assert_indexed(running: Running, seen: list[tuple[str, dict[str, Any]]]) -> int:
    database = running.hub.database
    checked = 0
    for name, query in seen:
        find: dict[str, Any] = {"find": name, "filter": dict(query)}
        if "$hint" in query:
            find["hint"] = dict(find["filter"].pop("$hint"))
        answer = await database.command("explain", find)
        stages = list(_stages(answer["queryPlanner"]["winningPlan"]))
        assert "COLLSCAN" not in stages, f"{name} scanned for {query}: {stages}"
        assert "IXSCAN" in stages, f"{name}: no index for {query}: {stages}"
        checked += 1
    seen.clear()
    return checked


async def _setup(client: httpx.AsyncClient, tenant: Tenant) -> tuple[Conversation, Message]:
    conversation = await inbound_conversation(client, tenant, "+4512000001", "p-1")
    for i in range(3):
        await post_webhook(
            client, tenant, [{"id": f"p-{i + 2}", "from": "+4512000001", "text": "x"}]
        )
    message = await Message.find_one(Message.provider_message_id == "p-2")
    assert message is not None
    return conversation, message


async def test_api_lists_and_lookups_use_indexes(
    running: Running, client: httpx.AsyncClient, tenant: Tenant, recorded: list[Any]
) -> None:
    conversation, message = await _setup(client, tenant)
    recorded.clear()
    user = await add_user(tenant, "agent@acme.test", "agent", "Agnes")
    cid, ch = str(conversation.id), str(tenant.channel.id)
    paths = [
        "/api/v1/conversations",
        "/api/v1/conversations?status=open",
        f"/api/v1/conversations?assignee_id={user.id}",
        f"/api/v1/conversations?assignee_id={user.id}&status=open",
        f"/api/v1/conversations?channel_id={ch}",
        f"/api/v1/conversations?contact_id={conversation.contact_id}",
        f"/api/v1/conversations?channel_id={ch}&status=open",
        f"/api/v1/conversations/{cid}",
        f"/api/v1/conversations/{cid}/messages",
        f"/api/v1/conversations/{cid}/messages?limit=1",
        f"/api/v1/messages/{message.id}",
        "/api/v1/contacts",
        "/api/v1/contacts?search=45",
    ]
    for path in paths:
        r = await client.get(path, headers=tenant.auth)
        assert r.status_code == 200, (path, r.text)
        cursor = r.json().get("next_cursor")
        if cursor:
            sep = "&" if "?" in path else "?"
            assert (await client.get(f"{path}{sep}cursor={cursor}", headers=tenant.auth)).is_success
    assert await assert_indexed(running, recorded) >= len(paths)


async def test_inbox_list_search_and_thread_use_indexes(
    running: Running, client: httpx.AsyncClient, tenant: Tenant, recorded: list[Any]
) -> None:
    conversation, _ = await _setup(client, tenant)
    agent = await add_user(tenant, "agent@acme.test", "agent", "Agnes")
    signed_in = session_client(running, agent)
    recorded.clear()
    for path in [
        "/inbox",
        "/inbox?view=mine",
        "/inbox?view=unassigned&status=any",
        "/inbox?status=resolved&handler=any",
        f"/inbox?channel={tenant.channel.id}",
        "/inbox?label=vip",
        "/inbox?q=Ann",
        "/inbox?q=%2B4512000001",
        f"/inbox/c/{conversation.id}",
    ]:
        r = await signed_in.get(path)
        assert r.status_code == 200, (path, r.status_code)
    await signed_in.aclose()
    assert await assert_indexed(running, recorded) > 0


async def test_ingest_statuses_and_housekeeping_use_indexes(
    running: Running, client: httpx.AsyncClient, tenant: Tenant, recorded: list[Any]
) -> None:
    await _setup(client, tenant)
    recorded.clear()
    statuses = [{"id": "p-2", "status": "delivered"}, {"id": "unknown", "status": "read"}]
    r = await post_webhook(client, tenant, [{"id": "p-9", "from": "+4512000002", "text": "y"}])
    assert r.status_code == 200
    assert (await post_webhook(client, tenant, statuses=statuses)).status_code == 200
    await sweep()
    assert await assert_indexed(running, recorded) > 0


async def test_activity_reads_use_indexes(
    running: Running, tenant: Tenant, recorded: list[Any]
) -> None:
    account = tenant.account.id
    assert account is not None
    at = now()
    await activity.record(account, "opened", at=at, user_id="u1", team_id="t1")
    await activity.events_between(account, at - dt.timedelta(days=30), at + dt.timedelta(days=1))
    day = activity.local_day(at)
    for scope in ("account", "agent", "team", "channel"):
        assert len(await activity.counters_between(account, scope, day, day)) <= 1
    assert await assert_indexed(running, recorded) == 5


async def test_an_unindexed_query_is_caught(running: Running, recorded: list[Any]) -> None:
    """The check itself can fail: ``{_id, account_id}`` makes the embedded planner scan."""
    await paging.by_id(Conversation.get_pymongo_collection(), None, None)
    await Conversation.get_pymongo_collection().find_one({"_id": 1, "account_id": 1})
    with pytest.raises(AssertionError, match="scanned"):
        await assert_indexed(running, recorded)


def _index_names(plan: dict[str, Any]) -> Iterator[str]:
    if plan.get("indexName"):
        yield plan["indexName"]
    for key in ("inputStage", "outerStage", "innerStage"):
        if isinstance(plan.get(key), dict):
            yield from _index_names(plan[key])
    for child in plan.get("inputStages", []):
        yield from _index_names(child)


async def test_every_search_shape_reads_the_term_index(
    running: Running, client: httpx.AsyncClient, tenant: Tenant, recorded: list[Any]
) -> None:
    """Rare word, common word, several words, a phrase, an email (whole, local part), a
    phone as typed, a name's start, a later page: every query is an index scan, and the
    messages are read by their terms (``(account_id, terms, created_at)``)."""
    for i in range(4):
        text = f"the parcel courier order {i} from ann.jensen@example.com"
        r = await post_webhook(
            client, tenant, [{"id": f"s-{i}", "from": f"+452012010{i}", "text": text}]
        )
        assert r.status_code == 200
    recorded.clear()
    shapes = [
        "zanzibar",
        "parcel",
        "parcel courier",
        '"parcel courier" order',
        "ann.jensen@example.com",
        "ann.jensen",
        "+45 20 12 01 01",
        "Ann",
    ]
    for q in shapes:
        r = await client.get(
            "/api/v1/conversations", params={"q": q, "limit": "2"}, headers=tenant.auth
        )
        assert r.status_code == 200, (q, r.text)
        cursor = r.json()["next_cursor"]
        if cursor:  # a later page: the check for a newer match on an earlier page too
            params = {"q": q, "limit": "2", "cursor": cursor}
            assert (
                await client.get("/api/v1/conversations", params=params, headers=tenant.auth)
            ).is_success
    term_reads = [query for name, query in recorded if name == "messages" and "terms" in query]
    assert len(term_reads) >= len(shapes) - 1
    for query in term_reads:
        answer = await running.hub.database.command(
            "explain", {"find": "messages", "filter": query}
        )
        names = list(_index_names(answer["queryPlanner"]["winningPlan"]))
        assert any("terms" in n for n in names), (query, names)
    assert await assert_indexed(running, recorded) >= len(shapes) * 2
