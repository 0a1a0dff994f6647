"""hub.store.threads.touch: a conversation that exists is written with a guarded update.

The touch of an existing conversation reads it (or takes the caller's read), writes it
with ``update_one`` by ``_id`` through a pipeline that the server refuses unless the
fields its answer depends on are still as read, and computes the answer from the read. These
tests make the read stale on purpose (the conversation resolved, assigned, given clocks,
retired after it) and check the answer and the document against what the atomic upsert
answered before: a stale read costs a second read, never a wrong answer. Commands are
counted with pymongo's monitoring (``tests/core/test_round_trips``' listener).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hub.models import Conversation
from hub.pipeline.services import Hub
from hub.store import threads, touches
from tests.conftest import Running, make_tenant
from tests.core.test_round_trips import (  # noqa: F401  (fixtures)
    Commands,
    _counting,
    commands,
    connectors,
    quiet,
)

AT = dt.datetime(2026, 5, 4, 10, 0, tzinfo=dt.UTC)


def _arrival(at: dt.datetime, preview: str = "hi", team_id: str | None = None) -> threads.Arrival:
    return threads.Arrival(
        at=at,
        channel_type="test",
        preview=preview,
        subject=None,
        business_address=None,
        contact_name=None,
        handler="human",
        bot_id=None,
        team_id=team_id,
    )


async def _key(hub: Hub) -> threads.ThreadKey:
    tenant = await make_tenant(hub)
    assert tenant.channel.id is not None and tenant.account.id is not None
    return threads.ThreadKey(tenant.account.id, tenant.channel.id, "phone:+4520123456")


async def _doc(key: threads.ThreadKey) -> dict[str, Any]:
    doc = await Conversation.get_pymongo_collection().find_one(key._query())
    assert doc is not None
    return doc


async def _set(key: threads.ThreadKey, fields: dict[str, Any]) -> None:
    await Conversation.get_pymongo_collection().update_one(key._query(), {"$set": fields})


async def test_a_steady_message_is_one_read_and_one_update(
    quiet: Running,  # noqa: F811
    commands: Commands,  # noqa: F811
) -> None:
    key = await _key(quiet.hub)
    first = await threads.touch(key, _arrival(AT))
    assert first.created and first.opened and first.first and first.requeued is False
    token = _counting.set(True)
    try:
        commands.reset()
        before = await threads.current(key)
        touched = await threads.touch(key, _arrival(AT + dt.timedelta(minutes=1), "again"), before)
    finally:
        _counting.reset(token)
    assert dict(commands.counts) == {"find": 1, "update": 1}, commands.counts
    assert touched == threads.Touched(first.id, False, False, False, None, False, False)
    doc = await _doc(key)
    assert doc["messages_in"] == doc["unread"] == 2
    assert doc["last_message_preview"] == "again"
    assert doc["_id"] == first.id and doc["status"] == "open"


async def test_a_stale_read_is_read_again_and_answers_as_the_document_is(
    quiet: Running,  # noqa: F811
    commands: Commands,  # noqa: F811
) -> None:
    key = await _key(quiet.hub)
    first = await threads.touch(key, _arrival(AT))
    before = await threads.current(key)  # open, unassigned, no clocks
    # Meanwhile an agent resolves it, and it gains SLA clocks.
    await _set(key, {"status": "resolved", "resolved_at": AT, "sla": {"v": 3}})
    token = _counting.set(True)
    try:
        commands.reset()
        later = AT + dt.timedelta(hours=1)
        touched = await threads.touch(key, _arrival(later, "back"), before)
    finally:
        _counting.reset(token)
    # The guarded write was refused (it changed nothing), the conversation was read
    # again and reopened.
    assert dict(commands.counts) == {"update": 2, "find": 1}, commands.counts
    assert touched.id == first.id and not touched.created
    assert touched.opened and not touched.first and touched.requeued and touched.clocked
    doc = await _doc(key)
    assert doc["status"] == "open" and doc["resolved_at"] is None
    assert doc["messages_in"] == 2 and doc["unread"] == 2
    assert abs(doc["queued_at"] - later) < dt.timedelta(milliseconds=1)
    assert doc["open_token"] not in (None, "business")


async def test_the_customers_first_answer_to_a_business_opening(
    quiet: Running,  # noqa: F811
) -> None:
    key = await _key(quiet.hub)
    await threads.touch(key, _arrival(AT))
    await _set(key, {"open_token": "business", "assignee_id": "agent-1", "team_id": "t1"})
    before = await threads.current(key)
    touched = await threads.touch(key, _arrival(AT + dt.timedelta(minutes=1)), before)
    assert touched.opened and touched.first and not touched.created
    assert touched.team_id == "t1" and not touched.requeued and not touched.clocked
    assert (await _doc(key))["open_token"].endswith(":first")


async def test_a_retired_thread_is_not_written_through_a_stale_read(
    quiet: Running,  # noqa: F811
) -> None:
    key = await _key(quiet.hub)
    old = await threads.touch(key, _arrival(AT))
    before = await threads.current(key)
    # Housekeeping retires the resolved thread: its key no longer names it.
    await _set(key, {"status": "resolved", "thread_key": f"retired:{old.id}"})
    touched = await threads.touch(key, _arrival(AT + dt.timedelta(days=30), "new"), before)
    assert touched.created and touched.id != old.id
    retired = await Conversation.get_pymongo_collection().find_one({"_id": old.id})
    assert retired is not None and retired["messages_in"] == 1
    assert (await _doc(key))["_id"] == touched.id


async def test_merged_arrivals_answer_each_as_if_alone(
    quiet: Running,  # noqa: F811
) -> None:
    key = await _key(quiet.hub)
    first = await threads.touch(key, _arrival(AT))
    await _set(key, {"status": "snoozed"})
    arrivals = [_arrival(AT + dt.timedelta(minutes=n), f"m{n}", team_id="t9") for n in (1, 2, 3)]
    found = await touches.write(key, arrivals, await threads.current(key))
    assert [t.opened for t in found] == [True, False, False]
    assert [t.requeued for t in found] == [True, False, False]
    assert all(t.id == first.id and t.team_id == "t9" and not t.created for t in found)
    doc = await _doc(key)
    assert doc["messages_in"] == 4 and doc["status"] == "open"
    assert doc["last_message_preview"] == "m3"


async def test_an_unknown_conversation_id_is_not_hidden_by_the_guard(hub: Hub) -> None:
    """A read of another conversation (wrong key) never makes the touch write it."""
    key = await _key(hub)
    await threads.touch(key, _arrival(AT))
    other = threads.ThreadKey(key.account_id, key.channel_id, "phone:+4520999999")
    before = await threads.current(key)  # the first contact's conversation
    touched = await threads.touch(other, _arrival(AT), before)  # not its key: read again
    assert touched.created
    assert (await _doc(key))["messages_in"] == 1
    assert (await _doc(other))["_id"] == touched.id
