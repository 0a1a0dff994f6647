"""The index census: every index ``conversations``, ``messages`` and ``contacts`` declare
serves a named store query (``docs/indexes.md``), or is kept on purpose for a stated reason.

For each entry the query's filter (and sort, if it sends one) is ``explain``ed on a small
filled database with exactly the declared indexes: the winning plan must scan that index.
An index declared without an entry fails, and so does one the planner does not pick for
its query (then the index, or the query, is wrong). These collections are written on
every inbound message (contacts: a new contact's), so each index there costs on the hot
path (BENCHMARKS.md).
"""

from __future__ import annotations

import datetime as dt
import importlib
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pymongo
import pytest
from bson import ObjectId
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from hub.models import Contact, Conversation, Message
from hub.store.migrations import m002_unused_indexes

#: The collections every inbound message (or a new contact's) writes.
CENSUSED = (Conversation, Message, Contact)
DOCS = Path(__file__).resolve().parents[2] / "docs" / "indexes.md"
A, TEAM, USER, CHANNEL, CONTACT = (ObjectId() for _ in range(5))
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
WINDOW = {"$gte": T0, "$lt": T0 + dt.timedelta(days=1)}
BEFORE = {"$lte": T0 + dt.timedelta(days=1)}

#: (collection, index name) -> (store function "module.function", filter, the other
#: options of its ``find`` (sort, hint) or None).
CENSUS: dict[tuple[str, str], tuple[str, dict[str, Any], dict[str, Any] | None]] = {
    ("conversations", "account_id_1_last_message_at_-1"): (
        "conversations.list_conversations",
        {"account_id": A, "last_message_at": WINDOW},
        None,
    ),
    ("conversations", "account_id_1_handler_1_status_1_last_message_at_-1"): (
        "conversations.list_conversations",
        {"account_id": A, "handler": "human", "status": "open", "last_message_at": WINDOW},
        None,
    ),
    ("conversations", "account_id_1_assignee_id_1_status_1_last_message_at_-1"): (
        "conversations.open_assigned_to",
        {"account_id": A, "assignee_id": USER, "status": "open", "last_message_at": WINDOW},
        None,
    ),
    ("conversations", "account_id_1_channel_id_1_last_message_at_-1"): (
        "conversations.list_conversations",
        {"account_id": A, "channel_id": CHANNEL, "last_message_at": WINDOW},
        None,
    ),
    ("conversations", "account_id_1_team_id_1_last_message_at_-1"): (
        "conversations.list_conversations",
        {"account_id": A, "team_id": str(TEAM), "last_message_at": WINDOW},
        None,
    ),
    ("conversations", "account_id_1_labels_1_last_message_at_-1"): (
        "labels.delete_label",
        {"account_id": A, "labels": "vip"},
        None,
    ),
    ("conversations", "account_id_1_contact_id_1_last_message_at_-1"): (
        "conversations.recent_of_contact",
        {"account_id": A, "contact_id": CONTACT, "last_message_at": WINDOW},
        None,
    ),
    ("conversations", "account_id_1_contact_key_1"): (
        "search.search_conversations",
        {"account_id": A, "contact_key": "phone:+4520000001"},
        None,
    ),
    ("conversations", "thread_key_1_status_1_resolved_at_1"): (
        "sweeps.retire_resolved_all_accounts",
        {"thread_key": "current", "status": "resolved", "resolved_at": {"$lt": T0}},
        None,
    ),
    ("conversations", "account_id_1_status_1_resolved_at_1"): (
        "purge.resolved_before",
        {"account_id": A, "status": "resolved", "resolved_at": WINDOW},
        None,
    ),
    ("conversations", "status_1_snoozed_until_1"): (
        "sweeps.wake_snoozed_all_accounts",
        {"status": "snoozed", "snoozed_until": BEFORE},
        None,
    ),
    (
        "conversations",
        "account_id_1_team_id_1_assignee_id_1_status_1_waiting_since_1",
    ): (
        "queues.waiting_in_queue",
        {
            "account_id": A,
            "team_id": str(TEAM),
            "assignee_id": None,
            "status": "open",
            "waiting_since": {"$gte": T0},
        },
        None,
    ),
    ("conversations", "sla_next_due_1"): (
        "sla.due_clocks_all_accounts",
        {"sla_next_due": WINDOW},
        None,
    ),
    ("conversations", "account_id_1_sla_due_1"): (
        "sla.by_sla_due",
        {"account_id": A, "sla_due": {"$gte": T0}},
        None,
    ),
    ("conversations", "account_id_1_sla_risk_at_1"): (
        "sla.at_risk_clocks",
        {"account_id": A, "sla_risk_at": WINDOW},
        None,
    ),
    ("conversations", "csat_due_at_1"): (
        "csat.due_surveys_all_accounts",
        {"csat_due_at": WINDOW},
        None,
    ),
    ("conversations", "csat_survey.token_hash_1"): (
        "csat.by_token_hash_all_accounts",
        {"csat_survey.token_hash": "h-1"},
        None,
    ),
    ("conversations", "handler_1_waiting_since_1"): (
        "bots.waiting_since_all_accounts",
        {"handler": "bot", "waiting_since": BEFORE},
        None,
    ),
    ("messages", "channel_id_1_provider_message_id_1"): (
        "messages.known_provider_id",
        {"channel_id": CHANNEL, "provider_message_id": "p-1"},
        None,
    ),
    ("messages", "account_id_1_conversation_id_1_created_at_1"): (
        "messages.list_messages",
        {"account_id": A, "conversation_id": ObjectId(), "created_at": WINDOW},
        None,
    ),
    ("messages", "account_id_1_terms_1_created_at_-1"): (
        "search.search_conversations",
        {"account_id": A, "terms": "hello", "created_at": WINDOW},
        None,
    ),
    ("contacts", "account_id_1_addresses_1"): (
        "contacts.find_or_create_contact",
        {"account_id": A, "addresses": "phone:+4520000001"},
        None,
    ),
    ("contacts", "account_id_1_terms_1"): (
        "search.search_conversations",
        {"account_id": A, "terms": {"$gte": "cust", "$lt": "cust\uffff"}},
        None,
    ),
    ("contacts", "account_id_1_created_at_-1"): (
        "contacts.list_contacts",
        {"account_id": A, "created_at": WINDOW},
        None,
    ),
    ("messages", "outbox_due_1"): (
        "outbox.next_due_all_accounts",
        {"outbox_due": {"$type": "date"}},
        # The store names its partial index (``hint=DUE_INDEX``), as the planner would not.
        {"sort": {"outbox_due": 1}, "hint": "outbox_due_1"},
    ),
}

#: Indexes kept although no read names them: each enforces a rule on writes.
KEPT = {
    ("conversations", "account_id_1_channel_id_1_contact_key_1_thread_key_1"): (
        "unique: one current conversation per contact and channel (threads.merge_arrival "
        "upserts on it)"
    ),
    ("messages", "account_id_1_channel_id_1_provider_message_id_1"): (
        "unique: a provider's retried webhook stores its message once"
    ),
    ("contacts", "account_id_1_primary_address_1"): (
        "unique: one contact per address of an account (the arrival's upsert relies on it)"
    ),
    ("messages", "account_id_1_idempotency_key_1"): (
        "unique: an API send with the same Idempotency-Key is stored once"
    ),
}


def declared(model: Any) -> Iterator[pymongo.IndexModel]:
    for spec in model.Settings.indexes:
        yield spec if isinstance(spec, pymongo.IndexModel) else pymongo.IndexModel(spec)


def _conversation(i: int) -> dict[str, Any]:
    at = T0 + dt.timedelta(minutes=i)
    return {
        "account_id": A if i % 2 else ObjectId(),
        "channel_id": CHANNEL if i % 3 == 0 else ObjectId(),
        "contact_id": CONTACT if i % 5 == 0 else ObjectId(),
        "contact_key": f"phone:+45200000{i:02d}",
        "contact_name": f"Customer {i}",
        "thread_key": "current" if i % 4 else str(i),
        "status": ("open", "pending", "resolved", "snoozed")[i % 4],
        "handler": "bot" if i % 7 == 0 else "human",
        "assignee_id": USER if i % 3 == 1 else None,
        "team_id": str(TEAM) if i % 2 else None,
        "labels": ["vip"] if i % 6 == 0 else [],
        "last_message_at": at,
        "waiting_since": at,
        "resolved_at": at,
        "snoozed_until": at,
        "sla_next_due": at,
        "sla_due": at,
        "sla_risk_at": at,
        "csat_due_at": at,
        "csat_survey": {"token_hash": f"h-{i}"},
    }


def _contact(i: int) -> dict[str, Any]:
    address = f"phone:+45200000{i:02d}"
    return {
        "account_id": A if i % 2 else ObjectId(),
        "addresses": [address],
        "primary_address": address,
        "name": f"Customer {i}",
        "terms": ["customer", str(i), address],
        "created_at": T0 + dt.timedelta(minutes=i),
    }


def _message(i: int) -> dict[str, Any]:
    return {
        "account_id": A if i % 2 else ObjectId(),
        "channel_id": CHANNEL if i % 3 == 0 else ObjectId(),
        "conversation_id": ObjectId(),
        "provider_message_id": f"p-{i}",
        "idempotency_key": f"k-{i}",
        "terms": ["hello", f"w{i}"],
        "created_at": T0 + dt.timedelta(minutes=i),
        "outbox_due": T0 if i % 5 == 0 else "",
    }


@pytest.fixture
async def filled(mongodb_uri: str) -> AsyncIterator[AsyncDatabase[Any]]:
    client: AsyncMongoClient[Any] = AsyncMongoClient(mongodb_uri)
    database = client[f"census_{uuid.uuid4().hex[:10]}"]
    for model, make in ((Conversation, _conversation), (Message, _message), (Contact, _contact)):
        collection = database[model.Settings.name]
        await collection.create_indexes(list(declared(model)))
        await collection.insert_many([make(i) for i in range(60)])
    yield database
    await client.drop_database(database.name)
    await client.close()


def _scans(plan: dict[str, Any]) -> Iterator[str]:
    if plan.get("stage") == "IXSCAN":
        yield str(plan.get("indexName"))
    for key in ("inputStage", "outerStage", "innerStage"):
        if isinstance(plan.get(key), dict):
            yield from _scans(plan[key])
    for child in plan.get("inputStages", []):
        yield from _scans(child)


def test_every_declared_index_is_in_the_census() -> None:
    text = DOCS.read_text()
    for model in CENSUSED:
        collection = model.Settings.name
        for index in declared(model):
            key = (collection, index.document["name"])
            assert key in CENSUS or key in KEPT, f"{key}: no query named for this index"
            assert f"`{key[1]}`" in text, f"{key} is missing from docs/indexes.md"
    names = {(m.Settings.name, i.document["name"]) for m in CENSUSED for i in declared(m)}  # fmt: skip
    stale = (set(CENSUS) | set(KEPT)) - names
    assert not stale, f"census entries for indexes no longer declared: {stale}"


def test_census_names_real_store_functions() -> None:
    for function, _, _ in CENSUS.values():
        module, name = function.split(".")
        assert callable(getattr(importlib.import_module(f"hub.store.{module}"), name)), function


async def test_each_query_wins_with_its_index(filled: AsyncDatabase[Any]) -> None:
    wrong = []
    for (collection, index), (function, query, options) in CENSUS.items():
        find: dict[str, Any] = {"find": collection, "filter": query, **(options or {})}
        answer = await filled.command("explain", find)
        used = list(_scans(answer["queryPlanner"]["winningPlan"]))
        if index not in used:
            wrong.append(f"{collection}.{index} ({function}): the plan scanned {used}")
    assert not wrong, "\n".join(wrong)


#: The keys the indexes migration 2 drops had, as an older hub declared them.
OLDER = {
    "account_id_1_contact_name_1": [("account_id", 1), ("contact_name", 1)],
    "account_id_1_team_id_1_sla_risk_at_1": [("account_id", 1), ("team_id", 1), ("sla_risk_at", 1)],
    "account_id_1_created_at_-1": [("account_id", 1), ("created_at", -1)],
    "account_id_1_name_1": [("account_id", 1), ("name", 1)],
}


async def test_migration_2_drops_the_unused_indexes_once(filled: AsyncDatabase[Any]) -> None:
    for collection, name in m002_unused_indexes.UNUSED:
        assert (collection, name) not in CENSUS and (collection, name) not in KEPT
        assert await filled[collection].create_index(OLDER[name]) == name  # an older database
    assert await m002_unused_indexes.up(filled) == {"indexes_dropped": 4}
    for collection, name in m002_unused_indexes.UNUSED:
        assert name not in await filled[collection].index_information()
    assert "account_id_1_sla_risk_at_1" in await filled["conversations"].index_information()
    assert await m002_unused_indexes.up(filled) == {"indexes_dropped": 0}  # idempotent
