"""The outbox's claims: due outbound messages, taken by one dispatcher for a lease.

Work that spans accounts by nature: every dispatcher reads the due messages of all
accounts on the partial ``outbox_due`` index, then takes each with a compare-and-set
on ``(_id, outbox_due)`` that moves ``outbox_due`` to the end of its lease. A message
whose dispatcher died becomes due again when the lease runs out.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from beanie import PydanticObjectId
from pymongo import UpdateOne

from hub.contract import DeliveryState
from hub.models import Conversation, Message

#: The partial index of pending work. Named in every outbox query: SecantusDB's planner
#: does not pick a partial index by itself and scanned every message instead.
DUE_INDEX = [("outbox_due", 1)]


class DueMessage(NamedTuple):
    """What a dispatcher needs to know of a due message before it claims it."""

    id: PydanticObjectId
    outbox_due: dt.datetime
    channel_id: PydanticObjectId
    delivery_rank: int


async def next_due_all_accounts() -> dt.datetime | None:
    """When the earliest message of any account becomes due (None: nothing waits)."""
    nxt = await Message.get_pymongo_collection().find_one(
        {"outbox_due": {"$type": "date"}},
        {"outbox_due": 1},
        sort=[("outbox_due", 1)],
        hint=DUE_INDEX,
    )
    return None if nxt is None else nxt["outbox_due"]


async def due_all_accounts(at: dt.datetime) -> list[DueMessage]:
    """Every account's messages due at ``at``, earliest first."""
    due = Message.get_pymongo_collection().find(
        {"outbox_due": {"$type": "date", "$lte": at}},
        {"outbox_due": 1, "channel_id": 1, "delivery_rank": 1},
        hint=DUE_INDEX,
    )
    found = [
        DueMessage(d["_id"], d["outbox_due"], d.get("channel_id"), d.get("delivery_rank", 0))
        async for d in due
    ]
    return sorted(found, key=lambda d: d.outbox_due)


async def take_many(
    due: list[DueMessage],
    owner: str,
    state: DeliveryState,
    rank: int,
    *,
    at: dt.datetime,
    lease_until: dt.datetime,
) -> list[Message]:
    """``take`` for several due messages in two commands: one unordered ``bulk_write`` of
    the compare-and-sets, then one read of those now held by ``owner`` until
    ``lease_until`` (the caller leaves out messages it already holds). Those another
    dispatcher took, or that changed since they were read, are not returned."""
    if not due:
        return []
    collection = Message.get_pymongo_collection()
    claim = {
        "$set": {
            "outbox_due": lease_until,
            "outbox_owner": owner,
            "delivery": state,
            "delivery_rank": rank,
            "updated_at": at,
        },
        "$inc": {"attempts": 1},
    }
    await collection.bulk_write(
        [UpdateOne({"_id": d.id, "outbox_due": d.outbox_due}, claim) for d in due], ordered=False
    )
    ids = [d.id for d in due]
    docs = collection.find({"_id": {"$in": ids}, "outbox_owner": owner, "outbox_due": lease_until})
    return [Message.model_validate(d) async for d in docs]


async def conversations_of(claimed: list[Message]) -> dict[PydanticObjectId, Conversation]:
    """The conversation of each claimed message, by message id, in one read by ``_id``
    (each checked to be of its message's account); a removed one is missing."""
    ids = list({m.conversation_id for m in claimed})
    if not ids:
        return {}
    docs = Conversation.get_pymongo_collection().find({"_id": {"$in": ids}})
    found = {d["_id"]: d async for d in docs}
    conversations: dict[PydanticObjectId, Conversation] = {}
    for message in claimed:
        doc = found.get(message.conversation_id)
        if message.id is not None and doc is not None and doc["account_id"] == message.account_id:
            conversations[message.id] = Conversation.model_validate(doc)
    return conversations
