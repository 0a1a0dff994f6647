"""The deletions retention makes: each function counts (and, unless ``dry_run``, deletes) one kind.

Every query names the account and reads a bounded index range. A dry run
reads the same ranges and returns the same counts without changing anything.
Daily counters are never touched: they name no one, and reports of past
months add up from them after the facts behind them are gone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from beanie import PydanticObjectId

from hub.models import (
    ActivityEvent,
    AuditEvent,
    Conversation,
    Message,
    UsageEvent,
    WebhookDelivery,
)

if TYPE_CHECKING:
    from hub.pipeline.services import Hub

#: The lower end of every range: the purge reads bounded index ranges only.
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
BATCH = 200
#: Facts about people's presence and sign-ins; other facts feed reports and stay.
PERSONAL_ACTIVITY_KINDS = ("presence", "sign_in", "sign_in_failed", "sign_out")
#: The collection the callbacks part keeps requests in (``attempts: [{at, by, outcome, note}]``).
CALLBACKS = "callback_requests"


def _chunks(ids: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


async def conversations(
    hub: Hub, account_id: PydanticObjectId, cutoff: dt.datetime, dry_run: bool
) -> dict[str, int]:
    """Conversations resolved before ``cutoff``, with their messages, files and deliveries."""
    scope = {
        "account_id": account_id,
        "status": "resolved",
        "resolved_at": {"$gte": EPOCH, "$lt": cutoff},
    }
    found = Conversation.get_pymongo_collection().find(scope, {"_id": 1})
    ids = [doc["_id"] async for doc in found]
    counts = {"conversations": 0, "messages": 0, "attachments": 0}
    for chunk in _chunks(ids):
        batch = await _conversation_batch(hub, account_id, chunk, scope, dry_run)
        for key, value in batch.items():
            counts[key] += value
    return counts


async def _conversation_batch(
    hub: Hub,
    account_id: PydanticObjectId,
    ids: list[Any],
    scope: dict[str, Any],
    dry_run: bool,
) -> dict[str, int]:
    inside = {"account_id": account_id, "conversation_id": {"$in": ids}}
    messages = Message.get_pymongo_collection()
    files: list[str] = []
    count = 0
    async for doc in messages.find(inside, {"attachments.id": 1}):
        count += 1
        files.extend(a["id"] for a in doc.get("attachments") or [] if a.get("id"))
    if not dry_run:
        # Files and messages first, the conversation last: an interrupted purge is
        # finished by the next run, which finds the conversation again.
        for file_id in files:
            await hub.media.delete(file_id)
        await messages.delete_many(inside)
        await WebhookDelivery.get_pymongo_collection().delete_many(inside)
        await Conversation.get_pymongo_collection().delete_many({**scope, "_id": {"$in": ids}})
    return {"conversations": len(ids), "messages": count, "attachments": len(files)}


async def activity(account_id: PydanticObjectId, cutoff: dt.datetime, dry_run: bool) -> int:
    """Presence and sign-in facts before ``cutoff`` (index: account, kind, at)."""
    collection = ActivityEvent.get_pymongo_collection()
    total = 0
    for kind in PERSONAL_ACTIVITY_KINDS:
        scope = {"account_id": account_id, "kind": kind, "at": {"$gte": EPOCH, "$lt": cutoff}}
        if dry_run:
            total += await collection.count_documents(scope)
        else:
            total += (await collection.delete_many(scope)).deleted_count
    return total


async def books(account_id: PydanticObjectId, cutoff: dt.datetime, dry_run: bool) -> dict[str, int]:
    """Audit events and usage ledger lines older than the book-keeping period."""
    counts: dict[str, int] = {}
    for name, document in (("audit_events", AuditEvent), ("usage_events", UsageEvent)):
        scope = {"account_id": account_id, "created_at": {"$gte": EPOCH, "$lt": cutoff}}
        collection = document.get_pymongo_collection()
        if dry_run:
            counts[name] = await collection.count_documents(scope)
        else:
            counts[name] = (await collection.delete_many(scope)).deleted_count
    return counts


async def callback_notes(
    hub: Hub, account_id: PydanticObjectId, cutoff: dt.datetime, dry_run: bool
) -> int:
    """Clear the notes of callback attempts made before ``cutoff``; returns how many.

    Written against the callbacks part's ``callback_requests`` shape; where that
    collection does not exist (yet) there is nothing to clear.
    """
    collection = hub.database[CALLBACKS]
    scope = {
        "account_id": account_id,
        "attempts": {
            "$elemMatch": {"at": {"$gte": EPOCH, "$lt": cutoff}, "note": {"$nin": [None, ""]}}
        },
    }
    cleared = 0
    async for doc in collection.find(scope, {"attempts": 1, "last_note": 1}):
        attempts = doc.get("attempts") or []
        old = [i for i, a in enumerate(attempts) if _noted_before(a, cutoff)]
        cleared += len(old)
        if dry_run or not old:
            continue
        change: dict[str, Any] = {f"attempts.{i}.note": None for i in old}
        if all(_before(a, cutoff) for a in attempts):
            change["last_note"] = None
        # The guard keeps a concurrent change of the array from shifting what we clear.
        guard = {f"attempts.{i}.at": attempts[i]["at"] for i in old}
        await collection.update_one({"_id": doc["_id"], **guard}, {"$set": change})
    return cleared


def _before(attempt: dict[str, Any], cutoff: dt.datetime) -> bool:
    at = attempt.get("at")
    return isinstance(at, dt.datetime) and _aware(at) < cutoff


def _noted_before(attempt: dict[str, Any], cutoff: dt.datetime) -> bool:
    return _before(attempt, cutoff) and attempt.get("note") not in (None, "")


def _aware(at: dt.datetime) -> dt.datetime:
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)
