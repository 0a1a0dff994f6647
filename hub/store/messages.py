"""Messages: the account's messages in their conversations."""

from __future__ import annotations

from beanie import PydanticObjectId
from pymongo.errors import DuplicateKeyError

from hub.models import Message
from hub.store.errors import Duplicate

# ---- added by rules


async def insert_message_once(message: Message) -> bool:
    """Store ``message``; False when the provider already delivered it (its unique key)."""
    try:
        await message.insert()
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


async def insert_outbound(message: Message) -> None:
    """Store a new business-side message. ``Duplicate``: its idempotency key is taken."""
    try:
        await message.insert()
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
