"""Channels, per account."""

from __future__ import annotations

from beanie import PydanticObjectId

from hub.models import Channel
from hub.store.paging import page_of

# ---- added by routing


# ---- added by views


async def list_channels(account_id: PydanticObjectId) -> list[Channel]:
    """The account's channels, by name."""
    return await Channel.find(Channel.account_id == account_id).sort("name").to_list()


# ---- added by widget
async def active_channel_of_type(account_id: PydanticObjectId, channel_type: str) -> Channel | None:
    """One of the account's active channels of ``channel_type`` (``email``, ``webchat``…)."""
    return await Channel.find_one(
        Channel.account_id == account_id,
        Channel.type == channel_type,
        Channel.active == True,  # noqa: E712
    )


# ---- added by rules


async def existing_channel_ids(
    account_id: PydanticObjectId, channel_ids: list[PydanticObjectId]
) -> set[PydanticObjectId]:
    """Which of ``channel_ids`` are the account's channels (one ``$in`` read of ids only)."""
    found = Channel.get_pymongo_collection().find(
        {"account_id": account_id, "_id": {"$in": channel_ids}}, {"_id": 1}
    )
    return {doc["_id"] async for doc in found}


async def all_channels(account_id: PydanticObjectId) -> list[Channel]:
    """Every channel of the account (reports name them)."""
    return await Channel.find(Channel.account_id == account_id).to_list()


async def clear_default_team(account_id: PydanticObjectId, team_id: PydanticObjectId) -> None:
    """No channel routes to ``team_id`` any more (it is being removed)."""
    await Channel.get_pymongo_collection().update_many(
        {"account_id": account_id, "default_team_id": str(team_id)},
        {"$set": {"default_team_id": None}},
    )


# ---- added by api


async def page_channels(
    account_id: PydanticObjectId, limit: int, cursor: str | None
) -> tuple[list[Channel], str | None]:
    """A page of the account's channels, oldest first."""
    return await page_of(Channel, {"account_id": account_id}, limit, cursor, descending=False)
