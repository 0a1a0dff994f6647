"""Channels: an account's connected channels."""

from __future__ import annotations

# ---- added by routing
from beanie import PydanticObjectId

from hub.models import Channel


async def all_channels(account_id: PydanticObjectId) -> list[Channel]:
    """Every channel of the account (reports name them)."""
    return await Channel.find(Channel.account_id == account_id).to_list()


async def clear_default_team(account_id: PydanticObjectId, team_id: PydanticObjectId) -> None:
    """No channel routes to ``team_id`` any more (it is being removed)."""
    await Channel.get_pymongo_collection().update_many(
        {"account_id": account_id, "default_team_id": str(team_id)},
        {"$set": {"default_team_id": None}},
    )
