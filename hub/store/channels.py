"""Channels, per account."""

from __future__ import annotations

from beanie import PydanticObjectId

from hub.models import Channel

# ---- added by views


async def list_channels(account_id: PydanticObjectId) -> list[Channel]:
    """The account's channels, by name."""
    return await Channel.find(Channel.account_id == account_id).sort("name").to_list()
