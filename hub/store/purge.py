"""The retention purge's reads and deletions, and its daily lease.

Every query names the account and reads a bounded index range (from ``EPOCH``); a dry
run reads the same ranges and counts. The lease (``leases``, id ``retention``) makes one
process run the day's purge, which spans every account by nature.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from beanie import PydanticObjectId
from pymongo.errors import DuplicateKeyError

from hub.models import (
    ActivityEvent,
    AuditEvent,
    CallbackRequest,
    Conversation,
    Lease,
    Message,
    UsageEvent,
    WebhookDelivery,
)

#: The lower end of every range: the purge reads bounded index ranges only.
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _resolved(account_id: PydanticObjectId, cutoff: dt.datetime) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "status": "resolved",
        "resolved_at": {"$gte": EPOCH, "$lt": cutoff},
    }


async def resolved_before(
    account_id: PydanticObjectId, cutoff: dt.datetime
) -> list[PydanticObjectId]:
    """The ids of the account's conversations resolved before ``cutoff``."""
    found = Conversation.get_pymongo_collection().find(_resolved(account_id, cutoff), {"_id": 1})
    return [PydanticObjectId(doc["_id"]) async for doc in found]


async def messages_of(
    account_id: PydanticObjectId, conversation_ids: list[PydanticObjectId]
) -> tuple[int, list[str]]:
    """How many messages these conversations hold, and the ids of their stored files."""
    inside = {"account_id": account_id, "conversation_id": {"$in": conversation_ids}}
    files: list[str] = []
    count = 0
    async for doc in Message.get_pymongo_collection().find(inside, {"attachments.id": 1}):
        count += 1
        files.extend(a["id"] for a in doc.get("attachments") or [] if a.get("id"))
    return count, files


def _journal_id(account_id: PydanticObjectId) -> str:
    return f"retention:{account_id}"


async def journal(account_id: PydanticObjectId, conversation_ids: list[PydanticObjectId]) -> None:
    """Note the conversations about to be deleted (``leases``, id ``retention:<account>``),
    so a purge interrupted after deleting them deletes their messages on the next run."""
    await Lease.get_pymongo_collection().update_one(
        {"_id": _journal_id(account_id)},
        {"$addToSet": {"pending": {"$each": conversation_ids}}},
        upsert=True,
    )


async def journaled(account_id: PydanticObjectId) -> list[PydanticObjectId]:
    """The conversations an earlier purge of the account was deleting when it stopped."""
    doc = await Lease.get_pymongo_collection().find_one({"_id": _journal_id(account_id)})
    return [PydanticObjectId(i) for i in (doc or {}).get("pending") or []]


async def unjournal(account_id: PydanticObjectId, conversation_ids: list[PydanticObjectId]) -> None:
    """Their messages are gone: the conversations leave the journal."""
    await Lease.get_pymongo_collection().update_one(
        {"_id": _journal_id(account_id)}, {"$pullAll": {"pending": conversation_ids}}
    )


async def delete_resolved(
    account_id: PydanticObjectId, conversation_ids: list[PydanticObjectId], cutoff: dt.datetime
) -> None:
    """Delete those of the conversations still resolved before ``cutoff``.

    One conditional delete: a conversation a customer reopened since it was read is not
    resolved any more and stays, with its messages, queue place and clocks."""
    await Conversation.get_pymongo_collection().delete_many(
        {**_resolved(account_id, cutoff), "_id": {"$in": conversation_ids}}
    )


async def gone(
    account_id: PydanticObjectId, conversation_ids: list[PydanticObjectId]
) -> list[PydanticObjectId]:
    """The ones of ``conversation_ids`` that no longer exist (an ``_id`` ``$in`` read)."""
    found = Conversation.get_pymongo_collection().find(
        {"account_id": account_id, "_id": {"$in": conversation_ids}}, {"_id": 1}
    )
    left = {doc["_id"] async for doc in found}
    return [i for i in conversation_ids if i not in left]


async def delete_messages(
    account_id: PydanticObjectId, conversation_ids: list[PydanticObjectId]
) -> None:
    """Delete the messages and webhook deliveries of deleted conversations."""
    inside = {"account_id": account_id, "conversation_id": {"$in": conversation_ids}}
    await Message.get_pymongo_collection().delete_many(inside)
    await WebhookDelivery.get_pymongo_collection().delete_many(inside)


async def activity_before(
    account_id: PydanticObjectId, kinds: tuple[str, ...], cutoff: dt.datetime, dry_run: bool
) -> int:
    """Count (dry run) or delete the activity facts of ``kinds`` before ``cutoff``."""
    collection = ActivityEvent.get_pymongo_collection()
    total = 0
    for kind in kinds:
        scope = {"account_id": account_id, "kind": kind, "at": {"$gte": EPOCH, "$lt": cutoff}}
        if dry_run:
            total += await collection.count_documents(scope)
        else:
            total += (await collection.delete_many(scope)).deleted_count
    return total


async def books_before(
    account_id: PydanticObjectId, cutoff: dt.datetime, dry_run: bool
) -> dict[str, int]:
    """Count (dry run) or delete audit events and usage ledger lines made before ``cutoff``.

    Their time is ``at`` (the (account, at) index; migration 4 gave it to events written
    before it existed): ``created_at`` has no index there and read every book."""
    counts: dict[str, int] = {}
    for name, document in (("audit_events", AuditEvent), ("usage_events", UsageEvent)):
        scope = {"account_id": account_id, "at": {"$gte": EPOCH, "$lt": cutoff}}
        collection = document.get_pymongo_collection()
        if dry_run:
            counts[name] = await collection.count_documents(scope)
        else:
            counts[name] = (await collection.delete_many(scope)).deleted_count
    return counts


async def clear_callback_notes(
    account_id: PydanticObjectId, cutoff: dt.datetime, dry_run: bool
) -> int:
    """Clear the notes of callback attempts made before ``cutoff``; returns how many.

    The read is a range on the (account, attempts.at) index; whether an old attempt still
    has a note is checked here (``_noted_before``)."""
    collection = CallbackRequest.get_pymongo_collection()
    scope = {"account_id": account_id, "attempts.at": {"$gte": EPOCH, "$lt": cutoff}}
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


# --------------------------------------------------------------------------- the daily lease


async def claim_day_all_accounts(
    lease_id: str, day: str, owner: str, at: dt.datetime, until: dt.datetime
) -> bool:
    """Take ``day``'s run: nobody finished it that day and nobody's lease is current."""
    try:
        await Lease.get_pymongo_collection().find_one_and_update(
            {"_id": lease_id, "done": {"$ne": day}, "until": {"$lt": at}},
            {"$set": {"owner": owner, "until": until}},
            upsert=True,
        )
    except DuplicateKeyError:  # the lease exists and is not ours to take
        return False
    return True


async def finish_day(lease_id: str, owner: str, day: str, at: dt.datetime) -> None:
    """Mark ``day``'s run done (only the lease's owner can)."""
    await Lease.get_pymongo_collection().update_one(
        {"_id": lease_id, "owner": owner}, {"$set": {"done": day, "until": at}}
    )


async def day_done(lease_id: str) -> str | None:
    """The last day whose run finished (``YYYY-MM-DD``), if any."""
    lease = await Lease.get_pymongo_collection().find_one({"_id": lease_id})
    return None if lease is None else lease.get("done")
