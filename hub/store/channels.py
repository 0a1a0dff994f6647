"""Channels (the tenants helper owns this module; the pipeline's look-ups are appended below)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

from beanie import PydanticObjectId

from hub.models import Channel

# ---- added by pipeline


async def active_channel_any_account(channel_id: PydanticObjectId) -> Channel | None:
    """An active channel by id, whatever its account: the id comes from a provider's URL
    or a message; the caller checks the account where one is known."""
    return await Channel.find_one(Channel.id == channel_id, Channel.active == True)  # noqa: E712


async def active_channels_of_type_all_accounts(type: str) -> list[Channel]:
    """Every account's active channels of one connector type (for the connector's listeners)."""
    return await Channel.find(Channel.type == type, Channel.active == True).to_list()  # noqa: E712


async def inactive_channel_exists(channel_id: PydanticObjectId, type: str) -> bool:
    """Whether a deactivated channel of ``type`` has this id (any account)."""
    found = await Channel.find_one(
        Channel.id == channel_id,
        Channel.type == type,
        Channel.active == False,  # noqa: E712
    )
    return found is not None


@dataclass(frozen=True)
class StoredConfig:
    """A channel's stored configuration, as kept (secrets sealed or not)."""

    id: PydanticObjectId
    type: str
    config: Mapping[str, Any]


async def stored_configs_all_accounts() -> AsyncIterator[StoredConfig]:
    """Every channel's configuration, of every account (sealing secrets at start-up)."""
    collection = Channel.get_pymongo_collection()
    async for doc in collection.find({}, {"type": 1, "config": 1}):
        yield StoredConfig(doc["_id"], doc.get("type", ""), doc.get("config") or {})


async def replace_config_values(
    channel_id: PydanticObjectId, was: Mapping[str, object], now: Mapping[str, str]
) -> bool:
    """Set config fields to ``now`` where they still hold ``was`` (field names without
    ``config.``); whether the channel changed."""
    guard = {f"config.{name}": value for name, value in was.items()}
    update = {f"config.{name}": value for name, value in now.items()}
    result = await Channel.get_pymongo_collection().update_one(
        {"_id": channel_id, **guard}, {"$set": update}
    )
    return bool(result.modified_count)
