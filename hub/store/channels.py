"""Channels, per account."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any, TypedDict, cast

from beanie import PydanticObjectId

from hub.contract import JsonObject
from hub.models import Channel, UsageEvent
from hub.store.paging import page_of
from hub.store.transactions import Session, in_transaction

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


class ChannelFields(TypedDict, total=False):
    """The fields of a channel that change after it is made (a ``$set``)."""

    name: str
    active: bool
    default_team_id: str | None
    #: The connector's config with its secret fields sealed.
    config: JsonObject


async def get_channel(account_id: PydanticObjectId, channel_id: PydanticObjectId) -> Channel | None:
    return await Channel.find_one(Channel.id == channel_id, Channel.account_id == account_id)


async def insert_with_fee(channel: Channel, fee: UsageEvent) -> None:
    """Store a new channel and its activation fee in one transaction."""

    async def work(session: Session) -> None:
        await channel.insert(session=session)
        await fee.insert(session=session)

    await in_transaction(work)


async def set_fields(
    account_id: PydanticObjectId, channel_id: PydanticObjectId, fields: ChannelFields
) -> None:
    await Channel.get_pymongo_collection().update_one(
        {"_id": channel_id, "account_id": account_id}, {"$set": cast(dict[str, Any], fields)}
    )


async def channels_unordered(account_id: PydanticObjectId) -> list[Channel]:
    """The account's channels, in no particular order."""
    return await Channel.find({"account_id": account_id}).to_list()


async def channels_oldest_first(account_id: PydanticObjectId) -> list[Channel]:
    """The account's channels, oldest first (the admin's list)."""
    return await Channel.find(Channel.account_id == account_id).sort("created_at").to_list()


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
