"""Sweeps over every account's conversations that time alone asks for (housekeeping).

Both are one ``update_many`` on an index that matches only the conversations still to
change, so their cost follows what is due, not the history.
"""

from __future__ import annotations

import datetime as dt

from beanie import PydanticObjectId

from hub.models import Conversation
from hub.models.conversation import CURRENT_THREAD


async def retire_resolved_all_accounts(resolved_before: dt.datetime) -> None:
    """Every account's conversations resolved before ``resolved_before`` get their own
    thread key, so the contact's next message opens a new conversation."""
    await Conversation.get_pymongo_collection().update_many(
        # Exactly the (thread_key, status, resolved_at) index: only threads still to retire.
        {
            "thread_key": CURRENT_THREAD,
            "status": "resolved",
            "resolved_at": {"$lt": resolved_before},
        },
        [{"$set": {"thread_key": {"$toString": "$_id"}}}],
    )


async def wake_snoozed_all_accounts(
    at: dt.datetime,
) -> list[tuple[PydanticObjectId, PydanticObjectId]]:
    """Every account's snoozed conversations whose time has come are open again; returns
    (account, conversation) of each this call woke (a conditional write each, so of
    several processes sweeping at once exactly one wakes it and reports it)."""
    collection = Conversation.get_pymongo_collection()
    due = {"status": "snoozed", "snoozed_until": {"$lte": at}}
    woken: list[tuple[PydanticObjectId, PydanticObjectId]] = []
    async for doc in collection.find(due, {"_id": 1, "account_id": 1}):
        result = await collection.update_one(
            {"_id": doc["_id"], **due},
            {"$set": {"status": "open", "snoozed_until": None, "updated_at": at}},
        )
        if result.modified_count:
            woken.append((doc["account_id"], doc["_id"]))
    return woken
