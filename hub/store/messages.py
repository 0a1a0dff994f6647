"""Messages: the account's messages in their conversations."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from beanie import PydanticObjectId
from pymongo.errors import DuplicateKeyError

from hub.models import Conversation, Message
from hub.store import paging
from hub.store.conversations import get_conversation
from hub.store.errors import Duplicate, NotFound
from hub.store.ids import parse_id
from hub.store.terms import index_message

if TYPE_CHECKING:
    from hub.store.batch import InsertBatcher

# ---- added by rules


async def insert_message_once(message: Message) -> bool:
    """Store ``message``; False when the provider already delivered it (its unique key)."""
    try:
        await index_message(message).insert()
    except DuplicateKeyError:
        return False
    return True


async def known_provider_id(
    account_id: PydanticObjectId, channel_id: PydanticObjectId, provider_message_id: str
) -> bool:
    """Whether the account's channel already holds a message with this provider id."""
    docs = Message.get_pymongo_collection().find(
        {"channel_id": channel_id, "provider_message_id": provider_message_id},
        {"account_id": 1, "direction": 1},
    )
    mine = [d async for d in docs if d["account_id"] == account_id]
    return bool(mine)


async def conversation_of_provider_ids(
    account_id: PydanticObjectId, provider_message_ids: list[str]
) -> PydanticObjectId | None:
    """The conversation of the account's message with one of these provider ids (a thread)."""
    found = await Message.get_pymongo_collection().find_one(
        {"account_id": account_id, "provider_message_id": {"$in": provider_message_ids}},
        {"conversation_id": 1},
    )
    return None if found is None else PydanticObjectId(found["conversation_id"])


async def last_quick_replies(
    account_id: PydanticObjectId, conversation_id: PydanticObjectId
) -> list[str]:
    """The payloads of the quick replies of the conversation's last public outbound message."""
    last = await Message.get_pymongo_collection().find_one(
        {
            "account_id": account_id,
            "conversation_id": conversation_id,
            "direction": "out",
            "private": False,
        },
        {"quick_replies": 1},
        sort=[("created_at", -1)],
    )
    options = (last or {}).get("quick_replies") or []
    return [str(option["payload"]) for option in options]


async def insert_outbound(message: Message, batch: InsertBatcher[Message] | None = None) -> None:
    """Store a new business-side message. ``Duplicate``: its idempotency key is taken.

    With ``batch`` (``Hub.message_inserts``) it is group-committed with the concurrent
    inserts of the process (``hub.store.batch``)."""
    if batch is not None:
        await batch.insert(message)  # raises ``Duplicate`` itself
        return
    try:
        await index_message(message).insert()
    except DuplicateKeyError:
        raise Duplicate("a message with this idempotency key is stored") from None


async def by_idempotency_key(account_id: PydanticObjectId, key: str | None) -> Message | None:
    """The account's message stored under ``key`` (an ``Idempotency-Key``)."""
    return await Message.find_one(Message.account_id == account_id, Message.idempotency_key == key)


async def thread_refs(message: Message, limit: int = 50) -> list[str]:
    """Provider ids of the conversation's messages before ``message``, oldest first."""
    docs = Message.get_pymongo_collection().find(
        {
            "account_id": message.account_id,
            "conversation_id": message.conversation_id,
            "provider_message_id": {"$type": "string"},
            "created_at": {"$lt": message.created_at},
        },
        {"provider_message_id": 1},
        sort=[("created_at", 1)],
        limit=limit,
    )
    return [d["provider_message_id"] async for d in docs]


# --------------------------------------------------------------------------- reading and noting


async def list_messages(
    account_id: PydanticObjectId, conversation_id: str, limit: int = 50, cursor: str | None = None
) -> tuple[list[Message], str | None]:
    """A conversation's messages, oldest first: windows forward from its creation on the
    ``(account_id, conversation_id, created_at)`` index."""
    conversation = await get_conversation(account_id, conversation_id)
    docs, next_cursor = await paging.read_window(
        Message.get_pymongo_collection(),
        {"account_id": account_id, "conversation_id": conversation.id},
        "created_at",
        limit=limit,
        cursor=cursor,
        descending=False,
        start=conversation.created_at,
    )
    return [Message.model_validate(d) for d in docs], next_cursor


async def recent_messages(
    account_id: PydanticObjectId, conversation: Conversation, limit: int = 200
) -> list[Message]:
    """The conversation's newest ``limit`` messages, oldest first (the inbox's thread)."""
    docs, _ = await paging.read_window(
        Message.get_pymongo_collection(),
        {"account_id": account_id, "conversation_id": conversation.id},
        "created_at",
        limit=limit,
        since=conversation.created_at - dt.timedelta(days=1),
    )
    older_first = docs[::-1]
    return [Message.model_validate(d) for d in older_first]


async def get_message(account_id: PydanticObjectId, message_id: str | PydanticObjectId) -> Message:
    """The account's message by id: an ``_id`` index look-up, the account checked after."""
    doc = await paging.by_id(Message.get_pymongo_collection(), account_id, parse_id(message_id))
    if doc is None:
        raise NotFound(str(message_id))
    message: Message = Message.model_validate(doc)
    return message


async def set_subject(
    account_id: PydanticObjectId, conversation: Conversation, subject: str
) -> None:
    """Name a thread the business starts (email): its replies then carry ``Re: <subject>``."""
    await Conversation.get_pymongo_collection().update_one(
        {"_id": conversation.id, "account_id": account_id}, {"$set": {"subject": subject}}
    )
    conversation.subject = subject


async def insert_note(message: Message) -> Message:
    """Store a private note the system writes (never sent: no outbox)."""
    await index_message(message).insert()
    return message
