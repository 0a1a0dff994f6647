"""The web chat widget's own collections (rate counters, typing indicators) and the
visitor's view of their conversations.

Every visitor read filters on the account, the channel and the visitor's own address
(``contact_key``), so a visitor token can only ever reach its own conversations.
Messages are read as ``VisitorMessage``: the fields a visitor may see, nothing else.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Literal, NamedTuple

from beanie import PydanticObjectId
from pydantic import BaseModel, ConfigDict, Field
from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from hub.contract import now
from hub.models import Conversation, Message
from hub.store import paging

#: The hub's database handle (``Hub.database``), where the widget's own collections live.
Database = AsyncDatabase[Any]
RATES = "widget_rates"
TYPING = "widget_typing"
TypingSide = Literal["visitor", "agent"]


async def ensure_indexes(database: Database) -> None:
    """The TTL indexes that remove idle rate counters and stale typing indicators."""
    await database[RATES].create_index("expires_at", expireAfterSeconds=0)
    await database[TYPING].create_index("expires_at", expireAfterSeconds=0)


# --------------------------------------------------------------------------- rate counters


class RateWindow(NamedTuple):
    """A counter's hits in its current window, and when the window ends."""

    hits: int
    expires_at: dt.datetime


async def count_hit(
    database: Database, scope: str, key: str, window: dt.timedelta, at: dt.datetime
) -> RateWindow | None:
    """Count one hit of ``key`` in ``scope`` (one atomic update; an expired window restarts
    at ``at``). Scopes are the widget's, not an account's: a visitor, an IP address."""
    live = {"$gt": ["$expires_at", at]}
    update = [
        {
            "$set": {
                "n": {"$cond": [live, {"$add": ["$n", 1]}, 1]},
                "expires_at": {"$cond": [live, "$expires_at", at + window]},
            }
        }
    ]
    collection = database[RATES]
    doc = None
    for _ in range(3):
        try:
            doc = await collection.find_one_and_update(
                {"_id": f"{scope}:{key}"},
                update,
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
        except DuplicateKeyError:
            continue  # two first hits raced; the second increments the first's window
        if doc is None:  # applied but not returned (see hub.ingest): read it back
            doc = await collection.find_one({"_id": f"{scope}:{key}"})
        break
    return None if doc is None else RateWindow(doc["n"], doc["expires_at"])


# --------------------------------------------------------------------------- typing


async def set_typing(
    database: Database,
    *,
    account_id: PydanticObjectId,
    conversation_id: PydanticObjectId,
    side: TypingSide,
    typing: bool,
    name: str | None,
    ttl: dt.timedelta,
    user_id: str | None = None,
) -> None:
    """Upsert the (conversation, side) indicator; its change event carries it to every stream.

    The one writer of typing state: the visitor's (the widget) and the agent's (the inbox
    composer, ``hub.pipeline.typing``, which names the agent in ``user_id``)."""
    at = now()
    fields: dict[str, Any] = {
        "account_id": account_id,
        "conversation_id": conversation_id,
        "side": side,
        "typing": typing,
        "name": name,
        "at": at,
        "expires_at": at + ttl,
    }
    if user_id is not None:
        fields["user_id"] = user_id
    await database[TYPING].update_one(
        {"_id": f"{conversation_id}:{side}"}, {"$set": fields}, upsert=True
    )


# --------------------------------------------------------------------------- the visitor's view


class VisitorSender(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type: str | None = None
    name: str | None = None


class VisitorAttachment(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str | None = None
    filename: str | None = None
    content_type: str | None = None
    size: int | None = None


class VisitorQuickReply(BaseModel):
    model_config = ConfigDict(extra="ignore")

    title: str
    payload: str


class VisitorMessage(BaseModel):
    """A stored message (or a ``message.*`` change's document) as far as a visitor sees it."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: PydanticObjectId = Field(alias="_id")
    direction: str | None = None
    text: str | None = None
    sender: VisitorSender | None = None
    attachments: list[VisitorAttachment] | None = None
    quick_replies: list[VisitorQuickReply] | None = None
    payload: str | None = None
    provider_message_id: str | None = None
    private: bool | None = None
    created_at: dt.datetime


def _visitor_filter(
    account_id: PydanticObjectId, channel_id: PydanticObjectId, contact_key: str
) -> dict[str, object]:
    return {"account_id": account_id, "channel_id": channel_id, "contact_key": contact_key}


async def visitor_conversation_ids(
    account_id: PydanticObjectId, channel_id: PydanticObjectId, contact_key: str
) -> list[PydanticObjectId]:
    """The visitor's conversations on the channel, oldest first."""
    cursor = Conversation.get_pymongo_collection().find(
        _visitor_filter(account_id, channel_id, contact_key),
        {"_id": 1},
        sort=[("created_at", 1)],
    )
    return [doc["_id"] async for doc in cursor]


async def visitor_seen_at(
    account_id: PydanticObjectId, channel_id: PydanticObjectId, contact_key: str
) -> dt.datetime | None:
    """When an agent last opened one of the visitor's conversations, if ever."""
    cursor = Conversation.get_pymongo_collection().find(
        _visitor_filter(account_id, channel_id, contact_key), {"agent_seen_at": 1}
    )
    times = [doc["agent_seen_at"] async for doc in cursor if doc.get("agent_seen_at")]
    return max(times, default=None)


async def visitor_messages(
    account_id: PydanticObjectId,
    conversation_ids: list[PydanticObjectId],
    *,
    keep: Callable[[VisitorMessage], bool] | None = None,
    after: tuple[dt.datetime, PydanticObjectId] | None = None,
    limit: int = 200,
) -> list[VisitorMessage]:
    """The conversations' messages a visitor may see (``keep`` filters more), oldest first:
    the last ``limit``, or those after ``after`` (a message's created_at and id).

    One indexed (account_id, conversation_id, created_at) window read per conversation
    (``hub.store.paging``), not ``$in`` beside other fields (a scan).
    """
    if not conversation_ids:
        return []
    shown: dict[Any, VisitorMessage] = {}

    def _visible(doc: dict[str, Any]) -> bool:
        if doc.get("private"):
            return False
        message = VisitorMessage.model_validate(doc)
        if keep is not None and not keep(message):
            return False
        if after is not None and (doc["created_at"], doc["_id"]) <= after:
            return False
        shown[doc["_id"]] = message
        return True

    docs, _ = await paging.read_window(
        Message.get_pymongo_collection(),
        [{"account_id": account_id, "conversation_id": c} for c in conversation_ids],
        "created_at",
        limit=limit,
        keep=_visible,
        since=after[0] if after else None,
    )
    return [shown[doc["_id"]] for doc in reversed(docs)]


async def visitor_message_by_provider_id(
    account_id: PydanticObjectId, channel_id: PydanticObjectId, provider_message_id: str
) -> VisitorMessage | None:
    """The channel's message with this provider id, if it is the account's."""
    # Exactly the (channel_id, provider_message_id) index; the account checked after.
    doc = await Message.get_pymongo_collection().find_one(
        {"channel_id": channel_id, "provider_message_id": provider_message_id}
    )
    if doc is None or doc["account_id"] != account_id:
        return None
    return VisitorMessage.model_validate(doc)


async def message_position(
    account_id: PydanticObjectId, message_id: PydanticObjectId
) -> tuple[dt.datetime, PydanticObjectId] | None:
    """A message's (created_at, id): where a resumed stream starts again."""
    anchor = await paging.by_id(
        Message.get_pymongo_collection(), account_id, message_id, {"created_at": 1}
    )
    return None if anchor is None else (anchor["created_at"], anchor["_id"])


async def is_webchat_conversation(
    account_id: PydanticObjectId, conversation_id: PydanticObjectId
) -> bool:
    """Whether the id is one of the account's web chat conversations."""
    found = await paging.by_id(
        Conversation.get_pymongo_collection(), account_id, conversation_id, {"channel_type": 1}
    )
    return found is not None and found.get("channel_type") == "webchat"
