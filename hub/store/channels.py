"""Channels, per account."""

from __future__ import annotations

from beanie import PydanticObjectId

from hub.models import Channel

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
