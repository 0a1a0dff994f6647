"""Channels: the account's connected numbers, inboxes and widgets."""

from __future__ import annotations

from beanie import PydanticObjectId

from hub.models import Channel

# ---- added by rules


async def existing_channel_ids(
    account_id: PydanticObjectId, channel_ids: list[PydanticObjectId]
) -> set[PydanticObjectId]:
    """Which of ``channel_ids`` are the account's channels (one ``$in`` read of ids only)."""
    found = Channel.get_pymongo_collection().find(
        {"account_id": account_id, "_id": {"$in": channel_ids}}, {"_id": 1}
    )
    return {doc["_id"] async for doc in found}
