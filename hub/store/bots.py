"""Chatbots: the bots of an account, the channels they are on, and the conversations they hold.

A bot's id is written as a string on its channels and conversations (``bot_id``); a
conversation is the bot's while its ``handler`` is ``"bot"``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any, NamedTuple

from beanie import PydanticObjectId

from hub.models import Bot, Channel, Conversation
from hub.store import paging
from hub.store.paging import page_of


class BotConversationRef(NamedTuple):
    account_id: PydanticObjectId
    conversation_id: PydanticObjectId


# --------------------------------------------------------------------------- bots


async def account_channels(
    account_id: PydanticObjectId, channel_ids: list[PydanticObjectId]
) -> list[Channel]:
    """The account's channels among ``channel_ids`` (others' are simply absent)."""
    return await Channel.find({"account_id": account_id, "_id": {"$in": channel_ids}}).to_list()


async def insert_bot(bot: Bot) -> Bot:
    await bot.insert()
    return bot


async def put_on_channels(
    account_id: PydanticObjectId, bot_id: PydanticObjectId, channel_ids: list[PydanticObjectId]
) -> int:
    """Put the bot on those of the channels that have none; returns how many it got."""
    result = await Channel.get_pymongo_collection().update_many(
        {"account_id": account_id, "_id": {"$in": channel_ids}, "bot_id": None},
        {"$set": {"bot_id": str(bot_id)}},
    )
    return result.modified_count


async def delete_bot(bot: Bot) -> None:
    """Take the bot off its channels, then delete it."""
    await Channel.get_pymongo_collection().update_many(
        {"account_id": bot.account_id, "bot_id": str(bot.id)}, {"$set": {"bot_id": None}}
    )
    await Bot.get_pymongo_collection().delete_one({"_id": bot.id, "account_id": bot.account_id})


async def bot_by_token_digest_all_accounts(digest: str) -> Bot | None:
    """The bot whose token has this digest. Spans accounts by nature: the token is how
    a bot names its account (the digest is unique)."""
    return await Bot.find_one(Bot.token_digest == digest)


async def get_bot(account_id: PydanticObjectId, bot_id: PydanticObjectId) -> Bot | None:
    return await Bot.find_one(Bot.id == bot_id, Bot.account_id == account_id)


# --------------------------------------------------------------------------- conversations


async def bot_conversation(
    account_id: PydanticObjectId, bot_id: PydanticObjectId, conversation_id: PydanticObjectId
) -> Conversation | None:
    """A conversation the bot was given (with it still or not)."""
    found: Conversation | None = await Conversation.find_one(
        Conversation.id == conversation_id,
        Conversation.account_id == account_id,
        Conversation.bot_id == str(bot_id),
    )
    return found


async def running_conversation_ids(
    account_id: PydanticObjectId, bot_id: PydanticObjectId
) -> AsyncIterator[PydanticObjectId]:
    """The ids of the conversations the bot holds now."""
    async for doc in Conversation.get_pymongo_collection().find(
        {"account_id": account_id, "handler": "bot", "bot_id": str(bot_id)}, {"_id": 1}
    ):
        yield doc["_id"]


async def hand_to_humans(
    account_id: PydanticObjectId,
    conversation_id: PydanticObjectId,
    at: dt.datetime,
    team_id: str | None = None,
) -> Conversation | None:
    """Move a bot conversation to humans (open, queued from ``at``), atomically on
    ``handler: "bot"``; None when it was with humans already (or is gone).

    update_one then a read by _id: find_one_and_update's cost grew with the collection
    on SecantusDB; the update alone is still the atomic "exactly one hands it over".
    """
    stage: dict[str, Any] = {
        "handler": "human",
        "status": "open",
        "waiting_since": {"$ifNull": ["$waiting_since", at]},
        "updated_at": at,
        "queued_at": at,  # it starts waiting for a person now (hub.centre.routing.queues)
        "team_since": at,
    }
    if team_id is not None:
        stage["team_id"] = team_id
    result = await Conversation.get_pymongo_collection().update_one(
        {"_id": conversation_id, "account_id": account_id, "handler": "bot"}, [{"$set": stage}]
    )
    conversation = await paging.model_by_id(Conversation, account_id, conversation_id)
    return conversation if result.modified_count else None


async def waiting_since_all_accounts(before: dt.datetime) -> AsyncIterator[BotConversationRef]:
    """Every bot conversation (of any account) whose customer has waited since ``before``
    or longer: the timed fallback checks them all."""
    async for doc in Conversation.get_pymongo_collection().find(
        {"handler": "bot", "waiting_since": {"$lte": before}}, {"_id": 1, "account_id": 1}
    ):
        yield BotConversationRef(doc["account_id"], doc["_id"])


async def handling_bot(
    account_id: PydanticObjectId, conversation_id: object
) -> PydanticObjectId | None:
    """The bot that holds the conversation now, if one does (``conversation_id`` as an
    event carries it; None when it is not an id)."""
    conv = await paging.by_id(
        Conversation.get_pymongo_collection(),
        account_id,
        conversation_id,
        {"handler": 1, "bot_id": 1},
    )
    if conv is not None and conv.get("handler") == "bot" and conv.get("bot_id"):
        return PydanticObjectId(conv["bot_id"])
    return None


# ---- added by api


async def page_bots(
    account_id: PydanticObjectId, limit: int, cursor: str | None
) -> tuple[list[Bot], str | None]:
    """A page of the account's bots, oldest first."""
    return await page_of(Bot, {"account_id": account_id}, limit, cursor, descending=False)


# ---- added by tenants


async def bots_oldest_first(account_id: PydanticObjectId) -> list[Bot]:
    """The account's bots, oldest first (the admin page)."""
    return await Bot.find(Bot.account_id == account_id).sort("created_at").to_list()
