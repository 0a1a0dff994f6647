"""Channels (``channels``): one account's configured connectors, read and changed by id."""

from __future__ import annotations

from typing import Any, TypedDict, cast

from beanie import PydanticObjectId

from hub.contract import JsonObject
from hub.models import Channel, UsageEvent
from hub.store.transactions import Session, in_transaction


class ChannelFields(TypedDict, total=False):
    """The fields of a channel that change after it is made (a ``$set``)."""

    name: str
    active: bool
    default_team_id: str | None
    #: The connector's config with its secret fields sealed.
    config: JsonObject


async def get_channel(account_id: PydanticObjectId, channel_id: PydanticObjectId) -> Channel | None:
    return await Channel.find_one(Channel.id == channel_id, Channel.account_id == account_id)


async def list_channels(account_id: PydanticObjectId) -> list[Channel]:
    """The account's channels, oldest first."""
    return await Channel.find(Channel.account_id == account_id).sort("created_at").to_list()


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
